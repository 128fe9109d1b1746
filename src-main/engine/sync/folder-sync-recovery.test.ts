// FolderSync's start-up recovery when the server cannot be reached: recovery may need to ask the
// server (was a parking move applied?), and being offline then is a state like any other, not a
// dead engine. Found by the multi-client simulation (a crash, then a restart with the network
// down). No server here: the client's fetch always fails, as it does offline.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { LocalIndex } from '../index/local-index.ts';
import { RemoteClient } from '../remote/remote-client.ts';
import type { FetchLike } from '../remote/remote-client.ts';
import { newItemId } from '../scanner/new-item-id.ts';
import { FolderSync } from './folder-sync.ts';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

it('a recovery that cannot reach the server leaves the folder offline, keeps the journal, and is tried again on the next run', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'tandem-recovery-folder-'));
  const stateDir = await mkdtemp(join(tmpdir(), 'tandem-recovery-state-'));
  dirs.push(folder, stateDir);
  let requests = 0;
  const fetch: FetchLike = async () => {
    requests += 1;
    throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
  };
  const client = new RemoteClient({ serverUrl: 'http://127.0.0.1:9', token: 'token', fetch, retry: { baseDelayMs: 1, maxDelayMs: 1, maxAttempts: 1, maxRetryAfterMs: 1 } });
  const rootId = newItemId();
  const options = { folder, stateDir, client, rootId, device: 'Ada', watch: false };
  await (await FolderSync.open(options)).close();

  // A killed run left a parking move to the server open: recovery must ask the server about it.
  const index = LocalIndex.open({ stateDir, syncedFolder: resolve(folder) });
  index.journalBegin({ kind: 'moveRemote', id: newItemId(), parentId: rootId, name: 'parked', ifMatchMetadata: 1, fromPath: 'a.txt', path: 'parked', temporary: true });
  index.close();

  const engine = await FolderSync.open(options);
  try {
    expect(await engine.runUntilIdle()).toBe('unsettled');
    expect(engine.status.state).toBe('offline');
    expect(engine.index.journalEntries()).toHaveLength(1);
    const asked = requests;
    expect(await engine.runUntilIdle()).toBe('unsettled');
    expect(requests, 'the second run asks the server again').toBeGreaterThan(asked);
    expect(engine.status.state).toBe('offline');
  } finally {
    await engine.close();
  }
});
