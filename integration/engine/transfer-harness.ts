// Test support for the transfer-*.test.ts integration tests: devices of one account on a real
// server, each a real folder (NodeFileSystem), a real SQLite index (indexStore) and the real client
// (remoteOps), synced by the engine's loop done by hand — scan, read the changes feed, plan,
// execute — as in executor.test.ts. Every device's fetch counts the bytes the server answered, per
// request path, so a test can tell what a download cost on the wire.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { chunkFile } from '../../src-main/engine/chunker/chunk-file.ts';
import { Executor, type RunResult } from '../../src-main/engine/executor/executor.ts';
import { writeFolderMarker } from '../../src-main/engine/executor/guards.ts';
import { indexStore } from '../../src-main/engine/executor/index-store.ts';
import type { ExecutorPorts } from '../../src-main/engine/executor/ports.ts';
import { NodeFileSystem } from '../../src-main/engine/fs/node-file-system.ts';
import type { Hasher } from '../../src-main/engine/hasher.ts';
import { LocalIndex } from '../../src-main/engine/index/local-index.ts';
import { type Operation, isWork } from '../../src-main/engine/planner/operations.ts';
import { plan } from '../../src-main/engine/planner/planner.ts';
import { type FetchLike, RemoteClient } from '../../src-main/engine/remote/remote-client.ts';
import { remoteOps } from '../../src-main/engine/remote/remote-ops.ts';
import { newItemId } from '../../src-main/engine/scanner/new-item-id.ts';
import { scanFolder } from '../../src-main/engine/scanner/scan-folder.ts';
import { emptyTree } from '../../src-main/engine/tree/tree.ts';
import { commitLocalScan, storedLocalState } from '../../src-main/engine/sync/local-commit.ts';
import { pullRemoteTree } from '../../src-main/engine/sync/remote-tree.ts';
import type { Tree } from '../../src-main/engine/tree/tree.ts';
import { FAST_RETRY, type TestServer } from './remote-harness.ts';
import { describeTree, folderContents } from './sync-harness.ts';

const FOLDER_ID = 'transfer-folder';

/** Bytes of the server's answers, by request path ('/v1/blocks/fetch' …), since the last reset. */
export class WireMeter {
  readonly received = new Map<string, number>();

  readonly fetch: FetchLike = async (input, init) => {
    const response = await globalThis.fetch(input, init);
    const body = new Uint8Array(await response.arrayBuffer());
    const path = new URL(input).pathname;
    this.received.set(path, (this.received.get(path) ?? 0) + body.length);
    return new Response(response.status === 204 || response.status === 304 ? null : body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };

  /** Bytes answered to requests whose path starts with `prefix` ('' for all). */
  total(prefix = ''): number {
    let sum = 0;
    for (const [path, bytes] of this.received) if (path.startsWith(prefix)) sum += bytes;
    return sum;
  }

  reset(): void {
    this.received.clear();
  }
}

export interface Device {
  name: string;
  client: RemoteClient;
  rootId: string;
  dir: string;
  index: LocalIndex;
  ports: ExecutorPorts;
  executor: Executor;
  wire: WireMeter;
  ignored: Set<string>;
}

export class Devices {
  readonly #server: TestServer;
  readonly #hasher: Hasher;
  readonly #cleanup: string[] = [];
  readonly #indexes: LocalIndex[] = [];

  constructor(server: TestServer, hasher: Hasher) {
    this.#server = server;
    this.#hasher = hasher;
  }

  /** Devices of one new account. */
  async account(...names: string[]): Promise<Device[]> {
    const wires = names.map(() => new WireMeter());
    const first = await this.#server.user({ fetch: wires[0]!.fetch });
    const devices: Device[] = [];
    for (const [at, name] of names.entries()) {
      const wire = wires[at]!;
      let client = first.client;
      if (at > 0) {
        client = new RemoteClient({ serverUrl: this.#server.url, retry: FAST_RETRY, fetch: wire.fetch });
        await client.login(first.name, first.password, name);
      }
      devices.push(await this.#device(name, client, first.rootId, wire));
    }
    return devices;
  }

  async #device(name: string, client: RemoteClient, rootId: string, wire: WireMeter): Promise<Device> {
    const dir = await mkdtemp(join(tmpdir(), `tandem-transfer-${name}-`));
    const state = await mkdtemp(join(tmpdir(), `tandem-transfer-state-${name}-`));
    this.#cleanup.push(dir, state);
    const fs = new NodeFileSystem(dir);
    await writeFolderMarker(fs, FOLDER_ID);
    const index = LocalIndex.open({ stateDir: state, syncedFolder: dir });
    this.#indexes.push(index);
    for (const tree of ['local', 'remote', 'synced'] as const) index.saveTree(tree, emptyTree(rootId));
    const clock = { now: Date.now, sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)), random: Math.random };
    const ports: ExecutorPorts = { fs, remote: remoteOps(client, { hasher: this.#hasher }), store: indexStore(index), clock, newKey: newItemId };
    const executor = new Executor(ports, { folderId: FOLDER_ID, hasher: this.#hasher, concurrency: 3 });
    return { name, client, rootId, dir, index, ports, executor, wire, ignored: new Set() };
  }

  /** Scan into the index, as the sync loop stores a scan (block lists kept while a file's hash is unchanged). */
  async scan(d: Device): Promise<void> {
    d.ignored = await scanIntoIndex(d, this.#hasher);
  }

  /** Reads the changes feed into the remote tree; the index keeps the cursor with it. */
  async pull(d: Device): Promise<void> {
    await pullRemoteTree(d.client, d.index, d.rootId);
  }

  trees(d: Device): { local: Tree; remote: Tree; synced: Tree } {
    return { local: d.index.loadTree('local')!, remote: d.index.loadTree('remote')!, synced: d.index.loadTree('synced')! };
  }

  /** The first half of a pass: scan, read the feed, plan (a test may change things before execute). */
  async plan(d: Device): Promise<{ ops: Operation[]; trees: ReturnType<Devices['trees']> }> {
    await this.scan(d);
    await this.pull(d);
    const t = this.trees(d);
    return { ops: plan({ ...t, options: { device: d.name, now: new Date(), newId: newItemId, ignoredLocalIds: d.ignored } }), trees: t };
  }

  async execute(d: Device, planned: { ops: Operation[]; trees: ReturnType<Devices['trees']> }): Promise<RunResult> {
    const result = await d.executor.run(planned.ops, planned.trees);
    expect(result.stopped).toBeUndefined();
    return result;
  }

  async syncOnce(d: Device): Promise<boolean> {
    const planned = await this.plan(d);
    if (!planned.ops.some((op) => isWork(op) || op.kind === 'markSynced')) return false;
    await this.execute(d, planned);
    return true;
  }

  async syncUntilQuiet(d: Device): Promise<void> {
    for (let pass = 0; pass < 8; pass++) if (!(await this.syncOnce(d))) return;
    throw new Error(`${d.name} did not settle`);
  }

  /** path -> content hash ('folder' for folders) of what the folder holds, Tandem's own files left out. */
  contents(dir: string): Promise<Map<string, string>> {
    return folderContents(dir, this.#hasher);
  }

  /** path -> content hash of a tree, in the same form as contents(). */
  describe(tree: Tree): Map<string, string> {
    return describeTree(tree);
  }

  async close(): Promise<void> {
    for (const index of this.#indexes) index.close();
    for (const dir of this.#cleanup) await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Scans the device's folder from the index's local tree and stores the result as the sync loop
 * does (sync/local-commit.ts); returns the ids the ignore rules cover, for the planner.
 */
export async function scanIntoIndex(d: { dir: string; index: LocalIndex; rootId: string }, hasher: Hasher): Promise<Set<string>> {
  const previous = storedLocalState(d.index, d.index.loadTree('local') ?? emptyTree(d.rootId), new Set());
  const result = await scanFolder({
    previous: previous.tree,
    previousFacts: previous.facts,
    source: { root: d.dir },
    hashFile: async (path) => {
      const chunked = await chunkFile(join(d.dir, ...path.split('/')), { hasher });
      return { hash: chunked.hash, size: chunked.size, mtimeMs: chunked.mtimeMs };
    },
    newId: newItemId,
  });
  commitLocalScan(d.index, result.tree, result.facts);
  return result.ignoredIds;
}
