// The engine's typed HTTP client for the sync server (src-shared/protocol): one instance per
// account on one server. Every answer is checked against the shared zod schemas before the engine
// sees it; every failure is a RemoteError, classified retryable or permanent (remote-error.ts);
// retryable ones are retried with backoff and jitter (retry.ts). The two answers the engine must
// act on rather than report are typed results instead of errors: 412 precondition_failed carries
// the server's current item (rebase and try again), 410 cursor_expired means "list everything again".
//
// Idempotency: each logical mutation gets ONE Idempotency-Key (the caller's, or a fresh UUID),
// and every retry of it re-sends that same key, so a commit whose answer was lost on the way back
// is not applied twice. Callers that journal operations across crashes pass their own key.
//
// Connections: Node's fetch (undici) keeps connections alive and reuses them by default; the
// integration test checks that many requests share one socket. Block uploads and downloads go
// over node:http(s) with a keep-alive agent instead (unless a fetch is passed in): fetch copies an
// upload body twice and a download once more than needed, which for a 1 GiB file was most of the
// sending side's CPU outside hashing (profiled: ~0.8 of 2.9 CPU-s per 256 MiB on the uploader).
import { randomUUID } from 'node:crypto';
import { Agent as HttpAgent, type IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { z } from 'zod';
import {
  type Account,
  type LoginResponse,
  accountSchema,
  loginResponseSchema,
} from '../../../src-shared/protocol/auth.ts';
import { API_PREFIX, HEADER, apiPath } from '../../../src-shared/protocol/api.ts';
import {
  BLOCK_FRAME_HEADER_BYTES,
  BLOCK_FRAMES_CONTENT_TYPE,
  type BlockFrame,
  BlockFrameSplitter,
  MAX_BLOCK_BATCH_BYTES,
  MAX_BLOCK_SIZE,
  MAX_BLOCKS_PER_BATCH,
  MAX_HASHES_PER_REQUEST,
  MissingBlocksResponseSchema,
  type UploadBlocksResponse,
  UploadBlocksResponseSchema,
  blockHashFromBytes,
  decodeBlockFrames,
  encodeBlockFrameHeader,
} from '../../../src-shared/protocol/blocks.ts';
import {
  type ChangesResponse,
  type FolderChangesResponse,
  changesResponseSchema,
  folderChangesResponseSchema,
} from '../../../src-shared/protocol/changes.ts';
import { type Item, type ItemWithBlocks, errorBodySchema } from '../../../src-shared/protocol/common.ts';
import {
  type BatchOperation,
  type BlockListResponse,
  type CommitContentRequest,
  type CreateItemRequest,
  type UpdateItemRequest,
  batchResponseSchema,
  blockListResponseSchema,
  childrenResponseSchema,
  itemResponseSchema,
} from '../../../src-shared/protocol/items.ts';
import { trashListSchema, versionListSchema, versionWithBlocksSchema, type Version, type VersionWithBlocks } from '../../../src-shared/protocol/versions.ts';
import { RemoteError, isRetryableStatus, networkError, parseRetryAfter, statusMessage } from './remote-error.ts';
import { type Clock, type RetryPolicy, DEFAULT_RETRY_POLICY, cancelled, systemClock, withRetry } from './retry.ts';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface RemoteClientOptions {
  /** The server's base URL, e.g. http://nas.local:8750 (no /v1). */
  serverUrl: string;
  /** The device token from login; login() sets it too. */
  token?: string;
  /** Tests wrap fetch to count bytes or cut connections; default the global fetch. */
  fetch?: FetchLike;
  retry?: RetryPolicy;
  clock?: Clock;
  random?: () => number;
  /** A JSON request with no answer after this long is abandoned (and retried). Default 60 s. */
  requestTimeoutMs?: number;
  /** Block uploads and downloads carry up to 64 MiB; they get longer. Default 5 minutes. */
  transferTimeoutMs?: number;
  /** Makes Idempotency-Keys; default random UUIDs. */
  newIdempotencyKey?: () => string;
  /** Told before every retry wait (logs, status). */
  onRetry?: (error: RemoteError, attempt: number, delayMs: number) => void;
}

/** Per-call options. */
export interface CallOptions {
  signal?: AbortSignal;
}

export interface MutationOptions extends CallOptions {
  /** The key for this logical operation; default a fresh one (reused by this call's retries). */
  idempotencyKey?: string;
}

/** A mutation either applied, or was refused because the item moved on (412). */
export type MutationOutcome =
  | { ok: true; item: ItemWithBlocks }
  | { ok: false; reason: 'precondition_failed'; current: Item; message: string };

export type ChangesOutcome =
  | { ok: true; page: ChangesResponse }
  /** serverRestored: the cursor is ahead of the server (410 cursor_ahead): its data went back in time. */
  | { ok: false; reason: 'cursor_expired'; message: string; serverRestored?: true };

export type FolderChangesOutcome =
  | { ok: true; page: FolderChangesResponse }
  | { ok: false; reason: 'cursor_expired'; message: string };

/** One operation's result inside a batch. */
export type BatchOutcome =
  | { ok: true; status: number; item: Item | undefined }
  | { ok: false; status: number; code: string; message: string; current: Item | undefined };

export interface BatchOutput {
  results: BatchOutcome[];
  /** The namespace cursor after the last chunk. */
  cursor: string;
}

/** The most operations the server takes in one batch request. */
export const MAX_BATCH_OPERATIONS = 1000;

interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  json?: unknown;
  /** A binary body in pieces, sent one after another (block frames: headers and block views). */
  pieces?: readonly Uint8Array[];
  /** A block transfer: over node:http(s) when this client has its own agent (no fetch passed in). */
  transfer?: boolean;
  /** The answer is block frames: taken apart as they arrive (over node:http). */
  framesAnswer?: boolean;
  timeoutMs?: number;
  signal?: AbortSignal | undefined;
  /** Sent without the device token (login). */
  anonymous?: boolean;
  /** Overrides the client's retry policy for this call. */
  policy?: RetryPolicy;
}

interface RawResponse {
  status: number;
  retryAfter: string | null;
  body: Uint8Array;
  /** A block download's frames, when they were taken apart as they arrived (`body` is then empty). */
  frames?: BlockFrame[];
}

export class RemoteClient {
  readonly serverUrl: string;
  #token: string | undefined;
  readonly #fetch: FetchLike;
  /** For block transfers; undefined when a fetch was passed in (tests watch the wire through it). */
  readonly #agent: HttpAgent | undefined;
  readonly #policy: RetryPolicy;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #requestTimeoutMs: number;
  readonly #transferTimeoutMs: number;
  readonly #newKey: () => string;
  readonly #onRetry: RemoteClientOptions['onRetry'];

  constructor(options: RemoteClientOptions) {
    let url: URL;
    try {
      url = new URL(options.serverUrl);
    } catch {
      throw new RemoteError(`"${options.serverUrl}" is not a server address; expected something like http://host:8750.`, { kind: 'permanent', code: 'bad_request' });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new RemoteError(`"${options.serverUrl}" is not an http:// or https:// address.`, { kind: 'permanent', code: 'bad_request' });
    }
    this.serverUrl = url.origin + url.pathname.replace(/\/+$/, '');
    this.#token = options.token;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    // Idle sockets are unref'd by the agent: they keep no process alive.
    this.#agent = options.fetch ? undefined : url.protocol === 'https:' ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
    this.#policy = options.retry ?? DEFAULT_RETRY_POLICY;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
    this.#transferTimeoutMs = options.transferTimeoutMs ?? 300_000;
    this.#newKey = options.newIdempotencyKey ?? randomUUID;
    this.#onRetry = options.onRetry;
  }

  get token(): string | undefined {
    return this.#token;
  }

  /** The WebSocket URL of /v1/notify on this server. */
  get notifyUrl(): string {
    return this.serverUrl.replace(/^http/, 'ws') + apiPath.notify();
  }

  /** A fresh Idempotency-Key, for callers that journal an operation before sending it. */
  newIdempotencyKey(): string {
    return this.#newKey();
  }

  // ---- accounts -------------------------------------------------------------------------------

  /** Signs in with a password; the device token it returns is used from now on. */
  async login(user: string, password: string, deviceName: string, options: CallOptions = {}): Promise<LoginResponse> {
    const answer = await this.#json(loginResponseSchema, 'the sign-in answer', {
      method: 'POST',
      path: apiPath.login(),
      json: { user, password, device_name: deviceName },
      anonymous: true,
      // A person is waiting: "too many attempts, try again in 15 minutes" is an answer, not a wait.
      policy: { ...this.#policy, maxRetryAfterMs: 0 },
      signal: options.signal,
    });
    this.#token = answer.token;
    return answer;
  }

  account(options: CallOptions = {}): Promise<Account> {
    return this.#json(accountSchema, 'the account', { method: 'GET', path: apiPath.account(), signal: options.signal });
  }

  // ---- items ----------------------------------------------------------------------------------

  getItem(id: string, options: CallOptions = {}): Promise<ItemWithBlocks> {
    return this.#json(itemResponseSchema, 'an item', { method: 'GET', path: apiPath.item(id), signal: options.signal });
  }

  /** Creates a file or folder (a file may carry its first content). 412 cannot happen here. */
  createItem(request: CreateItemRequest, options: MutationOptions = {}): Promise<MutationOutcome> {
    return this.#mutation({ method: 'POST', path: apiPath.items(), json: request }, options);
  }

  /** Commits a file's new block list; `ifMatch` is the ETag the content is based on. */
  commitContent(id: string, ifMatch: string, content: CommitContentRequest, options: MutationOptions = {}): Promise<MutationOutcome> {
    return this.#mutation({ method: 'PUT', path: apiPath.itemContent(id), json: content, headers: { [HEADER.ifMatch]: ifMatch } }, options);
  }

  /** Moves and/or renames (one atomic step), or changes mtime/executable. */
  updateItem(id: string, ifMatch: string, changes: UpdateItemRequest, options: MutationOptions = {}): Promise<MutationOutcome> {
    return this.#mutation({ method: 'PATCH', path: apiPath.item(id), json: changes, headers: { [HEADER.ifMatch]: ifMatch } }, options);
  }

  /** Moves an item to the trash; with `seenCursor`, what changed inside after it stays. */
  deleteItem(id: string, ifMatch: string, options: MutationOptions & { seenCursor?: string } = {}): Promise<MutationOutcome> {
    return this.#mutation(
      { method: 'DELETE', path: apiPath.item(id), query: { seen_cursor: options.seenCursor }, headers: { [HEADER.ifMatch]: ifMatch } },
      options,
    );
  }

  /**
   * Many small mutations in as few requests as possible (up to MAX_BATCH_OPERATIONS each). Every
   * operation without a key gets one, and each request has its own batch key, so a retried
   * request is answered from the server's memory instead of applied twice.
   */
  async batch(operations: readonly BatchOperation[], options: CallOptions = {}): Promise<BatchOutput> {
    if (operations.length === 0) throw new RemoteError('A batch needs at least one operation.', { kind: 'permanent', code: 'bad_request' });
    const keyed = operations.map((op) => (op.idempotency_key ? op : { ...op, idempotency_key: this.#newKey() }));
    const results: BatchOutcome[] = [];
    let cursor = '';
    for (let start = 0; start < keyed.length; start += MAX_BATCH_OPERATIONS) {
      const chunk = keyed.slice(start, start + MAX_BATCH_OPERATIONS);
      const batchKey = this.#newKey();
      const answer = await this.#json(batchResponseSchema, 'the batch answer', {
        method: 'POST',
        path: apiPath.batch(),
        json: { operations: chunk },
        headers: { [HEADER.idempotencyKey]: batchKey },
        timeoutMs: this.#transferTimeoutMs,
        signal: options.signal,
      });
      if (answer.results.length !== chunk.length) {
        throw badResponse(`the batch answer has ${answer.results.length} results for ${chunk.length} operations`);
      }
      for (const result of answer.results) {
        if (result.status >= 200 && result.status < 300) {
          results.push({ ok: true, status: result.status, item: result.item });
        } else {
          results.push({
            ok: false,
            status: result.status,
            code: result.error?.code ?? `http_${result.status}`,
            message: result.error?.message ?? statusMessage(result.status),
            current: result.error?.item,
          });
        }
      }
      cursor = answer.cursor;
    }
    return { results, cursor };
  }

  /** Every live child of a folder, all pages, with the folder cursor taken at the first page. */
  async listChildren(folderId: string, options: CallOptions = {}): Promise<{ items: Item[]; cursor: string }> {
    const items: Item[] = [];
    let after: string | undefined;
    let cursor: string | undefined;
    do {
      const page = await this.#json(childrenResponseSchema, 'a folder listing', {
        method: 'GET',
        path: apiPath.itemChildren(folderId),
        query: { after, limit: 1000 },
        signal: options.signal,
      });
      items.push(...page.items);
      cursor ??= page.cursor;
      after = page.next_after ?? undefined;
    } while (after !== undefined);
    return { items, cursor };
  }

  // ---- changes --------------------------------------------------------------------------------

  /** One page of the namespace feed since `cursor` (undefined: from the start). */
  async changes(cursor: string | undefined, options: CallOptions & { limit?: number; blocks?: boolean } = {}): Promise<ChangesOutcome> {
    try {
      const page = await this.#json(changesResponseSchema, 'a page of changes', {
        method: 'GET',
        path: apiPath.changes(),
        query: { cursor, limit: options.limit, blocks: options.blocks ? 'true' : undefined },
        signal: options.signal,
      });
      return { ok: true, page };
    } catch (error) {
      if (error instanceof RemoteError && error.status === 410) {
        return { ok: false, reason: 'cursor_expired', message: error.message, ...(error.code === 'cursor_ahead' ? { serverRestored: true as const } : {}) };
      }
      throw error;
    }
  }

  /**
   * Every page from `cursor` until the feed has no more, in order. Yields a cursor_expired
   * outcome (and stops) if the server no longer has the changes since `cursor`.
   */
  async *changesSince(cursor: string | undefined, options: CallOptions & { limit?: number; blocks?: boolean } = {}): AsyncGenerator<ChangesOutcome> {
    let next = cursor;
    for (;;) {
      const outcome = await this.changes(next, options);
      yield outcome;
      if (!outcome.ok || !outcome.page.has_more) return;
      next = outcome.page.cursor;
    }
  }

  /** One page of what entered, changed in or left one folder since its cursor. */
  async folderChanges(folderId: string, cursor: string | undefined, options: CallOptions & { limit?: number } = {}): Promise<FolderChangesOutcome> {
    try {
      const page = await this.#json(folderChangesResponseSchema, 'a page of folder changes', {
        method: 'GET',
        path: apiPath.itemChanges(folderId),
        query: { cursor, limit: options.limit },
        signal: options.signal,
      });
      return { ok: true, page };
    } catch (error) {
      if (error instanceof RemoteError && error.status === 410) return { ok: false, reason: 'cursor_expired', message: error.message };
      throw error;
    }
  }

  // ---- versions and trash ---------------------------------------------------------------------

  async versions(id: string, options: CallOptions = {}): Promise<Version[]> {
    const answer = await this.#json(versionListSchema, 'a version list', { method: 'GET', path: apiPath.itemVersions(id), signal: options.signal });
    return answer.versions;
  }

  /** One version with its block list (downloadToFile then gets its bytes). */
  version(id: string, version: number, options: CallOptions = {}): Promise<VersionWithBlocks> {
    return this.#json(versionWithBlocksSchema, 'a version', { method: 'GET', path: apiPath.itemVersion(id, version), signal: options.signal });
  }

  /**
   * One version's block list, as a delta from the version whose content is `baseHash` when the
   * server still has it and the delta pays (else whole): the engine's way to learn a changed big
   * file's new list, which the changes feed leaves out.
   */
  versionBlocks(id: string, version: number, baseHash: string | undefined, options: CallOptions = {}): Promise<BlockListResponse> {
    return this.#json(blockListResponseSchema, 'a block list', {
      method: 'GET',
      path: apiPath.itemVersionBlocks(id, version),
      query: { base: baseHash },
      signal: options.signal,
    });
  }

  /** Makes an old version current again (as a new version). */
  restoreVersion(id: string, version: number, ifMatch: string, options: MutationOptions = {}): Promise<MutationOutcome> {
    return this.#mutation({ method: 'POST', path: apiPath.restoreVersion(id, version), headers: { [HEADER.ifMatch]: ifMatch } }, options);
  }

  async trash(options: CallOptions = {}) {
    const answer = await this.#json(trashListSchema, 'the trash', { method: 'GET', path: apiPath.trash(), signal: options.signal });
    return answer.entries;
  }

  restoreFromTrash(id: string, options: MutationOptions = {}): Promise<MutationOutcome> {
    return this.#mutation({ method: 'POST', path: apiPath.restoreFromTrash(id) }, options);
  }

  /** Removes a trash entry for good. Purging twice is harmless, so a retry needs no key. */
  async purgeFromTrash(id: string, options: CallOptions = {}): Promise<void> {
    await this.#send({ method: 'DELETE', path: apiPath.trashEntry(id), signal: options.signal });
  }

  // ---- blocks (the raw calls; block-transfer.ts builds uploads and downloads on them) -----------

  /** Which of these blocks the server lacks (for this account); any number of hashes. */
  async missingBlocks(hashes: readonly string[], options: CallOptions = {}): Promise<string[]> {
    const unique = [...new Set(hashes)];
    const missing: string[] = [];
    for (let start = 0; start < unique.length; start += MAX_HASHES_PER_REQUEST) {
      const answer = await this.#json(MissingBlocksResponseSchema, 'the missing-blocks answer', {
        method: 'POST',
        path: `${API_PREFIX}/blocks/missing`,
        json: { hashes: unique.slice(start, start + MAX_HASHES_PER_REQUEST) },
        signal: options.signal,
      });
      missing.push(...answer.missing);
    }
    return missing;
  }

  /**
   * Uploads blocks in ONE request (the caller keeps it within the server's limits). Idempotent.
   * The blocks' bytes are sent as they are, each behind its frame header: never joined into one body.
   */
  uploadBlocks(blocks: readonly BlockFrame[], options: CallOptions = {}): Promise<UploadBlocksResponse> {
    const pieces: Uint8Array[] = [];
    for (const block of blocks) pieces.push(encodeBlockFrameHeader(block.hash, block.data.length), block.data);
    return this.#upload(pieces, options);
  }

  /** Uploads an already framed body in one request. Idempotent: a block stored twice is stored once. */
  uploadFrames(body: Uint8Array, options: CallOptions = {}): Promise<UploadBlocksResponse> {
    return this.#upload([body], options);
  }

  #upload(pieces: readonly Uint8Array[], options: CallOptions): Promise<UploadBlocksResponse> {
    return this.#json(UploadBlocksResponseSchema, 'the upload answer', {
      method: 'POST',
      path: `${API_PREFIX}/blocks`,
      pieces,
      transfer: true,
      timeoutMs: this.#transferTimeoutMs,
      signal: options.signal,
    });
  }

  /**
   * Downloads blocks in ONE request, as frames in the order asked (each hash once). The frames
   * are NOT yet checked against their hashes: block-transfer.ts does that before anyone uses them.
   */
  async fetchBlocks(hashes: readonly string[], options: CallOptions = {}): Promise<BlockFrame[]> {
    const response = await this.#send({
      method: 'POST',
      path: `${API_PREFIX}/blocks/fetch`,
      json: { hashes },
      transfer: true,
      framesAnswer: true,
      timeoutMs: this.#transferTimeoutMs,
      signal: options.signal,
    });
    if (response.frames) return response.frames;
    try {
      return decodeBlockFrames(response.body, { maxBlocks: MAX_BLOCKS_PER_BATCH });
    } catch (error) {
      throw badResponse(`the block download is malformed (${error instanceof Error ? error.message : String(error)})`, error);
    }
  }

  // ---- plumbing -------------------------------------------------------------------------------

  async #mutation(spec: Omit<RequestSpec, 'signal'>, options: MutationOptions): Promise<MutationOutcome> {
    const key = options.idempotencyKey ?? this.#newKey();
    try {
      const item = await this.#json(itemResponseSchema, 'the changed item', {
        ...spec,
        headers: { ...spec.headers, [HEADER.idempotencyKey]: key },
        signal: options.signal,
      });
      return { ok: true, item };
    } catch (error) {
      if (error instanceof RemoteError && error.status === 412) {
        if (!error.item) throw badResponse('a 412 answer did not say what the item is now', error);
        return { ok: false, reason: 'precondition_failed', current: error.item, message: error.message };
      }
      throw error;
    }
  }

  async #json<T extends z.ZodType>(schema: T, what: string, spec: RequestSpec): Promise<z.infer<T>> {
    const response = await this.#send(spec);
    return parseBody(schema, what, response.body);
  }

  /** One logical request, retried as the policy allows; non-2xx answers become RemoteErrors. */
  #send(spec: RequestSpec): Promise<RawResponse> {
    return withRetry(() => this.#once(spec), {
      policy: spec.policy ?? this.#policy,
      clock: this.#clock,
      random: this.#random,
      ...(spec.signal ? { signal: spec.signal } : {}),
      ...(this.#onRetry ? { onRetry: this.#onRetry } : {}),
    });
  }

  async #once(spec: RequestSpec): Promise<RawResponse> {
    const url = new URL(this.serverUrl + spec.path);
    for (const [name, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = { accept: 'application/json', ...spec.headers };
    if (!spec.anonymous) {
      if (!this.#token) throw new RemoteError('This device is not signed in to the sync server; sign in first.', { kind: 'permanent', code: 'unauthorized' });
      headers[HEADER.authorization] = `Bearer ${this.#token}`;
    }
    let body: string | readonly Uint8Array[] | undefined;
    // Fastify refuses an empty body declared as JSON, so a body-less request declares no type.
    if (spec.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(spec.json);
    } else if (spec.pieces !== undefined) {
      headers['content-type'] = BLOCK_FRAMES_CONTENT_TYPE;
      body = spec.pieces;
    }
    const timeout = AbortSignal.timeout(spec.timeoutMs ?? this.#requestTimeoutMs);
    const signal = spec.signal ? AbortSignal.any([spec.signal, timeout]) : timeout;
    let response: RawResponse;
    try {
      response =
        spec.transfer && this.#agent
          ? await requestOverHttp(this.#agent, url, spec.method, headers, typeof body === 'string' ? [Buffer.from(body)] : body, signal, spec.framesAnswer === true)
          : await this.#requestOverFetch(url, spec.method, headers, body, signal);
    } catch (error) {
      if (spec.signal?.aborted) throw cancelled(spec.signal);
      if (error instanceof RemoteError) throw error;
      throw networkError(this.serverUrl, error, timeout.aborted);
    }
    if (response.status >= 200 && response.status < 300) return response;
    throw this.#errorFrom(response);
  }

  async #requestOverFetch(url: URL, method: string, headers: Record<string, string>, body: string | readonly Uint8Array[] | undefined, signal: AbortSignal): Promise<RawResponse> {
    const sent = typeof body === 'string' || body === undefined ? body : body.length === 1 ? body[0]! : Buffer.concat(body);
    const response = await this.#fetch(url.toString(), { method, headers, ...(sent === undefined ? {} : { body: sent as NonNullable<RequestInit['body']> }), signal });
    const bytes = new Uint8Array(await response.arrayBuffer());
    return { status: response.status, retryAfter: response.headers.get('retry-after'), body: bytes };
  }

  #errorFrom(response: RawResponse): RemoteError {
    const { status, body: bytes } = response;
    const retryAfterMs = parseRetryAfter(response.retryAfter, this.#clock.now());
    const kind = isRetryableStatus(status) ? 'retryable' : 'permanent';
    let parsed: z.infer<typeof errorBodySchema> | undefined;
    try {
      const result = errorBodySchema.safeParse(JSON.parse(new TextDecoder().decode(bytes)));
      if (result.success) parsed = result.data;
    } catch {
      // Not JSON (a proxy's HTML page, say): the status alone says what happened.
    }
    // A 5xx body says "see the server log"; people need to know Tandem will try again.
    const message = parsed && status < 500 ? oneLine(parsed.message) : statusMessage(status);
    return new RemoteError(message, {
      kind,
      code: parsed?.code ?? `http_${status}`,
      status,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      ...(parsed?.item ? { item: parsed.item } : {}),
    });
  }
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

function badResponse(detail: string, cause?: unknown): RemoteError {
  return new RemoteError(`The sync server sent an answer Tandem does not understand: ${detail}. Is it a Tandem server of a matching version?`, {
    kind: 'permanent',
    code: 'bad_response',
    cause,
  });
}

function parseBody<T extends z.ZodType>(schema: T, what: string, body: Uint8Array): z.infer<T> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(body));
  } catch (error) {
    throw badResponse(`${what} is not JSON`, error);
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? ` at "${issue.path.join('.')}"` : '';
    throw badResponse(`${what} does not match the protocol${where} (${issue?.message ?? 'wrong shape'})`, result.error);
  }
  return result.data;
}

/** The longest block download answer taken apart as it arrives (longer ones are read whole first). */
const MAX_FRAMES_ANSWER_BYTES = MAX_BLOCK_BATCH_BYTES + MAX_BLOCKS_PER_BATCH * BLOCK_FRAME_HEADER_BYTES;

/**
 * One request over node:http(s): the body's pieces written as they are (corked: few syscalls, no
 * copy), the answer read whole; with `framesAnswer`, a successful answer of known length is taken
 * apart into block frames as it arrives. A connection that closes before the answer is complete
 * fails like any network error (retried).
 */
function requestOverHttp(
  agent: HttpAgent,
  url: URL,
  method: string,
  headers: Record<string, string>,
  pieces: readonly Uint8Array[] | undefined,
  signal: AbortSignal,
  framesAnswer: boolean,
): Promise<RawResponse> {
  const length = pieces?.reduce((sum, piece) => sum + piece.length, 0) ?? 0;
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<RawResponse>((resolve, reject) => {
    const request = send(url, { method, agent, signal, headers: { ...headers, 'content-length': String(length) } }, (response) => {
      const status = response.statusCode ?? 0;
      const declared = Number(response.headers['content-length']);
      const frames =
        framesAnswer && status >= 200 && status < 300 && Number.isSafeInteger(declared) && declared <= MAX_FRAMES_ANSWER_BYTES ? new FrameReader(declared) : undefined;
      const chunks: Buffer[] = [];
      let malformed: RemoteError | undefined;
      response.on('data', (chunk: Buffer) => {
        if (!frames) chunks.push(chunk);
        else if (!malformed) malformed = frames.push(chunk);
      });
      response.on('error', reject);
      response.on('close', () => {
        if (!response.complete) {
          reject(Object.assign(new Error('The connection closed before the answer was complete.'), { code: 'ECONNRESET' }));
          return;
        }
        const retryAfter = headerValue(response.headers, 'retry-after');
        if (frames) {
          malformed ??= frames.finish();
          if (malformed) reject(malformed);
          else resolve({ status, retryAfter, body: new Uint8Array(0), frames: frames.frames });
          return;
        }
        resolve({ status, retryAfter, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) });
      });
    });
    request.on('error', reject);
    if (pieces && pieces.length > 0) {
      request.cork();
      for (const piece of pieces) request.write(piece);
      request.uncork();
    }
    request.end();
  });
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | null {
  const value = headers[name];
  return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
}

/**
 * Takes a block download apart as it arrives (split by BlockFrameSplitter): the blocks' bytes laid
 * back to back in one buffer, each frame a view of it. A file's neighbouring blocks then sit in
 * memory as in the file, and are written in one go without first being joined (a copy of every byte).
 */
class FrameReader {
  readonly frames: BlockFrame[] = [];
  readonly #data: Uint8Array;
  #used = 0;
  #hash = '';
  #blockStart = 0;
  readonly #splitter = new BlockFrameSplitter({
    header: (digest, size, frame) => {
      if (frame > MAX_BLOCKS_PER_BATCH) throw badResponse(`the block download carries more than ${MAX_BLOCKS_PER_BATCH} blocks`);
      if (size > MAX_BLOCK_SIZE || this.#used + size > this.#data.length) {
        throw badResponse(`the block download is malformed (block ${frame} claims ${size} bytes)`);
      }
      this.#hash = blockHashFromBytes(digest);
      this.#blockStart = this.#used;
    },
    bytes: (piece) => {
      this.#data.set(piece, this.#used);
      this.#used += piece.length;
    },
    blockEnd: () => {
      this.frames.push({ hash: this.#hash, data: this.#data.subarray(this.#blockStart, this.#used) });
    },
  });

  /** `bodyBytes`: the answer's length, which the blocks' bytes cannot exceed. */
  constructor(bodyBytes: number) {
    this.#data = Buffer.allocUnsafe(bodyBytes);
  }

  /** Takes the next piece of the answer; a malformed answer is returned as the error to fail with. */
  push(piece: Uint8Array): RemoteError | undefined {
    try {
      this.#splitter.push(piece);
      return undefined;
    } catch (error) {
      // The handler above throws only RemoteErrors; anything else is a bug and stays one.
      if (error instanceof RemoteError) return error;
      throw error;
    }
  }

  /** The answer ended: an error if it stopped inside a frame. */
  finish(): RemoteError | undefined {
    const cut = this.#splitter.cutOff();
    return cut ? badResponse(`the block download is malformed (block ${cut.frame} is cut off)`) : undefined;
  }
}
