// The block index seam: who can read which block, reference counting in commit transactions, and
// which blocks become garbage when.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type BlockTables,
  addBlockReferences,
  dropGarbageBlocks,
  garbageBlocks,
  grantBlocks,
  insertBlocks,
  migrateBlockTables,
  missingBlocks,
  removeBlockReferences,
} from './block-index.ts';
import { openBlockTestDatabase } from './test-database.ts';

const h = (n: number) => `blake3:${n.toString(16).padStart(64, '0')}`;

let dir: string;
let db: Kysely<BlockTables>;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tandem-block-index-'));
  db = await openBlockTestDatabase(dir);
});
afterEach(async () => {
  await db.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/** Stores blocks as the pack store would, readable by `accountId`. */
async function stored(accountId: string, hashes: string[], now = 1000) {
  await db.transaction().execute(async (trx) => {
    const known = await trx.selectFrom('blocks').select('hash').execute();
    const fresh = hashes.filter((hash) => !known.some((row) => row.hash === hash));
    await insertBlocks(trx, fresh.map((hash, i) => ({ hash, size: 10, packId: 'p1', packOffset: i * 10 })), now);
    await grantBlocks(trx, accountId, hashes, now);
  });
}

async function refcounts() {
  const rows = await db.selectFrom('blocks').select(['hash', 'refcount', 'zero_since']).orderBy('hash').execute();
  return Object.fromEntries(rows.map((row) => [row.hash, { refcount: Number(row.refcount), zeroSince: row.zero_since }]));
}

describe('migrateBlockTables', () => {
  it('can run again on an existing database without losing rows', async () => {
    await stored('alice', [h(1)]);
    await migrateBlockTables(db);
    expect(await missingBlocks(db, 'alice', [h(1)])).toEqual([]);
  });
});

describe('missingBlocks', () => {
  it('lists what the account cannot read, once each, in the order asked', async () => {
    await stored('alice', [h(1), h(2)]);
    expect(await missingBlocks(db, 'alice', [h(3), h(1), h(3), h(2), h(4)])).toEqual([h(3), h(4)]);
  });

  it("never reveals another account's blocks", async () => {
    await stored('alice', [h(1)]);
    expect(await missingBlocks(db, 'bob', [h(1)])).toEqual([h(1)]);
  });

  it('gives present, unreferenced blocks a fresh grace period', async () => {
    await stored('alice', [h(1)], 1000);
    await missingBlocks(db, 'alice', [h(1)], 5000);
    expect((await refcounts())[h(1)]).toEqual({ refcount: 0, zeroSince: 5000 });
  });

  it('refuses a malformed hash before querying', async () => {
    await expect(missingBlocks(db, 'alice', ["blake3:' or 1=1 --"])).rejects.toThrow(/is not a block hash/);
  });
});

describe('addBlockReferences', () => {
  it('counts each occurrence and ends the grace period', async () => {
    await stored('alice', [h(1), h(2)]);
    await db.transaction().execute((trx) => addBlockReferences(trx, 'alice', [h(1), h(2), h(1)]));
    expect(await refcounts()).toEqual({ [h(1)]: { refcount: 2, zeroSince: null }, [h(2)]: { refcount: 1, zeroSince: null } });
  });

  it('refuses a block not uploaded, and changes nothing', async () => {
    await stored('alice', [h(1)]);
    const attempt = db.transaction().execute((trx) => addBlockReferences(trx, 'alice', [h(1), h(9), h(8)]));
    await expect(attempt).rejects.toMatchObject({
      code: 'bad_request',
      message: `Block ${h(9)} (and 1 more) has not been uploaded. Upload the missing blocks, then commit again.`,
    });
    expect((await refcounts())[h(1)]?.refcount).toBe(0);
  });

  it("refuses a block only another account uploaded", async () => {
    await stored('alice', [h(1)]);
    const attempt = db.transaction().execute((trx) => addBlockReferences(trx, 'bob', [h(1)]));
    await expect(attempt).rejects.toThrow(/has not been uploaded/);
  });
});

describe('removeBlockReferences and garbage', () => {
  it('a block reaching 0 becomes garbage only after the grace period, and never goes below 0', async () => {
    await stored('alice', [h(1), h(2)]);
    await db.transaction().execute((trx) => addBlockReferences(trx, 'alice', [h(1), h(1), h(2)]));
    await db.transaction().execute((trx) => removeBlockReferences(trx, [h(1), h(2), h(2)], 2000));
    expect(await refcounts()).toEqual({ [h(1)]: { refcount: 1, zeroSince: null }, [h(2)]: { refcount: 0, zeroSince: 2000 } });
    expect(await garbageBlocks(db, 1999, 100)).toEqual([]);
    expect(await garbageBlocks(db, 2000, 100)).toEqual([h(2)]);
  });

  it('the drop re-checks: a block referenced again after it was listed is kept', async () => {
    await stored('alice', [h(1)], 1000);
    const listed = await garbageBlocks(db, 5000, 100);
    expect(listed).toEqual([h(1)]);
    await db.transaction().execute((trx) => addBlockReferences(trx, 'alice', [h(1)]));
    const dropped = await db.transaction().execute((trx) => dropGarbageBlocks(trx, listed, 5000));
    expect(dropped).toEqual([]);
    expect(await missingBlocks(db, 'alice', [h(1)])).toEqual([]);
  });

  it('dropping a block removes every account’s right to read it', async () => {
    await stored('alice', [h(1)], 1000);
    await stored('bob', [h(1)], 1000);
    const dropped = await db.transaction().execute((trx) => dropGarbageBlocks(trx, [h(1)], 5000));
    expect(dropped.map((block) => block.hash)).toEqual([h(1)]);
    expect(await missingBlocks(db, 'alice', [h(1)])).toEqual([h(1)]);
    expect(await db.selectFrom('account_blocks').selectAll().execute()).toEqual([]);
  });
});
