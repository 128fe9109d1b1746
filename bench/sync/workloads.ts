// The sync workloads (issue 4's benchmark list; issue 6 runs the same ones against Syncthing):
// each writes into folder A and times until folder B has exactly the result. They take any pair
// of synced folders, so the tool under test is only a setup detail.
import { createHash, randomFillSync } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sleep } from './tandem-pair.ts';

export interface SyncedPair {
  folderA: string;
  folderB: string;
  /** Bytes on the wire, both directions, since the last reset. */
  proxy: { up: number; down: number; reset(): void };
}

const MiB = 1024 * 1024;

/** With TANDEM_BENCH_TRACE=1, a time-stamped line on stderr, beside the processes' own (tandem-pair.ts). */
function trace(text: string): void {
  if (process.env['TANDEM_BENCH_TRACE']) process.stderr.write(`${(performance.now() / 1000).toFixed(3)} bench: ${text}\n`);
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, pollMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(pollMs);
  }
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** A small edit on A, until B has it: latencies in ms, sorted. */
export async function smallEdits(pair: SyncedPair, count: number, gapMs = 300): Promise<number[]> {
  const latencies: number[] = [];
  const name = 'small-edit.txt';
  for (let i = 0; i < count; i++) {
    const content = `edit ${i} ${Date.now()} ${Math.random()}\n`;
    const started = performance.now();
    await writeFile(join(pair.folderA, name), content);
    trace(`edit ${i} written`);
    await waitFor(async () => (await readFile(join(pair.folderB, name), 'utf8')) === content, 30_000, 2, `edit ${i} on B`);
    latencies.push(performance.now() - started);
    trace(`edit ${i} on B after ${(performance.now() - started).toFixed(0)} ms`);
    await sleep(gapMs);
  }
  return latencies.sort((a, b) => a - b);
}

/** `count` files of `size` bytes created on A: seconds until all are on B with their size. */
export async function manySmallFiles(pair: SyncedPair, count: number, size: number): Promise<{ seconds: number; writeSeconds: number }> {
  const folder = 'many';
  const started = performance.now();
  await mkdir(join(pair.folderA, folder));
  const block = Buffer.alloc(size);
  for (let i = 0; i < count; i++) {
    randomFillSync(block, 0, Math.min(size, 64));
    await writeFile(join(pair.folderA, folder, `file-${String(i).padStart(6, '0')}.bin`), block);
  }
  const writeSeconds = (performance.now() - started) / 1000;
  trace(`${count} files written`);
  await waitFor(
    async () => {
      const names = await readdir(join(pair.folderB, folder));
      return names.filter((n) => n.startsWith('file-')).length === count;
    },
    30 * 60_000,
    100,
    `${count} files on B`,
  );
  return { seconds: (performance.now() - started) / 1000, writeSeconds };
}

async function fileHash(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * MiB })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function writeRandomFile(path: string, bytes: number): Promise<void> {
  const handle = await open(path, 'w');
  const chunk = Buffer.alloc(Math.min(bytes, 16 * MiB));
  try {
    for (let written = 0; written < bytes; written += chunk.length) {
      const piece = chunk.subarray(0, Math.min(chunk.length, bytes - written));
      randomFillSync(piece);
      await handle.write(piece);
    }
  } finally {
    await handle.close();
  }
}

/** One big file created on A (written elsewhere first, then moved in, so the tool sees it whole). */
export async function bigFile(pair: SyncedPair, bytes: number, scratch: string): Promise<{ seconds: number; mbPerSecond: number; identical: boolean }> {
  const outside = join(scratch, 'big-file.bin');
  await writeRandomFile(outside, bytes);
  const expected = await fileHash(outside);
  const started = performance.now();
  await rename(outside, join(pair.folderA, 'big-file.bin'));
  await waitFor(async () => (await stat(join(pair.folderB, 'big-file.bin'))).size === bytes, 60 * 60_000, 20, 'the big file on B');
  const seconds = (performance.now() - started) / 1000;
  return { seconds, mbPerSecond: bytes / 1e6 / seconds, identical: (await fileHash(join(pair.folderB, 'big-file.bin'))) === expected };
}

/** One byte inserted in the middle of an already synced file: wire bytes and seconds until B has it. */
export async function insertOneByte(
  pair: SyncedPair,
  bytes: number,
  scratch: string,
): Promise<{ seconds: number; bytesUp: number; bytesDown: number; identical: boolean }> {
  const outside = join(scratch, 'insert.bin');
  await writeRandomFile(outside, bytes);
  await rename(outside, join(pair.folderA, 'insert.bin'));
  await waitFor(async () => (await stat(join(pair.folderB, 'insert.bin'))).size === bytes, 30 * 60_000, 50, 'the file to insert into, on B');
  await sleep(1500); // both sides settle (B's rescan of what it wrote, the notify round trip)
  const original = await readFile(join(pair.folderA, 'insert.bin'));
  const middle = Math.floor(bytes / 2);
  const edited = Buffer.concat([original.subarray(0, middle), Buffer.from([0x2a]), original.subarray(middle)]);
  const expected = createHash('sha256').update(edited).digest('hex');
  pair.proxy.reset();
  const started = performance.now();
  await writeFile(join(pair.folderA, 'insert.bin'), edited);
  await waitFor(async () => (await stat(join(pair.folderB, 'insert.bin'))).size === bytes + 1, 10 * 60_000, 5, 'the edit on B');
  const seconds = (performance.now() - started) / 1000;
  await sleep(1000); // let the last requests (acknowledgements, B's own rescan) finish
  return { seconds, bytesUp: pair.proxy.up, bytesDown: pair.proxy.down, identical: (await fileHash(join(pair.folderB, 'insert.bin'))) === expected };
}
