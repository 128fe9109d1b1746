// The sync benchmark's machinery at a tiny size, as a test of the long-running `tandem sync`:
// two watching processes and a server, and edits on A arrive on B without anyone running a pass.
// The figures themselves are printed by `npm run bench:sync`, never asserted on time.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TandemPair } from './sync/tandem-pair.ts';
import { insertOneByte, manySmallFiles, smallEdits } from './sync/workloads.ts';

let pair: TandemPair;
let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'tandem-bench-test-'));
  pair = await TandemPair.start();
}, 60_000);
afterAll(async () => {
  await pair?.stop();
  await rm(scratch, { recursive: true, force: true });
});

it('watching devices pass small edits and a folder of new files along by themselves', async () => {
  expect(await smallEdits(pair, 2, 100)).toHaveLength(2);
  await manySmallFiles(pair, 30, 4096);
}, 120_000);

it('one byte inserted in a synced file travels as the changed blocks, not the file', async () => {
  const size = 8 * 1024 * 1024;
  const result = await insertOneByte(pair, size, scratch);
  expect(result.identical).toBe(true);
  // The chunker moves only the boundaries near the insert: a few 64 KiB blocks each way.
  expect(result.bytesUp).toBeLessThan(size / 8);
}, 120_000);
