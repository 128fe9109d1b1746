// Starts the real `tandem ui` command (bin/tandem.js under this Node) and reads the address it
// prints, the way a person would copy it from the terminal.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface TandemUi {
  url: string;
  origin: string;
  port: number;
  token: string;
  process: ChildProcess;
  /** Everything the command wrote to stdout and stderr so far. */
  output(): string;
  /** Sends SIGTERM (like Ctrl-C) and resolves with the exit code. */
  stop(): Promise<number | null>;
}

const URL_LINE = /^Tandem UI: (http:\/\/127\.0\.0\.1:(\d+)\/#token=([A-Za-z0-9_-]+))$/;

export async function startTandemUi(): Promise<TandemUi> {
  const stateDir = await mkdtemp(join(tmpdir(), 'tandem-e2e-state-'));
  // process.execPath is the Node 24 running these tests, so the command gets the same runtime.
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/tandem.js'), 'ui', '--state', stateDir], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const found = await new Promise<RegExpExecArray>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => reject(new Error(`tandem ui printed no address within 20 s. Output:\n${output}`)), 20_000);
    lines.on('line', (line) => {
      output += `${line}\n`;
      const match = URL_LINE.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`tandem ui exited with code ${code} before printing its address. Output:\n${output}`));
    });
  });

  let stopping: Promise<number | null> | undefined;
  return {
    url: found[1]!,
    port: Number(found[2]),
    origin: `http://127.0.0.1:${found[2]}`,
    token: found[3]!,
    process: child,
    output: () => output,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        const code = await exited;
        clearTimeout(killer);
        await rm(stateDir, { recursive: true, force: true });
        return code;
      })();
      return stopping;
    },
  };
}
