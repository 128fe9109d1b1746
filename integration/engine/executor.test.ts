// The executor end to end: two devices, each a real folder (NodeFileSystem), a real SQLite index
// (through the executor's indexStore) and the real client on a real server (remoteOps), in the
// engine's loop — scan, read the changes feed, plan, execute — until nothing is left. Content,
// renames, deletes, exec bits and a conflict travel both ways and every device converges.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat, writeFile, mkdir, rename, unlink, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Executor } from '../../src-main/engine/executor/executor.ts';
import { writeFolderMarker } from '../../src-main/engine/executor/guards.ts';
import { indexStore } from '../../src-main/engine/executor/index-store.ts';
import { NodeFileSystem } from '../../src-main/engine/fs/node-file-system.ts';
import { getHasher } from '../../src-main/engine/hasher.ts';
import type { Hasher } from '../../src-main/engine/hasher.ts';
import type { ExecutorPorts } from '../../src-main/engine/executor/ports.ts';
import { recover } from '../../src-main/engine/executor/recover.ts';
import { CrashSwitch, SimulatedCrash } from '../../src-main/engine/executor/test-support/crash-switch.ts';
import { LocalIndex } from '../../src-main/engine/index/local-index.ts';
import { isWork } from '../../src-main/engine/planner/operations.ts';
import { plan } from '../../src-main/engine/planner/planner.ts';
import { remoteOps } from '../../src-main/engine/remote/remote-ops.ts';
import type { RemoteClient } from '../../src-main/engine/remote/remote-client.ts';
import { newItemId } from '../../src-main/engine/scanner/new-item-id.ts';
import { pullRemoteTree } from '../../src-main/engine/sync/remote-tree.ts';
import { emptyTree } from '../../src-main/engine/tree/tree.ts';
import { TestServer } from './remote-harness.ts';
import { describeTree, folderContents } from './sync-harness.ts';
import { scanIntoIndex } from './transfer-harness.ts';

const FOLDER_ID = 'integration-folder';
let server: TestServer;
let hasher: Hasher;
const cleanup: string[] = [];

beforeAll(async () => {
  server = await TestServer.start();
  hasher = await getHasher();
});

interface Account {
  client: RemoteClient;
  rootId: string;
}
afterAll(async () => {
  await server.close();
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

interface Device {
  name: string;
  account: Account;
  ports: ExecutorPorts;
  dir: string;
  fs: NodeFileSystem;
  index: LocalIndex;
  executor: Executor;
  ignored: Set<string>;
}

async function device(name: string, account: Account): Promise<Device> {
  const { client, rootId } = account;
  const dir = await mkdtemp(join(tmpdir(), `tandem-exec-${name}-`));
  const state = await mkdtemp(join(tmpdir(), `tandem-exec-state-${name}-`));
  cleanup.push(dir, state);
  const fs = new NodeFileSystem(dir);
  await writeFolderMarker(fs, FOLDER_ID);
  const index = LocalIndex.open({ stateDir: state, syncedFolder: dir });
  for (const tree of ['local', 'remote', 'synced'] as const) index.saveTree(tree, emptyTree(rootId));
  const ports = { fs, remote: remoteOps(client, { hasher }), store: indexStore(index), clock: { now: Date.now, sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)), random: Math.random }, newKey: newItemId };
  return { name, account, ports, dir, fs, index, executor: new Executor(ports, { folderId: FOLDER_ID, hasher, concurrency: 3 }), ignored: new Set() };
}

async function scan(d: Device): Promise<void> {
  d.ignored = await scanIntoIndex({ dir: d.dir, index: d.index, rootId: d.account.rootId }, hasher);
}

async function pull(d: Device): Promise<void> {
  await pullRemoteTree(d.account.client, d.index, d.account.rootId);
}

function trees(d: Device) {
  return { local: d.index.loadTree('local')!, remote: d.index.loadTree('remote')!, synced: d.index.loadTree('synced')! };
}

async function syncOnce(d: Device, executor = d.executor): Promise<boolean> {
  await scan(d);
  await pull(d);
  const t = trees(d);
  const ops = plan({ ...t, options: { device: d.name, now: new Date(), newId: newItemId, ignoredLocalIds: d.ignored } });
  if (!ops.some((op) => isWork(op) || op.kind === 'markSynced')) return false;
  const result = await executor.run(ops, t);
  expect(result.stopped).toBeUndefined();
  return true;
}

async function syncUntilQuiet(d: Device): Promise<void> {
  for (let pass = 0; pass < 8; pass++) if (!(await syncOnce(d))) return;
  throw new Error(`${d.name} did not settle`);
}

function contents(dir: string): Promise<Map<string, string>> {
  return folderContents(dir, hasher);
}

it('two devices converge through a real server: new files, edits, renames, deletes, exec bit, a conflict', async () => {
  const account = await server.user();
  const a = await device('Ada', account);
  const b = await device('Bob', account);
  const big = randomBytes(3 * 1024 * 1024);
  await mkdir(join(a.dir, 'docs/deep'), { recursive: true });
  await writeFile(join(a.dir, 'docs/readme.md'), '# hello');
  await writeFile(join(a.dir, 'docs/deep/big.bin'), big);
  await writeFile(join(a.dir, 'empty.txt'), '');
  await writeFile(join(a.dir, 'run.sh'), 'echo hi');
  await chmod(join(a.dir, 'run.sh'), 0o755);
  await syncUntilQuiet(a);
  await syncUntilQuiet(b);
  expect(await contents(b.dir)).toEqual(await contents(a.dir));
  expect((await readFile(join(b.dir, 'docs/deep/big.bin'))).equals(big)).toBe(true);
  expect((await stat(join(b.dir, 'run.sh'))).mode & 0o7000).toBe(0);
  expect((await stat(join(b.dir, 'run.sh'))).mode & 0o100).toBe(0o100);

  // Bob edits, renames and deletes; Ada gets all of it.
  await writeFile(join(b.dir, 'docs/readme.md'), '# hello from Bob');
  await rename(join(b.dir, 'docs/deep'), join(b.dir, 'docs/archive'));
  await unlink(join(b.dir, 'empty.txt'));
  await syncUntilQuiet(b);
  await syncUntilQuiet(a);
  expect(await contents(a.dir)).toEqual(await contents(b.dir));
  expect(await readFile(join(a.dir, 'docs/readme.md'), 'utf8')).toBe('# hello from Bob');
  expect((await readdir(join(a.dir, '.tandem/trash'))).length).toBeGreaterThan(0);

  // Both edit the same file: the server's version keeps the name, the other is a conflicted copy on both.
  await writeFile(join(a.dir, 'docs/readme.md'), 'Ada was here');
  await writeFile(join(b.dir, 'docs/readme.md'), 'Bob was here');
  await syncUntilQuiet(b);
  await syncUntilQuiet(a);
  await syncUntilQuiet(b);
  const final = await contents(a.dir);
  expect(await contents(b.dir)).toEqual(final);
  expect([...final.keys()].filter((p) => p.includes('conflicted copy from Ada'))).toHaveLength(1);
  expect(await readFile(join(a.dir, 'docs/readme.md'), 'utf8')).toBe('Bob was here');

  for (const d of [a, b]) {
    const t = trees(d);
    expect(describeTree(t.local)).toEqual(final);
    expect(describeTree(t.synced)).toEqual(final);
    expect(describeTree(t.remote)).toEqual(final);
    expect(d.index.journalEntries()).toEqual([]);
  }
}, 60_000);

/** Both devices' state agrees with their disk and the server, and no journal entry is open. */
function expectConverged(d: Device, disk: Map<string, string>): void {
  const t = trees(d);
  expect(describeTree(t.local)).toEqual(disk);
  expect(describeTree(t.synced)).toEqual(disk);
  expect(describeTree(t.remote)).toEqual(disk);
  expect(d.index.journalEntries()).toEqual([]);
}

it('a crash at any step on the real stack (disk, SQLite index, server) restarts into the same state', async () => {
  // Probe: how many step boundaries one pass of this change set has.
  const setUp = async () => {
    const account = await server.user();
    const d = await device('Ada', account);
    await mkdir(join(d.dir, 'keep'), { recursive: true });
    await writeFile(join(d.dir, 'keep/edit-here.txt'), 'v1');
    await writeFile(join(d.dir, 'rename-me.txt'), 'r');
    await writeFile(join(d.dir, 'delete-me.txt'), 'd');
    await syncUntilQuiet(d);
    // The next pass: an edit, a rename, a delete and a new folder with a file, all from here,
    // plus a file another device put on the server.
    await writeFile(join(d.dir, 'keep/edit-here.txt'), 'v2, longer');
    await rename(join(d.dir, 'rename-me.txt'), join(d.dir, 'renamed.txt'));
    await unlink(join(d.dir, 'delete-me.txt'));
    await mkdir(join(d.dir, 'new-folder'));
    await writeFile(join(d.dir, 'new-folder/new.txt'), 'new');
    await d.ports.remote.uploadBlocks([{ hash: hasher.hash(Buffer.from('elsewhere')), data: Buffer.from('elsewhere') }]);
    await d.ports.remote.commitFile(
      { kind: 'create', id: newItemId(), parentId: account.rootId, name: 'from-elsewhere.txt', executable: false },
      { hash: hasher.hash(Buffer.from('elsewhere')), size: 9, blocks: [{ hash: hasher.hash(Buffer.from('elsewhere')), size: 9 }] },
      newItemId(),
    );
    return d;
  };
  const probe = await setUp();
  const counter = new CrashSwitch();
  await syncOnce(probe, new Executor(counter.ports(probe.ports), { folderId: FOLDER_ID, hasher, concurrency: 3 }));
  const total = counter.boundaries.length;
  expect(total).toBeGreaterThan(20);

  for (let at = 0; at < total; at += 3) {
    const d = await setUp();
    const crash = new CrashSwitch(at);
    await expect(syncOnce(d, new Executor(crash.ports(d.ports), { folderId: FOLDER_ID, hasher, concurrency: 3 }))).rejects.toBeInstanceOf(SimulatedCrash);
    // A crashed process does no more I/O; this simulated one may still have a write in flight.
    await new Promise((resolve) => setTimeout(resolve, 50));
    await recover(d.ports, trees(d), hasher);
    await syncUntilQuiet(d);
    const disk = await contents(d.dir);
    expect([...disk.keys()].sort(), `crash at ${at}: ${counter.boundaries[at]}`).toEqual(
      ['from-elsewhere.txt', 'keep', 'keep/edit-here.txt', 'new-folder', 'new-folder/new.txt', 'renamed.txt'],
    );
    expect(await readFile(join(d.dir, 'keep/edit-here.txt'), 'utf8')).toBe('v2, longer');
    expectConverged(d, disk);
  }
}, 120_000);
