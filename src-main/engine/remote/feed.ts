// Reading the namespace changes feed to the end, the way the engine refreshes its remote tree:
// from its cursor when the server still has the changes since then (a delta), or — when the cursor
// has expired (410: too old for the kept tombstones, or the server was restored from a backup) —
// from the start (a full listing that REPLACES the remote tree; applying it as a delta would keep
// items the server no longer has).
//
// The feed is read WITH each live file's block list (blocks=true: one join on the server), and
// the lists are remembered per client (feedBlockLists): a download of what the feed announced
// then needs no GET of the item first, which for thousands of small files was a request each.
import type { ChangesResponse } from '../../../src-shared/protocol/changes.ts';
import type { BlockRef } from '../../../src-shared/protocol/common.ts';
import type { CallOptions, RemoteClient } from './remote-client.ts';
import { RemoteError } from './remote-error.ts';

export type ChangedItem = ChangesResponse['changes'][number];

export interface FeedRead {
  /** delta: apply to the remote tree; full: the remote tree is exactly these (minus tombstones). */
  kind: 'delta' | 'full';
  /** The latest state of each item that changed, in change order of its last change; deleted=true are tombstones. */
  items: ChangedItem[];
  /** Pull from here next time. */
  cursor: string;
  /** Why a full listing was needed (the server's sentence), for the log. */
  reason?: string;
  /**
   * The cursor was ahead of the server: its data went back to an older backup, so what this
   * device last synced may be newer than the server (SCENARIOS #46).
   */
  serverRestored?: true;
}

export interface FeedOptions extends CallOptions {
  /** Carry each live file's block list (saves a GET per changed file). Default true. */
  blocks?: boolean;
  /** Items per page; default the server's 1000. */
  pageSize?: number;
}

/** Reads every change since `cursor` (undefined: everything), falling back to a full listing on 410. */
export async function readFeed(client: RemoteClient, cursor: string | undefined, options: FeedOptions = {}): Promise<FeedRead> {
  const first = await readPages(client, cursor, options);
  if (first.ok) return { kind: cursor === undefined ? 'full' : 'delta', items: first.items, cursor: first.cursor };
  const full = await readPages(client, undefined, options);
  if (!full.ok) {
    throw new RemoteError('The sync server refused to list the folder from the start; is it working?', { kind: 'retryable', code: 'cursor_expired' });
  }
  return { kind: 'full', items: full.items, cursor: full.cursor, reason: first.message, ...(first.serverRestored ? { serverRestored: true as const } : {}) };
}

async function readPages(
  client: RemoteClient,
  cursor: string | undefined,
  options: FeedOptions,
): Promise<{ ok: true; items: ChangedItem[]; cursor: string } | { ok: false; message: string; serverRestored?: true }> {
  // A Map keeps first-insertion order; delete-then-set moves an item to its latest change.
  const latest = new Map<string, ChangedItem>();
  let next = cursor;
  for await (const outcome of client.changesSince(cursor, {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.pageSize ? { limit: options.pageSize } : {}),
    blocks: options.blocks ?? true,
  })) {
    if (!outcome.ok) return { ok: false, message: outcome.message, ...(outcome.serverRestored ? { serverRestored: true as const } : {}) };
    const remembered = feedBlockLists(client);
    for (const item of outcome.page.changes) {
      latest.delete(item.id);
      latest.set(item.id, item);
      remembered.note(item);
    }
    next = outcome.page.cursor;
  }
  return { ok: true, items: [...latest.values()], cursor: next! };
}

/**
 * The block lists the feed carried, by item id and content hash: what a download needs to know
 * before it fetches. Bounded (the oldest are forgotten first): a download whose list is not here
 * asks the server for the item, as before.
 */
export class BlockListMemo {
  readonly #lists = new Map<string, { hash: string; blocks: BlockRef[] }>();
  readonly #maxBlocks: number;
  #blocks = 0;

  constructor(maxBlocks = 200_000) {
    this.#maxBlocks = maxBlocks;
  }

  /** Records a feed item: a live file's list is kept, anything else forgets the id. */
  note(item: ChangedItem): void {
    this.#forget(item.id);
    if (item.kind !== 'file' || item.deleted || !item.blocks || !item.content_hash) return;
    this.#lists.set(item.id, { hash: item.content_hash, blocks: item.blocks });
    this.#blocks += item.blocks.length;
    for (const [id] of this.#lists) {
      if (this.#blocks <= this.#maxBlocks) break;
      this.#forget(id);
    }
  }

  /** The block list of this content of this item, if the feed carried it. */
  get(id: string, hash: string): BlockRef[] | undefined {
    const known = this.#lists.get(id);
    return known && known.hash === hash ? known.blocks : undefined;
  }

  get size(): number {
    return this.#lists.size;
  }

  #forget(id: string): void {
    const known = this.#lists.get(id);
    if (!known) return;
    this.#lists.delete(id);
    this.#blocks -= known.blocks.length;
  }
}

const memos = new WeakMap<RemoteClient, BlockListMemo>();

/** The block lists the feed read through this client carried (batching-remote-ops.ts serves downloads from them). */
export function feedBlockLists(client: RemoteClient): BlockListMemo {
  let memo = memos.get(client);
  if (!memo) {
    memo = new BlockListMemo();
    memos.set(client, memo);
  }
  return memo;
}
