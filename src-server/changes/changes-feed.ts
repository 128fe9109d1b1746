// Reading changes: the namespace feed (every item changed since a cursor, current state, deletions
// as tombstones) and a folder's own listing and changes. Reads take the namespace's last seq
// first and never look past it, so a page and its cursor always agree.
import { TandemError } from '../../src-shared/errors.ts';
import type { ChangesResponse, FolderChangesResponse } from '../../src-shared/protocol/changes.ts';
import { FULL_LIST_MAX_BLOCKS } from '../../src-shared/protocol/block-delta.ts';
import type { BlockRef, Item } from '../../src-shared/protocol/common.ts';
import type { Db } from '../db/database.ts';
import { requireLiveFolder, toItem } from '../items/item-rows.ts';
import type { Actor } from '../items/item-operations.ts';
import { decodeCursorParts, encodeCursor, fingerprintOf } from './cursor.ts';

async function namespaceState(db: Db, namespaceId: string): Promise<{ last: number; horizon: number }> {
  const row = await db.selectFrom('namespaces').select(['last_seq', 'horizon_seq']).where('id', '=', namespaceId).executeTakeFirstOrThrow();
  return { last: Number(row.last_seq), horizon: Number(row.horizon_seq) };
}

async function journalRow(db: Db, namespaceId: string, seq: number) {
  if (seq <= 0) return undefined;
  const row = await db.selectFrom('journal').select(['item_id', 'created_at']).where('namespace_id', '=', namespaceId).where('seq', '=', seq).executeTakeFirst();
  return row ? { itemId: row.item_id, createdAt: Number(row.created_at) } : undefined;
}

/** The cursor for "up to seq", fingerprinted with the journal row at seq (see cursor.ts). */
export async function cursorAt(db: Db, namespaceId: string, seq: number): Promise<string> {
  return encodeCursor(namespaceId, seq, await journalRow(db, namespaceId, seq));
}

async function sinceCursor(db: Db, cursor: string | undefined, namespaceId: string, horizon: number, last: number): Promise<number> {
  if (cursor === undefined || cursor === '') return 0;
  const { seq, fingerprint } = decodeCursorParts(cursor, namespaceId);
  // A cursor ahead of the journal, or whose journal row is now another change, means the server's
  // data was restored from an older backup (and, in the second case, has moved on since): the
  // client would silently miss changes and trust a past the server forgot, so it must list
  // everything again -- and it is told why (cursor_ahead, not cursor_expired).
  const ahead = () => new TandemError('cursor_ahead', 'This cursor is ahead of the server (was it restored from a backup?); list everything again without a cursor.');
  if (seq > last) throw ahead();
  if (seq < horizon) {
    throw new TandemError('cursor_expired', 'This cursor is older than the changes the server still keeps; list everything again without a cursor.');
  }
  if (fingerprint !== undefined) {
    // A row purged with its item (at or below the horizon) cannot be checked, and need not be.
    const row = await journalRow(db, namespaceId, seq);
    if (row && fingerprintOf(row) !== fingerprint) throw ahead();
  }
  return seq;
}

export async function currentCursor(db: Db, namespaceId: string): Promise<string> {
  return cursorAt(db, namespaceId, (await namespaceState(db, namespaceId)).last);
}

/** GET /v1/changes: each item changed after the cursor, once, in the order of its latest change. */
export async function readChanges(db: Db, actor: Actor, cursor: string | undefined, limit: number, withBlocks = false): Promise<ChangesResponse> {
  const { last, horizon } = await namespaceState(db, actor.namespaceId);
  const since = await sinceCursor(db, cursor, actor.namespaceId, horizon, last);
  const query = db
    .selectFrom('items')
    .where('items.namespace_id', '=', actor.namespaceId)
    .where('items.change_seq', '>', since)
    .where('items.change_seq', '<=', last)
    .orderBy('items.change_seq')
    .limit(limit + 1);
  // The current version's block list, when asked for: one join instead of a GET per file.
  const rows = withBlocks
    ? await query
        .leftJoin('versions', (join) => join.onRef('versions.item_id', '=', 'items.id').onRef('versions.content_version', '=', 'items.content_version'))
        .selectAll('items')
        .select('versions.blocks as current_blocks')
        .execute()
    : (await query.selectAll('items').execute()).map((row) => ({ ...row, current_blocks: null }));
  const hasMore = rows.length > limit;
  const page = rows.slice(0, limit);
  const upTo = hasMore ? Number(page[page.length - 1]!.change_seq) : Math.max(last, since);
  const changes = page.map(({ current_blocks, ...row }) => {
    const item = toItem(row);
    if (!withBlocks || row.kind !== 'file' || row.state !== 'live') return item;
    // A big list is left out: a client holding an older list of the file asks for the change
    // only (GET /items/:id/versions/:v/blocks?base=), instead of ~140 KB per 100 MiB file here.
    const blocks = JSON.parse(current_blocks ?? '[]') as BlockRef[];
    return blocks.length > FULL_LIST_MAX_BLOCKS ? { ...item, blocks_omitted: true } : { ...item, blocks };
  });
  return { changes, cursor: await cursorAt(db, actor.namespaceId, upTo), has_more: hasMore };
}

/** GET /v1/items/:id/children: live children by name, paged, plus the folder's cursor. */
export async function listChildren(db: Db, actor: Actor, folderId: string, after: string | undefined, limit: number) {
  const { last } = await namespaceState(db, actor.namespaceId);
  await requireLiveFolder(db, actor.accountId, folderId);
  let query = db.selectFrom('items').selectAll().where('parent_id', '=', folderId).where('state', '=', 'live');
  if (after !== undefined) query = query.where('name_key', '>', after);
  const rows = await query.orderBy('name_key').limit(limit + 1).execute();
  const page = rows.slice(0, limit);
  return {
    items: page.map(toItem),
    cursor: await cursorAt(db, actor.namespaceId, last),
    next_after: rows.length > limit ? page[page.length - 1]!.name_key : null,
  };
}

/** GET /v1/items/:id/changes: what entered, changed in or left one folder since its cursor. */
export async function readFolderChanges(db: Db, actor: Actor, folderId: string, cursor: string | undefined, limit: number): Promise<FolderChangesResponse> {
  const { last, horizon } = await namespaceState(db, actor.namespaceId);
  await requireLiveFolder(db, actor.accountId, folderId);
  const since = await sinceCursor(db, cursor, actor.namespaceId, horizon, last);
  const rows = await db
    .selectFrom('journal')
    .select(['seq', 'item_id'])
    .where('namespace_id', '=', actor.namespaceId)
    .where((eb) => eb.or([eb('parent_id', '=', folderId), eb('old_parent_id', '=', folderId)]))
    .where('seq', '>', since)
    .where('seq', '<=', last)
    .orderBy('seq')
    .limit(limit + 1)
    .execute();
  const hasMore = rows.length > limit;
  const page = rows.slice(0, limit);
  const ids = [...new Set(page.map((r) => r.item_id))];
  const items = ids.length === 0 ? [] : await db.selectFrom('items').selectAll().where('id', 'in', ids).execute();
  const byId = new Map(items.map((row) => [row.id, row]));
  const changes: Item[] = [];
  const removed: string[] = [];
  for (const id of ids) {
    const row = byId.get(id);
    if (row && row.state === 'live' && row.parent_id === folderId) changes.push(toItem(row));
    else removed.push(id);
  }
  const upTo = hasMore ? Number(page[page.length - 1]!.seq) : Math.max(last, since);
  return { changes, removed, cursor: await cursorAt(db, actor.namespaceId, upTo), has_more: hasMore };
}
