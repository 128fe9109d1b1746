// Benchmark: Tandem syncing between two devices, end to end — `tandem server` and two watching
// `tandem sync` processes on loopback, the clients behind a byte-counting proxy. Prints:
//  - a small edit on A until B has it (p50, p95);
//  - N small files created on A until all are on B;
//  - a big file created on A until B has it (MB/s);
//  - one byte inserted in the middle of a synced file: bytes on the wire and seconds;
//  - each client's peak RSS.
// Sizes come from the environment (TANDEM_BENCH_SCALE=1 is the full size: 20 edits,
// 10,000 × 4 KiB, 1 GiB, 100 MiB); not a timed test.
//   node bench/sync.ts            TANDEM_BENCH_SCALE=0.1 node bench/sync.ts
// TANDEM_BENCH_ONLY=files,big runs only those workloads (edits, files, big, insert; rest: the RSS
// after 35 s without work, once idle hashing workers have stopped);
// TANDEM_BENCH_PROFILE=DIR writes each process's CPU profile there (bench/sync/tandem-pair.ts).
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { processCpuSeconds, processMemory, sleep, TandemPair } from './sync/tandem-pair.ts';
import { bigFile, insertOneByte, manySmallFiles, percentile, smallEdits } from './sync/workloads.ts';

const scale = Number(process.env['TANDEM_BENCH_SCALE'] ?? '1');
if (!(scale > 0)) {
  process.stderr.write('TANDEM_BENCH_SCALE must be a number above 0 (1 = full size).\n');
  process.exit(2);
}
const MiB = 1024 * 1024;
const sizes = {
  edits: Math.max(3, Math.round(20 * Math.min(1, scale * 2))),
  files: Math.max(20, Math.round(10_000 * scale)),
  big: Math.max(4 * MiB, Math.round(1024 * MiB * scale)),
  insert: Math.max(4 * MiB, Math.round(100 * MiB * scale)),
};
/**
 * Where a big file's time goes, from the proxy's byte counts sampled every 10 ms: until the first
 * MB goes up (A noticing and reading the file), until all of it is up (the upload and commit, then
 * B being told), and from the first MB down to the end (B's download, fsync and rename).
 */
function watchStages(proxy: { up: number; down: number }, bytes: number): { stop: (seconds: number) => string } {
  const started = performance.now();
  const up0 = proxy.up;
  const down0 = proxy.down;
  let firstUp: number | undefined;
  let allUp: number | undefined;
  let firstDown: number | undefined;
  const sample = setInterval(() => {
    const at = (performance.now() - started) / 1000;
    if (firstUp === undefined && proxy.up - up0 >= 1e6) firstUp = at;
    if (allUp === undefined && proxy.up - up0 >= bytes) allUp = at;
    if (firstDown === undefined && proxy.down - down0 >= 1e6) firstDown = at;
  }, 10);
  const s = (value: number | undefined) => (value === undefined ? '?' : value.toFixed(1));
  return {
    stop(seconds) {
      clearInterval(sample);
      return `first MB up at ${s(firstUp)} s, all up at ${s(allUp)} s, first MB down at ${s(firstDown)} s, on B at ${seconds.toFixed(1)} s`;
    },
  };
}

const only = new Set((process.env['TANDEM_BENCH_ONLY'] ?? 'edits,files,big,insert,rest').split(',').map((name) => name.trim()));
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const line = (text: string) => process.stdout.write(`${text}\n`);

line(`Tandem sync benchmark — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.versions.node}, scale ${scale}`);
const scratch = await mkdtemp(join(tmpdir(), 'tandem-bench-scratch-'));
const pair = await TandemPair.start(process.env['TANDEM_WATCHER'] ? { watcherBackend: process.env['TANDEM_WATCHER'] } : {});
try {
  // CPU seconds each process spent on a workload: steadier than wall time on a shared, busy machine.
  const pids = [pair.serverPid, ...pair.clientPids];
  const cpuNow = () => Promise.all(pids.map((pid) => processCpuSeconds(pid)));
  const cpuSince = async (before: number[]) => {
    const after = await cpuNow();
    const spent = after.map((value, at) => (value - before[at]!).toFixed(1));
    return `CPU s: server ${spent[0]}, A ${spent[1]}, B ${spent[2]}`;
  };
  const idle = await Promise.all(pair.clientPids.map((pid) => processMemory(pid)));
  line(`client RSS once started (empty folder): A ${mb(idle[0]!.rssBytes)}, B ${mb(idle[1]!.rssBytes)}`);
  if (only.has('edits')) {
    const cpu = await cpuNow();
    const edits = await smallEdits(pair, sizes.edits);
    line(`small edit A→B (${sizes.edits} edits): p50 ${percentile(edits, 50).toFixed(0)} ms, p95 ${percentile(edits, 95).toFixed(0)} ms; ${await cpuSince(cpu)}`);
  }
  if (only.has('files')) {
    const cpu = await cpuNow();
    const many = await manySmallFiles(pair, sizes.files, 4096);
    line(`${sizes.files} × 4 KiB files A→B: ${many.seconds.toFixed(1)} s (${(sizes.files / many.seconds).toFixed(0)} files/s; writing them took ${many.writeSeconds.toFixed(1)} s); ${await cpuSince(cpu)}`);
  }
  if (only.has('big')) {
    const cpu = await cpuNow();
    const stages = watchStages(pair.proxy, sizes.big);
    const big = await bigFile(pair, sizes.big, scratch);
    line(
      `${mb(sizes.big)} file A→B: ${big.seconds.toFixed(1)} s, ${big.mbPerSecond.toFixed(0)} MB/s${big.identical ? '' : ' — B\'s COPY DIFFERS'} ` +
        `(${stages.stop(big.seconds)}); ${await cpuSince(cpu)}`,
    );
    if (!big.identical) process.exitCode = 1;
  }
  if (only.has('insert')) {
    const cpu = await cpuNow();
    const insert = await insertOneByte(pair, sizes.insert, scratch);
    line(
      `1 byte inserted mid-way in ${mb(sizes.insert)}: ${insert.seconds.toFixed(2)} s, on the wire ${mb(insert.bytesUp)} up + ${mb(insert.bytesDown)} down` +
        `${insert.identical ? '' : ' — B\'s COPY DIFFERS'}; ${await cpuSince(cpu)}`,
    );
    if (!insert.identical) process.exitCode = 1;
  }
  const memory = await Promise.all(pair.clientPids.map((pid) => processMemory(pid)));
  if (only.has('rest')) {
    // Idle cost (issue 6: under 1 CPU-second per minute): whatever the folders hold by now, nothing changing.
    const cpu = await cpuNow();
    await sleep(35_000);
    const rest = await Promise.all(pair.clientPids.map((pid) => processMemory(pid)));
    line(`client RSS after 35 s at rest: A ${mb(rest[0]!.rssBytes)}, B ${mb(rest[1]!.rssBytes)}; ${await cpuSince(cpu)} in those 35 s`);
  }
  line(`client peak RSS: A ${mb(memory[0]!.peakRssBytes)}, B ${mb(memory[1]!.peakRssBytes)}; now A ${mb(memory[0]!.rssBytes)}, B ${mb(memory[1]!.rssBytes)}`);
} finally {
  await pair.stop();
  await rm(scratch, { recursive: true, force: true });
}
