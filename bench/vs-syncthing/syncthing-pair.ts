// Two Syncthing instances (Debian's `syncthing`) on loopback, sharing one folder: each with its own
// temp home, GUI/REST on 127.0.0.1 at a free port with our API key, listening on
// tcp://127.0.0.1:PORT only, every discovery/relay/NAT/reporting feature off (see
// syncthing-config.ts). Each device knows the other only at a static address that is a
// byte-counting proxy in front of it, so every byte between the two devices is counted the way the
// Tandem pair's are. Devices and the folder are set through the REST API.
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ByteCountingProxy } from '../sync/byte-counting-proxy.ts';
import { sleep } from '../sync/tandem-pair.ts';
import { loopbackConfigXml, peerDevice, sharedFolder } from './syncthing-config.ts';

const run = promisify(execFile);
export const FOLDER_ID = 'bench';
/** TANDEM_BENCH_TRACE=1 copies Syncthing's log to stderr, as bench/sync does for Tandem's processes. */
const TRACE = Boolean(process.env['TANDEM_BENCH_TRACE']);

export class SyncthingNotInstalled extends Error {}

/** Syncthing's version line, or SyncthingNotInstalled. */
export async function syncthingVersion(): Promise<string> {
  try {
    const { stdout } = await run('syncthing', ['--version']);
    return stdout.trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new SyncthingNotInstalled('Syncthing is not installed: apt-get install syncthing');
    throw error;
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface FolderStatus {
  state: string;
  localFiles: number;
  globalFiles: number;
  needTotalItems: number;
  errors: number;
  pullErrors: number;
}

export class SyncthingInstance {
  readonly name: string;
  readonly home: string;
  readonly deviceId: string;
  readonly guiPort: number;
  readonly listenPort: number;
  readonly #apiKey: string;
  #child: ChildProcess | undefined;
  #output = '';

  private constructor(name: string, home: string, deviceId: string, guiPort: number, listenPort: number, apiKey: string) {
    this.name = name;
    this.home = home;
    this.deviceId = deviceId;
    this.guiPort = guiPort;
    this.listenPort = listenPort;
    this.#apiKey = apiKey;
  }

  /** Generates keys and a config.xml in `home`, then rewrites it for loopback before anything runs. */
  static async create(name: string, home: string): Promise<SyncthingInstance> {
    const { stdout, stderr } = await run('syncthing', ['generate', `--home=${home}`, '--no-default-folder', '--skip-port-probing']);
    const deviceId = /Device ID: ([A-Z0-9-]{50,})/.exec(stdout + stderr)?.[1];
    if (!deviceId) throw new Error(`syncthing generate printed no device ID: ${(stdout + stderr).trim()}`);
    const apiKey = randomBytes(24).toString('hex');
    const [guiPort, listenPort] = [await freePort(), await freePort()];
    const configPath = join(home, 'config.xml');
    await writeFile(configPath, loopbackConfigXml(await readFile(configPath, 'utf8'), { guiPort, apiKey, listenPort }));
    return new SyncthingInstance(name, home, deviceId, guiPort, listenPort, apiKey);
  }

  get pid(): number {
    if (this.#child?.pid === undefined) throw new Error(`syncthing ${this.name} is not running`);
    return this.#child.pid;
  }

  /** Runs `syncthing serve` (no monitor process: --no-restart), resolves once its REST API answers. */
  async start(onPid: (pid: number) => void): Promise<void> {
    const child = spawn(
      'syncthing',
      ['serve', `--home=${this.home}`, '--no-browser', '--no-restart', '--no-upgrade', '--no-default-folder', '--skip-port-probing', `--gui-address=http://127.0.0.1:${this.guiPort}`, `--gui-apikey=${this.#apiKey}`, '--logflags=0'],
      { env: { ...process.env, STMONITORED: 'yes', STNORESTART: '1', STNOUPGRADE: '1', STNODEFAULTFOLDER: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.#child = child;
    if (child.pid !== undefined) onPid(child.pid);
    const take = (chunk: Buffer) => {
      this.#output = (this.#output + chunk.toString()).slice(-20_000);
      if (TRACE) for (const text of chunk.toString().split('\n')) if (text.trim()) process.stderr.write(`${(performance.now() / 1000).toFixed(3)} syncthing ${this.name}: ${text}\n`);
    };
    child.stdout!.on('data', take);
    child.stderr!.on('data', take);
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`syncthing ${this.name} exited (${child.exitCode}): ${this.#output.trim().split('\n').slice(-5).join(' | ')}`);
      try {
        await this.rest('GET', '/rest/system/ping');
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`syncthing ${this.name}'s REST API did not answer within 30 s: ${(error as Error).message}`, { cause: error });
        await sleep(100);
      }
    }
  }

  /** One REST call with our API key; JSON in and out. */
  async rest<T = unknown>(method: 'GET' | 'POST' | 'PUT' | 'PATCH', path: string, body?: unknown): Promise<T> {
    const response = await fetch(`http://127.0.0.1:${this.guiPort}${path}`, {
      method,
      headers: { 'X-API-Key': this.#apiKey, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`syncthing ${this.name} ${method} ${path}: HTTP ${response.status} ${text.trim()}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Refuses to go on unless the running options are the loopback-only ones we wrote. */
  async checkLoopbackOnly(): Promise<void> {
    const options = await this.rest<Record<string, unknown>>('GET', '/rest/config/options');
    const listen = options['listenAddresses'] as string[];
    const problems = [
      ...listen.filter((address) => !address.startsWith('tcp://127.0.0.1:')).map((address) => `listens on ${address}`),
      ...(['globalAnnounceEnabled', 'localAnnounceEnabled', 'relaysEnabled', 'natEnabled', 'crashReportingEnabled'] as const).filter((key) => options[key] !== false).map((key) => `${key} is on`),
      ...(options['urAccepted'] === -1 ? [] : ['usage reporting not declined']),
    ];
    if (problems.length > 0) throw new Error(`syncthing ${this.name} is not loopback-only: ${problems.join(', ')}`);
  }

  folderStatus(folder = FOLDER_ID): Promise<FolderStatus> {
    return this.rest<FolderStatus>('GET', `/rest/db/status?folder=${encodeURIComponent(folder)}`);
  }

  async connectedTo(deviceId: string): Promise<boolean> {
    const { connections } = await this.rest<{ connections: Record<string, { connected: boolean }> }>('GET', '/rest/system/connections');
    return connections[deviceId]?.connected === true;
  }

  /** How far `deviceId` is with our folder, as this instance sees it (100 = has everything). */
  async completion(deviceId: string, folder = FOLDER_ID): Promise<number> {
    const { completion } = await this.rest<{ completion: number }>('GET', `/rest/db/completion?folder=${encodeURIComponent(folder)}&device=${encodeURIComponent(deviceId)}`);
    return completion;
  }

  get recentLog(): string {
    return this.#output;
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(10_000)]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

/** Both proxies (one in front of each device) read as one counter: whichever device dials, its bytes are counted. */
class BothProxies {
  readonly #proxies: ByteCountingProxy[];
  constructor(proxies: ByteCountingProxy[]) {
    this.#proxies = proxies;
  }
  get up(): number {
    return this.#proxies.reduce((sum, proxy) => sum + proxy.up, 0);
  }
  get down(): number {
    return this.#proxies.reduce((sum, proxy) => sum + proxy.down, 0);
  }
  reset(): void {
    for (const proxy of this.#proxies) proxy.reset();
  }
  async close(): Promise<void> {
    await Promise.all(this.#proxies.map((proxy) => proxy.close()));
  }
}

export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string, pollMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${lastError ? ` (${(lastError as Error).message})` : ''}`);
    await sleep(pollMs);
  }
}

export interface SyncthingPairOptions {
  /** Called with each Syncthing pid as soon as it runs (the benchmark kills them if it dies). */
  onPid: (pid: number) => void;
  /** Share the folder on both devices right away (default); false leaves it to shareFolder. */
  share?: boolean;
}

export class SyncthingPair {
  readonly root: string;
  readonly folderA: string;
  readonly folderB: string;
  readonly a: SyncthingInstance;
  readonly b: SyncthingInstance;
  readonly proxy: BothProxies;

  private constructor(root: string, a: SyncthingInstance, b: SyncthingInstance, proxy: BothProxies) {
    this.root = root;
    this.folderA = join(root, 'a');
    this.folderB = join(root, 'b');
    this.a = a;
    this.b = b;
    this.proxy = proxy;
  }

  static async start(options: SyncthingPairOptions): Promise<SyncthingPair> {
    const root = await mkdtemp(join(tmpdir(), 'tandem-bench-syncthing-'));
    let pair: SyncthingPair | undefined;
    const proxies: ByteCountingProxy[] = [];
    try {
      await Promise.all([mkdir(join(root, 'a')), mkdir(join(root, 'b')), mkdir(join(root, 'home-a')), mkdir(join(root, 'home-b'))]);
      const a = await SyncthingInstance.create('a', join(root, 'home-a'));
      const b = await SyncthingInstance.create('b', join(root, 'home-b'));
      const toA = await ByteCountingProxy.start(a.listenPort);
      proxies.push(toA);
      const toB = await ByteCountingProxy.start(b.listenPort);
      proxies.push(toB);
      pair = new SyncthingPair(root, a, b, new BothProxies(proxies));
      await Promise.all([a.start(options.onPid), b.start(options.onPid)]);
      await Promise.all([a.checkLoopbackOnly(), b.checkLoopbackOnly()]);
      await a.rest('POST', '/rest/config/devices', peerDevice(b.deviceId, 'b', toB.port));
      await b.rest('POST', '/rest/config/devices', peerDevice(a.deviceId, 'a', toA.port));
      await waitUntil(async () => (await a.connectedTo(b.deviceId)) && (await b.connectedTo(a.deviceId)), 120_000, 'the two Syncthing devices to connect');
      if (options.share !== false) {
        await pair.shareFolder(a);
        await pair.shareFolder(b);
        await pair.waitInSync(60_000);
      }
      return pair;
    } catch (error) {
      if (pair) await pair.stop();
      else {
        await Promise.all(proxies.map((proxy) => proxy.close()));
        await rm(root, { recursive: true, force: true });
      }
      throw error;
    }
  }

  get pids(): number[] {
    return [this.a.pid, this.b.pid];
  }

  folderOf(instance: SyncthingInstance): string {
    return instance === this.a ? this.folderA : this.folderB;
  }

  /** Adds the shared folder on `instance` (REST), shared with the other device. */
  async shareFolder(instance: SyncthingInstance): Promise<void> {
    await instance.rest('POST', '/rest/config/folders', sharedFolder(FOLDER_ID, this.folderOf(instance), [this.a.deviceId, this.b.deviceId]));
  }

  /** Resolves once `instance` has scanned its folder: idle, holding `files` files. */
  async waitScanned(instance: SyncthingInstance, files: number, timeoutMs: number): Promise<void> {
    await waitUntil(
      async () => {
        const status = await instance.folderStatus();
        return status.state === 'idle' && status.localFiles === files;
      },
      timeoutMs,
      `syncthing ${instance.name} to scan ${files} files`,
      100, // each poll is work for Syncthing too; 0.1 s is fine-grained enough for a scan of seconds
    );
  }

  /** Both idle, nothing needed, each side's view of the other at 100%. */
  async waitInSync(timeoutMs: number): Promise<void> {
    await waitUntil(
      async () => {
        const [statusA, statusB] = await Promise.all([this.a.folderStatus(), this.b.folderStatus()]);
        if (statusA.state !== 'idle' || statusB.state !== 'idle' || statusA.needTotalItems !== 0 || statusB.needTotalItems !== 0) return false;
        return (await this.a.completion(this.b.deviceId)) === 100 && (await this.b.completion(this.a.deviceId)) === 100;
      },
      timeoutMs,
      'both Syncthing devices to be idle and in sync',
      250,
    );
  }

  async stop(): Promise<void> {
    await Promise.all([this.a.stop(), this.b.stop()]);
    await this.proxy.close();
    await rm(this.root, { recursive: true, force: true });
  }
}
