// Tandem's side of the benchmark: workloads 1–4 on a fresh bench/sync pair (`tandem server` and two
// watching `tandem sync` processes behind the byte-counting proxy), then a second fresh pair for the
// 100k-file folder: 5 is device A's `tandem sync` starting on the full folder (the server has
// nothing for it), timed from its "starting:" line to its "scanning: Indexed N files and folders"
// line (the scan done and its tree and facts committed to the index), with that process's CPU and
// peak RSS read from /proc as the line arrives; the first plan (what to upload) is timed on to the
// next state line and reported beside it. A then uploads everything, device B (holding an
// identical copy) starts and settles, and 6 measures both clients idle.
import { readFileSync } from 'node:fs';
import { sleep, TandemPair } from '../sync/tandem-pair.ts';
import type { Service } from '../sync/tandem-pair.ts';
import type { ChildCleanup } from './child-cleanup.ts';
import { checkManyFiles, measureIdle, runSyncWorkloads, writeIndexFolders } from './measure.ts';
import type { Part, RunContext } from './measure.ts';
import type { ToolFigures } from './results-table.ts';

const MB = 1e6;

/** A client's state lines ("scanning: …", "idle: …") as they arrive, time-stamped (progress lines are indented and skipped). */
class StateLines {
  readonly lines: { at: number; state: string; text: string; cpuSeconds: number; peakRssBytes: number }[] = [];
  #partial = '';

  constructor(service: Service) {
    service.child.stdout!.on('data', (chunk: Buffer) => {
      const at = performance.now();
      // Read at once, not after an await: the process goes on (to its plan) while we look.
      const { cpuSeconds, peakRssBytes } = processNow(service.pid);
      const parts = (this.#partial + chunk.toString()).split('\n');
      this.#partial = parts.pop()!;
      for (const text of parts) {
        const state = /^(\w+): /.exec(text)?.[1];
        if (state) this.lines.push({ at, state, text, cpuSeconds, peakRssBytes });
      }
    });
  }

  get last(): string | undefined {
    return this.lines.at(-1)?.state;
  }

  /** Waits for a state line after line number `after` that satisfies `test`; fails on a question or a stop. */
  waitFor(test: (state: string) => boolean, after: number, timeoutMs: number, what: string, service: Service): Promise<number> {
    return this.waitForLine((line) => test(line.state), after, timeoutMs, what, service);
  }

  /** waitFor, testing the whole line. */
  async waitForLine(test: (line: { state: string; text: string }) => boolean, after: number, timeoutMs: number, what: string, service: Service): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let at = after; at < this.lines.length; at++) {
        const line = this.lines[at]!;
        if (test(line)) return at;
        if (line.state === 'waiting' || line.state === 'stopped') throw new Error(`tandem ${what}: ${line.text}`);
      }
      if (service.child.exitCode !== null) throw new Error(`tandem exited (${service.child.exitCode}) before ${what}: ${service.output.trim().split('\n').slice(-3).join(' | ')}`);
      if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}; last line: ${this.lines.at(-1)?.text ?? '(none)'}`);
      await sleep(10);
    }
  }
}

/** CPU seconds and peak RSS of a running process, read synchronously from /proc (zeros once it is gone). */
function processNow(pid: number): { cpuSeconds: number; peakRssBytes: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return { cpuSeconds: (Number(fields[11]) + Number(fields[12])) / 100, peakRssBytes: Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024 };
  } catch {
    return { cpuSeconds: 0, peakRssBytes: 0 };
  }
}

async function withPair<T>(cleanup: ChildCleanup, options: Parameters<typeof TandemPair.start>[0], body: (pair: TandemPair) => Promise<T>): Promise<T> {
  const pair = await TandemPair.start(options);
  const forget = cleanup.add(() => pair.stop());
  const pids = () => [pair.serverPid, ...pair.clientPids];
  for (const pid of pids()) cleanup.trackPid(pid);
  try {
    return await body(pair);
  } finally {
    forget();
    await pair.stop();
    for (const pid of pids()) cleanup.forgetPid(pid);
  }
}

/** One part ('sync': workloads 1–4; 'folder': 5 and 6); fills `figures` as each workload finishes, so a later failure keeps what was measured. */
export async function runTandem(part: Part, context: RunContext, cleanup: ChildCleanup, figures: ToolFigures, problems: string[]): Promise<void> {
  const { sizes, only, log } = context;
  if (part === 'sync' && ['edit', 'small', 'big', 'insert'].some((name) => only.has(name as never))) {
    await withPair(cleanup, {}, async (pair) => {
      log('tandem: server and two clients running');
      // Nothing to ask a Tandem client about its backlog from outside; a pause lets each workload's tail finish.
      await runSyncWorkloads('tandem', pair, context, () => sleep(2000), figures, problems);
    });
  }
  if (part === 'folder' && (only.has('index') || only.has('idle'))) {
    await withPair(cleanup, { startClients: [] }, async (pair) => {
      const files = sizes.indexFiles;
      await writeIndexFolders(pair.folderA, pair.folderB, files);
      log(`tandem: ${files} files written into each device's folder; device A's tandem sync starts on its folder`);
      const a = pair.startClient('a');
      cleanup.trackPid(a.pid);
      const linesA = new StateLines(a);
      const starting = await linesA.waitFor((state) => state === 'starting', 0, 60_000, 'A to start', a);
      const scanning = await linesA.waitFor((state) => state === 'scanning', starting, 60 * 60_000, 'A to scan', a);
      // The index is complete and durable at this line (FolderSync says it once the scan is committed).
      const indexed = await linesA.waitForLine((line) => line.state !== 'scanning' || line.text.startsWith('scanning: Indexed '), scanning, 60 * 60_000, 'A to index its folder', a);
      const planned = await linesA.waitFor((state) => state !== 'scanning', indexed, 60 * 60_000, 'A to plan', a);
      const [start, scan, index, plan] = [linesA.lines[starting]!, linesA.lines[scanning]!, linesA.lines[indexed]!, linesA.lines[planned]!];
      if (!index.text.startsWith('scanning: Indexed ')) problems.push(`tandem: A said no "Indexed" line; the index figures run to its plan (${index.text})`);
      const seconds = (index.at - start.at) / 1000;
      figures.indexSeconds = seconds;
      figures.indexFilesPerSecond = files / seconds;
      figures.indexCpuSeconds = index.cpuSeconds - start.cpuSeconds;
      figures.indexPeakRssMB = index.peakRssBytes / MB;
      log(
        `tandem: A indexed ${files} files in ${seconds.toFixed(2)} s (${figures.indexFilesPerSecond.toFixed(0)} files/s; the scan itself ` +
          `${((index.at - scan.at) / 1000).toFixed(2)} s), peak RSS ${figures.indexPeakRssMB.toFixed(0)} MB, ${figures.indexCpuSeconds.toFixed(1)} CPU-s (${index.text})`,
      );
      log(
        `tandem: A's first plan (server read, ${files} uploads planned) ${((plan.at - index.at) / 1000).toFixed(2)} s more, ${(plan.cpuSeconds - index.cpuSeconds).toFixed(1)} CPU-s; ` +
          `index and plan together ${((plan.at - start.at) / 1000).toFixed(2)} s, peak RSS ${(plan.peakRssBytes / MB).toFixed(0)} MB; then: ${plan.text}`,
      );
      if (only.has('idle')) {
        const uploading = performance.now();
        await linesA.waitFor((state) => state === 'idle', indexed, 60 * 60_000, 'A to upload its folder', a);
        log(`tandem: A uploaded ${files} files in ${((performance.now() - uploading) / 1000).toFixed(1)} s; device B (same files already on disk) starts`);
        const joined = performance.now();
        const b = pair.startClient('b');
        cleanup.trackPid(b.pid);
        const linesB = new StateLines(b);
        const scanningB = await linesB.waitFor((state) => state === 'scanning', 0, 60_000, 'B to scan', b);
        await linesB.waitFor((state) => state === 'idle', scanningB, 60 * 60_000, 'B to settle', b);
        // A hears about B's commits (if any) and may have a pass of its own to make.
        await sleep(2000);
        if (linesA.last !== 'idle' || linesB.last !== 'idle') throw new Error(`tandem: not idle after B joined (A: ${linesA.lines.at(-1)?.text}; B: ${linesB.lines.at(-1)?.text})`);
        const onB = await checkManyFiles(pair.folderB, files);
        if (onB) problems.push(`tandem: B's folder holds ${onB} after syncing`);
        log(`tandem: B in sync after ${((performance.now() - joined) / 1000).toFixed(1)} s (${b.output.trim().split('\n').slice(-1)[0]}); idle for ${sizes.idleSeconds} s`);
        const idle = await measureIdle([...pair.clientPids, pair.serverPid], sizes.idleSeconds);
        figures.idleCpuSecondsPerMinute = Math.max(idle.cpuPerMinute[0]!, idle.cpuPerMinute[1]!);
        figures.idleRssMB = Math.max(idle.rssMB[0]!, idle.rssMB[1]!);
        log(
          `tandem: idle CPU-s/min client A ${idle.cpuPerMinute[0]!.toFixed(2)}, client B ${idle.cpuPerMinute[1]!.toFixed(2)} (server ${idle.cpuPerMinute[2]!.toFixed(2)}); ` +
            `RSS A ${idle.rssMB[0]!.toFixed(0)} MB, B ${idle.rssMB[1]!.toFixed(0)} MB (server ${idle.rssMB[2]!.toFixed(0)} MB)`,
        );
      }
    });
  }
}
