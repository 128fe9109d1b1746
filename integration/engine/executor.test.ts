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
import { chunkFile } from '../../src-main/engine/chunker/chunk-file.ts';
import { NodeFileSystem } from '../../src-main/engine/fs/node-file-system.ts';
import { getHasher } from '../../src-main/engine/hasher.ts';
import type { Hasher } from '../../src-main/engine/hasher.ts';
import { LocalIndex } from '../../src-main/engine/index/local-index.ts';
import { isWork } from '../../src-main/engine/planner/operations.ts';
import { plan } from '../../src-main/engine/planner/planner.ts';
import { readFeed } from '../../src-main/engine/remote/feed.ts';
import { remoteOps, toTreeItem } from '../../src-main/engine/remote/remote-ops.ts';
import type { RemoteClient } from '../../src-main/engine/remote/remote-client.ts';
import { scanFolder } from '../../src-main/engine/scanner/scan-folder.ts';
import { newItemId } from '../../src-main/engine/scanner/new-item-id.ts';
import { emptyTree, makeTree, pathOf } from '../../src-main/engine/tree/tree.ts';
import type { Tree } from '../../src-main/engine/tree/tree.ts';
import { TestServer } from './remote-harness.ts';

const FOLDER_ID = 'integration-folder';
let server: TestServer;
let hasher: Hasher;
let client: RemoteClient;
let rootId: string;
const cleanup: string[] = [];

beforeAll(async () => {
  server = await TestServer.start();
  const user = await server.user();
  client = user.client;
  rootId = user.rootId;
  hasher = await getHasher();
});
afterAll(async () => {
  await server.close();
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

interface Device {
  name: string;
  dir: string;
  fs: NodeFileSystem;
  index: LocalIndex;
  executor: Executor;
  cursor: string | undefined;
  ignored: Set<string>;
}

async function device(name: string): Promise<Device> {
  const dir = await mkdtemp(join(tmpdir(), `tandem-exec-${name}-`));
  const state = await mkdtemp(join(tmpdir(), `tandem-exec-state-${name}-`));
  cleanup.push(dir, state);
  const fs = new NodeFileSystem(dir);
  await writeFolderMarker(fs, FOLDER_ID);
  const index = LocalIndex.open({ stateDir: state, syncedFolder: dir });
  for (const tree of ['local', 'remote', 'synced'] as const) index.saveTree(tree, emptyTree(rootId));
  const ports = { fs, remote: remoteOps(client, { hasher }), store: indexStore(index), clock: { now: Date.now, sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)), random: Math.random }, newKey: newItemId };
  return { name, dir, fs, index, executor: new Executor(ports, { folderId: FOLDER_ID, hasher, concurrency: 3 }), cursor: undefined, ignored: new Set() };
}

async function scan(d: Device): Promise<void> {
  const previous = d.index.loadTree('local') ?? emptyTree(rootId);
  const result = await scanFolder({
    previous,
    previousFacts: d.index.allFacts(),
    source: { root: d.dir },
    hashFile: async (path) => {
      const chunked = await chunkFile(join(d.dir, ...path.split('/')), { hasher });
      return { hash: chunked.hash, size: chunked.size, mtimeMs: chunked.mtimeMs };
    },
    newId: newItemId,
  });
  d.index.saveTree('local', result.tree);
  const gone = [...d.index.allFacts().keys()].filter((id) => !result.facts.has(id));
  d.index.removeFacts(gone);
  d.index.putFacts([...result.facts].flatMap(([id, f]) => (f.hash ? [{ id, size: f.size, mtimeMs: f.mtimeMs, inode: f.inode, hash: f.hash, blocks: d.index.getFacts(id)?.hash === f.hash ? d.index.getFacts(id)!.blocks : [] }] : [])));
  d.ignored = result.ignoredIds;
}

async function pull(d: Device): Promise<void> {
  const read = await readFeed(client, d.cursor);
  const current = read.kind === 'full' ? new Map() : new Map(d.index.loadTree('remote')!.items);
  current.set(rootId, { id: rootId, parentId: null, name: '', kind: 'folder' });
  for (const item of read.items) {
    if (item.id === rootId) continue;
    if (item.deleted) current.delete(item.id);
    else current.set(item.id, toTreeItem(item));
  }
  d.index.replaceRemoteTree(makeTree(rootId, current.values()), read.cursor);
  d.cursor = read.cursor;
}

function trees(d: Device) {
  return { local: d.index.loadTree('local')!, remote: d.index.loadTree('remote')!, synced: d.index.loadTree('synced')! };
}

async function syncUntilQuiet(d: Device): Promise<void> {
  for (let pass = 0; pass < 8; pass++) {
    await scan(d);
    await pull(d);
    const t = trees(d);
    const ops = plan({ ...t, options: { device: d.name, now: new Date(), newId: newItemId, ignoredLocalIds: d.ignored } });
    if (!ops.some((op) => isWork(op) || op.kind === 'markSynced')) return;
    const result = await d.executor.run(ops, t);
    expect(result.stopped).toBeUndefined();
  }
  throw new Error(`${d.name} did not settle`);
}

/** path -> hash of what the folder holds (Tandem's own files left out). */
async function contents(dir: string, prefix = ''): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    if (entry.name.startsWith('.tandem')) continue;
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      out.set(path, 'folder');
      for (const [p, h] of await contents(dir, path)) out.set(p, h);
    } else {
      const mode = (await stat(join(dir, path))).mode;
      out.set(path, `${hasher.hash(await readFile(join(dir, path)))}${mode & 0o100 ? '+x' : ''}`);
    }
  }
  return out;
}

function describe(tree: Tree): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of tree.items.values()) {
    if (item.id === tree.rootId || item.name.startsWith('.tandem')) continue;
    out.set(pathOf(tree, item.id)!, item.kind === 'folder' ? 'folder' : `${item.hash}${item.executable ? '+x' : ''}`);
  }
  return out;
}

it('two devices converge through a real server: new files, edits, renames, deletes, exec bit, a conflict', async () => {
  const a = await device('Ada');
  const b = await device('Bob');
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
    expect(describe(t.local)).toEqual(final);
    expect(describe(t.synced)).toEqual(final);
    expect(describe(t.remote)).toEqual(final);
    expect(d.index.journalEntries()).toEqual([]);
  }
}, 60_000);
