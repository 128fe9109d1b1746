// Benchmark: Tandem side by side with Syncthing (issue 6), same workloads, same machine, same run.
// Tandem: `tandem server` and two watching `tandem sync` processes (bench/sync's pair). Syncthing:
// two instances of Debian's `syncthing` on loopback, configured through the REST API, watcher delay
// 1 s (the lowest it allows). Both tools' device traffic goes through the same byte-counting proxy.
// Workloads: a small edit (p50/p95), 10,000 × 4 KiB files, one 1 GiB file, one byte inserted in a
// 100 MiB file (bytes on the wire and time), the first index of a 100,000-file folder (time, peak
// RSS), and both devices idle for 60 s with those files synced (CPU seconds, RSS). Prints a table
// (each figure for both tools, the ratio, issue 6's target and whether Tandem meets it) and writes
// it to bench-results/vs-syncthing.json.
//   npm run bench:vs-syncthing                       the sizes (23 min at load 7–10; most of it
//                                                    Tandem's first upload of the 100k-file folder)
//   TANDEM_BENCH_SCALE=0.01 npm run bench:vs-syncthing  a quick try
//   TANDEM_BENCH_ONLY=edit,insert …                  a subset of edit, small, big, insert, index, idle
// TANDEM_BENCH_TRACE=1 copies every process's log to stderr. Everything runs on 127.0.0.1 and is
// stopped and removed at the end, on failure and on Ctrl-C.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ChildCleanup } from './vs-syncthing/child-cleanup.ts';
import type { RunContext } from './vs-syncthing/measure.ts';
import { buildRows, formatMarkdown, formatTable, rowSpecs } from './vs-syncthing/results-table.ts';
import type { ToolFigures } from './vs-syncthing/results-table.ts';
import { parseOnly, parseScale, SettingsError, sizesFor } from './vs-syncthing/settings.ts';
import { loopbackOptionValues, LOWEST_WATCHER_DELAY_S } from './vs-syncthing/syncthing-config.ts';
import { SyncthingNotInstalled, syncthingVersion } from './vs-syncthing/syncthing-pair.ts';
import { runSyncthing } from './vs-syncthing/syncthing-run.ts';
import { runTandem } from './vs-syncthing/tandem-run.ts';

const RESULTS = fileURLToPath(new URL('../bench-results/vs-syncthing.json', import.meta.url));
const out = (text: string) => process.stdout.write(`${text}\n`);
const fail = (message: string, code: number): never => {
  process.stderr.write(`bench:vs-syncthing: ${message}\n`);
  process.exit(code);
};

function settings(): { scale: number; only: ReturnType<typeof parseOnly> } {
  try {
    return { scale: parseScale(process.env['TANDEM_BENCH_SCALE']), only: parseOnly(process.env['TANDEM_BENCH_ONLY']) };
  } catch (error) {
    return fail(error instanceof SettingsError ? error.message : String(error), 2);
  }
}
const { scale, only } = settings();
const version = await syncthingVersion().catch((error: unknown) =>
  fail(error instanceof SyncthingNotInstalled ? error.message : `could not run syncthing --version: ${(error as Error).message}`, 1),
);

const sizes = sizesFor(scale);
const cleanup = new ChildCleanup();
cleanup.installSignalHandlers();
const started = new Date();
const loadBefore = loadavg();
const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}, Node ${process.versions.node}`;
const commit = await promisify(execFile)('git', ['rev-parse', '--short', 'HEAD'], { cwd: fileURLToPath(new URL('..', import.meta.url)) })
  .then(({ stdout }) => stdout.trim())
  .catch(() => 'unknown');
const details: string[] = [];
const tandem: ToolFigures = {};
const syncthing: ToolFigures = {};
const problems: string[] = [];

/** The results so far, rewritten after every figure: a run stopped half-way keeps what it measured. */
function results(complete: boolean) {
  const rows = buildRows(rowSpecs(sizes), tandem, syncthing);
  return {
    complete,
    startedAt: started.toISOString(),
    minutes: Number(((Date.now() - started.getTime()) / 60_000).toFixed(1)),
    machine,
    loadBefore,
    loadNow: loadavg(),
    tandemCommit: commit,
    syncthingVersion: version,
    syncthingSettings: { ...loopbackOptionValues({ guiPort: 0, apiKey: '(random)', listenPort: 0 }), listenAddress: 'tcp://127.0.0.1:(free port)', fsWatcherEnabled: true, fsWatcherDelayS: LOWEST_WATCHER_DELAY_S },
    scale,
    sizes,
    workloads: [...only],
    rows,
    markdown: formatMarkdown(rows),
    details,
    problems,
  };
}
mkdirSync(dirname(RESULTS), { recursive: true });
const save = (complete: boolean) => writeFileSync(RESULTS, `${JSON.stringify(results(complete), null, 2)}\n`);
const log = (text: string) => {
  details.push(text);
  out(`  ${(performance.now() / 1000).toFixed(0).padStart(5)} s  ${text}`);
  save(false);
};

out(`Tandem vs Syncthing — ${machine}; ${version}; Tandem ${commit}; scale ${scale}; workloads ${[...only].join(', ')}; load ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`);
const scratch = await mkdtemp(join(tmpdir(), 'tandem-bench-vs-'));
cleanup.add(() => rm(scratch, { recursive: true, force: true }));
const context: RunContext = { sizes, only, scratch, log };
// One tool at a time, never both at once (they would share the two cores). Tandem's 100k-file part
// comes last: its first upload of the folder is the slowest step, so a run stopped for time still
// has every other figure.
const phases = [
  ['tandem', 'sync', runTandem, tandem],
  ['syncthing', 'sync', runSyncthing, syncthing],
  ['syncthing', 'folder', runSyncthing, syncthing],
  ['tandem', 'folder', runTandem, tandem],
] as const;
for (const [name, part, run, figures] of phases) {
  try {
    await run(part, context, cleanup, figures, problems);
  } catch (error) {
    const message = `${name} failed: ${(error as Error).message.split('\n')[0]}`;
    problems.push(message);
    log(message);
  }
}
await cleanup.runAll();

const seconds = (Date.now() - started.getTime()) / 1000;
const rows = buildRows(rowSpecs(sizes), tandem, syncthing);
out('');
out(formatTable(rows));
out('');
out(`${(seconds / 60).toFixed(1)} min; load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
for (const problem of problems) out(`PROBLEM: ${problem}`);
save(true);
out(`written to ${RESULTS}`);
if (problems.length > 0) process.exitCode = 1;
