// The pack-file block store against a real disk and a real SQLite database: what is stored reads
// back (verified), duplicates are stored once, a reopened store carries on, garbage collection
// frees space without touching live blocks, and what a crash leaves behind is tolerated.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type BlockTables, addBlockReferences, findBlocks, missingBlocks, removeBlockReferences } from './block-index.ts';
import type { BlockInput, BlockStore } from './block-store.ts';
import { encodeBlockFrames } from '../../src-shared/protocol/blocks.ts';
import { hashBlock } from './hash.ts';
import { PACK_HEADER_BYTES, openPackBlockStore } from './pack-store.ts';
import { openBlockTestDatabase } from './test-database.ts';

const DAY = 24 * 60 * 60 * 1000;

let dir: string;
let db: Kysely<BlockTables>;
let store: BlockStore;

function block(size: number): BlockInput {
  const data = new Uint8Array(randomBytes(size));
  return { hash: hashBlock(data), data };
}

function packFiles(): string[] {
  return readdirSync(join(dir, 'packs')).filter((name) => name.endsWith('.pack'));
}

async function reopen(targetPackSize?: number): Promise<void> {
  await store.close();
  store = await openPackBlockStore({ dataDir: dir, db, ...(targetPackSize ? { targetPackSize } : {}) });
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tandem-pack-store-'));
  db = await openBlockTestDatabase(dir);
  store = await openPackBlockStore({ dataDir: dir, db });
});
afterEach(async () => {
  await store.close();
  await db.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('put and read', () => {
  it('reads back exactly what was stored, in the order asked, with duplicates', async () => {
    const blocks = [block(100), block(65536), block(0), block(3)];
    expect(await store.putBlocks(blocks, { accountId: 'alice' })).toEqual({ blocks: 4, bytes: 65639, written: 4 });
    const order = [blocks[2]!, blocks[0]!, blocks[3]!, blocks[0]!, blocks[1]!];
    const read = await store.readBlocks(order.map((b) => b.hash));
    expect(read.map((bytes) => Buffer.from(bytes).toString('hex'))).toEqual(order.map((b) => Buffer.from(b.data).toString('hex')));
    expect(await missingBlocks(db, 'alice', blocks.map((b) => b.hash))).toEqual([]);
  });

  it('keeps many blocks in one pack file, not one file per block', async () => {
    for (let i = 0; i < 5; i += 1) await store.putBlocks([block(1000), block(1000)], { accountId: 'alice' });
    expect(packFiles()).toHaveLength(1);
  });

  it('starts a new pack once the current one reaches the target size', async () => {
    await reopen(10_000);
    for (let i = 0; i < 6; i += 1) await store.putBlocks([block(4000)], { accountId: 'alice' });
    expect(packFiles().length).toBeGreaterThanOrEqual(3);
    expect((await store.diskUsage()).packs).toBe(packFiles().length);
  });

  it('stores a block twice only once, and a second account that uploads it can then read it', async () => {
    const b = block(5000);
    await store.putBlocks([b], { accountId: 'alice' });
    const before = await store.diskUsage();
    expect(await missingBlocks(db, 'bob', [b.hash])).toEqual([b.hash]);
    expect(await store.putBlocks([b, b], { accountId: 'bob' })).toEqual({ blocks: 1, bytes: 5000, written: 0 });
    expect(await store.diskUsage()).toEqual(before);
    expect(await missingBlocks(db, 'bob', [b.hash])).toEqual([]);
  });

  it('refuses a batch with one wrong hash and stores nothing from it', async () => {
    const good = block(100);
    const bad = { hash: block(100).hash, data: block(100).data };
    await expect(store.putBlocks([good, bad], { accountId: 'alice' })).rejects.toMatchObject({
      code: 'bad_request',
      message: expect.stringMatching(/does not match its bytes .* nothing from this upload was stored/),
    });
    expect((await findBlocks(db, [good.hash])).size).toBe(0);
    expect((await store.diskUsage()).bytes).toBe(0);
  });

  it('answers not_found for a block it does not have', async () => {
    await expect(store.readBlocks([block(10).hash])).rejects.toMatchObject({ code: 'not_found' });
  });

  it('writes concurrent uploads together, and every one of them is readable', async () => {
    const batches = Array.from({ length: 20 }, () => [block(2000), block(3000)]);
    await Promise.all(batches.map((blocks, i) => store.putBlocks(blocks, { accountId: `acct${i % 3}` })));
    const all = batches.flat();
    const read = await store.readBlocks(all.map((b) => b.hash));
    expect(read.every((bytes, i) => Buffer.from(bytes).equals(Buffer.from(all[i]!.data)))).toBe(true);
    expect(packFiles()).toHaveLength(1);
  });
});

describe('readRange', () => {
  it('returns any byte range of a file made of blocks', async () => {
    const blocks = [block(1000), block(1), block(2500), block(0), block(700)];
    await store.putBlocks(blocks, { accountId: 'alice' });
    const whole = Buffer.concat(blocks.map((b) => b.data));
    const refs = blocks.map((b) => ({ hash: b.hash, size: b.data.length }));
    for (const [start, end] of [
      [0, whole.length],
      [0, 1],
      [999, 1002],
      [1001, 3501],
      [3500, whole.length],
      [whole.length - 1, whole.length],
      [10, 10],
    ] as const) {
      const pieces: Uint8Array[] = [];
      for await (const piece of store.readRange(refs, start, end)) pieces.push(piece);
      expect(Buffer.concat(pieces).equals(whole.subarray(start, end)), `${start}-${end}`).toBe(true);
    }
  });

  it('refuses a block list whose sizes do not match the stored blocks', async () => {
    const b = block(100);
    await store.putBlocks([b], { accountId: 'alice' });
    const read = async () => {
      for await (const piece of store.readRange([{ hash: b.hash, size: 99 }], 0, 99)) void piece;
    };
    await expect(read()).rejects.toThrow(/is 100 bytes, the file's block list says 99/);
  });
});

describe('reopen and crash leftovers', () => {
  it('reads everything after a reopen and keeps appending to the same pack', async () => {
    const first = [block(100), block(200)];
    await store.putBlocks(first, { accountId: 'alice' });
    await reopen();
    const second = [block(300)];
    await store.putBlocks(second, { accountId: 'alice' });
    const all = [...first, ...second];
    const read = await store.readBlocks(all.map((b) => b.hash));
    expect(read.map((bytes) => bytes.length)).toEqual([100, 200, 300]);
    expect(packFiles()).toHaveLength(1);
  });

  it('cuts off a garbage tail left by a crashed write, then works on', async () => {
    const first = [block(1000)];
    await store.putBlocks(first, { accountId: 'alice' });
    const [pack] = packFiles();
    const packPath = join(dir, 'packs', pack!);
    const durable = statSync(packPath).size;
    await store.close();
    appendFileSync(packPath, randomBytes(777)); // a half-written batch that never got indexed
    store = await openPackBlockStore({ dataDir: dir, db });
    expect(statSync(packPath).size).toBe(durable);
    const second = [block(500), block(600)];
    await store.putBlocks(second, { accountId: 'alice' });
    const read = await store.readBlocks([...first, ...second].map((b) => b.hash));
    expect(read.map((bytes) => bytes.length)).toEqual([1000, 500, 600]);
  });

  it('removes a pack file the index never heard of (a crash right after creating it)', async () => {
    await store.putBlocks([block(100)], { accountId: 'alice' });
    await store.close();
    writeFileSync(join(dir, 'packs', '00000abcd-0123456789ab.pack'), randomBytes(100));
    writeFileSync(join(dir, 'packs', 'notes.txt'), 'not ours');
    store = await openPackBlockStore({ dataDir: dir, db });
    expect(packFiles()).toHaveLength(1);
    expect(readdirSync(join(dir, 'packs'))).toContain('notes.txt');
  });

  it('never appends to a pack whose header was overwritten', async () => {
    const first = block(100);
    await store.putBlocks([first], { accountId: 'alice' });
    const packPath = join(dir, 'packs', packFiles()[0]!);
    await store.close();
    const bytes = readFileSync(packPath);
    bytes.write('GARBAGE!', 0, 'latin1');
    writeFileSync(packPath, bytes);
    store = await openPackBlockStore({ dataDir: dir, db });
    await store.putBlocks([block(100)], { accountId: 'alice' });
    expect(packFiles()).toHaveLength(2);
    expect(readFileSync(packPath).equals(bytes)).toBe(true);
    expect(await store.readBlocks([first.hash])).toHaveLength(1);
  });

  it('detects a damaged block instead of serving wrong bytes', async () => {
    const b = block(1000);
    await store.putBlocks([b], { accountId: 'alice' });
    const packPath = join(dir, 'packs', packFiles()[0]!);
    const bytes = readFileSync(packPath);
    bytes[bytes.length - 10]! ^= 0xff;
    writeFileSync(packPath, bytes);
    await expect(store.readBlocks([b.hash])).rejects.toMatchObject({
      code: 'internal',
      message: expect.stringMatching(/is damaged on the server \(its bytes no longer match its hash\)/),
    });
  });
});

describe('reading blocks as frames (what /blocks/fetch sends)', () => {
  it('answers the frames of blocks spread over several packs, in the order asked, with duplicates', async () => {
    await reopen(40_000);
    const first = [block(20_000), block(15_000), block(1)];
    const second = [block(30_000), block(0), block(5_000)];
    await store.putBlocks(first, { accountId: 'alice' });
    await store.putBlocks(second, { accountId: 'alice' });
    expect(packFiles()).toHaveLength(2);
    const order = [first[0]!, first[1]!, second[0]!, second[1]!, first[2]!, first[0]!, second[2]!];
    const body = await store.readBlockFrames(order.map((b) => b.hash));
    expect(Buffer.from(body).equals(Buffer.from(encodeBlockFrames(order)))).toBe(true);
  });

  it('detects a damaged block in the middle of blocks read in one go', async () => {
    const blocks = [block(4000), block(4000), block(4000)];
    await store.putBlocks(blocks, { accountId: 'alice' });
    const packPath = join(dir, 'packs', packFiles()[0]!);
    const bytes = readFileSync(packPath);
    bytes[bytes.length - 4000 - 36 - 10]! ^= 0xff; // inside the second block
    writeFileSync(packPath, bytes);
    await expect(store.readBlockFrames(blocks.map((b) => b.hash))).rejects.toMatchObject({
      code: 'internal',
      message: expect.stringContaining(`Block ${blocks[1]!.hash} is damaged on the server (its bytes no longer match its hash)`),
    });
  });

  it('names the block a cut-off pack lost instead of sending short data', async () => {
    const blocks = [block(4000), block(4000)];
    await store.putBlocks(blocks, { accountId: 'alice' });
    const packPath = join(dir, 'packs', packFiles()[0]!);
    writeFileSync(packPath, readFileSync(packPath).subarray(0, -100));
    await expect(store.readBlockFrames(blocks.map((b) => b.hash))).rejects.toMatchObject({
      code: 'internal',
      message: expect.stringContaining(`Block ${blocks[1]!.hash} is damaged on the server (only 3900 of 4000 bytes are in its pack)`),
    });
  });
});

describe('one writer per data folder', () => {
  it('refuses a second store on the same folder in this process until the first is closed', async () => {
    await expect(openPackBlockStore({ dataDir: dir, db })).rejects.toMatchObject({
      code: 'conflict',
      message: `The block store in ${dir} is already open in this process; close it first.`,
    });
    await reopen();
    await store.putBlocks([block(10)], { accountId: 'alice' });
  });

  it('refuses a folder another running process holds, and takes over from a dead one', async () => {
    await store.close();
    const lock = join(dir, 'packs', 'LOCK');
    writeFileSync(lock, `${process.ppid}\n`); // a live process that is not us
    await expect(openPackBlockStore({ dataDir: dir, db })).rejects.toThrow(
      `Another Tandem server (process ${process.ppid}) is using the data folder ${dir}; stop it first.`,
    );
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(lock, `${dead}\n`); // a crashed server
    store = await openPackBlockStore({ dataDir: dir, db });
    expect(readFileSync(lock, 'utf8')).toBe(`${process.pid}\n`);
    await store.close();
    expect(existsSync(lock)).toBe(false);
    store = await openPackBlockStore({ dataDir: dir, db });
  });
});

describe('garbage collection', () => {
  async function reference(hashes: string[]) {
    await db.transaction().execute((trx) => addBlockReferences(trx, 'alice', hashes));
  }
  async function unreference(hashes: string[], now: number) {
    await db.transaction().execute((trx) => removeBlockReferences(trx, hashes, now));
  }

  it('frees unreferenced blocks only after the grace period', async () => {
    const kept = block(1000);
    const dropped = block(1000);
    await store.putBlocks([kept, dropped], { accountId: 'alice' });
    await reference([kept.hash]);
    const early = await store.collectGarbage({ graceMs: DAY, now: Date.now() + DAY / 2 });
    expect(early.blocksFreed).toBe(0);
    expect(await store.readBlocks([dropped.hash])).toHaveLength(1);

    const late = await store.collectGarbage({ graceMs: DAY, now: Date.now() + 2 * DAY });
    expect(late).toMatchObject({ blocksFreed: 1, bytesFreed: 1000 });
    await expect(store.readBlocks([dropped.hash])).rejects.toMatchObject({ code: 'not_found' });
    expect(await missingBlocks(db, 'alice', [dropped.hash, kept.hash])).toEqual([dropped.hash]);
    expect(Buffer.from((await store.readBlocks([kept.hash]))[0]!).equals(Buffer.from(kept.data))).toBe(true);
  });

  it('repacks packs that are mostly garbage: live blocks stay readable and disk space comes back', async () => {
    await reopen(20_000);
    const blocks = Array.from({ length: 40 }, () => block(2000));
    for (let i = 0; i < blocks.length; i += 4) await store.putBlocks(blocks.slice(i, i + 4), { accountId: 'alice' });
    await reference(blocks.map((b) => b.hash));
    const live = blocks.filter((_, i) => i % 5 === 0);
    const garbage = blocks.filter((_, i) => i % 5 !== 0);
    const now = Date.now();
    await unreference(
      garbage.map((b) => b.hash),
      now,
    );
    const before = await store.diskUsage();

    const report = await store.collectGarbage({ graceMs: DAY, now: now + 2 * DAY });
    expect(report.blocksFreed).toBe(garbage.length);
    expect(report.packsRepacked).toBeGreaterThan(0);
    expect(report.problems).toEqual([]);
    const after = await store.diskUsage();
    expect(after.bytes).toBeLessThan(before.bytes / 2);
    expect(after.packs).toBeLessThan(before.packs);
    expect(after.packs).toBe(packFiles().length);

    const read = await store.readBlocks(live.map((b) => b.hash));
    expect(read.every((bytes, i) => Buffer.from(bytes).equals(Buffer.from(live[i]!.data)))).toBe(true);
    // And it carries on: a reopen still finds everything, new uploads still work.
    await reopen(20_000);
    const fresh = block(2000);
    await store.putBlocks([fresh], { accountId: 'alice' });
    expect(await store.readBlocks([...live, fresh].map((b) => b.hash))).toHaveLength(live.length + 1);
  });

  it('uploading a block that is already stored gives it a fresh grace period', async () => {
    const b = block(1000);
    await store.putBlocks([b], { accountId: 'alice' });
    await db.updateTable('blocks').set({ zero_since: Date.now() - 2 * DAY }).execute(); // long unreferenced
    await store.putBlocks([b], { accountId: 'bob' }); // bob is about to commit a file that uses it
    const report = await store.collectGarbage({ graceMs: DAY, now: Date.now() + 60_000 });
    expect(report.blocksFreed).toBe(0);
    expect(await missingBlocks(db, 'bob', [b.hash])).toEqual([]);
  });

  it('uploads during a collection go through, and both end with everything readable', async () => {
    await reopen(10_000);
    const old = Array.from({ length: 30 }, () => block(3000));
    for (const b of old) await store.putBlocks([b], { accountId: 'alice' });
    const live = old.filter((_, i) => i % 3 === 0);
    await reference(live.map((b) => b.hash));
    await db.updateTable('blocks').set({ zero_since: Date.now() - 2 * DAY }).where('refcount', '=', 0).execute();
    // Fresh uploads start their grace period now: the collection must not take them.
    const fresh = Array.from({ length: 10 }, () => block(3000));
    const [report] = await Promise.all([
      store.collectGarbage({ graceMs: DAY }),
      ...fresh.map((b) => store.putBlocks([b], { accountId: 'alice' })),
    ]);
    expect(report.packsRepacked + report.packsDeleted).toBeGreaterThan(0);
    await reference(fresh.map((b) => b.hash));
    const all = [...live, ...fresh];
    const read = await store.readBlocks(all.map((b) => b.hash));
    expect(read.every((bytes, i) => Buffer.from(bytes).equals(Buffer.from(all[i]!.data)))).toBe(true);
  });

  it('closing during a collection stops it; nothing is written after close', async () => {
    await reopen(10_000);
    for (let i = 0; i < 20; i += 1) await store.putBlocks([block(3000)], { accountId: 'alice' });
    const collecting = store.collectGarbage({ graceMs: 0, now: Date.now() + 1 });
    await store.close();
    const filesAtClose = packFiles().sort();
    await collecting;
    expect(packFiles().sort()).toEqual(filesAtClose);
    store = await openPackBlockStore({ dataDir: dir, db });
  });

  it('deletes a pack with nothing live in it', async () => {
    const b = block(5000);
    await store.putBlocks([b], { accountId: 'alice' });
    const report = await store.collectGarbage({ graceMs: 0, now: Date.now() + 1 });
    expect(report).toMatchObject({ blocksFreed: 1, packsDeleted: 1 });
    expect(await store.diskUsage()).toEqual({ packs: 0, bytes: 0 });
    await store.putBlocks([b], { accountId: 'alice' });
    expect(await store.readBlocks([b.hash])).toHaveLength(1);
  });

  it('leaves a pack with a damaged live block alone and reports it', async () => {
    await reopen(5000);
    const live = block(3000);
    const gone = block(3000);
    await store.putBlocks([live, gone], { accountId: 'alice' });
    await reference([live.hash]);
    const packPath = join(dir, 'packs', packFiles()[0]!);
    const bytes = readFileSync(packPath);
    bytes[PACK_HEADER_BYTES + 36 + 5]! ^= 0xff;
    writeFileSync(packPath, bytes);
    const report = await store.collectGarbage({ graceMs: 0, now: Date.now() + 1, repackBelow: 0.9 });
    expect(report.blocksFreed).toBe(1);
    expect(report.packsRepacked).toBe(0);
    expect(report.problems).toEqual([expect.stringMatching(/is damaged on the server/)]);
    expect(packFiles()).toHaveLength(1);
  });
});
