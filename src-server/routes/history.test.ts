// Versions, trash and quotas over the API, and the purge that ends the retention period.
import { afterEach, describe, expect, it } from 'vitest';
import { decodeBlockFrames } from '../../src-shared/protocol/blocks.ts';
import { openDatabase } from '../db/database.ts';
import { purgeExpired } from '../trash/trash.ts';
import { TestServer, type TestUser } from '../testing/test-server.ts';

let server: TestServer;
afterEach(async () => server?.close());

const DAY = 24 * 60 * 60 * 1000;

async function refcounts(hashes: string[]): Promise<Record<string, number>> {
  const db = openDatabase(server.dataDir);
  try {
    const rows = await (db as unknown as import('kysely').Kysely<{ blocks: { hash: string; refcount: number } }>)
      .selectFrom('blocks')
      .select(['hash', 'refcount'])
      .where('hash', 'in', hashes)
      .execute();
    return Object.fromEntries(rows.map((r) => [r.hash, Number(r.refcount)]));
  } finally {
    await db.destroy();
  }
}

async function purge(): Promise<void> {
  const db = openDatabase(server.dataDir);
  await purgeExpired(db, server.clock.now, 30 * DAY);
  await db.destroy();
}

async function children(user: TestUser, id: string): Promise<string[]> {
  const r = await server.request('GET', `/v1/items/${id}/children`, { token: user.token });
  return r.json().items.map((i: { name: string }) => i.name);
}

describe('versions', () => {
  it('restoring a version makes a new version with the old block list, without copying blocks', async () => {
    server = await TestServer.start();
    const alice = await server.user();
    const file = await server.file(alice, alice.rootId, 'a.txt', 'first words');
    const v1Blocks = file.blocks.map((b) => b.hash);
    const two = await server.upload(alice, Buffer.from('second words'));
    const committed = await server.request('PUT', `/v1/items/${file.id}/content`, { token: alice.token, headers: { 'if-match': file.etag }, body: two });
    const restored = await server.request('POST', `/v1/items/${file.id}/versions/1/restore`, { token: alice.token, headers: { 'if-match': committed.json().etag } });
    expect(restored.statusCode).toBe(200);
    expect(restored.json()).toMatchObject({ content_version: 3, content_hash: file.content_hash, size: file.size, blocks: file.blocks });
    // The restored version references the very same blocks once more.
    expect(await refcounts(v1Blocks)).toEqual({ [v1Blocks[0]!]: 2 });
    const versions = await server.request('GET', `/v1/items/${file.id}/versions`, { token: alice.token });
    expect(versions.json().versions.map((v: { content_version: number }) => v.content_version)).toEqual([3, 2, 1]);
  });

  it("an old version's block list fetches that version's bytes; another account sees nothing", async () => {
    server = await TestServer.start();
    const alice = await server.user();
    const file = await server.file(alice, alice.rootId, 'a.txt', 'version one');
    const two = await server.upload(alice, Buffer.from('version two, longer'));
    await server.request('PUT', `/v1/items/${file.id}/content`, { token: alice.token, headers: { 'if-match': file.etag }, body: two });
    const one = await server.request('GET', `/v1/items/${file.id}/versions/1`, { token: alice.token });
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ content_version: 1, current: false, size: 'version one'.length, content_hash: file.content_hash, blocks: file.blocks });
    const fetched = await server.request('POST', '/v1/blocks/fetch', { token: alice.token, body: { hashes: one.json().blocks.map((b: { hash: string }) => b.hash) } });
    expect(fetched.statusCode).toBe(200);
    const frames = decodeBlockFrames(new Uint8Array(fetched.rawPayload));
    expect(Buffer.concat(frames.map((f) => f.data)).toString()).toBe('version one');
    expect((await server.request('GET', `/v1/items/${file.id}/versions/2`, { token: alice.token })).json()).toMatchObject({ current: true, blocks: two.blocks });

    expect((await server.request('GET', `/v1/items/${file.id}/versions/7`, { token: alice.token })).statusCode).toBe(404);
    expect((await server.request('GET', `/v1/items/${file.id}/versions/zero`, { token: alice.token })).statusCode).toBe(400);
    const bob = await server.user('bob');
    expect((await server.request('GET', `/v1/items/${file.id}/versions/1`, { token: bob.token })).statusCode).toBe(404);
  });

  it('restore needs a matching If-Match and an existing version', async () => {
    server = await TestServer.start();
    const alice = await server.user();
    const file = await server.file(alice, alice.rootId, 'a.txt', 'x');
    expect((await server.request('POST', `/v1/items/${file.id}/versions/1/restore`, { token: alice.token, headers: { 'if-match': '"m5-c5"' } })).statusCode).toBe(412);
    expect((await server.request('POST', `/v1/items/${file.id}/versions/9/restore`, { token: alice.token, headers: { 'if-match': file.etag } })).statusCode).toBe(404);
  });

  it('old versions expire after the retention period, releasing their blocks; the current one stays', async () => {
    server = await TestServer.start();
    const alice = await server.user();
    const file = await server.file(alice, alice.rootId, 'a.txt', 'old bytes');
    const oldHash = file.blocks[0]!.hash;
    server.clock.now += 40 * DAY;
    const two = await server.upload(alice, Buffer.from('new bytes'));
    await server.request('PUT', `/v1/items/${file.id}/content`, { token: alice.token, headers: { 'if-match': file.etag }, body: two });
    await purge();
    const versions = await server.request('GET', `/v1/items/${file.id}/versions`, { token: alice.token });
    expect(versions.json().versions.map((v: { content_version: number }) => v.content_version)).toEqual([2]);
    expect(await refcounts([oldHash, two.blocks[0]!.hash])).toEqual({ [oldHash]: 0, [two.blocks[0]!.hash]: 1 });
  });
});

describe('trash', () => {
  it('restores a deleted folder with its contents to where it was', async () => {
    server = await TestServer.start();
    const alice = await server.user();
    const docs = await server.folder(alice, alice.rootId, 'Docs');
    const file = await server.file(alice, docs.id, 'a.txt', 'a');
    await server.request('DELETE', `/v1/items/${docs.id}`, { token: alice.token, headers: { 'if-match': docs.etag } });
    const restored = await server.request('POST', `/v1/trash/${docs.id}/restore`, { token: alice.token });
    expect(restored.statusCode).toBe(200);
    expect(restored.json()).toMatchObject({ id: docs.id, parent_id: alice.rootId, name: 'Docs', deleted: false });
    expect(await children(alice, docs.id)).toEqual(['a.txt']);
    expect((await server.item(alice, file.id)).json().deleted).toBe(false);
    expect((await server.request('GET', '/v1/trash', { token: alice.token })).json().entries).toEqual([]);
  });

  it('recreates missing parents from the original path, and renames on a clash instead of overwriting', async () => {
    server = await TestServer.start();
    const alice = await server.user();
    const a = await server.folder(alice, alice.rootId, 'A');
    const b = await server.folder(alice, a.id, 'B');
    const file = await server.file(alice, b.id, 'note.txt', 'n');
    await server.request('DELETE', `/v1/items/${file.id}`, { token: alice.token, headers: { 'if-match': file.etag } });
    const aNow = (await server.item(alice, a.id)).json();
    await server.request('DELETE', `/v1/items/${a.id}`, { token: alice.token, headers: { 'if-match': aNow.etag } });
    // Purge A (and B with it) for good: note.txt's parents are gone.
    await server.request('DELETE', `/v1/trash/${a.id}`, { token: alice.token });
    const restored = await server.request('POST', `/v1/trash/${file.id}/restore`, { token: alice.token });
    expect(restored.statusCode).toBe(200);
    const newB = (await server.item(alice, restored.json().parent_id)).json();
    expect(newB.name).toBe('B');
    const newA = (await server.item(alice, newB.parent_id)).json();
    expect(newA).toMatchObject({ name: 'A', parent_id: alice.rootId });

    // A clash: a new note.txt exists where the deleted one was.
    const again = restored.json();
    await server.request('DELETE', `/v1/items/${again.id}`, { token: alice.token, headers: { 'if-match': again.etag } });
    await server.file(alice, newB.id, 'NOTE.txt', 'newer');
    const clash = await server.request('POST', `/v1/trash/${again.id}/restore`, { token: alice.token });
    expect(clash.json().name).toBe('note (restored).txt');
    expect(await children(alice, newB.id)).toEqual(['note (restored).txt', 'NOTE.txt']); // by case-folded name
  });

  it('lists entries with their original path and purge date; unknown ids are 404', async () => {
    server = await TestServer.start({ retentionMs: 30 * DAY });
    const alice = await server.user();
    const docs = await server.folder(alice, alice.rootId, 'Docs');
    const file = await server.file(alice, docs.id, 'a.txt', 'a');
    await server.request('DELETE', `/v1/items/${file.id}`, { token: alice.token, headers: { 'if-match': file.etag } });
    const list = await server.request('GET', '/v1/trash', { token: alice.token });
    expect(list.json().entries).toEqual([
      expect.objectContaining({ original_path: 'Docs/a.txt', trashed_at: server.clock.now, purge_at: server.clock.now + 30 * DAY }),
    ]);
    expect((await server.request('POST', `/v1/trash/${docs.id}/restore`, { token: alice.token })).statusCode).toBe(404);
  });

  it('purges after the retention period: gone from the trash, block references released, bytes given back', async () => {
    server = await TestServer.start();
    const alice = await server.user();
    const file = await server.file(alice, alice.rootId, 'big.bin', 'x'.repeat(1000));
    await server.request('DELETE', `/v1/items/${file.id}`, { token: alice.token, headers: { 'if-match': file.etag } });
    server.clock.now += 29 * DAY;
    await purge();
    expect((await server.request('GET', '/v1/trash', { token: alice.token })).json().entries).toHaveLength(1);
    expect((await server.request('GET', '/v1/account', { token: alice.token })).json().used_bytes).toBe(1000);
    server.clock.now += 2 * DAY;
    await purge();
    expect((await server.request('GET', '/v1/trash', { token: alice.token })).json().entries).toEqual([]);
    expect(await refcounts([file.blocks[0]!.hash])).toEqual({ [file.blocks[0]!.hash]: 0 });
    expect((await server.request('GET', '/v1/account', { token: alice.token })).json().used_bytes).toBe(0);
  });
});

describe('quota', () => {
  it('refuses a commit over quota with 507 quota_exceeded and changes nothing', async () => {
    server = await TestServer.start();
    const alice = await server.user('alice', 'correct horse battery', 100);
    const file = await server.file(alice, alice.rootId, 'a.txt', 'x'.repeat(60));
    const big = await server.upload(alice, Buffer.from('y'.repeat(101)));
    const r = await server.request('PUT', `/v1/items/${file.id}/content`, { token: alice.token, headers: { 'if-match': file.etag }, body: big });
    expect(r.statusCode).toBe(507);
    expect(r.json().code).toBe('quota_exceeded');
    const create = await server.request('POST', '/v1/items', { token: alice.token, body: { parent_id: alice.rootId, name: 'b.txt', kind: 'file', content: await server.upload(alice, Buffer.from('z'.repeat(41))) } });
    expect(create.statusCode).toBe(507);
    expect((await server.request('GET', '/v1/account', { token: alice.token })).json()).toMatchObject({ used_bytes: 60, quota_bytes: 100 });
    // Shrinking is always allowed, and frees room.
    const small = await server.upload(alice, Buffer.from('s'));
    const shrink = await server.request('PUT', `/v1/items/${file.id}/content`, { token: alice.token, headers: { 'if-match': file.etag }, body: small });
    expect(shrink.statusCode).toBe(200);
    expect((await server.request('GET', '/v1/account', { token: alice.token })).json().used_bytes).toBe(1);
  });
});
