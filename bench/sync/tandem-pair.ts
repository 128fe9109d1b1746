// Two Tandem devices and a server as separate processes, the way people run them: `tandem server`
// and two watching `tandem sync` processes on loopback, the clients talking to the server through
// a byte-counting proxy. The benchmark writes into folder A and watches folder B.
import { spawn, execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, rm, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ByteCountingProxy } from './byte-counting-proxy.ts';

const BIN = fileURLToPath(new URL('../../bin/tandem.js', import.meta.url));
const PASSWORD = 'benchmark password';
/**
 * TANDEM_BENCH_PROFILE=DIR writes a V8 CPU profile of each process (server, sync a, sync b) into
 * DIR when it stops (open the .cpuprofile files in Chrome DevTools or speedscope).
 */
const PROFILE_DIR = process.env['TANDEM_BENCH_PROFILE'];
/** TANDEM_BENCH_TRACE=1 copies every process's output to stderr, time-stamped (seconds since start). */
const TRACE = Boolean(process.env['TANDEM_BENCH_TRACE']);
const profileArgs = (name: string): string[] => (PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`, `--cpu-prof-name=${name}.cpuprofile`] : []);

export interface ProcessMemory {
  rssBytes: number;
  peakRssBytes: number;
}

export async function processMemory(pid: number): Promise<ProcessMemory> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rssBytes: kib('VmRSS'), peakRssBytes: kib('VmHWM') };
}

/** CPU seconds (user + system) a process has used so far. */
export async function processCpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100; // USER_HZ is 100 on Linux
}

/** One `tandem` process; its output is kept (and traced with TANDEM_BENCH_TRACE). */
export class Service {
  readonly child: ChildProcess;
  output = '';
  constructor(args: string[], env: Record<string, string> = {}, nodeArgs: string[] = [], name = args[0] ?? 'tandem') {
    this.child = spawn(process.execPath, [...nodeArgs, BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const take = (chunk: Buffer) => {
      this.output += chunk.toString();
      if (TRACE) for (const text of chunk.toString().split('\n')) if (text.trim()) process.stderr.write(`${(performance.now() / 1000).toFixed(3)} ${name}: ${text}\n`);
    };
    this.child.stdout!.on('data', take);
    this.child.stderr!.on('data', take);
  }

  get pid(): number {
    return this.child.pid!;
  }

  async waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.output);
      if (match) return match;
      if (this.child.exitCode !== null) throw new Error(`tandem exited (${this.child.exitCode}): ${this.output.trim()}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}: ${this.output.trim()}`);
      await sleep(20);
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await Promise.race([exited, sleep(10_000)]);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

export type DeviceName = 'a' | 'b';

export interface TandemPairOptions {
  /** TANDEM_WATCHER for the clients (parcel or chokidar). */
  watcherBackend?: string;
  /** The devices whose client starts with the pair (default both); startClient starts the others. */
  startClients?: readonly DeviceName[];
}

export class TandemPair {
  readonly root: string;
  readonly folderA: string;
  readonly folderB: string;
  readonly proxy: ByteCountingProxy;
  readonly #server: Service;
  readonly #clients: Service[];
  readonly #watcherBackend: string | undefined;

  private constructor(root: string, server: Service, proxy: ByteCountingProxy, clients: Service[], watcherBackend: string | undefined) {
    this.root = root;
    this.folderA = join(root, 'a');
    this.folderB = join(root, 'b');
    this.#server = server;
    this.proxy = proxy;
    this.#clients = clients;
    this.#watcherBackend = watcherBackend;
  }

  static async start(options: TandemPairOptions = {}): Promise<TandemPair> {
    const root = await mkdtemp(join(tmpdir(), 'tandem-bench-sync-'));
    const data = join(root, 'server');
    await promisify(execFile)(process.execPath, [BIN, 'server', 'add-user', 'bench', '--data', data], { env: { ...process.env, TANDEM_PASSWORD: PASSWORD } });
    const server = new Service(['server', '--data', data, '--port', '0'], {}, profileArgs('server'));
    const port = Number((await server.waitForOutput(/http:\/\/127\.0\.0\.1:(\d+)/, 20_000))[1]);
    const proxy = await ByteCountingProxy.start(port);
    const pair = new TandemPair(root, server, proxy, [], options.watcherBackend);
    for (const name of ['a', 'b']) await mkdir(join(root, name));
    const clients = (options.startClients ?? ['a', 'b']).map((name) => pair.startClient(name));
    try {
      for (const client of clients) await client.waitForOutput(/^idle: /m, 30_000);
    } catch (error) {
      await pair.stop();
      throw error;
    }
    return pair;
  }

  /**
   * Starts device `name`'s watching `tandem sync` (one the pair was told not to start, e.g. once
   * its folder holds files) and returns its process without waiting for it.
   */
  startClient(name: DeviceName): Service {
    const env: Record<string, string> = { TANDEM_PASSWORD: PASSWORD };
    if (this.#watcherBackend) env['TANDEM_WATCHER'] = this.#watcherBackend;
    const client = new Service(
      ['sync', '--folder', join(this.root, name), '--server', `http://127.0.0.1:${this.proxy.port}`, '--user', 'bench', '--state', join(this.root, `${name}-state`), '--device', name],
      env,
      profileArgs(`sync-${name}`),
      `sync ${name}`,
    );
    this.#clients.push(client);
    return client;
  }

  get clientPids(): number[] {
    return this.#clients.map((client) => client.pid);
  }

  get serverPid(): number {
    return this.#server.pid;
  }

  async stop(): Promise<void> {
    await Promise.all(this.#clients.map((client) => client.stop()));
    await this.#server.stop();
    await this.proxy.close();
    await rm(this.root, { recursive: true, force: true });
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
