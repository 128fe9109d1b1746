// The coalescing RemoteOps decorator (remote/batching-remote-ops.ts) against a real server: 200
// files uploaded at once cost a handful of requests instead of 600, every file lands with the id
// and content we proposed, a batch whose answer was lost is re-sent and applied once, and the
// refusals the executor plans around (stale version, name taken) come back per operation.
import { v7 as uuidv7 } from 'uuid';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { RemoteOps } from '../../src-main/engine/executor/ports.ts';
import { getHasher } from '../../src-main/engine/hasher.ts';
import { batchingRemoteOps } from '../../src-main/engine/remote/batching-remote-ops.ts';
import { remoteOps } from '../../src-main/engine/remote/remote-ops.ts';
import { TestServer, wiretap } from './remote-harness.ts';

let server: TestServer;
beforeEach(async () => {
  server = await TestServer.start();
});
afterEach(async () => {
  await server.close();
});

async function uploadOne(ops: RemoteOps, rootId: string, name: string, text: string, key = uuidv7()) {
  const hasher = await getHasher();
  const data = new TextEncoder().encode(text);
  const hash = hasher.hash(data);
  const missing = await ops.missingBlocks([hash]);
  if (missing.length > 0) await ops.uploadBlocks([{ hash, data }]);
  const content = { hash, size: data.length, blocks: [{ hash, size: data.length }] };
  return ops.commitFile({ kind: 'create', id: uuidv7(), parentId: rootId, name, executable: false }, content, key);
}

it('200 concurrent small uploads take a few requests, and every file is on the server as sent', async () => {
  const tap = wiretap();
  const { client, rootId } = await server.user({ fetch: tap.fetch });
  const ops = batchingRemoteOps(remoteOps(client), client);
  const answers = await Promise.all(Array.from({ length: 200 }, (_, n) => uploadOne(ops, rootId, `file-${n}.txt`, `content of file ${n}`)));
  expect(answers.every((answer) => answer.ok)).toBe(true);
  const calls = tap.requests.filter((request) => request.path !== '/v1/auth/login');
  // Unbatched: 200 missing checks, 200 uploads and 200 commits.
  expect(calls.length).toBeLessThan(30);
  expect(calls.some((request) => request.path === '/v1/batch')).toBe(true);
  const { items } = await client.listChildren(rootId);
  expect(items.map((item) => item.name).sort()).toEqual(Array.from({ length: 200 }, (_, n) => `file-${n}.txt`).sort());
});

it('a batch whose answer was lost is sent again and applied once; each operation answers as if sent alone', async () => {
  let dropped = false;
  const tap = wiretap((request) => {
    if (request.path === '/v1/batch' && !dropped) {
      dropped = true;
      return 'drop-answer';
    }
    return 'pass';
  });
  const { client, rootId } = await server.user({ fetch: tap.fetch });
  const ops = batchingRemoteOps(remoteOps(client), client);
  const folderId = uuidv7();
  const [folder, file] = await Promise.all([
    ops.createFolder({ id: folderId, parentId: rootId, name: 'Docs' }, uuidv7()),
    uploadOne(ops, rootId, 'notes.txt', 'hello'),
  ]);
  expect(folder).toMatchObject({ ok: true, item: { id: folderId, name: 'Docs' } });
  expect(file).toMatchObject({ ok: true, item: { name: 'notes.txt' } });
  expect(dropped).toBe(true);
  const { items } = await client.listChildren(rootId);
  expect(items.map((item) => item.name).sort()).toEqual(['Docs', 'notes.txt']);

  // The same key again (a replay after a crash) gets the first answer, not a reused-key refusal.
  const again = await ops.createFolder({ id: folderId, parentId: rootId, name: 'Docs' }, 'replayed-key');
  const replay = await ops.createFolder({ id: folderId, parentId: rootId, name: 'Docs' }, 'replayed-key');
  expect(replay).toEqual(again);

  // Refusals are per operation, side by side with a success in the same batch.
  const created = file.ok ? file.item : undefined;
  const [stale, taken, moved] = await Promise.all([
    ops.move(created!.id, { parentId: rootId, name: 'x.txt' }, created!.metadataVersion! + 5, uuidv7()),
    ops.createFolder({ id: uuidv7(), parentId: rootId, name: 'docs' }, uuidv7()),
    ops.move(created!.id, { parentId: folderId, name: 'notes.txt' }, created!.metadataVersion, uuidv7()),
  ]);
  expect(stale).toMatchObject({ ok: false, reason: 'precondition_failed', current: { id: created!.id } });
  expect(taken).toMatchObject({ ok: false, reason: 'refused' });
  expect(moved).toMatchObject({ ok: true, item: { parentId: folderId } });
});

it('folder deletes in a batch keep what changed after the seen cursor, and say so', async () => {
  const { client, rootId } = await server.user();
  const ops = batchingRemoteOps(remoteOps(client), client);
  const folder = await ops.createFolder({ id: uuidv7(), parentId: rootId, name: 'Shared' }, uuidv7());
  if (!folder.ok) throw new Error('folder not created');
  const listed = await client.changes(undefined);
  if (!listed.ok) throw new Error('the feed did not list');
  const seen = listed.page.cursor;
  await uploadOne(ops, folder.item.id, 'new-elsewhere.txt', 'added by another device');
  const answer = await ops.delete(folder.item.id, { metadata: folder.item.metadataVersion, content: folder.item.contentVersion }, seen, uuidv7());
  expect(answer).toMatchObject({ ok: true, kept: true });
  const other = await ops.createFolder({ id: uuidv7(), parentId: rootId, name: 'Empty' }, uuidv7());
  if (!other.ok) throw new Error('folder not created');
  const gone = await ops.delete(other.item.id, { metadata: other.item.metadataVersion, content: other.item.contentVersion }, undefined, uuidv7());
  expect(gone).toMatchObject({ ok: true, kept: false });
});
