// What both tools' runs share: the sync workloads of bench/sync run on any pair of synced folders,
// a folder of many small files written the same way for both, and the idle measurement (CPU
// seconds and RSS from /proc, per process).
import { execFile } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { processCpuSeconds, processMemory, sleep } from '../sync/tandem-pair.ts';
import { bigFile, insertOneByte, manySmallFiles, percentile, smallEdits } from '../sync/workloads.ts';
import type { SyncedPair } from '../sync/workloads.ts';
import type { ToolFigures } from './results-table.ts';
import type { Sizes, Workload } from './settings.ts';

/** The two halves of each tool's run: workloads 1–4 on one pair, 5 and 6 (the 100k-file folder) on a fresh one. */
export type Part = 'sync' | 'folder';

export interface RunContext {
  sizes: Sizes;
  only: ReadonlySet<Workload>;
  /** A temp folder on the same disk as the pairs, for files written before they are moved in. */
  scratch: string;
  log: (text: string) => void;
}

const MB = 1e6;

/**
 * Writes every dirty page to the disk (sync(1)), untimed, so a workload starts on a disk at rest.
 * Measured on the index: 200k files just written were still being written back while the first
 * index read them (Tandem 3.42 s unflushed, 2.77 s flushed; one run each). Between the other
 * workloads it is a precaution: the 1 GiB file leaves 2 GB unwritten, yet the insert after it
 * took 0.71–0.75 s unflushed and 0.79 s flushed.
 */
export async function flushToDisk(): Promise<void> {
  await promisify(execFile)('sync');
}

/**
 * Workloads 1–4 (edit, small, big, insert) on one pair, in the issue's order. `settle` runs between
 * workloads (not timed), then the disk is flushed, so one workload's tail (its requests, its
 * write-back) does not land in the next one's figures. Fills `figures` as it goes.
 */
export async function runSyncWorkloads(tool: string, pair: SyncedPair, context: RunContext, settleTool: () => Promise<void>, figures: ToolFigures, problems: string[]): Promise<void> {
  const { sizes, only, log } = context;
  const settle = async (): Promise<void> => {
    await settleTool();
    await flushToDisk();
  };
  if (only.has('edit')) {
    const edits = await smallEdits(pair, sizes.edits);
    figures.editP50Ms = percentile(edits, 50);
    figures.editP95Ms = percentile(edits, 95);
    log(`${tool}: small edit p50 ${figures.editP50Ms.toFixed(0)} ms, p95 ${figures.editP95Ms.toFixed(0)} ms (all: ${edits.map((ms) => ms.toFixed(0)).join(' ')})`);
    await settle();
  }
  if (only.has('small')) {
    const many = await manySmallFiles(pair, sizes.smallFiles, 4096);
    figures.smallFilesSeconds = many.seconds;
    log(`${tool}: ${sizes.smallFiles} × 4 KiB files in ${many.seconds.toFixed(1)} s (writing them took ${many.writeSeconds.toFixed(1)} s)`);
    await settle();
  }
  if (only.has('big')) {
    const big = await bigFile(pair, sizes.bigBytes, context.scratch);
    figures.bigFileSeconds = big.seconds;
    figures.bigFileMBps = big.mbPerSecond;
    log(`${tool}: ${(sizes.bigBytes / MB).toFixed(0)} MB file in ${big.seconds.toFixed(1)} s, ${big.mbPerSecond.toFixed(0)} MB/s${big.identical ? '' : " — B's COPY DIFFERS"}`);
    if (!big.identical) problems.push(`${tool}: B's copy of the big file differs from A's`);
    await settle();
  }
  if (only.has('insert')) {
    const insert = await insertOneByte(pair, sizes.insertBytes, context.scratch);
    figures.insertSeconds = insert.seconds;
    figures.insertWireBytes = (insert.bytesUp + insert.bytesDown) / 1000; // KB, as the table shows it
    log(`${tool}: 1 byte inserted in ${(sizes.insertBytes / MB).toFixed(0)} MB: ${insert.seconds.toFixed(2)} s, ${(insert.bytesUp / 1000).toFixed(0)} KB up + ${(insert.bytesDown / 1000).toFixed(0)} KB down${insert.identical ? '' : " — B's COPY DIFFERS"}`);
    if (!insert.identical) problems.push(`${tool}: B's copy of the edited file differs from A's`);
    await settle();
  }
}

export const FILES_PER_FOLDER = 1000;

/**
 * The index workload's folders: `count` files written the same way into both devices' folders (so
 * they start identical), then flushed, so the index reads a folder at rest, as a user's would be.
 */
export async function writeIndexFolders(folderA: string, folderB: string, count: number): Promise<void> {
  await writeManyFiles(folderA, count);
  await writeManyFiles(folderB, count);
  await flushToDisk();
}

/** `count` small files (10–400 bytes, each different) in folders of 1,000, the shape bench:scan uses. */
async function writeManyFiles(root: string, count: number): Promise<void> {
  for (let folder = 0; folder * FILES_PER_FOLDER < count; folder++) {
    const path = join(root, `d${folder}`);
    await mkdir(path, { recursive: true });
    const writes: Promise<void>[] = [];
    for (let i = folder * FILES_PER_FOLDER; i < Math.min(count, (folder + 1) * FILES_PER_FOLDER); i++) {
      writes.push(writeFile(join(path, `file-${i}.txt`), `file ${i} `.repeat(1 + (i % 40))));
      if (writes.length >= 64) await Promise.all(writes.splice(0));
    }
    await Promise.all(writes);
  }
}

/**
 * The files `writeManyFiles` made that are in `root`, and any other entries beside them (a conflicted
 * copy, a leftover temp file); each tool's own marker (.stfolder, .tandem-folder) is not counted.
 */
export async function checkManyFiles(root: string, count: number): Promise<string | undefined> {
  let found = 0;
  const strays: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    if (/^file-\d+\.txt$/.test(entry.name) && /^d\d+$/.test(entry.parentPath.slice(root.length + 1))) found++;
    else if (!entry.parentPath.slice(root.length + 1).startsWith('.') && !entry.name.startsWith('.tandem') && !entry.name.startsWith('.st')) strays.push(entry.name);
  }
  if (found === count && strays.length === 0) return undefined;
  return `${found} of ${count} files${strays.length > 0 ? ` and ${strays.length} others (${strays.slice(0, 3).join(', ')})` : ''}`;
}

export interface IdleFigures {
  /** CPU seconds per minute of each process, in the order given. */
  cpuPerMinute: number[];
  /** Each process's RSS at the end, MB. */
  rssMB: number[];
}

/** Watches `pids` doing nothing for `seconds`: CPU seconds spent (per minute) and RSS at the end. */
export async function measureIdle(pids: readonly number[], seconds: number): Promise<IdleFigures> {
  const before = await Promise.all(pids.map((pid) => processCpuSeconds(pid)));
  await sleep(seconds * 1000);
  const after = await Promise.all(pids.map((pid) => processCpuSeconds(pid)));
  const memory = await Promise.all(pids.map((pid) => processMemory(pid)));
  return {
    cpuPerMinute: after.map((value, at) => ((value - before[at]!) * 60) / seconds),
    rssMB: memory.map((m) => m.rssBytes / MB),
  };
}
