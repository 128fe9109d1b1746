// The executor's RemoteOps port (executor/ports.ts) implemented on the real remote client: server
// items become tree items, version numbers become If-Match ETags, and the server's refusals (412
// stale version, 409 name taken or cycle, 404 gone) become answers the executor plans around,
// while transient failures stay RemoteErrors that the executor's isRetryable() recognises.
import { applyBlockDelta, deltaPays, diffBlockLists } from '../../../src-shared/protocol/block-delta.ts';
import { type BlockRef, type Item, etagOf } from '../../../src-shared/protocol/common.ts';
import type { CommitContentRequest } from '../../../src-shared/protocol/items.ts';
import type { CommitTarget, FileContent, RemoteAnswer, RemoteItem, RemoteOps } from '../executor/ports.ts';
import type { Hasher } from '../hasher.ts';
import type { BandwidthLimiter } from './bandwidth.ts';
import { DEFAULT_REQUEST_BYTES, downloadBlocks, planRequests } from './block-transfer.ts';
import type { MutationOutcome, RemoteClient } from './remote-client.ts';
import { RemoteError } from './remote-error.ts';

/** A server item as the engine's trees hold it. */
export function toTreeItem(item: Item): RemoteItem {
  const base = {
    id: item.id,
    parentId: item.parent_id,
    name: item.name,
    kind: item.kind,
    metadataVersion: item.metadata_version,
    contentVersion: item.content_version,
  };
  if (item.kind === 'folder') return base;
  return { ...base, size: item.size, executable: item.executable, ...(item.content_hash ? { hash: item.content_hash } : {}) };
}

/**
 * A content commit's list: a delta against the content it replaces when that list is known and the
 * delta clearly pays (an insert into a 100 MiB file: a few blocks instead of ~1,600), else whole.
 */
export function commitBody(content: FileContent): Pick<CommitContentRequest, 'hash' | 'blocks' | 'delta'> {
  const blocks = content.blocks.map(({ hash, size }) => ({ hash, size }));
  if (content.base) {
    const delta = diffBlockLists(content.base.blocks, blocks, content.base.hash);
    if (deltaPays(delta, blocks.length)) return { hash: content.hash, delta };
  }
  return { hash: content.hash, blocks };
}

/** A version's block list from the server's answer to GET .../blocks?base=, expanded and checked. */
export async function blocksSince(
  client: RemoteClient,
  id: string,
  contentVersion: number,
  hash: string,
  base: { hash: string; blocks: readonly BlockRef[] },
): Promise<BlockRef[] | undefined> {
  let answer;
  try {
    answer = await client.versionBlocks(id, contentVersion, base.hash);
  } catch (error) {
    if (error instanceof RemoteError && error.status === 404) return undefined;
    throw error;
  }
  if (answer.content_hash !== hash) return undefined;
  if (answer.delta && answer.delta.base_hash !== base.hash) throw badList('a delta against other content than asked');
  let blocks: BlockRef[] | undefined;
  try {
    blocks = answer.delta ? applyBlockDelta(base.blocks, answer.delta) : answer.blocks;
  } catch {
    // Not against the list held here after all (its check failed): the caller asks for it whole.
    return undefined;
  }
  if (!blocks) throw badList('neither a list nor a delta');
  // The base list is this device's; a delta against it must add up to the version's size (the
  // download checks the assembled bytes against the content hash too).
  if (blocks.reduce((sum, block) => sum + block.size, 0) !== answer.size) throw badList('a list that does not add up to the file size');
  return blocks;
}

function badList(detail: string): RemoteError {
  return new RemoteError(`The sync server sent a block list Tandem cannot use (${detail}); the file will be fetched again.`, {
    kind: 'retryable',
    code: 'bad_response',
  });
}

/** Statuses that are the server saying "no" to this change, not a failure: the next plan decides. */
const REFUSALS = new Set([404, 409]);

async function answer(outcome: Promise<MutationOutcome>): Promise<RemoteAnswer> {
  try {
    const result = await outcome;
    if (result.ok) return { ok: true, item: toTreeItem(result.item) };
    return { ok: false, reason: 'precondition_failed', current: toTreeItem(result.current), message: result.message };
  } catch (error) {
    if (error instanceof RemoteError && error.status !== undefined && REFUSALS.has(error.status)) {
      return { ok: false, reason: error.code === 'id_taken' ? 'id_taken' : 'refused', current: undefined, message: error.message };
    }
    throw error;
  }
}

export interface RemoteOpsOptions {
  hasher?: Hasher;
  upload?: BandwidthLimiter;
  download?: BandwidthLimiter;
  /** Block bytes per request; default 16 MiB. */
  maxRequestBytes?: number;
}

export function remoteOps(client: RemoteClient, options: RemoteOpsOptions = {}): RemoteOps {
  const maxRequestBytes = options.maxRequestBytes ?? DEFAULT_REQUEST_BYTES;

  /** The current ETag, for a change the planner made without a precondition. */
  const currentVersions = async (id: string) => {
    const item = await client.getItem(id);
    return { metadata: item.metadata_version, content: item.content_version };
  };

  return {
    createFolder: (request, idempotencyKey) =>
      answer(client.createItem({ id: request.id, parent_id: request.parentId, name: request.name, kind: 'folder' }, { idempotencyKey })),

    missingBlocks: (hashes) => client.missingBlocks(hashes),

    async uploadBlocks(blocks) {
      for (const group of planRequests(blocks.map((block) => ({ ...block, size: block.data.length })), maxRequestBytes)) {
        const bytes = group.reduce((sum, block) => sum + block.size, 0);
        await options.upload?.take(bytes);
        await client.uploadBlocks(group.map(({ hash, data }) => ({ hash, data })));
      }
    },

    commitFile(target: CommitTarget, content: FileContent, idempotencyKey: string) {
      if (target.kind === 'create') {
        const body = { hash: content.hash, blocks: content.blocks.map(({ hash, size }) => ({ hash, size })) };
        return answer(
          client.createItem(
            { id: target.id, parent_id: target.parentId, name: target.name, kind: 'file', executable: target.executable, content: body },
            { idempotencyKey },
          ),
        );
      }
      // A content commit checks only the c part of the ETag; the m part is not looked at.
      return answer(client.commitContent(target.id, etagOf(0, target.ifMatchContent), { ...commitBody(content), executable: target.executable }, { idempotencyKey }));
    },

    blocksSince: (id, contentVersion, hash, base) => blocksSince(client, id, contentVersion, hash, base),

    async move(id, to, ifMatchMetadata, idempotencyKey) {
      try {
        let metadata = ifMatchMetadata;
        if (metadata === undefined) {
          const current = await client.getItem(id);
          // Already there (a replay after a crash, say): done. Sending it again under the same key
          // with the newer version would be a different request and refused as a reused key.
          if (current.parent_id === to.parentId && current.name === to.name) return { ok: true, item: toTreeItem(current) };
          metadata = current.metadata_version;
        }
        return await answer(client.updateItem(id, etagOf(metadata, 0), { parent_id: to.parentId, name: to.name }, { idempotencyKey }));
      } catch (error) {
        return refusedIfGone(error);
      }
    },

    async delete(id, ifMatch, seenCursor, idempotencyKey) {
      try {
        const now = ifMatch.metadata === undefined || ifMatch.content === undefined ? await currentVersions(id) : undefined;
        const etag = etagOf(ifMatch.metadata ?? now!.metadata, ifMatch.content ?? now!.content);
        let kept = false;
        const done = await answer(
          client.deleteItem(id, etag, { idempotencyKey, ...(seenCursor === undefined ? {} : { seenCursor }) }).then((result) => {
            // A folder holding changes newer than the seen cursor stays live (the rest went to the trash).
            kept = result.ok && !result.item.deleted;
            return result;
          }),
        );
        return done.ok ? { ...done, kept } : done;
      } catch (error) {
        return refusedIfGone(error);
      }
    },

    async getItem(id) {
      try {
        const item = await client.getItem(id);
        return { item: toTreeItem(item), blocks: item.blocks };
      } catch (error) {
        if (error instanceof RemoteError && error.status === 404) return undefined;
        throw error;
      }
    },

    fetchBlocks(blocks: readonly BlockRef[]): AsyncIterable<Uint8Array> {
      const hasher = options.hasher;
      const limiter = options.download;
      return {
        async *[Symbol.asyncIterator]() {
          // Request by request, so at most one request's blocks are held in memory; a block the
          // file repeats is fetched once per request and handed out at each of its places.
          for (const group of planRequests(blocks, maxRequestBytes)) {
            const received = new Map<string, Uint8Array>();
            await downloadBlocks(client, group, (block, data) => void received.set(block.hash, data), {
              maxRequestBytes,
              ...(hasher ? { hasher } : {}),
              ...(limiter ? { limiter } : {}),
            });
            for (const block of group) yield received.get(block.hash)!;
          }
        },
      };
    },
  };
}

/** Looking up the current version of an item that is gone is a refusal too. */
function refusedIfGone(error: unknown): Exclude<RemoteAnswer, { ok: true }> {
  if (error instanceof RemoteError && error.status === 404) return { ok: false, reason: 'refused', current: undefined, message: error.message };
  throw error;
}
