// The block index: which blocks the server holds (and where, in which pack), how many versions
// reference each one, and which accounts may read which blocks. It lives in the metadata database
// so that a commit's reference counting happens in the commit's own transaction. Written with
// Kysely so the same queries run on SQLite and PostgreSQL.
//
// Who can read a block: an account that uploaded it (and so proved it holds the bytes — the server
// recomputes every hash). "Which are missing" and fetches only ever answer about those, so a hash
// never reveals another account's file.
import { type Kysely, type Transaction, sql } from 'kysely';
import { TandemError } from '../../src-shared/errors.ts';
import { assertBlockHash } from './hash.ts';

export interface BlockTables {
  /** One row per stored block. A block with refcount 0 since `zero_since` is garbage after a grace period. */
  blocks: {
    hash: string;
    size: number;
    pack_id: string;
    /** Where the block's bytes start in the pack file. */
    pack_offset: number;
    refcount: number;
    zero_since: number | null;
    created_at: number;
  };
  /** One row per pack file. `size` is the durable, indexed end: bytes past it are an unfinished write. */
  packs: {
    id: string;
    size: number;
    sealed: number;
    created_at: number;
  };
  /** Which account may read (and reference) which block. */
  account_blocks: {
    account_id: string;
    hash: string;
    created_at: number;
  };
}

export interface BlockLocation {
  hash: string;
  size: number;
  packId: string;
  packOffset: number;
}

type Executor = Kysely<BlockTables> | Transaction<BlockTables>;

// The seam takes the server's database whatever its full schema is, as long as it holds the block
// tables (migrateBlockTables creates them); inside, queries are typed against BlockTables.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyDatabase = Kysely<any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTransaction = Transaction<any>;

/** Long IN lists are split so no statement exceeds the database's parameter limits. */
const IN_LIST_CHUNK = 500;

function chunks<T>(items: readonly T[], size = IN_LIST_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function tables(db: AnyDatabase | AnyTransaction): Executor {
  return db as Executor;
}

function distinctHashes(hashes: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const hash of hashes) seen.add(assertBlockHash(hash));
  return [...seen];
}

function occurrences(hashes: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const hash of hashes) {
    assertBlockHash(hash);
    counts.set(hash, (counts.get(hash) ?? 0) + 1);
  }
  return counts;
}

/** Groups hashes by how often each occurs, so each group is one UPDATE. */
function byCount(counts: Map<string, number>): Map<number, string[]> {
  const groups = new Map<number, string[]>();
  for (const [hash, count] of counts) {
    const group = groups.get(count);
    if (group) group.push(hash);
    else groups.set(count, [hash]);
  }
  return groups;
}

/** Creates the block tables if missing; idempotent. SERVER-CORE's migrator calls it. */
export async function migrateBlockTables(db: AnyDatabase): Promise<void> {
  await db.schema
    .createTable('packs')
    .ifNotExists()
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('sealed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('blocks')
    .ifNotExists()
    .addColumn('hash', 'text', (c) => c.primaryKey())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('pack_id', 'text', (c) => c.notNull())
    .addColumn('pack_offset', 'bigint', (c) => c.notNull())
    .addColumn('refcount', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('zero_since', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('blocks_pack').ifNotExists().on('blocks').column('pack_id').execute();
  await db.schema
    .createIndex('blocks_garbage')
    .ifNotExists()
    .on('blocks')
    .columns(['refcount', 'zero_since'])
    .execute();
  await db.schema
    .createTable('account_blocks')
    .ifNotExists()
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('account_blocks_pk', ['account_id', 'hash'])
    .execute();
  await db.schema.createIndex('account_blocks_hash').ifNotExists().on('account_blocks').column('hash').execute();
}

/** Of `hashes`, those stored on the server AND readable by the account. */
export async function readableBlocks(db: AnyDatabase | AnyTransaction, accountId: string, hashes: readonly string[]): Promise<Set<string>> {
  return new Set((await readableWithRefcount(db, accountId, hashes)).keys());
}

/** Of `hashes`, those the account can read, with their sizes (one query where readableBlocks + findBlocks take two). */
export async function readableBlockSizes(db: AnyDatabase | AnyTransaction, accountId: string, hashes: readonly string[]): Promise<Map<string, number>> {
  return new Map([...(await readableWithRefcount(db, accountId, hashes))].map(([hash, block]) => [hash, block.size]));
}

/** Readable blocks (as readableBlocks) with their reference counts and sizes. */
async function readableWithRefcount(
  db: AnyDatabase | AnyTransaction,
  accountId: string,
  hashes: readonly string[],
): Promise<Map<string, { refcount: number; size: number }>> {
  const readable = new Map<string, { refcount: number; size: number }>();
  for (const chunk of chunks(distinctHashes(hashes))) {
    const rows = await tables(db)
      .selectFrom('account_blocks')
      .innerJoin('blocks', 'blocks.hash', 'account_blocks.hash')
      .select(['account_blocks.hash', 'blocks.refcount', 'blocks.size'])
      .where('account_blocks.account_id', '=', accountId)
      .where('account_blocks.hash', 'in', chunk)
      .execute();
    for (const row of rows) readable.set(row.hash, { refcount: Number(row.refcount), size: Number(row.size) });
  }
  return readable;
}

/**
 * Hashes (of those given) that this account cannot already read, i.e. must upload; each listed
 * once, in the order given. Present blocks that no version references yet get a fresh grace
 * period: the client was just told "no need to upload", so GC must not free them before it commits.
 */
export async function missingBlocks(db: AnyDatabase, accountId: string, hashes: string[], now = Date.now()): Promise<string[]> {
  const wanted = distinctHashes(hashes);
  const readable = await readableWithRefcount(db, accountId, wanted);
  // Usually every present block is referenced and this writes nothing (no commit, no fsync).
  const unreferenced = [...readable].filter(([, block]) => block.refcount === 0).map(([hash]) => hash);
  if (unreferenced.length > 0) await db.transaction().execute((trx) => refreshGracePeriod(trx, unreferenced, now));
  return wanted.filter((hash) => !readable.has(hash));
}

/**
 * Restarts the grace period of those of `hashes` that no version references: a client was just
 * told they are on the server (a missing check, or an upload of a block already stored), so GC
 * must leave them for a full grace period, time for the client to commit.
 */
export async function refreshGracePeriod(db: AnyDatabase | AnyTransaction, hashes: readonly string[], now: number): Promise<void> {
  for (const chunk of chunks(hashes)) {
    await tables(db)
      .updateTable('blocks')
      .set({ zero_since: now })
      .where('refcount', '=', 0)
      .where('hash', 'in', chunk)
      .execute();
  }
}

/**
 * Inside SERVER-CORE's commit transaction: every hash must be stored AND readable by the account,
 * else throws TandemError('bad_request', 'Block … has not been uploaded.') and changes nothing;
 * increments each block's refcount once per occurrence. Returns each block's stored size (the
 * commit checks the block list against them: no second query per file).
 */
export async function addBlockReferences(trx: AnyTransaction, accountId: string, hashes: string[]): Promise<Map<string, number>> {
  const counts = occurrences(hashes);
  if (counts.size === 0) return new Map();
  const readable = await readableWithRefcount(trx, accountId, [...counts.keys()]);
  const missing = [...counts.keys()].filter((hash) => !readable.has(hash));
  if (missing.length > 0) {
    const others = missing.length > 1 ? ` (and ${missing.length - 1} more)` : '';
    throw new TandemError('bad_request', `Block ${missing[0]}${others} has not been uploaded. Upload the missing blocks, then commit again.`);
  }
  for (const [count, group] of byCount(counts)) {
    for (const chunk of chunks(group)) {
      await tables(trx)
        .updateTable('blocks')
        .set({ refcount: sql`refcount + ${count}`, zero_since: null })
        .where('hash', 'in', chunk)
        .execute();
    }
  }
  return new Map([...readable].map(([hash, block]) => [hash, block.size]));
}

/**
 * When a version is purged (trash purge, version retention): decrements once per occurrence. A
 * block reaching 0 starts its grace period; GC frees it after that, re-checking in a transaction.
 * Never goes below 0 (a hash the index does not know is ignored: there is nothing to free).
 */
export async function removeBlockReferences(trx: AnyTransaction, hashes: string[], now = Date.now()): Promise<void> {
  const counts = occurrences(hashes);
  for (const [count, group] of byCount(counts)) {
    for (const chunk of chunks(group)) {
      await tables(trx)
        .updateTable('blocks')
        .set({
          // Both right-hand sides read the row's old values (SQL UPDATE semantics, here and in PostgreSQL).
          refcount: sql`case when refcount > ${count} then refcount - ${count} else 0 end`,
          zero_since: sql`case when refcount > ${count} then zero_since else coalesce(zero_since, ${now}) end`,
        })
        .where('hash', 'in', chunk)
        .execute();
    }
  }
}

// ---- Used by the block stores (not part of the seam with SERVER-CORE) ----

/** Where each of `hashes` is stored (whoever may read it); unknown hashes are absent. */
export async function findBlocks(db: AnyDatabase | AnyTransaction, hashes: readonly string[]): Promise<Map<string, BlockLocation>> {
  const found = new Map<string, BlockLocation>();
  for (const chunk of chunks(distinctHashes(hashes))) {
    const rows = await tables(db)
      .selectFrom('blocks')
      .select(['hash', 'size', 'pack_id', 'pack_offset'])
      .where('hash', 'in', chunk)
      .execute();
    for (const row of rows) {
      found.set(row.hash, { hash: row.hash, size: Number(row.size), packId: row.pack_id, packOffset: Number(row.pack_offset) });
    }
  }
  return found;
}

/** Indexes newly stored blocks (new blocks start unreferenced, in their grace period). */
export async function insertBlocks(trx: AnyTransaction, blocks: readonly BlockLocation[], now: number): Promise<void> {
  for (const chunk of chunks(blocks, 100)) {
    await tables(trx)
      .insertInto('blocks')
      .values(
        chunk.map((block) => ({
          hash: block.hash,
          size: block.size,
          pack_id: block.packId,
          pack_offset: block.packOffset,
          refcount: 0,
          zero_since: now,
          created_at: now,
        })),
      )
      .onConflict((oc) => oc.column('hash').doNothing())
      .execute();
  }
}

/** Lets the account read (and reference) these blocks. Idempotent. */
export async function grantBlocks(trx: AnyTransaction, accountId: string, hashes: readonly string[], now: number): Promise<void> {
  for (const chunk of chunks(distinctHashes(hashes), 300)) {
    await tables(trx)
      .insertInto('account_blocks')
      .values(chunk.map((hash) => ({ account_id: accountId, hash, created_at: now })))
      .onConflict((oc) => oc.columns(['account_id', 'hash']).doNothing())
      .execute();
  }
}

/** Unreferenced blocks whose grace period ended at or before `cutoff`. */
export async function garbageBlocks(db: AnyDatabase | AnyTransaction, cutoff: number, limit: number): Promise<string[]> {
  const rows = await tables(db)
    .selectFrom('blocks')
    .select('hash')
    .where('refcount', '=', 0)
    .where('zero_since', '<=', cutoff)
    .limit(limit)
    .execute();
  return rows.map((row) => row.hash);
}

/**
 * Drops these blocks from the index if — re-checked here, inside the caller's transaction — they
 * are still unreferenced since before `cutoff`. Returns what was dropped.
 */
export async function dropGarbageBlocks(trx: AnyTransaction, hashes: readonly string[], cutoff: number): Promise<BlockLocation[]> {
  const dropped: BlockLocation[] = [];
  for (const chunk of chunks(hashes)) {
    const rows = await tables(trx)
      .deleteFrom('blocks')
      .where('hash', 'in', chunk)
      .where('refcount', '=', 0)
      .where('zero_since', '<=', cutoff)
      .returning(['hash', 'size', 'pack_id', 'pack_offset'])
      .execute();
    if (rows.length === 0) continue;
    await tables(trx)
      .deleteFrom('account_blocks')
      .where(
        'hash',
        'in',
        rows.map((row) => row.hash),
      )
      .execute();
    for (const row of rows) {
      dropped.push({ hash: row.hash, size: Number(row.size), packId: row.pack_id, packOffset: Number(row.pack_offset) });
    }
  }
  return dropped;
}

export interface PackRow {
  id: string;
  size: number;
  sealed: boolean;
  createdAt: number;
}

export async function listPacks(db: AnyDatabase | AnyTransaction): Promise<PackRow[]> {
  const rows = await tables(db).selectFrom('packs').selectAll().orderBy('created_at').orderBy('id').execute();
  return rows.map((row) => ({ id: row.id, size: Number(row.size), sealed: Number(row.sealed) === 1, createdAt: Number(row.created_at) }));
}

/** Live (indexed) blocks and bytes per pack. Packs with no live block are absent. */
export async function livePackUsage(db: AnyDatabase | AnyTransaction): Promise<Map<string, { blocks: number; bytes: number }>> {
  const rows = await tables(db)
    .selectFrom('blocks')
    .select((eb) => ['pack_id', eb.fn.countAll<number>().as('blocks'), eb.fn.sum<number>('size').as('bytes')])
    .groupBy('pack_id')
    .execute();
  return new Map(rows.map((row) => [row.pack_id, { blocks: Number(row.blocks), bytes: Number(row.bytes) }]));
}

export async function blocksInPack(db: AnyDatabase | AnyTransaction, packId: string): Promise<BlockLocation[]> {
  const rows = await tables(db)
    .selectFrom('blocks')
    .select(['hash', 'size', 'pack_id', 'pack_offset'])
    .where('pack_id', '=', packId)
    .orderBy('pack_offset')
    .execute();
  return rows.map((row) => ({ hash: row.hash, size: Number(row.size), packId: row.pack_id, packOffset: Number(row.pack_offset) }));
}

/** Points blocks at their new copies (only those still in `fromPackId`). */
export async function moveBlocks(trx: AnyTransaction, fromPackId: string, moved: readonly BlockLocation[]): Promise<void> {
  for (const block of moved) {
    await tables(trx)
      .updateTable('blocks')
      .set({ pack_id: block.packId, pack_offset: block.packOffset })
      .where('hash', '=', block.hash)
      .where('pack_id', '=', fromPackId)
      .execute();
  }
}

/** Records a pack's durable end (creating its row the first time). */
export async function savePack(trx: AnyTransaction, pack: { id: string; size: number; sealed: boolean; createdAt: number }): Promise<void> {
  await tables(trx)
    .insertInto('packs')
    .values({ id: pack.id, size: pack.size, sealed: pack.sealed ? 1 : 0, created_at: pack.createdAt })
    .onConflict((oc) => oc.column('id').doUpdateSet({ size: pack.size, sealed: pack.sealed ? 1 : 0 }))
    .execute();
}

export async function deletePack(trx: AnyTransaction, packId: string): Promise<void> {
  await tables(trx).deleteFrom('packs').where('id', '=', packId).execute();
}
