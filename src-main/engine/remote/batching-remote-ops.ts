// A decorator of the executor's RemoteOps port that coalesces concurrent calls into few requests
// (issue 6: 10k small files in seconds, not one request chain per file). With many operations in
// flight, each kind of call queues while a request of its kind is on the wire; when it returns,
// everything queued goes out together:
//  - commitFile, createFolder, move and delete become operations of ONE POST /v1/batch (up to
//    1000). Each keeps its own Idempotency-Key inside the batch (the server records every
//    operation's key in the batch's transaction, with a savepoint per operation, so a retried
//    operation gets its first answer, alone or in another batch). Such calls ALWAYS go through
//    the batch endpoint, even alone: the server fingerprints a key by how it was sent, and a
//    replay after a crash must look like the first attempt;
//  - missingBlocks calls merge into one question, uploadBlocks calls into one upload (capped in
//    bytes), small fetchBlocks calls into one download;
//  - knownBlocks answers from the block lists the changes feed carried, so a download of a file
//    the feed announced needs no GET of the item.
// A lone call goes out at once (setImmediate, so calls made in the same turn join it): a small
// edit pays no batching delay. Answers are the same as the undecorated port's (remote-ops.ts):
// 412 -> precondition_failed with the current item, 404/409 -> refused, other failures thrown
// as RemoteErrors, retryable or not.
import { FULL_LIST_MAX_BLOCKS } from '../../../src-shared/protocol/block-delta.ts';
import { type BlockRef, type Item, etagOf } from '../../../src-shared/protocol/common.ts';
import type { BatchOperation } from '../../../src-shared/protocol/items.ts';
import type { CommitTarget, DeleteAnswer, FileContent, RemoteAnswer, RemoteOps } from '../executor/ports.ts';
import type { BatchOutcome, BatchOutput } from './remote-client.ts';
import { MAX_BATCH_OPERATIONS } from './remote-client.ts';
import { RemoteError, isRetryableStatus } from './remote-error.ts';
import { commitBody, toTreeItem } from './remote-ops.ts';

/** What the decorator needs of the remote client: the batch endpoint. */
export interface BatchSender {
  batch(operations: readonly BatchOperation[]): Promise<BatchOutput>;
}

export interface BatchingOptions {
  /** Requests of one kind on the wire at once; calls beyond wait and go together. Default 2. */
  inFlight?: number;
  /** Block bytes per merged upload request. Default 16 MiB. */
  uploadBytes?: number;
  /** A fetch of at most this many bytes is merged with others; bigger ones go alone. Default 1 MiB. */
  smallFetchBytes?: number;
  /** Block bytes per merged download request. Default 16 MiB. */
  fetchBytes?: number;
  /** Hashes per merged missing-blocks question. Default 20,000. */
  missingHashes?: number;
  /** Operations per batch request. Default the server's 1000. */
  batchOperations?: number;
  /** JSON bytes per batch request (the server takes 32 MiB). Default 8 MiB. */
  batchBytes?: number;
  /** Blocks of the lists learned from commits and blocksSince kept at most (oldest forgotten). Default 200,000. */
  learnedBlocks?: number;
  /** Block lists already heard of (feed.ts feedBlockLists): answers knownBlocks. */
  blockLists?: { get(id: string, hash: string): BlockRef[] | undefined };
}

const MiB = 1024 * 1024;
/** Statuses that are the server refusing this one change (the next plan decides), as in remote-ops.ts. */
const REFUSALS = new Set([404, 409]);

interface Waiter<Req, Res> {
  request: Req;
  weight: number;
  resolve: (value: Res) => void;
  reject: (error: unknown) => void;
}

/**
 * Queues requests and sends them in groups: up to `inFlight` groups on the wire, each at most
 * `maxItems` requests and `maxWeight` weight (a single heavier request goes alone). Groups keep
 * arrival order.
 */
class Coalescer<Req, Res> {
  readonly #send: (requests: Req[]) => Promise<Res[]>;
  readonly #inFlight: number;
  readonly #maxItems: number;
  readonly #maxWeight: number;
  readonly #queue: Waiter<Req, Res>[] = [];
  #head = 0;
  #running = 0;
  #scheduled = false;

  constructor(send: (requests: Req[]) => Promise<Res[]>, limits: { inFlight: number; maxItems: number; maxWeight: number }) {
    this.#send = send;
    this.#inFlight = limits.inFlight;
    this.#maxItems = limits.maxItems;
    this.#maxWeight = limits.maxWeight;
  }

  submit(request: Req, weight: number): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      this.#queue.push({ request, weight, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => {
          this.#scheduled = false;
          this.#pump();
        });
      }
    });
  }

  #pump(): void {
    while (this.#running < this.#inFlight && this.#head < this.#queue.length) {
      const group: Waiter<Req, Res>[] = [];
      let weight = 0;
      while (this.#head < this.#queue.length && group.length < this.#maxItems) {
        const next = this.#queue[this.#head]!;
        if (group.length > 0 && weight + next.weight > this.#maxWeight) break;
        group.push(next);
        weight += next.weight;
        this.#head += 1;
      }
      if (this.#head === this.#queue.length) {
        this.#queue.length = 0;
        this.#head = 0;
      }
      this.#running += 1;
      // #run never rejects: every failure goes to the waiters.
      void this.#run(group).finally(() => {
        this.#running -= 1;
        this.#pump();
      });
    }
  }

  async #run(group: Waiter<Req, Res>[]): Promise<void> {
    try {
      const answers = await this.#send(group.map((waiter) => waiter.request));
      group.forEach((waiter, at) => waiter.resolve(answers[at]!));
    } catch (error) {
      for (const waiter of group) waiter.reject(error);
    }
  }
}

/** One batch operation's answer, or the error it is for this operation alone. */
type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

export function batchingRemoteOps(inner: RemoteOps, sender: BatchSender, options: BatchingOptions = {}): RemoteOps {
  const inFlight = options.inFlight ?? 2;
  const smallFetchBytes = options.smallFetchBytes ?? MiB;

  const mutations = new Coalescer<BatchOperation, Settled<BatchOutcome>>((operations) => sendBatch(sender, operations), {
    inFlight,
    maxItems: Math.min(options.batchOperations ?? MAX_BATCH_OPERATIONS, MAX_BATCH_OPERATIONS),
    maxWeight: options.batchBytes ?? 8 * MiB,
  });
  const batched = async (operation: BatchOperation): Promise<BatchOutcome> => {
    const settled = await mutations.submit(operation, operationWeight(operation));
    if (!settled.ok) throw settled.error;
    return settled.value;
  };

  const missing = new Coalescer<readonly string[], string[]>(
    async (questions) => {
      const absent = new Set(await inner.missingBlocks([...new Set(questions.flat())]));
      return questions.map((hashes) => hashes.filter((hash) => absent.has(hash)));
    },
    { inFlight, maxItems: Number.MAX_SAFE_INTEGER, maxWeight: options.missingHashes ?? 20_000 },
  );

  type UploadBlock = { hash: string; data: Uint8Array };
  const uploads = new Coalescer<readonly UploadBlock[], void>(
    async (groups) => {
      const unique = new Map<string, UploadBlock>();
      for (const block of groups.flat()) unique.set(block.hash, block);
      await inner.uploadBlocks([...unique.values()]);
      return groups.map(() => undefined);
    },
    { inFlight, maxItems: Number.MAX_SAFE_INTEGER, maxWeight: options.uploadBytes ?? 16 * MiB },
  );

  const fetches = new Coalescer<readonly BlockRef[], Map<string, Uint8Array>>(
    async (lists) => {
      const unique = new Map<string, BlockRef>();
      for (const block of lists.flat()) unique.set(block.hash, block);
      const blocks = [...unique.values()];
      const received = new Map<string, Uint8Array>();
      let at = 0;
      for await (const data of inner.fetchBlocks(blocks)) received.set(blocks[at++]!.hash, data);
      return lists.map(() => received);
    },
    { inFlight, maxItems: Number.MAX_SAFE_INTEGER, maxWeight: options.fetchBytes ?? 16 * MiB },
  );

  // Big lists the feed leaves out (changes.ts blocks_omitted) are learned here instead: from our
  // own commits and from blocksSince, so the next change of the same file travels as a delta.
  const learned = new LearnedBlockLists(options.learnedBlocks ?? 200_000);

  return {
    async createFolder(request, idempotencyKey) {
      return mutationAnswer(
        await batched({ op: 'create', idempotency_key: idempotencyKey, item: { id: request.id, parent_id: request.parentId, name: request.name, kind: 'folder' } }),
      );
    },

    missingBlocks(hashes) {
      if (hashes.length === 0) return Promise.resolve([]);
      return missing.submit(hashes, hashes.length);
    },

    async uploadBlocks(blocks) {
      if (blocks.length === 0) return;
      await uploads.submit(blocks, blocks.reduce((sum, block) => sum + block.data.length, 0));
    },

    async commitFile(target: CommitTarget, content: FileContent, idempotencyKey: string) {
      const committed = (answer: RemoteAnswer) => {
        // The list of what is now the server's content: the next commit of this file sends a delta against it.
        if (answer.ok && answer.item.hash === content.hash) learned.note(target.id, content.hash, content.blocks);
        return answer;
      };
      if (target.kind === 'create') {
        const body = { hash: content.hash, blocks: content.blocks.map(({ hash, size }) => ({ hash, size })) };
        return committed(
          mutationAnswer(
            await batched({
              op: 'create',
              idempotency_key: idempotencyKey,
              item: { id: target.id, parent_id: target.parentId, name: target.name, kind: 'file', executable: target.executable, content: body },
            }),
          ),
        );
      }
      // A content commit checks only the c part of the ETag; the m part is not looked at.
      return committed(
        mutationAnswer(
          await batched({
            op: 'commit',
            idempotency_key: idempotencyKey,
            id: target.id,
            if_match: etagOf(0, target.ifMatchContent),
            content: { ...commitBody(content), executable: target.executable },
          }),
        ),
      );
    },

    async move(id, to, ifMatchMetadata, idempotencyKey) {
      // Without a precondition the current version must be looked up first (and a replay that
      // finds the move done answers without sending): the undecorated port does exactly that.
      if (ifMatchMetadata === undefined) return inner.move(id, to, ifMatchMetadata, idempotencyKey);
      return mutationAnswer(
        await batched({ op: 'update', idempotency_key: idempotencyKey, id, if_match: etagOf(ifMatchMetadata, 0), changes: { parent_id: to.parentId, name: to.name } }),
      );
    },

    async delete(id, ifMatch, seenCursor, idempotencyKey): Promise<DeleteAnswer> {
      if (ifMatch.metadata === undefined || ifMatch.content === undefined) return inner.delete(id, ifMatch, seenCursor, idempotencyKey);
      const outcome = await batched({
        op: 'delete',
        idempotency_key: idempotencyKey,
        id,
        if_match: etagOf(ifMatch.metadata, ifMatch.content),
        ...(seenCursor === undefined ? {} : { seen_cursor: seenCursor }),
      });
      const answer = mutationAnswer(outcome);
      // A folder holding changes newer than the seen cursor stays live (the rest went to the trash).
      return answer.ok ? { ...answer, kept: outcome.ok && outcome.item !== undefined && !outcome.item.deleted } : answer;
    },

    async getItem(id) {
      const found = await inner.getItem(id);
      if (found?.item.hash) learned.note(id, found.item.hash, found.blocks);
      return found;
    },

    knownBlocks: (id, hash) => options.blockLists?.get(id, hash) ?? learned.get(id, hash) ?? inner.knownBlocks?.(id, hash),

    async blocksSince(id, contentVersion, hash, base) {
      const blocks = await inner.blocksSince?.(id, contentVersion, hash, base);
      if (blocks) learned.note(id, hash, blocks);
      return blocks;
    },

    fetchBlocks(blocks: readonly BlockRef[]): AsyncIterable<Uint8Array> {
      const bytes = blocks.reduce((sum, block) => sum + block.size, 0);
      if (bytes > smallFetchBytes || blocks.length === 0) return inner.fetchBlocks(blocks);
      return {
        async *[Symbol.asyncIterator]() {
          const received = await fetches.submit(blocks, bytes);
          for (const block of blocks) {
            const data = received.get(block.hash);
            if (!data) throw new RemoteError('The sync server sent too few blocks; the download was not used.', { kind: 'retryable', code: 'bad_block' });
            yield data;
          }
        },
      };
    },
  };
}

/** The latest block list known per file (by content hash), bounded in blocks: the oldest are forgotten first. */
class LearnedBlockLists {
  readonly #lists = new Map<string, { hash: string; blocks: readonly BlockRef[] }>();
  readonly #maxBlocks: number;
  #blocks = 0;

  constructor(maxBlocks: number) {
    this.#maxBlocks = maxBlocks;
  }

  note(id: string, hash: string, blocks: readonly BlockRef[]): void {
    this.#forget(id);
    // Small lists always travel whole (the feed carries them, a delta would not pay).
    if (blocks.length <= FULL_LIST_MAX_BLOCKS) return;
    this.#lists.set(id, { hash, blocks: blocks.map(({ hash: h, size }) => ({ hash: h, size })) });
    this.#blocks += blocks.length;
    for (const [old] of this.#lists) {
      if (this.#blocks <= this.#maxBlocks) break;
      this.#forget(old);
    }
  }

  get(id: string, hash: string): BlockRef[] | undefined {
    const known = this.#lists.get(id);
    return known && known.hash === hash ? [...known.blocks] : undefined;
  }

  #forget(id: string): void {
    const known = this.#lists.get(id);
    if (!known) return;
    this.#lists.delete(id);
    this.#blocks -= known.blocks.length;
  }
}

/** A batch operation's size on the wire, roughly (its block list dominates). */
function operationWeight(operation: BatchOperation): number {
  const content = operation.op === 'commit' ? operation.content : undefined;
  const blocks =
    operation.op === 'create' ? (operation.item.content?.blocks.length ?? 0) : content ? (content.blocks?.length ?? content.delta?.middle.length ?? 0) : 0;
  return 400 + blocks * 100;
}

/**
 * Sends operations as one batch request. When the whole request is refused as malformed (one
 * operation the server's schema rejects), each operation is sent again on its own, so only the
 * bad one fails; any other failure (network, 5xx) is every operation's failure.
 */
async function sendBatch(sender: BatchSender, operations: BatchOperation[]): Promise<Settled<BatchOutcome>[]> {
  try {
    const output = await sender.batch(operations);
    return output.results.map((value) => ({ ok: true, value }));
  } catch (error) {
    const malformed = error instanceof RemoteError && (error.status === 400 || error.status === 413 || error.status === 422);
    if (!malformed || operations.length === 1) {
      if (operations.length === 1) return [{ ok: false, error }];
      throw error;
    }
    return Promise.all(operations.map(async (operation) => (await sendBatch(sender, [operation]))[0]!));
  }
}

/** One batch result as the port's answer (remote-ops.ts answers the single requests alike). */
function mutationAnswer(outcome: BatchOutcome): RemoteAnswer {
  if (outcome.ok) {
    if (!outcome.item) throw badAnswer('a batch result carries no item');
    return { ok: true, item: toTreeItem(outcome.item) };
  }
  if (outcome.status === 412) {
    if (!outcome.current) throw badAnswer('a 412 result did not say what the item is now');
    return { ok: false, reason: 'precondition_failed', current: toTreeItem(outcome.current as Item), message: outcome.message };
  }
  if (REFUSALS.has(outcome.status)) return { ok: false, reason: outcome.code === 'id_taken' ? 'id_taken' : 'refused', current: undefined, message: outcome.message };
  throw new RemoteError(outcome.message, { kind: isRetryableStatus(outcome.status) ? 'retryable' : 'permanent', code: outcome.code, status: outcome.status });
}

function badAnswer(detail: string): RemoteError {
  return new RemoteError(`The sync server sent an answer Tandem does not understand: ${detail}. Is it a Tandem server of a matching version?`, {
    kind: 'permanent',
    code: 'bad_response',
  });
}
