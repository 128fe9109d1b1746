// The item mutations — create, commit content, update (move/rename/attributes), delete to trash —
// each run inside the caller's transaction, so the effect, its journal entry, the quota change
// and the idempotency record commit together or not at all.
import type { Transaction } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { TandemError } from '../../src-shared/errors.ts';
import { checkName, nameKey } from '../../src-shared/names.ts';
import type { BlockRef, Content, ItemKind } from '../../src-shared/protocol/common.ts';
import { applyBlockDelta, MAX_LIST_BLOCKS } from '../../src-shared/protocol/block-delta.ts';
import type { CommitContentRequest, CreateItemRequest, UpdateItemRequest } from '../../src-shared/protocol/items.ts';
import { addBlockReferences } from '../blocks/block-index.ts';
import { appendJournal, appendJournalRows, type ChangeRecord, nextSeq, nextSeqs, recordChange } from '../changes/journal.ts';
import type { Database, VersionsTable } from '../db/schema.ts';
import { PreconditionFailedError } from '../errors.ts';
import type { MutationResult } from './idempotency.ts';
import {
  currentBlocks,
  EMPTY_CONTENT_HASH,
  findItem,
  findLiveChildByKey,
  type ItemRow,
  requireLiveFolder,
  requireLiveItem,
  toItem,
  toItemWithBlocks,
} from './item-rows.ts';

/** Who is acting: the account, its device, and where its tree lives. */
export interface Actor {
  accountId: string;
  deviceId: string;
  namespaceId: string;
  rootId: string;
}

export interface MutationEnv {
  trx: Transaction<Database>;
  actor: Actor;
  now: number;
  /**
   * In a batch: folders already found live (and of this account) by an earlier create. Creates
   * never trash or move a folder, so the batch clears it before any other operation.
   */
  liveFolders?: Set<string>;
  /** In a batch: proposed ids no item had when it began, each proposed by one create only. */
  absentIds?: Set<string>;
}

export function assertValidName(name: string): void {
  const check = checkName(name);
  if (!check.ok) throw new TandemError('bad_request', check.message ?? 'That name cannot be used.');
}

/**
 * What a change must be based on. Each mutation checks only the part of the ETag it depends on,
 * so that independent changes from two devices both apply without a 412 round trip (DESIGN.md:
 * "move vs edit → both apply"): a move or rename checks the metadata version, a content commit
 * the content version; a delete checks both, so an edit made meanwhile wins over the delete.
 */
export type IfMatchScope = 'metadata' | 'content' | 'both';

export function assertIfMatch(row: ItemRow, ifMatch: string | undefined, scope: IfMatchScope): void {
  if (ifMatch === undefined || ifMatch.trim() === '') {
    throw new TandemError('bad_request', 'This change needs an If-Match header with the ETag the change is based on.');
  }
  const match = /^(?:W\/)?"m(\d+)-c(\d+)"$/.exec(ifMatch.trim());
  if (!match) throw new TandemError('bad_request', `If-Match must be an ETag this server handed out, like "m3-c2", not ${ifMatch.trim()}.`);
  const metadataOk = Number(match[1]) === Number(row.metadata_version);
  const contentOk = Number(match[2]) === Number(row.content_version);
  const ok = scope === 'metadata' ? metadataOk : scope === 'content' ? contentOk : metadataOk && contentOk;
  if (!ok) throw new PreconditionFailedError(toItem(row));
}

async function assertNameFree(env: MutationEnv, parentId: string, name: string, exceptId?: string): Promise<void> {
  const existing = await findLiveChildByKey(env.trx, parentId, nameKey(name));
  if (existing && existing.id !== exceptId) {
    throw new TandemError('conflict', `An item named "${existing.name}" already exists in this folder (names ignore case).`);
  }
}

/** Checks a block list against what the account has uploaded and takes a reference on each block. */
async function referenceContent(env: MutationEnv, content: Content): Promise<number> {
  const hashes = content.blocks.map((b) => b.hash);
  if (hashes.length === 0 && content.hash !== EMPTY_CONTENT_HASH) {
    throw new TandemError('bad_request', 'An empty block list means an empty file, but the content hash is not the hash of empty content.');
  }
  let stored: Map<string, number>;
  try {
    stored = await addBlockReferences(env.trx, env.actor.accountId, hashes);
  } catch (error) {
    // Absent blocks get their own code (422 blocks_missing): the client uploads them and commits
    // again (a block can be purged between its missing-blocks question and this commit), while a
    // malformed list stays a bad_request. block-index.ts names the first absent block.
    if (error instanceof TandemError && error.code === 'bad_request' && / has not been uploaded\./.test(error.message)) {
      throw new TandemError('blocks_missing', error.message);
    }
    throw error;
  }
  let size = 0;
  for (const block of content.blocks) {
    const actual = stored.get(block.hash);
    if (actual !== block.size) {
      throw new TandemError('bad_request', `Block ${block.hash} is ${actual ?? 'not'} bytes on the server, not ${block.size} as the block list says.`);
    }
    size += block.size;
  }
  return size;
}

/** Adds `delta` logical bytes to the account, refusing to go over its quota (one conditional UPDATE). */
async function chargeQuota(env: MutationEnv, delta: number): Promise<void> {
  if (delta === 0) return;
  let update = env.trx
    .updateTable('accounts')
    .set((eb) => ({ used_bytes: eb('used_bytes', '+', delta) }))
    .where('id', '=', env.actor.accountId);
  if (delta > 0) update = update.where((eb) => eb.or([eb('quota_bytes', 'is', null), eb(eb('used_bytes', '+', delta), '<=', eb.ref('quota_bytes'))]));
  const result = await update.executeTakeFirst();
  if (Number(result.numUpdatedRows) === 1) return;
  const account = await env.trx.selectFrom('accounts').select(['quota_bytes', 'used_bytes']).where('id', '=', env.actor.accountId).executeTakeFirstOrThrow();
  throw new TandemError(
    'quota_exceeded',
    `This would use ${Number(account.used_bytes) + delta} bytes but the account may keep ${account.quota_bytes}; free space (or empty the trash) first.`,
  );
}

async function insertVersion(env: MutationEnv, itemId: string, contentVersion: number, content: Content, size: number): Promise<void> {
  await env.trx.insertInto('versions').values(versionRow(env, itemId, contentVersion, content, size)).execute();
}

function versionRow(env: MutationEnv, itemId: string, contentVersion: number, content: Content, size: number): VersionsTable {
  return {
    item_id: itemId,
    content_version: contentVersion,
    size,
    content_hash: content.hash,
    blocks: JSON.stringify(content.blocks satisfies BlockRef[]),
    device_id: env.actor.deviceId,
    created_at: env.now,
  };
}

async function reload(env: MutationEnv, id: string): Promise<ItemRow> {
  return env.trx.selectFrom('items').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

export async function createItem(env: MutationEnv, request: CreateItemRequest): Promise<MutationResult> {
  assertValidName(request.name);
  if (request.kind === 'folder' && (request.content !== undefined || request.executable)) {
    throw new TandemError('bad_request', 'A folder has no content and cannot be executable.');
  }
  const content: Content = request.content ?? { hash: EMPTY_CONTENT_HASH, blocks: [] };

  if (request.id !== undefined && !env.absentIds?.has(request.id)) {
    const existing = await env.trx.selectFrom('items').selectAll().where('id', '=', request.id).executeTakeFirst();
    if (existing) {
      // The same create sent again (an offline client retrying) gets the item it made the first time.
      const same =
        existing.account_id === env.actor.accountId &&
        existing.state === 'live' &&
        existing.parent_id === request.parent_id &&
        existing.name === request.name &&
        existing.kind === request.kind &&
        (request.kind === 'folder' || existing.content_hash === content.hash);
      if (same) return { status: 200, body: await toItemWithBlocks(env.trx, existing) };
      throw new TandemError('id_taken', `The id ${request.id} is already used by another item; propose a new id.`);
    }
  }

  if (!env.liveFolders?.has(request.parent_id)) {
    await requireLiveFolder(env.trx, env.actor.accountId, request.parent_id);
    env.liveFolders?.add(request.parent_id);
  }
  await assertNameFree(env, request.parent_id, request.name);

  const id = request.id ?? uuidv7();
  const isFile = request.kind === 'file';
  const size = isFile ? await referenceContent(env, content) : 0;
  await chargeQuota(env, size);
  // The seq is taken first so the row is written once, already stamped.
  const seq = await nextSeq(env.trx, env.actor.namespaceId);
  const row = newItemRow(env, request, id, content, size, seq);
  await env.trx.insertInto('items').values(row).execute();
  if (isFile) await insertVersion(env, id, 1, content, size);
  await appendJournal(env.trx, seq, createRecord(env, row));
  return { status: 201, body: { ...toItem(row), blocks: isFile ? content.blocks : [] } };
}

function newItemRow(env: MutationEnv, request: CreateItemRequest, id: string, content: Content, size: number, seq: number): ItemRow {
  const isFile = request.kind === 'file';
  return {
    id,
    namespace_id: env.actor.namespaceId,
    account_id: env.actor.accountId,
    parent_id: request.parent_id,
    name: request.name,
    name_key: nameKey(request.name),
    kind: request.kind,
    size,
    content_hash: isFile ? content.hash : null,
    client_mtime: request.client_mtime ?? null,
    executable: request.executable ? 1 : 0,
    created_at: env.now,
    modified_at: env.now,
    metadata_version: 1,
    content_version: isFile ? 1 : 0,
    state: 'live',
    trashed_at: null,
    trash_root_id: null,
    trashed_path: null,
    change_seq: seq,
  };
}

function createRecord(env: MutationEnv, row: ItemRow): ChangeRecord {
  return { namespaceId: env.actor.namespaceId, itemId: row.id, change: 'create', parentId: row.parent_id, oldParentId: null, tombstone: false, now: env.now };
}

/** Rows per multi-row INSERT: items have 20 columns, well under SQLite's 32,766 parameters. */
const ROWS_PER_INSERT = 500;

/**
 * Many creates (a folder's worth of small files, as the engine batches them) with a few
 * statements for all of them instead of ~8 each: one lookup of the parents, one name check per
 * parent, one block check and refcount update, one quota charge, one seq range and multi-row
 * inserts. Only for creates that will all succeed: it answers `undefined` as soon as one of them
 * would not, possibly after writing, so the caller must roll back and run them one by one (then
 * each failure gets its own answer, exactly as a create alone). Proposed ids must be in
 * env.absentIds (no item has them, no other create of the batch proposes them).
 */
export async function createItemsTogether(env: MutationEnv, requests: readonly CreateItemRequest[]): Promise<MutationResult[] | undefined> {
  const contents: Content[] = [];
  for (const request of requests) {
    if (!checkName(request.name).ok) return undefined;
    if (request.id !== undefined && !env.absentIds?.has(request.id)) return undefined;
    if (request.kind === 'folder' && (request.content !== undefined || request.executable)) return undefined;
    const content: Content = request.content ?? { hash: EMPTY_CONTENT_HASH, blocks: [] };
    if (request.kind === 'file' && content.blocks.length === 0 && content.hash !== EMPTY_CONTENT_HASH) return undefined;
    contents.push(content);
  }

  // Parents: live folders of this account, or folders made earlier among these creates.
  const liveFolders = env.liveFolders;
  if (!liveFolders) return undefined; // the batch's path only: it keeps the folders found live
  const proposedIds = new Set(requests.flatMap((request) => (request.id === undefined ? [] : [request.id])));
  const madeHere = new Map<string, ItemKind>();
  const parentsToCheck = new Set<string>();
  for (const request of requests) {
    const made = madeHere.get(request.parent_id);
    if (made !== undefined) {
      if (made !== 'folder') return undefined;
    } else if (!liveFolders.has(request.parent_id)) {
      // A parent made only later among these creates does not exist yet when this one runs.
      if (proposedIds.has(request.parent_id)) return undefined;
      parentsToCheck.add(request.parent_id);
    }
    if (request.id !== undefined) madeHere.set(request.id, request.kind);
  }
  if (parentsToCheck.size > 0) {
    const parents = await env.trx.selectFrom('items').select(['id', 'account_id', 'state', 'kind']).where('id', 'in', [...parentsToCheck]).execute();
    const usable = parents.filter((parent) => parent.account_id === env.actor.accountId && parent.state === 'live' && parent.kind === 'folder');
    if (usable.length !== parentsToCheck.size) return undefined;
    for (const parent of usable) liveFolders.add(parent.id);
  }

  // Names: unique per folder ignoring case, among these creates and what each folder already holds.
  const keysByParent = new Map<string, Set<string>>();
  for (const request of requests) {
    const keys = keysByParent.get(request.parent_id) ?? new Set<string>();
    const key = nameKey(request.name);
    if (keys.has(key)) return undefined;
    keysByParent.set(request.parent_id, keys.add(key));
  }
  for (const [parentId, keys] of keysByParent) {
    if (madeHere.has(parentId)) continue; // made just now: nothing else is in it yet
    const names = [...keys];
    for (let at = 0; at < names.length; at += 500) {
      const taken = await env.trx
        .selectFrom('items')
        .select('id')
        .where('parent_id', '=', parentId)
        .where('state', '=', 'live')
        .where('name_key', 'in', names.slice(at, at + 500))
        .limit(1)
        .execute();
      if (taken.length > 0) return undefined;
    }
  }

  // Blocks: all readable (else addBlockReferences throws, the caller rolls back), sizes as listed.
  const files = requests.flatMap((request, at) => (request.kind === 'file' ? [contents[at]!] : []));
  const stored = await addBlockReferences(
    env.trx,
    env.actor.accountId,
    files.flatMap((content) => content.blocks.map((block) => block.hash)),
  );
  const sizes: number[] = [];
  let total = 0;
  for (const [at, request] of requests.entries()) {
    let size = 0;
    if (request.kind === 'file') {
      for (const block of contents[at]!.blocks) {
        if (stored.get(block.hash) !== block.size) return undefined;
        size += block.size;
      }
    }
    sizes.push(size);
    total += size;
  }
  // Creates only add bytes, so if the sum fits, every one of them fitted in turn.
  await chargeQuota(env, total);

  const firstSeq = await nextSeqs(env.trx, env.actor.namespaceId, requests.length);
  const rows = requests.map((request, at) => newItemRow(env, request, request.id ?? uuidv7(), contents[at]!, sizes[at]!, firstSeq + at));
  for (let at = 0; at < rows.length; at += ROWS_PER_INSERT) {
    await env.trx.insertInto('items').values(rows.slice(at, at + ROWS_PER_INSERT)).execute();
  }
  const versions = rows.flatMap((row, at) => (row.kind === 'file' ? [versionRow(env, row.id, 1, contents[at]!, sizes[at]!)] : []));
  for (let at = 0; at < versions.length; at += ROWS_PER_INSERT) {
    await env.trx.insertInto('versions').values(versions.slice(at, at + ROWS_PER_INSERT)).execute();
  }
  await appendJournalRows(env.trx, rows.map((row) => ({ seq: Number(row.change_seq), record: createRecord(env, row) })));
  for (const row of rows) if (row.kind === 'folder') liveFolders.add(row.id);
  return rows.map((row, at) => ({ status: 201, body: { ...toItem(row), blocks: row.kind === 'file' ? contents[at]!.blocks : [] } }));
}

export async function commitContent(env: MutationEnv, id: string, ifMatch: string | undefined, request: CommitContentRequest): Promise<MutationResult> {
  const row = await requireLiveItem(env.trx, env.actor.accountId, id);
  if (row.kind !== 'file') throw new TandemError('bad_request', `"${row.name}" is a folder; only files have content.`);
  assertIfMatch(row, ifMatch, 'content');
  return writeContent(env, row, { hash: request.hash, blocks: await requestedBlocks(env, row, request) }, {
    clientMtime: request.client_mtime,
    executable: request.executable,
  });
}

/** The commit's full block list: as sent, or its delta expanded against the current version's list. */
async function requestedBlocks(env: MutationEnv, row: ItemRow, request: CommitContentRequest): Promise<BlockRef[]> {
  if (request.blocks) return request.blocks;
  const delta = request.delta!;
  if (delta.base_hash !== row.content_hash) {
    throw new TandemError(
      'bad_request',
      `The block list delta is against content ${delta.base_hash}, but the current content of "${row.name}" is ${row.content_hash ?? 'empty'}; send the full list.`,
    );
  }
  const blocks = applyBlockDelta(await currentBlocks(env.trx, row), delta);
  if (blocks.length > MAX_LIST_BLOCKS) {
    throw new TandemError('bad_request', `The block list delta makes a list of ${blocks.length} blocks; a file may have at most ${MAX_LIST_BLOCKS}.`);
  }
  return blocks;
}

/** Makes `content` the item's new current version (a commit, or a restore of an old version). */
export async function writeContent(
  env: MutationEnv,
  row: ItemRow,
  content: Content,
  attributes: { clientMtime?: number | null | undefined; executable?: boolean | undefined } = {},
): Promise<MutationResult> {
  const size = await referenceContent(env, content);
  await chargeQuota(env, size - Number(row.size));
  const contentVersion = Number(row.content_version) + 1;
  await insertVersion(env, row.id, contentVersion, content, size);
  await env.trx
    .updateTable('items')
    .set({
      size,
      content_hash: content.hash,
      content_version: contentVersion,
      modified_at: env.now,
      ...(attributes.clientMtime !== undefined ? { client_mtime: attributes.clientMtime } : {}),
      ...(attributes.executable !== undefined ? { executable: attributes.executable ? 1 : 0 } : {}),
    })
    .where('id', '=', row.id)
    .execute();
  await recordChange(env.trx, {
    namespaceId: row.namespace_id,
    itemId: row.id,
    change: 'content',
    parentId: row.parent_id,
    oldParentId: null,
    tombstone: false,
    now: env.now,
  });
  return { status: 200, body: await toItemWithBlocks(env.trx, await reload(env, row.id)) };
}

/** True when putting `itemId` inside `newParentId` would put a folder inside itself. */
async function wouldCycle(env: MutationEnv, itemId: string, newParentId: string): Promise<boolean> {
  let current: string | null = newParentId;
  for (let depth = 0; current !== null; depth++) {
    if (current === itemId) return true;
    if (depth > 10_000) throw new TandemError('internal', 'The folder tree is deeper than the server allows.');
    const parent: { parent_id: string | null } | undefined = await env.trx
      .selectFrom('items')
      .select('parent_id')
      .where('id', '=', current)
      .executeTakeFirst();
    current = parent?.parent_id ?? null;
  }
  return false;
}

export async function updateItem(env: MutationEnv, id: string, ifMatch: string | undefined, request: UpdateItemRequest): Promise<MutationResult> {
  if (Object.values(request).every((value) => value === undefined)) {
    throw new TandemError('bad_request', 'Nothing to change: give parent_id, name, client_mtime or executable.');
  }
  const row = await requireLiveItem(env.trx, env.actor.accountId, id);
  const moving = request.parent_id !== undefined && request.parent_id !== row.parent_id;
  const renaming = request.name !== undefined && request.name !== row.name;
  if (row.parent_id === null && (moving || renaming)) {
    throw new TandemError('bad_request', 'The root folder cannot be moved or renamed.');
  }
  if (request.executable && row.kind === 'folder') throw new TandemError('bad_request', 'A folder cannot be executable.');
  assertIfMatch(row, ifMatch, 'metadata');
  const parentId = request.parent_id ?? row.parent_id;
  const name = request.name ?? row.name;
  if (renaming) assertValidName(name);
  if (moving && parentId !== null) {
    await requireLiveFolder(env.trx, env.actor.accountId, parentId);
    if (await wouldCycle(env, row.id, parentId)) {
      throw new TandemError('conflict', `Moving "${row.name}" there would put a folder inside itself.`);
    }
  }
  if ((moving || renaming) && parentId !== null) await assertNameFree(env, parentId, name, row.id);

  await env.trx
    .updateTable('items')
    .set({
      parent_id: parentId,
      name,
      name_key: nameKey(name),
      metadata_version: Number(row.metadata_version) + 1,
      modified_at: env.now,
      ...(request.client_mtime !== undefined ? { client_mtime: request.client_mtime } : {}),
      ...(request.executable !== undefined ? { executable: request.executable ? 1 : 0 } : {}),
    })
    .where('id', '=', row.id)
    .execute();
  await recordChange(env.trx, {
    namespaceId: row.namespace_id,
    itemId: row.id,
    change: moving ? 'move' : 'update',
    parentId,
    oldParentId: moving ? row.parent_id : null,
    tombstone: false,
    now: env.now,
  });
  return { status: 200, body: await toItemWithBlocks(env.trx, await reload(env, row.id)) };
}

/** The names of the folders from the root down to (not including) `parentId`'s child. */
async function pathNames(env: MutationEnv, parentId: string | null): Promise<string[]> {
  const names: string[] = [];
  let current = parentId;
  while (current !== null) {
    const row = await findItem(env.trx, env.actor.accountId, current);
    if (!row || row.parent_id === null) break;
    names.unshift(row.name);
    current = row.parent_id;
  }
  return names;
}

/**
 * Moves an item, and everything live inside it, to the trash. Each becomes a tombstone in the feed.
 *
 * `seenSeq` (from the deleting device's changes cursor) makes a folder delete safe against what
 * that device has not seen (DESIGN.md: "a folder deleted on one side while the other added files
 * in it → the folder comes back holding only the new files"): anything inside changed after
 * `seenSeq` stays, and so do the folders leading to it; the rest goes to the trash.
 */
export async function deleteItem(env: MutationEnv, id: string, ifMatch: string | undefined, seenSeq?: number): Promise<MutationResult> {
  const row = await requireLiveItem(env.trx, env.actor.accountId, id);
  if (row.parent_id === null) throw new TandemError('bad_request', 'The root folder cannot be deleted.');
  assertIfMatch(row, ifMatch, 'both');

  // Breadth-first over live descendants; parents come before their children.
  const order: ItemRow[] = [row];
  for (let i = 0; i < order.length; i++) {
    const current = order[i]!;
    if (current.kind !== 'folder') continue;
    const children = await env.trx.selectFrom('items').selectAll().where('parent_id', '=', current.id).where('state', '=', 'live').execute();
    order.push(...children);
  }
  const keep = new Set<string>();
  if (seenSeq !== undefined) {
    const byId = new Map(order.map((item) => [item.id, item]));
    for (const item of order) {
      // The item itself was checked by If-Match; what counts is what changed inside it.
      if (item.id === row.id || Number(item.change_seq) <= seenSeq) continue;
      for (let cur: ItemRow | undefined = item; cur && !keep.has(cur.id); cur = cur.parent_id ? byId.get(cur.parent_id) : undefined) keep.add(cur.id);
    }
  }

  // Each trashed item whose parent stays is a trash entry of its own (restorable on its own).
  const trashRootOf = new Map<string, string>();
  for (const item of order) {
    if (keep.has(item.id)) continue;
    const parentRoot = item.id === row.id ? undefined : trashRootOf.get(item.parent_id!);
    const rootId = parentRoot ?? item.id;
    trashRootOf.set(item.id, rootId);
    await env.trx
      .updateTable('items')
      .set({
        state: 'trashed',
        trashed_at: env.now,
        trash_root_id: rootId,
        trashed_path: rootId === item.id ? JSON.stringify(await pathNames(env, item.parent_id)) : null,
        metadata_version: Number(item.metadata_version) + 1,
        modified_at: env.now,
      })
      .where('id', '=', item.id)
      .execute();
    await recordChange(env.trx, {
      namespaceId: item.namespace_id,
      itemId: item.id,
      change: 'delete',
      parentId: item.parent_id,
      oldParentId: null,
      tombstone: true,
      now: env.now,
    });
  }
  return { status: 200, body: await toItemWithBlocks(env.trx, await reload(env, row.id)) };
}
