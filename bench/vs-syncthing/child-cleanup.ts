// Everything the side-by-side benchmark starts, stopped however it ends: a normal finish runs the
// cleanup steps in reverse order; Ctrl-C, SIGTERM or SIGHUP runs them and exits; and if the process
// dies anyway, every child still alive gets SIGKILL from the 'exit' handler (synchronous, the only
// thing that can run there), so no server, client or Syncthing outlives the benchmark.

import { readdirSync, readFileSync } from 'node:fs';

type Step = () => Promise<void>;

/** Our direct children, from /proc (synchronous: it runs in the 'exit' handler too). */
function ownChildren(): number[] {
  try {
    const tasks = readdirSync(`/proc/${process.pid}/task`);
    return tasks.flatMap((task) => readFileSync(`/proc/${process.pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
  } catch {
    return [];
  }
}

export class ChildCleanup {
  readonly #steps: Step[] = [];
  readonly #pids = new Set<number>();
  #running: Promise<void> | undefined;

  /** A cleanup step (stop a pair, remove a folder); the last one added runs first. Returns a way to drop it once done by hand. */
  add(step: Step): () => void {
    this.#steps.push(step);
    return () => {
      const at = this.#steps.indexOf(step);
      if (at >= 0) this.#steps.splice(at, 1);
    };
  }

  /** A child process to kill at exit if no cleanup step stopped it. */
  trackPid(pid: number | undefined): void {
    if (pid !== undefined) this.#pids.add(pid);
  }

  forgetPid(pid: number | undefined): void {
    if (pid !== undefined) this.#pids.delete(pid);
  }

  /** Runs every step still registered, newest first; failures are reported and do not stop the rest. */
  runAll(): Promise<void> {
    this.#running ??= (async () => {
      while (this.#steps.length > 0) {
        const step = this.#steps.pop()!;
        try {
          await step();
        } catch (error) {
          process.stderr.write(`cleanup: ${(error as Error).message}\n`);
        }
      }
      this.killRemaining();
    })().finally(() => (this.#running = undefined));
    return this.#running;
  }

  /** SIGKILL to every tracked child and every child process of ours still listed in /proc (one a pair started but never returned). */
  killRemaining(): void {
    for (const pid of [...this.#pids, ...ownChildren()]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    this.#pids.clear();
  }

  /** Ctrl-C and friends stop everything (at most `graceMs`) and exit 130; a dying process kills what is left. */
  installSignalHandlers(graceMs = 30_000): void {
    const onSignal = (signal: NodeJS.Signals) => {
      process.stderr.write(`\n${signal}: stopping everything the benchmark started…\n`);
      const timer = setTimeout(() => {
        this.killRemaining();
        process.exit(130);
      }, graceMs);
      void this.runAll().finally(() => {
        clearTimeout(timer);
        process.exit(130);
      });
    };
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, onSignal);
    process.once('exit', () => this.killRemaining());
  }
}
