// Local observation at scale: how fast the scanner indexes a folder of many small files, how fast
// an idle rescan confirms nothing changed, and what each watcher backend costs while watching it.
// Run: `npm run bench:scan` (TANDEM_BENCH_FILES sets the file count, default 100,000, in folders
// of 1,000). Files are small and freshly written, so this measures Tandem's own per-file cost
// (listing, lstat, hashing, tree building), not a disk. Watchers run in child processes so each
// resident set size (RSS) is that backend's alone; "baseline" is the same child watching nothing.

import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ChunkWorkerPool } from '../src-main/engine/chunker/worker-pool.ts';
import { scanChanges, scanFolder } from '../src-main/engine/scanner/scan-folder.ts';
import { SmallFileHasher } from '../src-main/engine/scanner/small-file-hasher.ts';
import { walkInWorker } from '../src-main/engine/scanner/walk-in-worker.ts';
import { emptyTree } from '../src-main/engine/tree/tree.ts';
import { watchFolder } from '../src-main/engine/watcher/watch-folder.ts';
import type { WatcherBackend } from '../src-main/engine/watcher/watch-folder.ts';

const PER_FOLDER = 1000;
const MB = 1024 * 1024;

function fileCount(): number {
  const raw = process.env.TANDEM_BENCH_FILES ?? '100000';
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 100) {
    console.error(`TANDEM_BENCH_FILES must be a whole number of files, at least 100 (got "${raw}").`);
    process.exit(2);
  }
  return value;
}

function makeFolder(files: number): string {
  const root = mkdtempSync(join(tmpdir(), 'tandem-bench-scan-'));
  for (let i = 0; i < files; i++) {
    const folder = join(root, `d${Math.floor(i / PER_FOLDER)}`);
    if (i % PER_FOLDER === 0) mkdirSync(folder);
    writeFileSync(join(folder, `file-${i}.txt`), `file ${i} `.repeat(1 + (i % 40)));
  }
  return root;
}

const rate = (count: number, ms: number) => Math.round((count / ms) * 1000).toLocaleString('en-US');
const line = (label: string, value: string) => console.log(`${label.padEnd(44)} ${value}`);

interface WatchReport {
  readyMs: number;
  rssMB: number;
  hintMs: number | undefined;
}

/** The child side: watch `root` with `backend` (or nothing), report readiness, RSS and one hint's latency. */
async function watchChild(backend: WatcherBackend | 'none', root: string): Promise<void> {
  const started = performance.now();
  let resolveHint: (() => void) | undefined;
  const watcher =
    backend === 'none'
      ? undefined
      : await watchFolder(root, { backend, onHints: () => resolveHint?.() });
  const readyMs = performance.now() - started;
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const rssMB = process.memoryUsage().rss / MB;
  let hintMs: number | undefined;
  if (watcher) {
    const hinted = new Promise<void>((resolve) => (resolveHint = resolve));
    const wrote = performance.now();
    writeFileSync(join(root, 'd0', 'touched.txt'), 'x');
    await Promise.race([hinted, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    hintMs = performance.now() - wrote;
    await watcher.close();
  }
  process.stdout.write(JSON.stringify({ readyMs, rssMB, hintMs } satisfies WatchReport));
}

interface IndexReport {
  walkMs: number;
  hashMs: number;
  buildMs: number;
  cpuMs: number;
  kernelMs: number;
  peakRssMB: number;
  startRssMB: number;
  /** Resident once the hashing workers are gone, the tree and facts still held (as an engine does). */
  restRssMB: number;
}

/** The child side: one first index of `root`, as an engine starting on a folder it never saw. */
async function indexChild(root: string): Promise<void> {
  const startRssMB = process.memoryUsage.rss() / MB;
  const pool = new ChunkWorkerPool();
  const smallHasher = new SmallFileHasher();
  // CPU time of the whole process (every thread): steadier than wall time on a shared machine.
  const cpuBefore = process.cpuUsage();
  const first = await scanFolder({ previous: emptyTree('root'), previousFacts: new Map(), source: { root }, pool, smallHasher });
  const cpu = process.cpuUsage(cpuBefore);
  // The kernel's high-water mark for this process (every thread), in KiB.
  const peakRssMB = (process.resourceUsage().maxRSS * 1024) / MB;
  await pool.close();
  await smallHasher.close();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const restRssMB = process.memoryUsage.rss() / MB;
  // (Also keeps the tree and facts alive until after the measurement, as an engine holds them.)
  if (first.tree.items.size <= 1) throw new Error('The first index found no files.');
  const report: IndexReport = { ...first.timings, cpuMs: (cpu.user + cpu.system) / 1000, kernelMs: cpu.system / 1000, peakRssMB, startRssMB, restRssMB };
  process.stdout.write(JSON.stringify(report));
}

// The child runs as bin/tandem.js starts the engine: a 4 MB young-generation semi-space and at
// most 2 glibc malloc arenas (without them the same index peaks ~150 MB higher).
const AS_TANDEM_RUNS = { args: ['--max-semi-space-size=4'], env: { MALLOC_ARENA_MAX: '2' } };

async function measureIndex(root: string): Promise<IndexReport> {
  const { stdout } = await promisify(execFile)(process.execPath, [...AS_TANDEM_RUNS.args, new URL(import.meta.url).pathname, '--index-child', root], {
    timeout: 300_000,
    maxBuffer: MB,
    env: { ...AS_TANDEM_RUNS.env, ...process.env },
  });
  return JSON.parse(stdout) as IndexReport;
}

async function measureWatcher(backend: WatcherBackend | 'none', root: string): Promise<WatchReport> {
  const { stdout } = await promisify(execFile)(process.execPath, [new URL(import.meta.url).pathname, '--watch-child', backend, root], {
    timeout: 300_000,
    maxBuffer: MB,
  });
  return JSON.parse(stdout) as WatchReport;
}

async function main(): Promise<void> {
  const files = fileCount();
  console.log(`Scanner and watcher, ${files.toLocaleString('en-US')} small files in folders of ${PER_FOLDER}`);
  let started = performance.now();
  const root = makeFolder(files);
  line('(setup) write the files', `${Math.round(performance.now() - started)} ms`);
  const pool = new ChunkWorkerPool();
  const smallHasher = new SmallFileHasher();
  try {
    started = performance.now();
    const walk = await walkInWorker(root);
    const walkMs = performance.now() - started;
    line('(a) walk only, in a worker', `${rate(walk.observations.length, walkMs)} entries/s (${Math.round(walkMs)} ms)`);

    // The first index runs in a fresh process, so its peak RSS is the index's own.
    const index = await measureIndex(root);
    const firstMs = index.walkMs + index.hashMs + index.buildMs;
    line(`(b) full index, hashing, ${smallHasher.size} hash workers`, `${rate(files, firstMs)} files/s (${Math.round(firstMs)} ms: walk ${Math.round(index.walkMs)}, hash ${Math.round(index.hashMs)}, build ${Math.round(index.buildMs)})`);
    line('(b) its CPU time (all threads) and peak RSS', `${Math.round(index.cpuMs)} ms CPU (${Math.round(index.kernelMs)} in the kernel), peak RSS ${Math.round(index.peakRssMB)} MB (${Math.round(index.startRssMB)} MB before it), ${Math.round(index.restRssMB)} MB after it`);
    const first = await scanFolder({ previous: emptyTree('root'), previousFacts: new Map(), source: { root }, pool, smallHasher });

    const idle = await scanFolder({ previous: first.tree, previousFacts: first.facts, source: { root }, pool, smallHasher });
    const idleMs = idle.timings.walkMs + idle.timings.hashMs + idle.timings.buildMs;
    if (idle.stats.hashed !== 0) throw new Error(`The idle rescan re-read ${idle.stats.hashed} unchanged files.`);
    line('(c) idle rescan, nothing changed', `${rate(files, idleMs)} files/s (${Math.round(idleMs)} ms, ${idle.stats.hashed} files re-read)`);
    // Three edits in a row, each scanned from the previous result (as the LocalObserver does).
    let state = idle;
    const hintedRuns: string[] = [];
    for (let edit = 0; edit < 3; edit++) {
      writeFileSync(join(root, 'd0', `file-${edit}.txt`), `edited by the user ${edit}`);
      const hinted = await scanChanges({
        previous: state.tree,
        previousFacts: state.facts,
        previousIgnored: state.ignoredIds,
        hints: [`d0/file-${edit}.txt`],
        source: { root },
        pool,
        smallHasher,
      });
      if (hinted.stats.hashed !== 1) throw new Error(`The hinted rescan read ${hinted.stats.hashed} files instead of 1.`);
      const hintedMs = hinted.timings.walkMs + hinted.timings.hashMs + hinted.timings.buildMs;
      hintedRuns.push(`${hintedMs.toFixed(1)} ms (observe ${hinted.timings.walkMs.toFixed(1)}, match+hash ${hinted.timings.hashMs.toFixed(1)}, build ${hinted.timings.buildMs.toFixed(1)})`);
      state = hinted;
    }
    line('(c2) hinted rescan: one edited file, 3 times', hintedRuns.join('; '));

    // Both results stay alive here on purpose: an engine holds its local tree and facts.
    const memory = process.memoryUsage();
    line('(d) engine memory after the scans', `RSS ${Math.round(memory.rss / MB)} MB, JS heap ${Math.round(memory.heapUsed / MB)} MB (${state.tree.items.size.toLocaleString('en-US')} items held)`);
  } finally {
    await pool.close();
    await smallHasher.close();
  }

  try {
    const baseline = await measureWatcher('none', root);
    line('(e) watcher baseline (child, watching nothing)', `RSS ${Math.round(baseline.rssMB)} MB`);
    for (const backend of ['parcel', 'chokidar'] as const) {
      const report = await measureWatcher(backend, root);
      line(
        `(e) watching with ${backend}`,
        `ready in ${Math.round(report.readyMs)} ms, RSS ${Math.round(report.rssMB)} MB (+${Math.round(report.rssMB - baseline.rssMB)} MB), a change hinted in ${report.hintMs === undefined ? '?' : Math.round(report.hintMs)} ms`,
      );
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--index-child') {
  await indexChild(process.argv[3]!);
} else if (process.argv[2] === '--watch-child') {
  await watchChild(process.argv[3] as WatcherBackend | 'none', process.argv[4]!);
} else {
  await main();
}
