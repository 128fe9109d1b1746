// Model-based test of the pack store and block index together: random sequences of uploads (by two
// accounts), references, dropped references, missing checks, clock moves, garbage collections with
// repacking and reopens, checked after every step against a plain in-memory model of what must be
// readable, by whom, and what must be gone.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { type BlockTables, addBlockReferences, missingBlocks, removeBlockReferences } from './block-index.ts';
import type { BlockStore } from './block-store.ts';
import { hashBlock } from './hash.ts';
import { openPackBlockStore } from './pack-store.ts';
import { openBlockTestDatabase } from './test-database.ts';

const GRACE = 1000;
const ACCOUNTS = ['alice', 'bob'] as const;
/** A small pool of contents, so uploads collide (dedup) and references pile up. */
const POOL = Array.from({ length: 10 }, (_, i) => {
  const data = new Uint8Array(200 + i * 150).map((_, j) => (i * 31 + j * 7) & 0xff);
  return { hash: hashBlock(data), data };
});

type Op =
  | { kind: 'put'; account: number; blocks: number[] }
  | { kind: 'ref'; account: number; blocks: number[] }
  | { kind: 'unref'; block: number }
  | { kind: 'missing'; account: number; blocks: number[] }
  | { kind: 'tick'; ms: number }
  | { kind: 'gc'; repackBelow: number }
  | { kind: 'reopen' };

const account = fc.integer({ min: 0, max: 1 });
const someBlocks = fc.array(fc.integer({ min: 0, max: POOL.length - 1 }), { minLength: 1, maxLength: 5 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('put' as const), account, blocks: someBlocks }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('ref' as const), account, blocks: someBlocks }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('unref' as const), block: fc.integer({ min: 0, max: POOL.length - 1 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('missing' as const), account, blocks: someBlocks }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.constantFrom(100, 600, 1500) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('gc' as const), repackBelow: fc.constantFrom(0.3, 0.7, 1.01) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reopen' as const) }) },
);

interface ModelBlock {
  refcount: number;
  zeroSince: number | null;
  readers: Set<string>;
}

async function run(ops: Op[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-pack-model-'));
  let now = 1_000_000;
  const clock = () => now;
  const db: Kysely<BlockTables> = await openBlockTestDatabase(dir);
  const open = () => openPackBlockStore({ dataDir: dir, db, targetPackSize: 1500, clock });
  let store: BlockStore = await open();
  const model = new Map<string, ModelBlock>();
  try {
    for (const step of ops) {
      switch (step.kind) {
        case 'put': {
          const who = ACCOUNTS[step.account]!;
          await store.putBlocks(
            step.blocks.map((i) => POOL[i]!),
            { accountId: who },
          );
          for (const i of new Set(step.blocks)) {
            const hash = POOL[i]!.hash;
            const block = model.get(hash) ?? { refcount: 0, zeroSince: now, readers: new Set<string>() };
            block.readers.add(who);
            if (block.refcount === 0) block.zeroSince = now;
            model.set(hash, block);
          }
          break;
        }
        case 'ref': {
          const who = ACCOUNTS[step.account]!;
          const hashes = step.blocks.map((i) => POOL[i]!.hash);
          const allowed = hashes.every((hash) => model.get(hash)?.readers.has(who));
          const attempt = db.transaction().execute((trx) => addBlockReferences(trx, who, hashes));
          if (!allowed) {
            await expect(attempt).rejects.toThrow(/has not been uploaded/);
            break;
          }
          await attempt;
          for (const hash of hashes) {
            const block = model.get(hash)!;
            block.refcount += 1;
            block.zeroSince = null;
          }
          break;
        }
        case 'unref': {
          const hash = POOL[step.block]!.hash;
          const block = model.get(hash);
          if (!block || block.refcount === 0) break; // the server only drops references it holds
          await db.transaction().execute((trx) => removeBlockReferences(trx, [hash], now));
          block.refcount -= 1;
          if (block.refcount === 0) block.zeroSince = now;
          break;
        }
        case 'missing': {
          const who = ACCOUNTS[step.account]!;
          const hashes = [...new Set(step.blocks.map((i) => POOL[i]!.hash))];
          expect(await missingBlocks(db, who, hashes, now)).toEqual(hashes.filter((hash) => !model.get(hash)?.readers.has(who)));
          for (const hash of hashes) {
            const block = model.get(hash);
            if (block?.readers.has(who) && block.refcount === 0) block.zeroSince = now;
          }
          break;
        }
        case 'tick':
          now += step.ms;
          break;
        case 'gc': {
          const report = await store.collectGarbage({ graceMs: GRACE, repackBelow: step.repackBelow });
          let freed = 0;
          for (const [hash, block] of model) {
            if (block.refcount === 0 && block.zeroSince !== null && block.zeroSince <= now - GRACE) {
              model.delete(hash);
              freed += 1;
            }
          }
          expect(report.blocksFreed).toBe(freed);
          expect(report.problems).toEqual([]);
          break;
        }
        case 'reopen':
          await store.close();
          store = await open();
          break;
      }

      // After every step: exactly the model's blocks are stored, intact, readable by the right accounts.
      const stored = POOL.filter((block) => model.has(block.hash));
      const read = await store.readBlocks(stored.map((block) => block.hash));
      expect(read.map((bytes) => Buffer.from(bytes).toString('hex'))).toEqual(stored.map((block) => Buffer.from(block.data).toString('hex')));
      for (const block of POOL.filter((b) => !model.has(b.hash))) {
        await expect(store.readBlocks([block.hash])).rejects.toMatchObject({ code: 'not_found' });
      }
      const refcounts = await db.selectFrom('blocks').select(['hash', 'refcount']).execute();
      expect(Object.fromEntries(refcounts.map((row) => [row.hash, Number(row.refcount)]))).toEqual(
        Object.fromEntries([...model].map(([hash, block]) => [hash, block.refcount])),
      );
    }
  } finally {
    await store.close();
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('pack store against a model', () => {
  it(
    'stores, shares, references, frees and repacks exactly as the model says',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 40 }), run),
        { numRuns: 40 },
      );
    },
    120_000,
  );
});
