// Moving file content to and from the server in blocks (DESIGN.md "Content"):
//   upload   = ask which blocks the server lacks → send only those, many per request → commit.
//   download = fetch many blocks per request → check every block against its hash → use it.
// Because the missing check runs first, an upload interrupted halfway and started again sends
// only what did not arrive the first time. Requests stay within the server's limits (bytes and
// block count per request), and an optional BandwidthLimiter paces them.
import { open } from 'node:fs/promises';
import {
  BLOCK_FRAME_HEADER_BYTES,
  type BlockFrame,
  MAX_BLOCK_BATCH_BYTES,
  MAX_BLOCKS_PER_BATCH,
} from '../../../src-shared/protocol/blocks.ts';
import type { BlockRef, Item } from '../../../src-shared/protocol/common.ts';
import type { CreateItemRequest } from '../../../src-shared/protocol/items.ts';
import { type Hasher, getHasher } from '../hasher.ts';
import type { BandwidthLimiter } from './bandwidth.ts';
import type { CallOptions, MutationOutcome, RemoteClient } from './remote-client.ts';
import { RemoteError } from './remote-error.ts';

/** Block bytes per request by default: well under the server's 64 MiB, so a lost request costs little. */
export const DEFAULT_REQUEST_BYTES = 16 * 1024 * 1024;

export interface TransferOptions extends CallOptions {
  /** Block bytes per request; capped at the server's MAX_BLOCK_BATCH_BYTES. */
  maxRequestBytes?: number;
  hasher?: Hasher;
  limiter?: BandwidthLimiter;
  /** Told after each request with the bytes of block data it carried. */
  onProgress?: (bytes: number) => void;
}

/** Reads one block of the local file (the engine knows where: chunkFile's offsets). */
export type BlockReader = (block: BlockRef, index: number) => Promise<Uint8Array>;

export interface TransferStats {
  /** Distinct blocks sent or received. */
  blocks: number;
  /** Their bytes (frame headers not counted). */
  bytes: number;
  requests: number;
}

/** Groups blocks into requests: each at most `maxBytes` of data (at least one block) and MAX_BLOCKS_PER_BATCH blocks. */
export function planRequests<T extends { size: number }>(blocks: readonly T[], maxBytes: number): T[][] {
  const limit = Math.min(Math.max(1, maxBytes), MAX_BLOCK_BATCH_BYTES);
  const groups: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const block of blocks) {
    if (current.length > 0 && (bytes + block.size > limit || current.length >= MAX_BLOCKS_PER_BATCH)) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(block);
    bytes += block.size;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

function distinct(blocks: readonly BlockRef[]): { block: BlockRef; index: number }[] {
  const seen = new Set<string>();
  const out: { block: BlockRef; index: number }[] = [];
  blocks.forEach((block, index) => {
    if (seen.has(block.hash)) return;
    seen.add(block.hash);
    out.push({ block, index });
  });
  return out;
}

/**
 * Sends those of `blocks` the server lacks. Each block is read and checked against its hash
 * first: a file that changed since it was chunked is an error (read it again), never a wrong
 * block on the server.
 */
export async function uploadMissingBlocks(
  client: RemoteClient,
  blocks: readonly BlockRef[],
  read: BlockReader,
  options: TransferOptions = {},
): Promise<TransferStats> {
  const stats: TransferStats = { blocks: 0, bytes: 0, requests: 0 };
  if (blocks.length === 0) return stats;
  const call = options.signal ? { signal: options.signal } : {};
  const missing = new Set(await client.missingBlocks(blocks.map((block) => block.hash), call));
  const toSend = distinct(blocks).filter(({ block }) => missing.has(block.hash));
  const hasher = options.hasher ?? (await getHasher());
  for (const group of planRequests(toSend.map((entry) => ({ ...entry, size: entry.block.size })), options.maxRequestBytes ?? DEFAULT_REQUEST_BYTES)) {
    const frames: BlockFrame[] = [];
    let bytes = 0;
    for (const { block, index } of group) {
      const data = await read(block, index);
      if (data.length !== block.size || hasher.hash(data) !== block.hash) {
        throw new RemoteError('The file changed while it was being uploaded; it will be read again.', { kind: 'permanent', code: 'source_changed' });
      }
      frames.push({ hash: block.hash, data });
      bytes += data.length;
    }
    await options.limiter?.take(bytes + frames.length * BLOCK_FRAME_HEADER_BYTES, options.signal);
    await client.uploadBlocks(frames, call);
    stats.blocks += frames.length;
    stats.bytes += bytes;
    stats.requests += 1;
    options.onProgress?.(bytes);
  }
  return stats;
}

/** Where an uploaded file's content goes: a new file, or a new version of an existing one. */
export type UploadTarget =
  | { kind: 'create'; item: Omit<CreateItemRequest, 'content' | 'kind'> }
  | { kind: 'commit'; id: string; ifMatch: string; clientMtime?: number | null; executable?: boolean };

export interface UploadFileInput {
  content: { hash: string; blocks: BlockRef[] };
  read: BlockReader;
  target: UploadTarget;
  /** The key of this logical upload's commit (journal it to survive a crash); default a fresh one. */
  idempotencyKey?: string;
}

/**
 * Uploads a file: missing check, the missing blocks, then the commit (or create) with If-Match.
 * Run it again after an interruption and only what the server still lacks is sent.
 */
export async function uploadFile(
  client: RemoteClient,
  input: UploadFileInput,
  options: TransferOptions = {},
): Promise<{ outcome: MutationOutcome; sent: TransferStats }> {
  const sent = await uploadMissingBlocks(client, input.content.blocks, input.read, options);
  const mutation = {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(input.idempotencyKey ? { idempotencyKey: input.idempotencyKey } : {}),
  };
  const content = { hash: input.content.hash, blocks: input.content.blocks.map(({ hash, size }) => ({ hash, size })) };
  const { target } = input;
  const outcome =
    target.kind === 'create'
      ? await client.createItem({ ...target.item, kind: 'file', content }, mutation)
      : await client.commitContent(
          target.id,
          target.ifMatch,
          {
            ...content,
            ...(target.clientMtime === undefined ? {} : { client_mtime: target.clientMtime }),
            ...(target.executable === undefined ? {} : { executable: target.executable }),
          },
          mutation,
        );
  return { outcome, sent };
}

/** A reader for blocks at known offsets of one local file (chunkFile's FileBlock list). */
export async function openFileBlockReader(path: string, offsets: readonly number[]): Promise<{ read: BlockReader; close: () => Promise<void> }> {
  const handle = await open(path, 'r');
  return {
    read: async (block, index) => {
      const offset = offsets[index];
      if (offset === undefined) throw new RangeError(`Block ${index} has no known offset in ${path}.`);
      const data = new Uint8Array(block.size);
      const { bytesRead } = await handle.read(data, 0, block.size, offset);
      return bytesRead === block.size ? data : data.subarray(0, bytesRead);
    },
    close: () => handle.close(),
  };
}

/** How many times a request whose blocks fail their hash check is asked again before giving up. */
const BAD_BLOCK_ATTEMPTS = 3;

/**
 * Downloads `blocks` (each distinct hash once), many per request, and hands every block to
 * `onBlock` only after its bytes match its hash and size. A block that does not match is asked
 * again; if it keeps failing, the download fails with bad_block and nothing wrong was used.
 */
export async function downloadBlocks(
  client: RemoteClient,
  blocks: readonly BlockRef[],
  onBlock: (block: BlockRef, data: Uint8Array) => void | Promise<void>,
  options: TransferOptions = {},
): Promise<TransferStats> {
  const stats: TransferStats = { blocks: 0, bytes: 0, requests: 0 };
  const hasher = options.hasher ?? (await getHasher());
  const call = options.signal ? { signal: options.signal } : {};
  const unique = distinct(blocks).map(({ block }) => block);
  for (const group of planRequests(unique, options.maxRequestBytes ?? DEFAULT_REQUEST_BYTES)) {
    const bytes = group.reduce((sum, block) => sum + block.size, 0);
    await options.limiter?.take(bytes + group.length * BLOCK_FRAME_HEADER_BYTES, options.signal);
    let verified: Uint8Array[] | undefined;
    let problem = '';
    for (let attempt = 0; attempt < BAD_BLOCK_ATTEMPTS && !verified; attempt += 1) {
      const frames = await client.fetchBlocks(group.map((block) => block.hash), call);
      stats.requests += 1;
      problem = checkFrames(group, frames, hasher);
      if (!problem) verified = frames.map((frame) => frame.data);
    }
    if (!verified) {
      throw new RemoteError(`The sync server sent damaged data (${problem}); the download was not used.`, { kind: 'retryable', code: 'bad_block' });
    }
    for (let i = 0; i < group.length; i += 1) await onBlock(group[i]!, verified[i]!);
    stats.blocks += group.length;
    stats.bytes += bytes;
    options.onProgress?.(bytes);
  }
  return stats;
}

function checkFrames(asked: readonly BlockRef[], frames: readonly BlockFrame[], hasher: Hasher): string {
  if (frames.length !== asked.length) return `${frames.length} blocks instead of ${asked.length}`;
  for (let i = 0; i < asked.length; i += 1) {
    const want = asked[i]!;
    const got = frames[i]!;
    if (got.hash !== want.hash) return `block ${i + 1} is ${got.hash}, not ${want.hash}`;
    if (got.data.length !== want.size) return `block ${want.hash} is ${got.data.length} bytes, not ${want.size}`;
    if (hasher.hash(got.data) !== want.hash) return `block ${want.hash} does not match its hash`;
  }
  return '';
}

/**
 * Downloads a file's blocks into `path` (created or truncated; the executor's temp file), each
 * block written at every offset where the file uses it, then flushed to disk. The caller checks
 * the target is unchanged and renames the temp file into place.
 */
export async function downloadToFile(
  client: RemoteClient,
  file: Pick<Item, 'size'> & { blocks: BlockRef[] },
  path: string,
  options: TransferOptions = {},
): Promise<TransferStats> {
  const offsets = new Map<string, number[]>();
  let offset = 0;
  for (const block of file.blocks) {
    const list = offsets.get(block.hash);
    if (list) list.push(offset);
    else offsets.set(block.hash, [offset]);
    offset += block.size;
  }
  if (offset !== file.size) {
    throw new RemoteError(`The file's block list adds up to ${offset} bytes, not ${file.size}.`, { kind: 'permanent', code: 'bad_response' });
  }
  const handle = await open(path, 'w');
  try {
    const stats = await downloadBlocks(
      client,
      file.blocks,
      async (block, data) => {
        for (const at of offsets.get(block.hash) ?? []) await handle.write(data, 0, data.length, at);
      },
      options,
    );
    await handle.truncate(file.size);
    await handle.sync();
    return stats;
  } finally {
    await handle.close();
  }
}
