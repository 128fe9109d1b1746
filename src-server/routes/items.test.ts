// Items over the API: create, read, list, commit, move/rename, delete, with every rule a client
// depends on (names, If-Match, Idempotency-Key, block references, visibility) and the batch.
import { v7 as uuidv7 } from 'uuid';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/database.ts';
import { EMPTY_CONTENT_HASH } from '../items/item-rows.ts';
import { purgeExpired } from '../trash/trash.ts';
import { TestServer, type TestUser } from '../testing/test-server.ts';

let server: TestServer;
let alice: TestUser;
beforeEach(async () => {
  server = await TestServer.start();
  alice = await server.user('alice');
});
afterEach(async () => server.close());

async function changesCount(user: TestUser): Promise<number> {
  const response = await server.request('GET', '/v1/changes', { token: user.token });
  return response.json().changes.length;
}

describe('create and read', () => {
  it('creates a file with content and GET returns every field, with an ETag carrying both versions', async () => {
    const content = await server.upload(alice, Buffer.alloc(150_000, 7));
    const created = await server.request('POST', '/v1/items', {
      token: alice.token,
      body: { parent_id: alice.rootId, name: 'Report.pdf', kind: 'file', content, client_mtime: 1700000000000, executable: true },
    });
    expect(created.statusCode).toBe(201);
    const item = created.json();
    const got = await server.item(alice, item.id);
    expect(got.statusCode).toBe(200);
    expect(got.headers.etag).toBe('"m1-c1"');
    expect(got.json()).toMatchObject({
      id: item.id, parent_id: alice.rootId, name: 'Report.pdf', kind: 'file', size: 150_000, content_hash: content.hash,
      client_mtime: 1700000000000, executable: true, metadata_version: 1, content_version: 1, etag: '"m1-c1"', deleted: false,
      blocks: content.blocks, created_at: server.clock.now, modified_at: server.clock.now,
    });
    expect(item.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
  });

  it('creates folders and empty files, and lists children by name with a cursor', async () => {
    const docs = await server.folder(alice, alice.rootId, 'Docs');
    const empty = await server.request('POST', '/v1/items', { token: alice.token, body: { parent_id: docs.id, name: 'empty.txt', kind: 'file' } });
    expect(empty.json()).toMatchObject({ size: 0, content_hash: EMPTY_CONTENT_HASH, content_version: 1, blocks: [] });
    await server.file(alice, docs.id, 'b.txt', 'bee');
    await server.file(alice, docs.id, 'A.txt', 'ay');
    const page1 = await server.request('GET', `/v1/items/${docs.id}/children?limit=2`, { token: alice.token });
    expect(page1.json().items.map((i: { name: string }) => i.name)).toEqual(['A.txt', 'b.txt']);
    expect(page1.json().cursor).toEqual(expect.any(String));
    const page2 = await server.request('GET', `/v1/items/${docs.id}/children?limit=2&after=${encodeURIComponent(page1.json().next_after)}`, { token: alice.token });
    expect(page2.json().items.map((i: { name: string }) => i.name)).toEqual(['empty.txt']);
    expect(page2.json().next_after).toBeNull();
  });

  it('enforces the name rules with a clear 400 and creates nothing', async () => {
    const before = await changesCount(alice);
    for (const [name, message] of [
      ['', /cannot be empty/],
      ['..', /cannot be used as a name/],
      ['a/b', /contains "\/"/],
      ['a\\b', /contains "\/" or "\\"/],
      ['x'.repeat(256), /at most 255/],
      ['Cafe\u0301', /not in Unicode NFC/],
    ] as const) {
      const r = await server.request('POST', '/v1/items', { token: alice.token, body: { parent_id: alice.rootId, name, kind: 'folder' } });
      expect(r.statusCode, JSON.stringify(name)).toBe(400);
      expect(r.json().message).toMatch(message);
    }
    expect(await changesCount(alice)).toBe(before);
  });

  it('refuses a second name that differs only in case (409), keeping the first name', async () => {
    await server.file(alice, alice.rootId, 'Notes.txt', 'one');
    const r = await server.request('POST', '/v1/items', { token: alice.token, body: { parent_id: alice.rootId, name: 'NOTES.TXT', kind: 'file' } });
    expect(r.statusCode).toBe(409);
    expect(r.json()).toEqual({ code: 'conflict', message: 'An item named "Notes.txt" already exists in this folder (names ignore case).' });
  });

  it('a re-sent create with the client-proposed id is idempotent; a different one with the same id is refused', async () => {
    const id = uuidv7();
    const body = { id, parent_id: alice.rootId, name: 'offline.txt', kind: 'file', content: await server.upload(alice, Buffer.from('made offline')) };
    const first = await server.request('POST', '/v1/items', { token: alice.token, body });
    const again = await server.request('POST', '/v1/items', { token: alice.token, body });
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(first.json());
    const clash = await server.request('POST', '/v1/items', { token: alice.token, body: { ...body, name: 'other.txt' } });
    expect(clash.statusCode).toBe(409);
    expect(clash.json()).toMatchObject({ code: 'id_taken' });
    const notV7 = await server.request('POST', '/v1/items', { token: alice.token, body: { ...body, id: '6ba7b810-9dad-11d1-80b4-00c04fd430c8' } });
    expect(notV7.statusCode).toBe(400);
    expect(notV7.json().message).toMatch(/UUIDv7/);
  });

  it("answers 404, never 403, for another account's items, and it cannot write into them", async () => {
    const bob = await server.user('bob');
    const secret = await server.file(bob, bob.rootId, 'secret.txt', 'bob only');
    const read = await server.item(alice, secret.id);
    expect(read.statusCode).toBe(404);
    expect((await server.item(alice, uuidv7())).json()).toEqual({ code: 'not_found', message: expect.stringMatching(/^No item with id/) });
    const content = await server.request('GET', `/v1/items/${secret.id}/content`, { token: alice.token });
    expect(content.statusCode).toBe(404);
    const into = await server.request('POST', '/v1/items', { token: alice.token, body: { parent_id: bob.rootId, name: 'x', kind: 'folder' } });
    expect(into.statusCode).toBe(404);
    const del = await server.request('DELETE', `/v1/items/${secret.id}`, { token: alice.token, headers: { 'if-match': '"m1-c1"' } });
    expect(del.statusCode).toBe(404);
    expect((await server.item(bob, secret.id)).json().deleted).toBe(false);
  });
});

describe('commit content', () => {
  it('commits a new block list with If-Match: new content version, size from the blocks, old version kept', async () => {
    const file = await server.file(alice, alice.rootId, 'a.txt', 'version one');
    const content = await server.upload(alice, Buffer.from('version two, longer'));
    const r = await server.request('PUT', `/v1/items/${file.id}/content`, { token: alice.token, headers: { 'if-match': file.etag }, body: content });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ size: 19, content_hash: content.hash, content_version: 2, metadata_version: 1, etag: '"m1-c2"' });
    const versions = await server.request('GET', `/v1/items/${file.id}/versions`, { token: alice.token });
    expect(versions.json().versions.map((v: { content_version: number; current: boolean }) => [v.content_version, v.current])).toEqual([
      [2, true],
      [1, false],
    ]);
  });

  it('answers 412 with the current item when If-Match is stale, and changes nothing', async () => {
    const file = await server.file(alice, alice.rootId, 'a.txt', 'one');
    const two = await server.upload(alice, Buffer.from('two'));
    await server.request('PUT', `/v1/items/${file.id}/content`, { token: alice.token, headers: { 'if-match': file.etag }, body: two });
    const three = await server.upload(alice, Buffer.from('three'));
    const stale = await server.request('PUT', `/v1/items/${file.id}/content`, { token: alice.token, headers: { 'if-match': file.etag }, body: three });
    expect(stale.statusCode).toBe(412);
    expect(stale.json()).toMatchObject({ code: 'precondition_failed', item: { id: file.id, etag: '"m1-c2"', content_hash: two.hash } });
    expect((await server.item(alice, file.id)).json().content_hash).toBe(two.hash);
  });

  it('checks only the part of the ETag a change depends on: move and edit both apply, an edit wins over a delete', async () => {
    const file = await server.file(alice, alice.rootId, 'a.txt', 'one');
    const folder = await server.folder(alice, alice.rootId, 'F');
    // Device 1 edits; device 2, still at "m1-c1", moves: both apply.
    const edit = await server.request('PUT', `/v1/items/${file.id}/content`, { token: alice.token, headers: { 'if-match': '"m1-c1"' }, body: await server.upload(alice, Buffer.from('two')) });
    expect(edit.json().etag).toBe('"m1-c2"');
    const move = await server.request('PATCH', `/v1/items/${file.id}`, { token: alice.token, headers: { 'if-match': '"m1-c1"' }, body: { parent_id: folder.id } });
    expect(move.statusCode).toBe(200);
    expect(move.json()).toMatchObject({ parent_id: folder.id, etag: '"m2-c2"', size: 3 });
    // And the other way round: an edit based on the pre-move metadata still applies.
    const edit2 = await server.request('PUT', `/v1/items/${file.id}/content`, { token: alice.token, headers: { 'if-match': '"m1-c2"' }, body: await server.upload(alice, Buffer.from('three')) });
    expect(edit2.json()).toMatchObject({ parent_id: folder.id, etag: '"m2-c3"', size: 5 });
    // A delete based on content the device has not seen is refused: the edit wins.
    const del = await server.request('DELETE', `/v1/items/${file.id}`, { token: alice.token, headers: { 'if-match': '"m2-c2"' } });
    expect(del.statusCode).toBe(412);
    expect((await server.item(alice, file.id)).json().deleted).toBe(false);
  });

  it('refuses a malformed If-Match with 400', async () => {
    const file = await server.file(alice, alice.rootId, 'a.txt', 'one');
    const r = await server.request('DELETE', `/v1/items/${file.id}`, { token: alice.token, headers: { 'if-match': 'whatever' } });
    expect(r.statusCode).toBe(400);
    expect(r.json().message).toMatch(/If-Match must be an ETag/);
  });

  it('needs If-Match at all', async () => {
    const file = await server.file(alice, alice.rootId, 'a.txt', 'one');
    const r = await server.request('PUT', `/v1/items/${file.id}/content`, { token: alice.token, body: await server.upload(alice, Buffer.from('x')) });
    expect(r.statusCode).toBe(400);
    expect(r.json().message).toMatch(/If-Match/);
  });

  it('refuses blocks that were never uploaded, or uploaded only by another account, and changes nothing', async () => {
    const file = await server.file(alice, alice.rootId, 'a.txt', 'one');
    const bob = await server.user('bob');
    const bobs = await server.upload(bob, Buffer.from('bob has these bytes'));
    const r = await server.request('PUT', `/v1/items/${file.id}/content`, { token: alice.token, headers: { 'if-match': file.etag }, body: bobs });
    expect(r.statusCode).toBe(422);
    expect(r.json()).toMatchObject({ code: 'blocks_missing', message: expect.stringMatching(/has not been uploaded/) });
    const never = { hash: `blake3:${'ab'.repeat(32)}`, blocks: [{ hash: `blake3:${'cd'.repeat(32)}`, size: 10 }] };
    const r2 = await server.request('PUT', `/v1/items/${file.id}/content`, { token: alice.token, headers: { 'if-match': file.etag }, body: never });
    expect(r2.statusCode).toBe(422);
    expect((await server.item(alice, file.id)).json()).toMatchObject({ content_version: 1, size: 3 });
  });

  it('refuses a block list whose sizes do not match the stored blocks, and malformed hashes', async () => {
    const file = await server.file(alice, alice.rootId, 'a.txt', 'one');
    const content = await server.upload(alice, Buffer.from('twelve bytes'));
    const lying = { ...content, blocks: [{ hash: content.blocks[0]!.hash, size: 1000 }] };
    const r = await server.request('PUT', `/v1/items/${file.id}/content`, { token: alice.token, headers: { 'if-match': file.etag }, body: lying });
    expect(r.statusCode).toBe(400);
    expect(r.json().message).toMatch(/is 12 bytes on the server, not 1000/);
    const badHash = await server.request('PUT', `/v1/items/${file.id}/content`, { token: alice.token, headers: { 'if-match': file.etag }, body: { ...content, hash: 'sha256:00' } });
    expect(badHash.statusCode).toBe(400);
    expect(badHash.json().message).toMatch(/blake3/);
  });

  it('takes a block list as long as the largest file DESIGN.md allows (4,000+ blocks)', async () => {
    const file = await server.file(alice, alice.rootId, 'big.bin', 'x');
    const data = Buffer.alloc(4100 * 16);
    for (let i = 0; i < 4100; i++) data.write(`block ${i}`.padEnd(16, '.'), i * 16);
    const content = await server.upload(alice, data, 16);
    expect(content.blocks).toHaveLength(4100);
    const r = await server.request('PUT', `/v1/items/${file.id}/content`, { token: alice.token, headers: { 'if-match': file.etag }, body: content });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ size: 4100 * 16, content_hash: content.hash });
  });

  it('a folder has no content', async () => {
    const folder = await server.folder(alice, alice.rootId, 'F');
    const r = await server.request('PUT', `/v1/items/${folder.id}/content`, { token: alice.token, headers: { 'if-match': folder.etag }, body: await server.upload(alice, Buffer.from('x')) });
    expect(r.statusCode).toBe(400);
  });
});

describe('Idempotency-Key', () => {
  it('a retry with the same key gets the first answer and does not commit twice', async () => {
    const file = await server.file(alice, alice.rootId, 'a.txt', 'one');
    const content = await server.upload(alice, Buffer.from('two'));
    const send = () =>
      server.request('PUT', `/v1/items/${file.id}/content`, { token: alice.token, headers: { 'if-match': file.etag, 'idempotency-key': 'commit-1' }, body: content });
    const first = await send();
    const retry = await send();
    expect(first.statusCode).toBe(200);
    expect(retry.statusCode).toBe(200);
    expect(retry.json()).toEqual(first.json());
    expect((await server.item(alice, file.id)).json().content_version).toBe(2);
  });

  it('the same key for a different request is refused with 422 and changes nothing', async () => {
    const folder = await server.request('POST', '/v1/items', { token: alice.token, headers: { 'idempotency-key': 'k1' }, body: { parent_id: alice.rootId, name: 'One', kind: 'folder' } });
    expect(folder.statusCode).toBe(201);
    const other = await server.request('POST', '/v1/items', { token: alice.token, headers: { 'idempotency-key': 'k1' }, body: { parent_id: alice.rootId, name: 'Two', kind: 'folder' } });
    expect(other.statusCode).toBe(422);
    expect(other.json().code).toBe('idempotency_key_reused');
    const children = await server.request('GET', `/v1/items/${alice.rootId}/children`, { token: alice.token });
    expect(children.json().items.map((i: { name: string }) => i.name)).toEqual(['One']);
  });

  it('keeps keys at least 24 hours; the periodic clean-up forgets them after 48', async () => {
    const send = () => server.request('POST', '/v1/items', { token: alice.token, headers: { 'idempotency-key': 'day-old' }, body: { parent_id: alice.rootId, name: 'Once', kind: 'folder' } });
    const first = await send();
    server.clock.now += 25 * 60 * 60 * 1000;
    await purgeAt(server.clock.now);
    const retry = await send();
    expect(retry.statusCode).toBe(201);
    expect(retry.json()).toEqual(first.json());
    server.clock.now += 24 * 60 * 60 * 1000;
    await purgeAt(server.clock.now);
    // Forgotten: the same request now really runs, and meets the folder it made the first time.
    expect((await send()).statusCode).toBe(409);
  });

  it('keys are per account: another account may use the same key', async () => {
    const bob = await server.user('bob');
    const a = await server.request('POST', '/v1/items', { token: alice.token, headers: { 'idempotency-key': 'same' }, body: { parent_id: alice.rootId, name: 'A', kind: 'folder' } });
    const b = await server.request('POST', '/v1/items', { token: bob.token, headers: { 'idempotency-key': 'same' }, body: { parent_id: bob.rootId, name: 'B', kind: 'folder' } });
    expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
    expect(b.json().name).toBe('B');
  });

  it('a failed request is not remembered, so the rebased retry under the same key works', async () => {
    const file = await server.file(alice, alice.rootId, 'a.txt', 'one');
    const stale = await server.request('PATCH', `/v1/items/${file.id}`, { token: alice.token, headers: { 'if-match': '"m9-c9"', 'idempotency-key': 'r1' }, body: { name: 'b.txt' } });
    expect(stale.statusCode).toBe(412);
    const retry = await server.request('PATCH', `/v1/items/${file.id}`, { token: alice.token, headers: { 'if-match': file.etag, 'idempotency-key': 'r1' }, body: { name: 'b.txt' } });
    expect(retry.statusCode).toBe(200);
  });
});

async function purgeAt(now: number): Promise<void> {
  const db = openDatabase(server.dataDir);
  await purgeExpired(db, now);
  await db.destroy();
}

describe('move, rename, delete', () => {
  it('moves and renames in one step, bumping the metadata version only', async () => {
    const a = await server.folder(alice, alice.rootId, 'A');
    const b = await server.folder(alice, alice.rootId, 'B');
    const file = await server.file(alice, a.id, 'x.txt', 'x');
    const r = await server.request('PATCH', `/v1/items/${file.id}`, { token: alice.token, headers: { 'if-match': file.etag }, body: { parent_id: b.id, name: 'y.txt' } });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ id: file.id, parent_id: b.id, name: 'y.txt', etag: '"m2-c1"' });
    const inA = await server.request('GET', `/v1/items/${a.id}/children`, { token: alice.token });
    expect(inA.json().items).toEqual([]);
  });

  it('answers each mutation with the new ETag as a header; an empty change is refused', async () => {
    const file = await server.file(alice, alice.rootId, 'a.txt', 'x');
    const r = await server.request('PATCH', `/v1/items/${file.id}`, { token: alice.token, headers: { 'if-match': file.etag }, body: { client_mtime: 5 } });
    expect(r.headers.etag).toBe('"m2-c1"');
    const empty = await server.request('PATCH', `/v1/items/${file.id}`, { token: alice.token, headers: { 'if-match': '"m2-c1"' }, body: {} });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().message).toMatch(/^Nothing to change/);
  });

  it('allows a case-only rename of the same item but not onto a sibling', async () => {
    const file = await server.file(alice, alice.rootId, 'readme.md', 'x');
    await server.file(alice, alice.rootId, 'other.md', 'y');
    const caseOnly = await server.request('PATCH', `/v1/items/${file.id}`, { token: alice.token, headers: { 'if-match': file.etag }, body: { name: 'README.md' } });
    expect(caseOnly.statusCode).toBe(200);
    const onto = await server.request('PATCH', `/v1/items/${file.id}`, { token: alice.token, headers: { 'if-match': caseOnly.json().etag }, body: { name: 'OTHER.md' } });
    expect(onto.statusCode).toBe(409);
  });

  it('refuses a move that would put a folder inside itself', async () => {
    const a = await server.folder(alice, alice.rootId, 'A');
    const b = await server.folder(alice, a.id, 'B');
    const c = await server.folder(alice, b.id, 'C');
    for (const target of [a.id, c.id]) {
      const r = await server.request('PATCH', `/v1/items/${a.id}`, { token: alice.token, headers: { 'if-match': a.etag }, body: { parent_id: target } });
      expect(r.statusCode).toBe(409);
      expect(r.json().message).toMatch(/inside itself/);
    }
    expect((await server.item(alice, a.id)).json().parent_id).toBe(alice.rootId);
  });

  it('refuses to move into a file or a deleted folder, and to move or delete the root', async () => {
    const file = await server.file(alice, alice.rootId, 'f.txt', 'x');
    const x = await server.file(alice, alice.rootId, 'x.txt', 'x');
    const intoFile = await server.request('PATCH', `/v1/items/${x.id}`, { token: alice.token, headers: { 'if-match': x.etag }, body: { parent_id: file.id } });
    expect(intoFile.statusCode).toBe(409);
    const root = (await server.item(alice, alice.rootId)).json();
    const del = await server.request('DELETE', `/v1/items/${alice.rootId}`, { token: alice.token, headers: { 'if-match': root.etag } });
    expect(del.statusCode).toBe(400);
  });

  it('delete moves a folder and everything in it to the trash; names become free again', async () => {
    const docs = await server.folder(alice, alice.rootId, 'Docs');
    const inner = await server.file(alice, docs.id, 'a.txt', 'a');
    const r = await server.request('DELETE', `/v1/items/${docs.id}`, { token: alice.token, headers: { 'if-match': docs.etag } });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ deleted: true, etag: '"m2-c0"' });
    expect((await server.item(alice, docs.id)).statusCode).toBe(404);
    expect((await server.item(alice, inner.id)).statusCode).toBe(404);
    await server.folder(alice, alice.rootId, 'docs');
    const trash = await server.request('GET', '/v1/trash', { token: alice.token });
    expect(trash.json().entries.map((e: { original_path: string }) => e.original_path)).toEqual(['Docs']);
  });
});

describe('folder delete against unseen changes (seen_cursor)', () => {
  it('keeps what was added after the deleting device last read the feed, and the folders leading to it', async () => {
    const docs = await server.folder(alice, alice.rootId, 'Docs');
    const sub = await server.folder(alice, docs.id, 'Sub');
    const old1 = await server.file(alice, docs.id, 'old1.txt', 'seen');
    const old2 = await server.file(alice, sub.id, 'old2.txt', 'seen');
    const other = await server.folder(alice, docs.id, 'Other');
    const seen = (await server.request('GET', '/v1/changes', { token: alice.token })).json().cursor;
    // Another device adds a file deep inside after that.
    const added = await server.file(alice, sub.id, 'new.txt', 'not seen by the deleter');
    const docsNow = (await server.item(alice, docs.id)).json();
    const r = await server.request('DELETE', `/v1/items/${docs.id}?seen_cursor=${seen}`, { token: alice.token, headers: { 'if-match': docsNow.etag } });
    expect(r.statusCode).toBe(200);
    expect(r.json().deleted).toBe(false);
    expect(await names(docs.id)).toEqual(['Sub']);
    expect(await names(sub.id)).toEqual(['new.txt']);
    for (const gone of [old1, old2, other]) expect((await server.item(alice, gone.id)).statusCode).toBe(404);
    expect((await server.item(alice, added.id)).statusCode).toBe(200);
    // What went to the trash can be restored piece by piece.
    const trash = (await server.request('GET', '/v1/trash', { token: alice.token })).json().entries.map((e: { original_path: string }) => e.original_path).sort();
    expect(trash).toEqual(['Docs/Other', 'Docs/Sub/old2.txt', 'Docs/old1.txt']);
  });

  it('without unseen changes, deletes the whole folder as one trash entry', async () => {
    const docs = await server.folder(alice, alice.rootId, 'Docs');
    await server.file(alice, docs.id, 'a.txt', 'a');
    const seen = (await server.request('GET', '/v1/changes', { token: alice.token })).json().cursor;
    const r = await server.request('DELETE', `/v1/items/${docs.id}?seen_cursor=${seen}`, { token: alice.token, headers: { 'if-match': docs.etag } });
    expect(r.json().deleted).toBe(true);
    expect((await server.request('GET', '/v1/trash', { token: alice.token })).json().entries).toHaveLength(1);
  });

  it('refuses a seen_cursor that is not a cursor', async () => {
    const docs = await server.folder(alice, alice.rootId, 'Docs');
    const r = await server.request('DELETE', `/v1/items/${docs.id}?seen_cursor=nonsense!`, { token: alice.token, headers: { 'if-match': docs.etag } });
    expect(r.statusCode).toBe(400);
    expect((await server.item(alice, docs.id)).json().deleted).toBe(false);
  });
});

async function names(folderId: string): Promise<string[]> {
  const r = await server.request('GET', `/v1/items/${folderId}/children`, { token: alice.token });
  return r.json().items.map((i: { name: string }) => i.name);
}

describe('batch', () => {
  it('applies many operations in one request and reports each one; a failing one leaves the others', async () => {
    const a = await server.upload(alice, Buffer.from('file a'));
    const folderId = uuidv7();
    const response = await server.request('POST', '/v1/batch', {
      token: alice.token,
      body: {
        operations: [
          { op: 'create', item: { id: folderId, parent_id: alice.rootId, name: 'Batch', kind: 'folder' } },
          { op: 'create', item: { parent_id: folderId, name: 'a.txt', kind: 'file', content: a } },
          { op: 'create', item: { parent_id: folderId, name: 'A.TXT', kind: 'file' } },
          { op: 'create', item: { parent_id: folderId, name: 'bad/name', kind: 'file' } },
          { op: 'update', id: folderId, if_match: '"m1-c0"', changes: { name: 'Batch renamed' } },
        ],
      },
    });
    expect(response.statusCode).toBe(200);
    const { results, cursor } = response.json();
    expect(results.map((r: { status: number }) => r.status)).toEqual([201, 201, 409, 400, 200]);
    expect(results[2].error.code).toBe('conflict');
    expect(results[4].item.name).toBe('Batch renamed');
    expect(cursor).toEqual(expect.any(String));
    const children = await server.request('GET', `/v1/items/${folderId}/children`, { token: alice.token });
    expect(children.json().items.map((i: { name: string }) => i.name)).toEqual(['a.txt']);
  });

  it('batch operations honour their own idempotency keys on retry', async () => {
    const body = { operations: [{ op: 'create', idempotency_key: 'b-1', item: { parent_id: alice.rootId, name: 'Once', kind: 'folder' } }] };
    const first = await server.request('POST', '/v1/batch', { token: alice.token, body });
    const retry = await server.request('POST', '/v1/batch', { token: alice.token, body });
    expect(retry.json().results).toEqual(first.json().results);
    const children = await server.request('GET', `/v1/items/${alice.rootId}/children`, { token: alice.token });
    expect(children.json().items).toHaveLength(1);
  });

  it('an Idempotency-Key on the whole batch makes a retry return the first answer', async () => {
    const body = { operations: [{ op: 'create', item: { parent_id: alice.rootId, name: 'Whole', kind: 'folder' } }] };
    const send = (b: unknown) => server.request('POST', '/v1/batch', { token: alice.token, headers: { 'idempotency-key': 'batch-key' }, body: b });
    const first = await send(body);
    const retry = await send(body);
    expect(retry.json().results).toEqual(first.json().results);
    expect(retry.json().results[0].status).toBe(201);
    const different = await send({ operations: [{ op: 'create', item: { parent_id: alice.rootId, name: 'Other', kind: 'folder' } }] });
    expect(different.statusCode).toBe(422);
    expect((await server.request('GET', `/v1/items/${alice.rootId}/children`, { token: alice.token })).json().items).toHaveLength(1);
  });

  it('refuses an empty or malformed batch with 400', async () => {
    expect((await server.request('POST', '/v1/batch', { token: alice.token, body: { operations: [] } })).statusCode).toBe(400);
    expect((await server.request('POST', '/v1/batch', { token: alice.token, body: { operations: [{ op: 'explode' }] } })).statusCode).toBe(400);
  });
});
