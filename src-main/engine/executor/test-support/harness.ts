// Test support: one device (a fake disk, a memory store) syncing with a FakeRemote through the
// real planner, a scan built on the real scanner's identity matching, and the real executor — the
// engine's loop in miniature: scan, read the server's tree, plan, execute, until nothing is left.

import type { Hasher } from '../../hasher.ts';
import { FakeFileSystem } from '../../fs/fake-file-system.ts';
import type { FileSystem } from '../../fs/file-system.ts';
import { joinPath } from '../../fs/file-system.ts';
import { builtInPatternFor } from '../../ignore/built-in-patterns.ts';
import { isWork } from '../../planner/operations.ts';
import type { Operation, PlanOptions } from '../../planner/operations.ts';
import { plan } from '../../planner/planner.ts';
import { buildLocalTree } from '../../scanner/local-tree.ts';
import type { FileFacts } from '../../scanner/local-tree.ts';
import type { Observation } from '../../scanner/observation.ts';
import { pathOf } from '../../tree/tree.ts';
import type { Tree } from '../../tree/tree.ts';
import { Executor } from '../executor.ts';
import type { ExecutorOptions, RunOptions, RunResult } from '../executor.ts';
import { writeFolderMarker } from '../guards.ts';
import type { ExecutorClock, ExecutorPorts, RemoteOps, StateStore } from '../ports.ts';
import { FakeRemote, ROOT_ID } from './fake-remote.ts';
import { MemoryStore } from './memory-store.ts';

export const FOLDER_ID = 'folder-1';

export const instantClock: ExecutorClock = { now: () => 0, sleep: async () => undefined, random: () => 0.5 };

export interface Device {
  fs: FakeFileSystem;
  store: MemoryStore;
  remote: FakeRemote;
  hasher: Hasher;
  /** What the executor talks to (tests wrap these to inject faults). */
  ports: ExecutorPorts;
  ids: () => string;
  /** Local ids the built-in ignore rules cover (from the last scan). */
  ignored: Set<string>;
  /** The key local names collide on (case-folded for a case-insensitive disk). */
  nameKey: ((name: string) => string) | undefined;
}

let deviceCounter = 0;

export async function newDevice(
  hasher: Hasher,
  remote = new FakeRemote(hasher),
  fs = new FakeFileSystem({ now: tick() }),
  nameKey?: (name: string) => string,
): Promise<Device> {
  await writeFolderMarker(fs, FOLDER_ID);
  const store = new MemoryStore(ROOT_ID);
  const prefix = `d${++deviceCounter}`;
  let n = 0;
  const ids = () => `${prefix}-${++n}`;
  let keys = 0;
  return { fs, store, remote, hasher, ids, ignored: new Set(), nameKey, ports: { fs, remote, store, clock: instantClock, newKey: () => `${prefix}-key-${++keys}` } };
}

/** A clock for the fake disk that moves on every call: every write gets a new mtime. */
export function tick(): () => number {
  let t = 1_700_000_000_000;
  return () => (t += 1000);
}

function observe(fs: FakeFileSystem, path: string, out: Observation[]): void {
  for (const entry of fs.syncLister.list(path)) {
    if (entry.name.startsWith('.tandem')) continue;
    const child = joinPath(path, entry.name);
    const ignored = builtInPatternFor(entry.name) !== undefined;
    out.push({ path: child, kind: entry.kind, size: entry.size, mtimeMs: entry.mtimeMs, inode: entry.inode, executable: entry.executable, ignored });
    if (entry.kind === 'folder') observe(fs, child, out);
  }
}

/** Scans the fake disk into the store's local tree and facts (ids kept by path, then inode). */
export function scan(device: Device): void {
  const observations: Observation[] = [];
  observe(device.fs, '', observations);
  const previousFacts = new Map<string, FileFacts>();
  for (const [id, facts] of device.store.facts) previousFacts.set(id, facts);
  const result = buildLocalTree(
    { observations, previous: device.store.trees().local, previousFacts },
    (observation) => {
      const data = device.fs.get(observation.path);
      if (!data) return undefined;
      return { hash: device.hasher.hash(data), size: data.length, mtimeMs: observation.mtimeMs };
    },
    device.ids,
  );
  device.ignored = result.ignoredIds;
  device.store.local.clear();
  for (const item of result.tree.items.values()) device.store.local.set(item.id, item);
  // Block lists survive a scan that finds the same content, as in the engine's loop
  // (sync/local-commit.ts): downloads reuse them.
  const before = new Map(device.store.facts);
  device.store.facts.clear();
  for (const [id, facts] of result.facts) {
    const blocks = facts.hash && before.get(id)?.hash === facts.hash ? before.get(id)?.blocks : undefined;
    device.store.facts.set(id, { size: facts.size, mtimeMs: facts.mtimeMs, inode: facts.inode, ...(facts.hash ? { hash: facts.hash } : {}), ...(blocks ? { blocks } : {}) });
  }
}

/** Reads the server's tree into the store (what the changes feed does). */
export function pull(device: Device): void {
  device.store.remote.clear();
  for (const item of device.remote.items.values()) device.store.remote.set(item.id, item);
}

export function planOptions(device: Device, overrides: Partial<PlanOptions> = {}): PlanOptions {
  return { device: 'Ada laptop', now: new Date(Date.UTC(2026, 10, 22, 3, 15, 0)), newId: device.ids, ignoredLocalIds: device.ignored, ...(device.nameKey ? { localNameKey: device.nameKey } : {}), ...overrides };
}

export function makePlan(device: Device, overrides: Partial<PlanOptions> = {}): Operation[] {
  const trees = device.store.trees();
  return plan({ ...trees, options: planOptions(device, overrides) });
}

export function executor(device: Device, options: Partial<ExecutorOptions> = {}): Executor {
  return new Executor(device.ports, { folderId: FOLDER_ID, hasher: device.hasher, concurrency: 3, ...options });
}

/** One pass: scan, pull, plan, execute. */
export async function syncOnce(
  device: Device,
  options: Partial<ExecutorOptions> = {},
  planOverrides: Partial<PlanOptions> = {},
  runOptions: RunOptions = {},
): Promise<{ plan: Operation[]; result: RunResult }> {
  scan(device);
  pull(device);
  const ops = makePlan(device, planOverrides);
  const result = await executor(device, options).run(ops, device.store.trees(), runOptions);
  return { plan: ops, result };
}

/** Passes until a plan holds no work; returns how many passes had work. */
export async function syncUntilQuiet(device: Device, options: Partial<ExecutorOptions> = {}, maxPasses = 8): Promise<number> {
  for (let pass = 0; pass < maxPasses; pass++) {
    scan(device);
    pull(device);
    const ops = makePlan(device);
    if (!ops.some((op) => isWork(op) || op.kind === 'markSynced')) return pass;
    await executor(device, options).run(ops, device.store.trees());
  }
  throw new Error(`No quiet state after ${maxPasses} passes: ${JSON.stringify(makePlan(device))}`);
}

/** path -> content hash (folders: 'folder') of a tree, ignored names left out. */
export function describeTree(tree: Tree): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of tree.items.values()) {
    if (item.id === tree.rootId || builtInPatternFor(item.name)) continue;
    out.set(pathOf(tree, item.id) ?? `?${item.id}`, item.kind === 'folder' ? 'folder' : `${item.hash}${item.executable ? '+x' : ''}`);
  }
  return out;
}

/** What the disk holds (path -> hash or 'folder'), Tandem's own files left out. */
export function describeDisk(device: Device): Map<string, string> {
  const observations: Observation[] = [];
  observe(device.fs, '', observations);
  const out = new Map<string, string>();
  for (const o of observations) {
    if (o.ignored) continue;
    out.set(o.path, o.kind === 'folder' ? 'folder' : `${device.hasher.hash(device.fs.get(o.path)!)}${o.executable ? '+x' : ''}`);
  }
  return out;
}

/** Content hashes in the local trash. */
export function trashedHashes(device: Device): string[] {
  const out: string[] = [];
  const walk = (path: string) => {
    let entries;
    try {
      entries = device.fs.syncLister.list(path);
    } catch {
      return;
    }
    for (const entry of entries) {
      const child = joinPath(path, entry.name);
      if (entry.kind === 'folder') walk(child);
      else if (entry.kind === 'file') out.push(device.hasher.hash(device.fs.get(child)!));
    }
  };
  walk('.tandem/trash');
  return out;
}

export function encode(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

export type { FileSystem, RemoteOps, StateStore };

/** Case-insensitive disks (Windows, macOS): names collide case-folded. */
export const foldCase = (name: string): string => name.normalize('NFC').toLowerCase();
