// Chunker and hasher throughput: plain file reading, raw BLAKE3 (native and wasm), FastCDC alone,
// chunk+hash of one file on one thread, and chunk+hash of several files through the worker pool.
// Run: `npm run bench:chunker` (TANDEM_BENCH_MB sets the data size, default 512). MB = 10^6 bytes.
// The files are freshly written, so reads come from the page cache: these figures are the CPU
// cost of Tandem's own work, not of a disk.

import { randomFillSync } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadHasher } from '../src-main/engine/hasher.ts';
import { chunkFile } from '../src-main/engine/chunker/chunk-file.ts';
import { FastCdcChunker, chunkParamsForSize } from '../src-main/engine/chunker/fastcdc.ts';
import { ChunkWorkerPool } from '../src-main/engine/chunker/worker-pool.ts';

const MiB = 1024 * 1024;
const READ_SIZE = MiB;

function benchSizeMiB(): number {
  const raw = process.env.TANDEM_BENCH_MB ?? '512';
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 8) {
    console.error(`TANDEM_BENCH_MB must be a whole number of MiB, at least 8 (got "${raw}").`);
    process.exit(2);
  }
  return value;
}

/** Writes `bytes` of random data to `path`, 4 MiB at a time. */
function writeRandomFile(path: string, bytes: number): void {
  const buffer = Buffer.allocUnsafe(4 * MiB);
  const fd = openSync(path, 'w');
  try {
    for (let done = 0; done < bytes; ) {
      const n = Math.min(buffer.length, bytes - done);
      randomFillSync(buffer, 0, n);
      writeSync(fd, buffer, 0, n);
      done += n;
    }
  } finally {
    closeSync(fd);
  }
}

interface Speed {
  /** MB per second of wall-clock time. */
  wall: number;
  /** MB per second of CPU time over all threads: steady when other work shares the machine. */
  cpu: number;
}

/** The fastest of `runs` runs of `work` over `bytes`. The first run also warms the JIT. */
async function measure(bytes: number, runs: number, work: () => unknown): Promise<Speed> {
  let best: Speed = { wall: 0, cpu: 0 };
  for (let run = 0; run < runs; run++) {
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    await work();
    const seconds = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const speed = { wall: bytes / 1e6 / seconds, cpu: bytes / 1e6 / cpuSeconds };
    if (speed.wall > best.wall) best = speed;
  }
  return best;
}

function report(label: string, speed: Speed, note = ''): void {
  const wall = speed.wall.toFixed(0).padStart(6);
  const cpu = speed.cpu.toFixed(0).padStart(6);
  console.log(`${label.padEnd(44)} ${wall} MB/s  ${cpu} MB/cpu-s${note ? `   ${note}` : ''}`);
}

async function readWholeFile(path: string): Promise<void> {
  const handle = await open(path, 'r');
  const buffer = Buffer.allocUnsafe(READ_SIZE);
  try {
    let position = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, READ_SIZE, position);
      if (bytesRead === 0) break;
      position += bytesRead;
    }
  } finally {
    await handle.close();
  }
}

async function main(): Promise<void> {
  const sizeMiB = benchSizeMiB();
  const totalBytes = sizeMiB * MiB;
  const native = await loadHasher({ backend: 'native' }).catch(() => undefined);
  const wasm = await loadHasher({ backend: 'wasm' });
  const params = chunkParamsForSize(totalBytes);
  console.log(
    `Tandem chunker bench: ${sizeMiB} MiB, Node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'})`,
  );
  console.log('Columns: MB per wall-clock second, and MB per CPU-second (all threads; 2x wall = 2 cores busy).');
  console.log(`Block sizes for this file size: min ${params.minSize / 1024} KiB, avg ${params.avgSize / 1024} KiB, max ${params.maxSize / 1024} KiB`);

  const dir = await mkdtemp(join(tmpdir(), 'tandem-bench-chunker-'));
  try {
    const bigFile = join(dir, 'big.bin');
    writeRandomFile(bigFile, totalBytes);
    const parts = 4;
    const partFiles = Array.from({ length: parts }, (_, i) => join(dir, `part-${i}.bin`));
    for (const path of partFiles) writeRandomFile(path, totalBytes / parts);

    // (a) plain reading, as chunkFile reads (1 MiB reads through a FileHandle)
    report('(a) read file (1 MiB reads, page cache)', await measure(totalBytes, 2, () => readWholeFile(bigFile)));

    // (b) raw BLAKE3 over memory: a 64 MiB buffer hashed repeatedly
    const memory = randomFillSync(Buffer.allocUnsafe(Math.min(64 * MiB, totalBytes)));
    const rounds = Math.max(1, Math.round(totalBytes / memory.length));
    const memoryBytes = rounds * memory.length;
    for (const hasher of [native, wasm]) {
      if (!hasher) {
        console.log('(b) BLAKE3 native: the native module did not load here');
        continue;
      }
      const oneShot = await measure(memoryBytes, 2, () => {
        for (let r = 0; r < rounds; r++) hasher.hash(memory);
      });
      report(`(b) BLAKE3 ${hasher.backend}, 64 MiB one-shot`, oneShot);
      const perBlock = await measure(memoryBytes, 2, () => {
        for (let r = 0; r < rounds; r++) for (let o = 0; o < memory.length; o += 64 * 1024) hasher.hash(memory.subarray(o, o + 64 * 1024));
      });
      report(`(b) BLAKE3 ${hasher.backend}, 64 KiB blocks`, perBlock);
    }

    // (c) FastCDC alone over memory, fed 1 MiB at a time as chunkFile does
    let blocks = 0;
    const chunking = await measure(memoryBytes, 3, () => {
      const chunker = new FastCdcChunker(params);
      blocks = 0;
      for (let r = 0; r < rounds; r++) {
        for (let o = 0; o < memory.length; o += READ_SIZE) blocks += chunker.push(memory.subarray(o, o + READ_SIZE)).length;
      }
      if (chunker.finish() !== undefined) blocks++;
    });
    report('(c) FastCDC chunking alone (memory)', chunking, `${blocks} blocks, mean ${(memoryBytes / blocks / 1024).toFixed(1)} KiB`);

    // (d) chunk + hash one file on this thread
    for (const hasher of [native, wasm]) {
      if (!hasher) continue;
      const single = await measure(totalBytes, 2, () => chunkFile(bigFile, { hasher }));
      report(`(d) chunk+hash 1 file, 1 thread, ${hasher.backend}`, single);
    }

    // (e) chunk + hash several files through the worker pool
    const poolSizes = [...new Set([1, 2, availableParallelism()])];
    for (const size of poolSizes) {
      const pool = new ChunkWorkerPool({ size });
      try {
        await pool.chunkFile(partFiles[0]!); // start the workers and warm them up
        const pooled = await measure(totalBytes, 2, () => Promise.all(partFiles.map((path) => pool.chunkFile(path))));
        report(`(e) chunk+hash ${parts} files, pool of ${size}`, pooled);
      } finally {
        await pool.close();
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
