// The trash: deleted items stay restorable for a retention period (30 days by default), then are
// purged — their versions dropped, block references released (blocks are freed later by the
// block store's GC, after its grace period), and the namespace's tombstone horizon raised so
// that older cursors get 410. Old versions of live files expire on the same schedule.
import { v7 as uuidv7 } from 'uuid';
import { TandemError } from '../../src-shared/errors.ts';
import { nameKey } from '../../src-shared/names.ts';
import type { BlockRef } from '../../src-shared/protocol/common.ts';
import { removeBlockReferences } from '../blocks/block-index.ts';
import { recordChange } from '../changes/journal.ts';
import type { Db } from '../db/database.ts';
import type { MutationResult } from '../items/idempotency.ts';
import type { MutationEnv } from '../items/item-operations.ts';
import { IDEMPOTENCY_KEEP_MS } from '../items/idempotency.ts';
import { type Executor, findItem, findLiveChildByKey, type ItemRow, toItem, toItemWithBlocks } from '../items/item-rows.ts';

export const DEFAULT_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

export async function listTrash(db: Executor, accountId: string, retentionMs: number) {
  const rows = await db
    .selectFrom('items')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('state', '=', 'trashed')
    .whereRef('trash_root_id', '=', 'id')
    .orderBy('trashed_at', 'desc')
    .execute();
  return rows.map((row) => ({
    item: toItem(row),
    trashed_at: Number(row.trashed_at),
    original_path: [...(JSON.parse(row.trashed_path ?? '[]') as string[]), row.name].join('/'),
    purge_at: Number(row.trashed_at) + retentionMs,
  }));
}

async function requireTrashRoot(env: MutationEnv, id: string): Promise<ItemRow> {
  const row = await findItem(env.trx, env.actor.accountId, id);
  if (!row || row.state !== 'trashed' || row.trash_root_id !== row.id) {
    throw new TandemError('not_found', `Nothing with id ${id} is in the trash.`);
  }
  return row;
}

/** "name (restored).ext", "name (restored 2).ext", … the first that is free in the folder. */
async function freeName(env: MutationEnv, parentId: string, name: string): Promise<string> {
  if (!(await findLiveChildByKey(env.trx, parentId, nameKey(name)))) return name;
  const dot = name.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  for (let n = 1; ; n++) {
    const candidate = `${stem} (restored${n === 1 ? '' : ` ${n}`})${ext}`;
    if (!(await findLiveChildByKey(env.trx, parentId, nameKey(candidate)))) return candidate;
  }
}

async function createFolder(env: MutationEnv, parentId: string, name: string): Promise<string> {
  const id = uuidv7();
  await env.trx
    .insertInto('items')
    .values({
      id, namespace_id: env.actor.namespaceId, account_id: env.actor.accountId, parent_id: parentId, name, name_key: nameKey(name),
      kind: 'folder', size: 0, content_hash: null, client_mtime: null, executable: 0, created_at: env.now, modified_at: env.now,
      metadata_version: 1, content_version: 0, state: 'live', trashed_at: null, trash_root_id: null, trashed_path: null, change_seq: 0,
    })
    .execute();
  await recordChange(env.trx, { namespaceId: env.actor.namespaceId, itemId: id, change: 'create', parentId, oldParentId: null, tombstone: false, now: env.now });
  return id;
}

/** The folder to restore into: the original parent if it is still there, else the original path, recreated. */
async function restoreTarget(env: MutationEnv, row: ItemRow): Promise<string> {
  const parent = row.parent_id ? await findItem(env.trx, env.actor.accountId, row.parent_id) : undefined;
  if (parent && parent.state === 'live' && parent.kind === 'folder') return parent.id;
  let folderId = env.actor.rootId;
  for (const name of JSON.parse(row.trashed_path ?? '[]') as string[]) {
    const existing = await findLiveChildByKey(env.trx, folderId, nameKey(name));
    folderId = existing && existing.kind === 'folder' ? existing.id : await createFolder(env, folderId, await freeName(env, folderId, name));
  }
  return folderId;
}

export async function restoreFromTrash(env: MutationEnv, id: string): Promise<MutationResult> {
  const row = await requireTrashRoot(env, id);
  const parentId = await restoreTarget(env, row);
  const name = await freeName(env, parentId, row.name);
  const members = await env.trx.selectFrom('items').selectAll().where('trash_root_id', '=', id).where('state', '=', 'trashed').execute();
  // Parents before children, so the journal never shows a child in a folder that is not back yet.
  members.sort((a, b) => Number(a.change_seq) - Number(b.change_seq));
  for (const member of members) {
    const isRoot = member.id === id;
    await env.trx
      .updateTable('items')
      .set({
        state: 'live', trashed_at: null, trash_root_id: null, trashed_path: null, modified_at: env.now,
        metadata_version: Number(member.metadata_version) + 1,
        ...(isRoot ? { parent_id: parentId, name, name_key: nameKey(name) } : {}),
      })
      .where('id', '=', member.id)
      .execute();
    await recordChange(env.trx, {
      namespaceId: member.namespace_id, itemId: member.id, change: 'restore', parentId: isRoot ? parentId : member.parent_id,
      oldParentId: isRoot && member.parent_id !== parentId ? member.parent_id : null, tombstone: false, now: env.now,
    });
  }
  const restored = await env.trx.selectFrom('items').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  return { status: 200, body: await toItemWithBlocks(env.trx, restored) };
}

/** Removes a trash entry (and everything deleted with it) for good. */
async function purgeTrashRoot(db: Db, rootId: string, now: number): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const members = await trx.selectFrom('items').selectAll().where('trash_root_id', '=', rootId).where('state', '=', 'trashed').execute();
    if (members.length === 0) return 0;
    const ids = members.map((m) => m.id);
    for (const id of ids) {
      const versions = await trx.selectFrom('versions').select('blocks').where('item_id', '=', id).execute();
      const hashes = versions.flatMap((v) => (JSON.parse(v.blocks) as BlockRef[]).map((b) => b.hash));
      if (hashes.length > 0) await removeBlockReferences(trx, hashes, now);
      await trx.deleteFrom('versions').where('item_id', '=', id).execute();
      await trx.deleteFrom('journal').where('item_id', '=', id).execute();
      await trx.deleteFrom('items').where('id', '=', id).execute();
    }
    const bytes = members.reduce((sum, m) => sum + Number(m.size), 0);
    const horizon = Math.max(...members.map((m) => Number(m.change_seq)));
    const first = members[0]!;
    await trx.updateTable('accounts').set((eb) => ({ used_bytes: eb('used_bytes', '-', bytes) })).where('id', '=', first.account_id).execute();
    const ns = await trx.selectFrom('namespaces').select('horizon_seq').where('id', '=', first.namespace_id).executeTakeFirstOrThrow();
    if (horizon > Number(ns.horizon_seq)) {
      await trx.updateTable('namespaces').set({ horizon_seq: horizon }).where('id', '=', first.namespace_id).execute();
    }
    return members.length;
  });
}

/** DELETE /v1/trash/:id — the user empties one trash entry now. */
export async function purgeFromTrash(db: Db, accountId: string, id: string, now: number): Promise<void> {
  const row = await findItem(db, accountId, id);
  if (!row || row.state !== 'trashed' || row.trash_root_id !== row.id) throw new TandemError('not_found', `Nothing with id ${id} is in the trash.`);
  await purgeTrashRoot(db, id, now);
}

export interface PurgeReport {
  trashedItems: number;
  versions: number;
  idempotencyKeys: number;
}

/** The periodic clean-up: expired trash, expired old versions, expired idempotency keys. */
export async function purgeExpired(db: Db, now: number, retentionMs = DEFAULT_RETENTION_MS): Promise<PurgeReport> {
  const cutoff = now - retentionMs;
  const report: PurgeReport = { trashedItems: 0, versions: 0, idempotencyKeys: 0 };
  const roots = await db
    .selectFrom('items')
    .select('id')
    .where('state', '=', 'trashed')
    .whereRef('trash_root_id', '=', 'id')
    .where('trashed_at', '<', cutoff)
    .execute();
  for (const root of roots) report.trashedItems += await purgeTrashRoot(db, root.id, now);

  // Old versions of files that are still around; the current version always stays.
  const expired = await db
    .selectFrom('versions')
    .innerJoin('items', 'items.id', 'versions.item_id')
    .select(['versions.item_id', 'versions.content_version'])
    .where('versions.created_at', '<', cutoff)
    .whereRef('versions.content_version', '<>', 'items.content_version')
    .execute();
  for (const version of expired) {
    await db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('versions')
        .select('blocks')
        .where('item_id', '=', version.item_id)
        .where('content_version', '=', version.content_version)
        .executeTakeFirst();
      const item = await trx.selectFrom('items').select('content_version').where('id', '=', version.item_id).executeTakeFirst();
      // Re-checked inside the transaction: a restore may have made this version current meanwhile.
      if (!row || !item || Number(item.content_version) === Number(version.content_version)) return;
      const hashes = (JSON.parse(row.blocks) as BlockRef[]).map((b) => b.hash);
      if (hashes.length > 0) await removeBlockReferences(trx, hashes, now);
      await trx.deleteFrom('versions').where('item_id', '=', version.item_id).where('content_version', '=', version.content_version).execute();
      report.versions++;
    });
  }
  const keys = await db.deleteFrom('idempotency').where('created_at', '<', now - IDEMPOTENCY_KEEP_MS).executeTakeFirst();
  report.idempotencyKeys = Number(keys.numDeletedRows);
  return report;
}
