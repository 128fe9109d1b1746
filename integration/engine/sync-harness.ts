// Harness for end-to-end sync tests (SCENARIOS.md, the simulation): a real server in-process, and
// devices that are real FolderSync engines on real temp folders with real SQLite indexes. Tests
// change files with plain node:fs calls, then `settle()` runs every device until all are quiet,
// and `expectInvariants()` checks SCENARIOS.md's invariants that can be observed at the end.
import { chmod, lstat, mkdir, mkdtemp, readFile, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { getHasher } from '../../src-main/engine/hasher.ts';
import type { Hasher } from '../../src-main/engine/hasher.ts';
import { FolderSync } from '../../src-main/engine/sync/folder-sync.ts';
import type { FolderSyncOptions, IdleOutcome } from '../../src-main/engine/sync/folder-sync.ts';
import { RemoteClient } from '../../src-main/engine/remote/remote-client.ts';
import type { RemoteClientOptions } from '../../src-main/engine/remote/remote-client.ts';
import { pathOf } from '../../src-main/engine/tree/tree.ts';
import type { Tree } from '../../src-main/engine/tree/tree.ts';
import type { ServerOptions } from '../../src-server/index.ts';
import { FAST_RETRY, TestServer } from './remote-harness.ts';
import { TestFolder } from '../test-folder.ts';

export interface Account {
  name: string;
  password: string;
  rootId: string;
}

export type DeviceOptions = Partial<Omit<FolderSyncOptions, 'folder' | 'stateDir' | 'client' | 'rootId' | 'device'>> & {
  client?: Partial<RemoteClientOptions>;
};

export class SyncWorld {
  readonly server: TestServer;
  readonly hasher: Hasher;
  readonly #devices: Device[] = [];
  readonly #dirs: string[] = [];

  private constructor(server: TestServer, hasher: Hasher) {
    this.server = server;
    this.hasher = hasher;
  }

  /**
   * A world whose server lets many devices sign in: the scenario files sign in dozens of devices a
   * minute, past the server's default login limit (30 per address per minute), which has its own tests.
   */
  static async start(serverOptions: Partial<ServerOptions> = { loginLimits: { perAddressPerMinute: 100_000, failuresPerAccount: 10 } }): Promise<SyncWorld> {
    return new SyncWorld(await TestServer.start(serverOptions), await getHasher());
  }

  async account(): Promise<Account> {
    const user = await this.server.user();
    return { name: user.name, password: user.password, rootId: user.rootId };
  }

  /** A device: its own folder, state folder, signed-in client and engine (not watching). */
  async device(name: string, account: Account, options: DeviceOptions = {}): Promise<Device> {
    const dir = await mkdtemp(join(tmpdir(), `tandem-sync-${name}-`));
    const state = await mkdtemp(join(tmpdir(), `tandem-state-${name}-`));
    this.#dirs.push(dir, state);
    const device = new Device(this, name, account, dir, state, options);
    await device.open();
    this.#devices.push(device);
    return device;
  }

  async close(): Promise<void> {
    for (const device of this.#devices) await device.close().catch(() => undefined);
    await this.server.close();
    for (const dir of this.#dirs) await rm(dir, { recursive: true, force: true });
  }
}

export class Device extends TestFolder {
  readonly world: SyncWorld;
  readonly name: string;
  readonly account: Account;
  readonly dir: string;
  readonly stateDir: string;
  options: DeviceOptions;
  client!: RemoteClient;
  engine!: FolderSync;

  constructor(world: SyncWorld, name: string, account: Account, dir: string, stateDir: string, options: DeviceOptions) {
    super(dir);
    this.world = world;
    this.name = name;
    this.account = account;
    this.dir = dir;
    this.stateDir = stateDir;
    this.options = options;
  }

  /** Signs in and opens the engine (again, after close(): a restart). */
  async open(options: DeviceOptions = this.options): Promise<void> {
    this.options = options;
    const { client: clientOptions, ...engineOptions } = options;
    this.client = new RemoteClient({ serverUrl: this.world.server.url, retry: FAST_RETRY, ...clientOptions });
    await this.client.login(this.account.name, this.account.password, this.name);
    this.engine = await FolderSync.open({
      folder: this.dir,
      stateDir: this.stateDir,
      client: this.client,
      rootId: this.account.rootId,
      device: this.name,
      watch: false,
      settleMs: 50,
      ...engineOptions,
    });
  }

  async close(): Promise<void> {
    await this.engine.close();
  }

  /** Closes and opens the engine again (a restart with the same disk and state). */
  async restart(options: DeviceOptions = this.options): Promise<void> {
    await this.close();
    await this.open(options);
  }

  /** One runUntilIdle(): scan everything, pull, plan, execute until quiet. */
  sync(): Promise<IdleOutcome> {
    return this.engine.runUntilIdle();
  }

  /** The server item id at `path`, as this device last read the server's tree. */
  serverId(path: string): string | undefined {
    const tree = this.engine.index.loadTree('remote')!;
    for (const item of tree.items.values()) if (pathOf(tree, item.id) === path) return item.id;
    return undefined;
  }

  mkdir(relative: string): Promise<string | undefined> {
    return mkdir(this.path(relative), { recursive: true });
  }

  rename(from: string, to: string): Promise<void> {
    return rename(this.path(from), this.path(to));
  }

  async remove(relative: string): Promise<void> {
    const info = await lstat(this.path(relative));
    if (info.isDirectory()) await rm(this.path(relative), { recursive: true });
    else await unlink(this.path(relative));
  }

  chmod(relative: string, mode: number): Promise<void> {
    return chmod(this.path(relative), mode);
  }

  /** path → content hash ('folder' for folders, '+x' when executable); Tandem's own files left out. */
  async contents(): Promise<Map<string, string>> {
    return folderContents(this.dir, this.world.hasher);
  }

  /** Names in the folder that look like conflicted copies. */
  async conflictedCopies(): Promise<string[]> {
    return [...(await this.contents()).keys()].filter((path) => path.includes('(conflicted copy from ')).sort();
  }
}

export async function folderContents(dir: string, hasher: Hasher, prefix = ''): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    if (entry.name.startsWith('.tandem')) continue;
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      out.set(path, 'folder');
      for (const [p, h] of await folderContents(dir, hasher, path)) out.set(p, h);
    } else if (entry.isFile()) {
      const mode = (await stat(join(dir, path))).mode;
      out.set(path, `${hasher.hash(await readFile(join(dir, path)))}${mode & 0o100 ? '+x' : ''}`);
    } else {
      out.set(path, 'other');
    }
  }
  return out;
}

/**
 * Runs every device until a whole round changes nothing anywhere (quiescence). Throws when the
 * devices keep changing after `maxRounds` rounds (a sync that never converges is a bug).
 */
export async function settle(devices: readonly Device[], maxRounds = 6): Promise<IdleOutcome[]> {
  let last: IdleOutcome[] = [];
  for (let round = 0; round < maxRounds; round++) {
    const before = await Promise.all(devices.map((d) => d.contents()));
    const cursors = devices.map((d) => d.engine.index.cursor);
    last = [];
    for (const device of devices) last.push(await device.sync());
    const after = await Promise.all(devices.map((d) => d.contents()));
    const quiet = devices.every((d, i) => d.engine.index.cursor === cursors[i] && sameMap(before[i]!, after[i]!));
    if (round > 0 && quiet && last.every((o) => o === 'in_sync')) return last;
  }
  if (last.some((o) => o !== 'in_sync')) return last;
  throw new Error(`The devices did not settle in ${maxRounds} rounds: ${devices.map((d) => d.name).join(', ')}`);
}

function sameMap(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

/** A tree as path → hash/'folder' (Tandem's own entries left out), for comparing with a disk. */
export function describeTree(tree: Tree, leaveOut: ReadonlySet<string> = new Set()): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of tree.items.values()) {
    if (item.id === tree.rootId || item.name.startsWith('.tandem') || leaveOut.has(item.id)) continue;
    out.set(pathOf(tree, item.id)!, item.kind === 'folder' ? 'folder' : `${item.hash}${item.executable ? '+x' : ''}`);
  }
  return out;
}

export interface InvariantOptions {
  /** Per device: server paths it legitimately lacks (selective sync, names its disk cannot hold). */
  missing?: Partial<Record<string, readonly string[]>>;
  /** Paths not synced (ignored), left out of every comparison (the server may hold an older copy). */
  ignored?: readonly string[];
}

function withoutPaths(map: Map<string, string>, paths: readonly string[]): Map<string, string> {
  const out = new Map(map);
  for (const path of paths) for (const key of [...out.keys()]) if (key === path || key.startsWith(`${path}/`)) out.delete(key);
  return out;
}

/**
 * SCENARIOS.md's invariants after quiescence: 1 (converged: every device's disk, local, remote and
 * synced trees agree), 4 (parents before children: the trees are valid and equal), 5 (no temp file
 * under a visible name), 6 (no journal entry left open). Returns the server's tree as path → hash.
 */
export async function expectInvariants(devices: readonly Device[], options: InvariantOptions = {}): Promise<Map<string, string>> {
  let reference: Map<string, string> | undefined;
  const ignored = options.ignored ?? [];
  for (const device of devices) {
    const fullDisk = await device.contents();
    const disk = withoutPaths(fullDisk, ignored);
    const index = device.engine.index;
    const local = index.loadTree('local')!;
    const remote = index.loadTree('remote')!;
    const synced = index.loadTree('synced')!;
    // The local tree lists ignored entries without a hash (and nothing inside an ignored folder).
    expect(withoutPaths(describeTree(local), ignored), `${device.name}: local tree = disk`).toEqual(disk);
    const missing = options.missing?.[device.name] ?? [];
    const remoteView = describeTree(remote);
    expect(disk, `${device.name}: disk = server`).toEqual(withoutPaths(remoteView, [...missing, ...ignored]));
    expect(withoutPaths(describeTree(synced), ignored), `${device.name}: synced = disk`).toEqual(disk);
    expect(index.journalEntries(), `${device.name}: no journal entry open`).toEqual([]);
    expect(await strayTempFiles(device.dir), `${device.name}: no temp file left under the folder`).toEqual([]);
    if (reference) expect(remoteView, `${device.name}: same server tree as the others`).toEqual(reference);
    reference = remoteView;
  }
  return reference ?? new Map();
}

/**
 * expectInvariants for folders with ignored files: the local tree lists an ignored entry without
 * its hash (and nothing inside an ignored folder), so every comparison leaves `ignored` out, on
 * the disk, in all three trees and on the server (an ignored path may still be there, unsynced).
 */
export async function expectInvariantsIgnoring(devices: readonly Device[], ignored: readonly string[]): Promise<Map<string, string>> {
  return expectInvariants(devices, { ignored });
}

/** Tandem's temp files anywhere in the folder but its own `.tandem/` area (invariant 5). */
export async function strayTempFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (path === '.tandem') continue;
    if (entry.name.startsWith('.tandem-tmp-')) out.push(path);
    else if (entry.isDirectory()) out.push(...(await strayTempFiles(dir, path)));
  }
  return out;
}
