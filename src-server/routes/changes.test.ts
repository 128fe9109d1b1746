// The changes feed and per-folder changes: order, paging, tombstones, cursors, 410 after purge.
import { cpSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { purgeExpired } from '../trash/trash.ts';
import { TestServer, type TestUser } from '../testing/test-server.ts';
import { openDatabase } from '../db/database.ts';

let server: TestServer;
let alice: TestUser;
beforeEach(async () => {
  server = await TestServer.start();
  alice = await server.user('alice');
});
afterEach(async () => server.close());

interface FeedItem {
  id: string;
  name: string;
  deleted: boolean;
  seq: number;
}

async function feed(cursor?: string, limit?: number) {
  const query = new URLSearchParams();
  if (cursor) query.set('cursor', cursor);
  if (limit) query.set('limit', String(limit));
  const response = await server.request('GET', `/v1/changes?${query}`, { token: alice.token });
  return { status: response.statusCode, body: response.json<{ changes: FeedItem[]; cursor: string; has_more: boolean; code?: string; message?: string }>() };
}

describe('GET /v1/changes', () => {
  it('returns everything from the start, then only what changed since the cursor', async () => {
    const start = await feed();
    expect(start.body.changes.map((c) => c.id)).toEqual([alice.rootId]);
    const a = await server.file(alice, alice.rootId, 'a.txt', 'a');
    const b = await server.file(alice, alice.rootId, 'b.txt', 'b');
    const next = await feed(start.body.cursor);
    expect(next.body.changes.map((c) => c.name)).toEqual(['a.txt', 'b.txt']);
    expect(next.body.has_more).toBe(false);
    // Nothing new: same cursor, nothing listed.
    const idle = await feed(next.body.cursor);
    expect(idle.body.changes).toEqual([]);
    expect(idle.body.cursor).toBe(next.body.cursor);
    // An item changed twice is listed once, at its latest change.
    const renamed = await server.request('PATCH', `/v1/items/${a.id}`, { token: alice.token, headers: { 'if-match': a.etag }, body: { name: 'a2.txt' } });
    await server.request('PATCH', `/v1/items/${a.id}`, { token: alice.token, headers: { 'if-match': renamed.json().etag }, body: { name: 'a3.txt' } });
    await server.request('DELETE', `/v1/items/${b.id}`, { token: alice.token, headers: { 'if-match': b.etag } });
    const later = await feed(next.body.cursor);
    expect(later.body.changes.map((c) => [c.name, c.deleted])).toEqual([
      ['a3.txt', false],
      ['b.txt', true],
    ]);
  });

  it('with blocks=true, each live file carries its current block list', async () => {
    const start = (await feed()).body.cursor;
    const file = await server.file(alice, alice.rootId, 'a.txt', 'first');
    const two = await server.upload(alice, Buffer.from('second content'));
    await server.request('PUT', `/v1/items/${file.id}/content`, { token: alice.token, headers: { 'if-match': file.etag }, body: two });
    const gone = await server.file(alice, alice.rootId, 'gone.txt', 'x');
    await server.request('DELETE', `/v1/items/${gone.id}`, { token: alice.token, headers: { 'if-match': gone.etag } });
    await server.folder(alice, alice.rootId, 'F');
    const r = await server.request('GET', `/v1/changes?blocks=true&cursor=${start}`, { token: alice.token });
    const byName = Object.fromEntries(r.json().changes.map((c: { name: string }) => [c.name, c]));
    expect(byName['a.txt'].blocks).toEqual(two.blocks);
    expect(byName['gone.txt']).not.toHaveProperty('blocks');
    expect(byName['F']).not.toHaveProperty('blocks');
    const plain = await server.request('GET', `/v1/changes?cursor=${start}`, { token: alice.token });
    expect(plain.json().changes.every((c: object) => !('blocks' in c))).toBe(true);
  });

  it('pages with limit and has_more, never skipping or repeating', async () => {
    for (let i = 0; i < 7; i++) await server.folder(alice, alice.rootId, `f${i}`);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await feed(cursor, 3);
      seen.push(...page.body.changes.map((c) => c.name));
      cursor = page.body.cursor;
      if (!page.body.has_more) break;
    }
    expect(seen).toEqual(['', 'f0', 'f1', 'f2', 'f3', 'f4', 'f5', 'f6']);
  });

  it('refuses a malformed cursor or one from another account with 400', async () => {
    expect((await feed('not-a-cursor!')).status).toBe(400);
    const bob = await server.user('bob');
    const bobs = await server.request('GET', '/v1/changes', { token: bob.token });
    const r = await feed(bobs.json().cursor);
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/another account/);
  });

  it('answers 410 cursor_expired for a cursor older than a purged tombstone; a fresh listing works', async () => {
    const old = (await feed()).body.cursor;
    const file = await server.file(alice, alice.rootId, 'gone.txt', 'x');
    await server.request('DELETE', `/v1/items/${file.id}`, { token: alice.token, headers: { 'if-match': file.etag } });
    const afterDelete = (await feed()).body.cursor;
    server.clock.now += 31 * 24 * 60 * 60 * 1000;
    const db = openDatabase(server.dataDir);
    await purgeExpired(db, server.clock.now);
    await db.destroy();
    const expired = await feed(old);
    expect(expired.status).toBe(410);
    expect(expired.body.code).toBe('cursor_expired');
    // A client that had already seen the tombstone carries on.
    expect((await feed(afterDelete)).status).toBe(200);
    const fresh = await feed();
    expect(fresh.status).toBe(200);
    expect(fresh.body.changes.map((c) => c.name)).toEqual(['']);
  });

  it('answers 410 for a cursor ahead of the journal (a server restored from an older backup)', async () => {
    const start = await feed();
    const ahead = Buffer.from(Buffer.from(start.body.cursor, 'base64url').toString().replace(/:\d+$/, ':999'), 'utf8').toString('base64url');
    const r = await feed(ahead);
    expect(r.status).toBe(410);
    expect(r.body.code).toBe('cursor_ahead');
  });

  it('answers 410 cursor_ahead for a cursor whose seq a restored server has since used for another change', async () => {
    await server.file(alice, alice.rootId, 'in the backup.txt', 'a');
    const atBackup = (await feed()).body.cursor;
    const dataDir = server.dataDir;
    const backup = `${dataDir}-backup`;
    await server.close(false);
    cpSync(dataDir, backup, { recursive: true });
    server = await TestServer.start({ dataDir });
    await server.file(alice, alice.rootId, 'lost in the restore.txt', 'b');
    const lost = (await feed(atBackup)).body.cursor;
    await server.close();
    // Restored, and then the server moves on: the same seq now names another change.
    server = await TestServer.start({ dataDir: backup });
    await server.file(alice, alice.rootId, 'after the restore.txt', 'c');
    const r = await feed(lost);
    expect(r.status).toBe(410);
    expect(r.body.code).toBe('cursor_ahead');
    // A cursor from before the backup still reads a delta.
    const delta = await feed(atBackup);
    expect(delta.status).toBe(200);
    expect(delta.body.changes.map((c) => c.name)).toEqual(['after the restore.txt']);
  });

  it('hands out the same cursor again while nothing changes, and refuses a cursor that is not one of its own', async () => {
    const first = (await feed()).body.cursor;
    expect((await feed(first)).body.cursor).toBe(first);
    const forged = Buffer.from('c2:nonsense', 'utf8').toString('base64url');
    expect((await feed(forged)).status).toBe(400);
  });

  it("one account's changes never appear in another's feed", async () => {
    const bob = await server.user('bob');
    await server.file(bob, bob.rootId, 'bob.txt', 'b');
    expect((await feed()).body.changes.map((c) => c.id)).toEqual([alice.rootId]);
  });
});

describe('GET /v1/items/:id/changes (per folder)', () => {
  it('reports what entered, changed in and left a folder since its own cursor', async () => {
    const docs = await server.folder(alice, alice.rootId, 'Docs');
    const other = await server.folder(alice, alice.rootId, 'Other');
    const stays = await server.file(alice, docs.id, 'stays.txt', 's');
    const leaves = await server.file(alice, docs.id, 'leaves.txt', 'l');
    const deleted = await server.file(alice, docs.id, 'deleted.txt', 'd');
    const listing = await server.request('GET', `/v1/items/${docs.id}/children`, { token: alice.token });
    const cursor = listing.json().cursor;

    const content = await server.upload(alice, Buffer.from('s2'));
    await server.request('PUT', `/v1/items/${stays.id}/content`, { token: alice.token, headers: { 'if-match': stays.etag }, body: content });
    await server.request('PATCH', `/v1/items/${leaves.id}`, { token: alice.token, headers: { 'if-match': leaves.etag }, body: { parent_id: other.id } });
    await server.request('DELETE', `/v1/items/${deleted.id}`, { token: alice.token, headers: { 'if-match': deleted.etag } });
    const arrived = await server.file(alice, docs.id, 'new.txt', 'n');
    await server.file(alice, other.id, 'elsewhere.txt', 'e');

    const r = await server.request('GET', `/v1/items/${docs.id}/changes?cursor=${cursor}`, { token: alice.token });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.changes.map((c: { id: string }) => c.id).sort()).toEqual([stays.id, arrived.id].sort());
    expect(body.removed.sort()).toEqual([leaves.id, deleted.id].sort());
    const again = await server.request('GET', `/v1/items/${docs.id}/changes?cursor=${body.cursor}`, { token: alice.token });
    expect(again.json()).toMatchObject({ changes: [], removed: [], has_more: false });
  });

  it('pages a busy folder and ignores changes elsewhere', async () => {
    const docs = await server.folder(alice, alice.rootId, 'Docs');
    const cursor = (await server.request('GET', `/v1/items/${docs.id}/children`, { token: alice.token })).json().cursor;
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      made.push((await server.folder(alice, docs.id, `d${i}`)).id);
      await server.folder(alice, alice.rootId, `elsewhere${i}`);
    }
    const seen: string[] = [];
    let next = cursor;
    for (let pages = 0; pages < 10; pages++) {
      const page = (await server.request('GET', `/v1/items/${docs.id}/changes?cursor=${next}&limit=2`, { token: alice.token })).json();
      seen.push(...page.changes.map((c: { id: string }) => c.id));
      next = page.cursor;
      if (!page.has_more) break;
    }
    expect(seen).toEqual(made);
  });
});
