// Many writers at once on one account, with a reader pulling the changes feed in small pages
// while they write: afterwards the journal's sequence is dense (no gap), and the reader's view
// equals the server's (no lost change), which is what the engine relies on.
import { afterEach, expect, it } from 'vitest';
import { openDatabase } from '../db/database.ts';
import { addUser } from '../index.ts';
import { TestServer, type TestUser } from '../testing/test-server.ts';

let server: TestServer;
afterEach(async () => server?.close());

interface FeedItem {
  id: string;
  name: string;
  etag: string;
  deleted: boolean;
  seq: number;
  content_hash: string | null;
}

async function writer(user: TestUser, n: number): Promise<void> {
  const folder = await server.folder(user, user.rootId, `writer-${n}`);
  const files: { id: string; etag: string }[] = [];
  for (let i = 0; i < 12; i++) {
    const file = await server.file(user, folder.id, `f${i}.txt`, `writer ${n} file ${i}`);
    files.push({ id: file.id, etag: file.etag });
  }
  for (const [i, file] of files.entries()) {
    if (i % 3 === 0) {
      const content = await server.upload(user, Buffer.from(`writer ${n} file ${i} v2`));
      const r = await server.request('PUT', `/v1/items/${file.id}/content`, { token: user.token, headers: { 'if-match': file.etag }, body: content });
      expect(r.statusCode).toBe(200);
    } else if (i % 3 === 1) {
      const r = await server.request('PATCH', `/v1/items/${file.id}`, { token: user.token, headers: { 'if-match': file.etag }, body: { name: `renamed-${i}.txt` } });
      expect(r.statusCode).toBe(200);
    } else {
      const r = await server.request('DELETE', `/v1/items/${file.id}`, { token: user.token, headers: { 'if-match': file.etag } });
      expect(r.statusCode).toBe(200);
    }
  }
  const batch = await server.request('POST', '/v1/batch', {
    token: user.token,
    body: { operations: Array.from({ length: 10 }, (_, i) => ({ op: 'create', item: { parent_id: folder.id, name: `batch-${i}`, kind: 'folder' } })) },
  });
  expect(batch.json().results.every((r: { status: number }) => r.status === 201)).toBe(true);
}

it('concurrent writers leave a dense journal and a feed reader that misses nothing', async () => {
  server = await TestServer.start();
  const alice = await server.user();
  const view = new Map<string, FeedItem>();
  let cursor: string | undefined;
  let lastSeq = 0;
  const pull = async (): Promise<boolean> => {
    const r = await server.request('GET', `/v1/changes?limit=7${cursor ? `&cursor=${cursor}` : ''}`, { token: alice.token });
    const body = r.json<{ changes: FeedItem[]; cursor: string; has_more: boolean }>();
    for (const item of body.changes) {
      // Within and across pages, changes come in strictly increasing seq order.
      expect(item.seq).toBeGreaterThan(lastSeq);
      lastSeq = item.seq;
      view.set(item.id, item);
    }
    cursor = body.cursor;
    return body.has_more;
  };

  let writing = true;
  const reader = (async () => {
    while (writing) {
      await pull();
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  // `tandem server add-user` runs as another process with its own connection, possibly mid-load.
  const lateUser = (async () => {
    await new Promise((resolve) => setTimeout(resolve, 100));
    return addUser({ dataDir: server.dataDir, name: 'late', password: 'added under load' });
  })();
  await Promise.all([...Array.from({ length: 8 }, (_, n) => writer(alice, n)), lateUser]);
  writing = false;
  await reader;
  while (await pull());

  const full = await server.request('GET', '/v1/changes?limit=5000', { token: alice.token });
  const truth = full.json<{ changes: FeedItem[] }>().changes;
  expect(truth.length).toBe(1 + 8 * (1 + 12 + 10));
  expect(view.size).toBe(truth.length);
  for (const item of truth) expect(view.get(item.id), item.name).toEqual(item);

  const db = openDatabase(server.dataDir);
  const namespace = (await db.selectFrom('accounts').select('namespace_id').where('id', '=', alice.accountId).executeTakeFirstOrThrow()).namespace_id;
  const seqs = (await db.selectFrom('journal').select('seq').where('namespace_id', '=', namespace).orderBy('seq').execute()).map((r) => Number(r.seq));
  await db.destroy();
  // Each namespace's journal is dense on its own: alice's runs 1..n with no gap.
  expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
  const late = await server.request('POST', '/v1/login', { body: { user: 'late', password: 'added under load', device_name: 'x' } });
  expect(late.statusCode).toBe(200);
});
