// Version history: every content commit is a version. Restoring one makes a NEW version that
// points at the old block list (no bytes copied; the blocks get one more reference).
import { TandemError } from '../../src-shared/errors.ts';
import { deltaPays, diffBlockLists } from '../../src-shared/protocol/block-delta.ts';
import type { BlockRef } from '../../src-shared/protocol/common.ts';
import type { BlockListResponse } from '../../src-shared/protocol/items.ts';
import type { Version, VersionWithBlocks } from '../../src-shared/protocol/versions.ts';
import type { Db } from '../db/database.ts';
import type { MutationResult } from '../items/idempotency.ts';
import { type Actor, assertIfMatch, type MutationEnv, writeContent } from '../items/item-operations.ts';
import { findItem, requireLiveItem } from '../items/item-rows.ts';

export async function listVersions(db: Db, actor: Actor, itemId: string): Promise<Version[]> {
  const item = await findItem(db, actor.accountId, itemId);
  if (!item) throw new TandemError('not_found', `No item with id ${itemId}.`);
  const rows = await db
    .selectFrom('versions')
    .select(['content_version', 'size', 'content_hash', 'device_id', 'created_at'])
    .where('item_id', '=', itemId)
    .orderBy('content_version', 'desc')
    .execute();
  return rows.map((row) => versionOf(row, item.content_version));
}

interface VersionRow {
  content_version: number | bigint;
  size: number | bigint;
  content_hash: string;
  device_id: string | null;
  created_at: number | bigint;
}

function versionOf(row: VersionRow, currentVersion: number | bigint) {
  return {
    content_version: Number(row.content_version),
    size: Number(row.size),
    content_hash: row.content_hash,
    device_id: row.device_id,
    created_at: Number(row.created_at),
    current: Number(row.content_version) === Number(currentVersion),
  };
}

/**
 * One version with its block list, so a client can download an old version's bytes (the blocks
 * stay readable by the account while any version references them).
 */
export async function getVersion(db: Db, actor: Actor, itemId: string, contentVersion: number): Promise<VersionWithBlocks> {
  const item = await findItem(db, actor.accountId, itemId);
  if (!item) throw new TandemError('not_found', `No item with id ${itemId}.`);
  const row = await db
    .selectFrom('versions')
    .select(['content_version', 'size', 'content_hash', 'device_id', 'created_at', 'blocks'])
    .where('item_id', '=', itemId)
    .where('content_version', '=', contentVersion)
    .executeTakeFirst();
  if (!row) throw new TandemError('not_found', `Item ${itemId} has no version ${contentVersion} (it may have expired).`);
  return { ...versionOf(row, item.content_version), blocks: JSON.parse(row.blocks) as BlockRef[] };
}

/**
 * GET /items/:id/versions/:version/blocks?base=: the version's block list, as a delta from the
 * newest version of the item whose content is `baseHash` when there is one and the delta pays,
 * else whole (an old base the server no longer keeps simply gets the full list).
 */
export async function versionBlocks(db: Db, actor: Actor, itemId: string, contentVersion: number, baseHash: string | undefined): Promise<BlockListResponse> {
  const version = await getVersion(db, actor, itemId, contentVersion);
  const whole = { content_version: version.content_version, content_hash: version.content_hash, size: version.size };
  if (baseHash === undefined) return { ...whole, blocks: version.blocks };
  const base = await db
    .selectFrom('versions')
    .select('blocks')
    .where('item_id', '=', itemId)
    .where('content_hash', '=', baseHash)
    .orderBy('content_version', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!base) return { ...whole, blocks: version.blocks };
  const delta = diffBlockLists(JSON.parse(base.blocks) as BlockRef[], version.blocks, baseHash);
  return deltaPays(delta, version.blocks.length) ? { ...whole, delta } : { ...whole, blocks: version.blocks };
}

export async function restoreVersion(env: MutationEnv, itemId: string, contentVersion: number, ifMatch: string | undefined): Promise<MutationResult> {
  const row = await requireLiveItem(env.trx, env.actor.accountId, itemId);
  assertIfMatch(row, ifMatch, 'content');
  const version = await env.trx
    .selectFrom('versions')
    .selectAll()
    .where('item_id', '=', itemId)
    .where('content_version', '=', contentVersion)
    .executeTakeFirst();
  if (!version) throw new TandemError('not_found', `Item ${itemId} has no version ${contentVersion} (it may have expired).`);
  return writeContent(env, row, { hash: version.content_hash, blocks: JSON.parse(version.blocks) as BlockRef[] });
}
