// Reading items: database rows to the wire form, and the lookups every mutation starts with.
// An item another account owns is reported exactly like one that does not exist (404, never 403).
import type { Transaction, Kysely } from 'kysely';
import { TandemError } from '../../src-shared/errors.ts';
import { type BlockRef, etagOf, type Item, type ItemWithBlocks } from '../../src-shared/protocol/common.ts';
import type { Database, ItemsTable } from '../db/schema.ts';

export type Executor = Kysely<Database> | Transaction<Database>;
export type ItemRow = ItemsTable;

/** BLAKE3 of zero bytes: the content hash of every empty file. */
export const EMPTY_CONTENT_HASH = 'blake3:af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262';

export function toItem(row: ItemRow): Item {
  return {
    id: row.id,
    parent_id: row.parent_id,
    name: row.name,
    kind: row.kind,
    size: Number(row.size),
    content_hash: row.content_hash,
    client_mtime: row.client_mtime === null ? null : Number(row.client_mtime),
    executable: row.executable === 1,
    created_at: Number(row.created_at),
    modified_at: Number(row.modified_at),
    metadata_version: Number(row.metadata_version),
    content_version: Number(row.content_version),
    etag: etagOf(Number(row.metadata_version), Number(row.content_version)),
    deleted: row.state !== 'live',
    seq: Number(row.change_seq),
  };
}

export async function findItem(db: Executor, accountId: string, id: string): Promise<ItemRow | undefined> {
  const row = await db.selectFrom('items').selectAll().where('id', '=', id).executeTakeFirst();
  return row && row.account_id === accountId ? row : undefined;
}

/** A live item of this account, or 404. */
export async function requireLiveItem(db: Executor, accountId: string, id: string): Promise<ItemRow> {
  const row = await findItem(db, accountId, id);
  if (!row || row.state !== 'live') throw new TandemError('not_found', `No item with id ${id} (it may have been deleted).`);
  return row;
}

/** A live folder of this account to put something in, or a clear error. */
export async function requireLiveFolder(db: Executor, accountId: string, id: string): Promise<ItemRow> {
  const row = await findItem(db, accountId, id);
  if (!row || row.state !== 'live') throw new TandemError('not_found', `The folder ${id} does not exist (it may have been deleted).`);
  if (row.kind !== 'folder') throw new TandemError('conflict', `"${row.name}" is a file, not a folder.`);
  return row;
}

export async function currentBlocks(db: Executor, row: ItemRow): Promise<BlockRef[]> {
  if (row.kind !== 'file') return [];
  const version = await db
    .selectFrom('versions')
    .select('blocks')
    .where('item_id', '=', row.id)
    .where('content_version', '=', row.content_version)
    .executeTakeFirst();
  return version ? (JSON.parse(version.blocks) as BlockRef[]) : [];
}

export async function toItemWithBlocks(db: Executor, row: ItemRow): Promise<ItemWithBlocks> {
  return { ...toItem(row), blocks: await currentBlocks(db, row) };
}

/** The live item in a folder whose name collides with this key, if any. */
export async function findLiveChildByKey(db: Executor, parentId: string, key: string): Promise<ItemRow | undefined> {
  return db
    .selectFrom('items')
    .selectAll()
    .where('parent_id', '=', parentId)
    .where('name_key', '=', key)
    .where('state', '=', 'live')
    .executeTakeFirst();
}
