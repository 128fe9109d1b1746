// Keeps the local index benchmark runnable: a small run prints every figure, and bad arguments are
// a one-line usage error.
import { expect, it } from 'vitest';
import { failureOf, runBench } from './bench-process.ts';

const run = (...args: string[]) => runBench('index.ts', { args });

it('prints save and load rates for trees and facts, and journal rates for FULL and NORMAL', async () => {
  const { stdout } = await run('--items', '2000');
  expect(stdout).toMatch(/^local index, 2,000 items, synchronous=FULL, WAL$/mu);
  expect(stdout).toMatch(/^save one tree, fresh \(1 tx\): +\d+ ms \([\d,]+ items\/s\)$/mu);
  expect(stdout).toMatch(/^save one tree, unchanged: +\d+ ms/mu);
  expect(stdout).toMatch(/^save one tree, 1% of files edited: +\d+ ms/mu);
  expect(stdout).toMatch(/^load all three trees: +\d+ ms \([\d,]+ items\/s\)$/mu);
  expect(stdout).toMatch(/^save facts of 1,959 files: +\d+ ms/mu);
  expect(stdout).toMatch(/^store a one-file rescan, compared: +[\d.]+ ms/mu);
  expect(stdout).toMatch(/^store a one-file rescan, its delta: +[\d.]+ ms/mu);
  expect(stdout).toMatch(/^journal begin\+complete, FULL: +\d+ ops\/s$/mu);
  expect(stdout).toMatch(/^journal begin\+complete, NORMAL: +\d+ ops\/s$/mu);
}, 60_000);

it('refuses a size it cannot run', async () => {
  const failure = await failureOf(run('--items', '5'));
  expect(failure?.code).toBe(2);
  expect(failure?.stderr.trim()).toBe('usage: node bench/index.ts [--items 1000..10000000]');
});
