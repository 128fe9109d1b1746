// The executor stays linear on big plans: a first sync that finds 20k files already equal on both
// sides (re-keyed to the server's ids and marked synced, no transfer) and 5k small downloads.

import { beforeAll, expect, it } from 'vitest';
import { loadHasher } from '../hasher.ts';
import type { Hasher } from '../hasher.ts';
import { ROOT_ID } from './test-support/fake-remote.ts';
import { encode, executor, makePlan, newDevice, pull, scan } from './test-support/harness.ts';

let hasher: Hasher;
beforeAll(async () => {
  hasher = await loadHasher();
});

it('adopts 20k files present on both sides without transfers, in seconds', async () => {
  const device = await newDevice(hasher);
  for (let f = 0; f < 100; f++) {
    device.remote.putFolder(`folder-${f}`, ROOT_ID, `f${f}`);
    for (let i = 0; i < 200; i++) {
      const text = `file ${f}/${i}`;
      device.remote.putFile(`s-${f}-${i}`, `folder-${f}`, `${i}.txt`, encode(text));
      device.fs.put(`f${f}/${i}.txt`, text);
    }
  }
  scan(device);
  pull(device);
  const plan = makePlan(device);
  expect(plan.filter((op) => op.kind === 'rekeyLocal').length).toBeGreaterThanOrEqual(20_000);
  const started = performance.now();
  device.remote.calls.length = 0;
  const result = await executor(device).run(plan, device.store.trees());
  expect(result.complete).toBe(true);
  expect(performance.now() - started).toBeLessThan(10_000);
  expect(device.remote.calls).toEqual([]);
  expect(device.store.synced.size).toBe(20_101);
  scan(device);
  pull(device);
  expect(makePlan(device)).toEqual([]);
}, 60_000);

it('runs 5k downloads with bounded concurrency in seconds', async () => {
  const device = await newDevice(hasher);
  for (let i = 0; i < 5000; i++) device.remote.putFile(`s-${i}`, ROOT_ID, `${i}.txt`, encode(`content ${i}`));
  scan(device);
  pull(device);
  const plan = makePlan(device);
  const started = performance.now();
  const result = await executor(device, { concurrency: 8 }).run(plan, device.store.trees());
  expect(result.complete).toBe(true);
  expect(result.progress.filesDone).toBe(5000);
  expect(performance.now() - started).toBeLessThan(15_000);
}, 60_000);
