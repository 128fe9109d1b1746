// The engine's remote client against a real in-process server: sign-in, item mutations with
// If-Match, 412 with the current item, a lost answer retried under the same Idempotency-Key and
// applied once, the batch endpoint, the changes feed (paging, blocks, 410 after a server restore),
// versions and trash — and many requests riding one kept-alive connection.
import { cp } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getHasher } from '../../src-main/engine/hasher.ts';
import { RemoteClient } from '../../src-main/engine/remote/remote-client.ts';
import { FAST_RETRY, TestServer, wiretap } from './remote-harness.ts';

let server: TestServer;
beforeEach(async () => {
  server = await TestServer.start();
});
afterEach(async () => {
  await server.close();
});

async function uploadText(client: RemoteClient, text: string) {
  const hasher = await getHasher();
  const data = new TextEncoder().encode(text);
  const hash = hasher.hash(data);
  await client.uploadBlocks([{ hash, data }]);
  return { hash, blocks: [{ hash, size: data.length }] };
}

function expectOk<T extends { ok: boolean }>(outcome: T): Extract<T, { ok: true }> {
  if (!outcome.ok) throw new Error(`expected success, got ${JSON.stringify(outcome)}`);
  return outcome as Extract<T, { ok: true }>;
}

describe('sign-in and connections', () => {
  it('signs in with a password and reads the account with the device token', async () => {
    const { client, name } = await server.user();
    const account = await client.account();
    expect(account.user).toBe(name);
    expect(client.token).toBeTruthy();
  });

  it('a wrong password is a permanent one-line refusal', async () => {
    const { name } = await server.user();
    const client = new RemoteClient({ serverUrl: server.url, retry: FAST_RETRY });
    const error = await client.login(name, 'wrong', 'laptop').catch((caught: unknown) => caught);
    expect(error).toMatchObject({ kind: 'permanent', status: 401, code: 'unauthorized' });
    expect((error as Error).message).not.toContain('\n');
  });

  it('keeps the connection alive: 20 requests open one socket', async () => {
    const { client } = await server.user();
    let connections = 0;
    server.running.app.server.on('connection', () => {
      connections += 1;
    });
    for (let i = 0; i < 20; i += 1) await client.account();
    expect(connections).toBe(1);
  });
});

describe('items', () => {
  it('create, move/rename, commit, delete — each with If-Match; a stale ETag gets 412 with the current item', async () => {
    const { client, rootId } = await server.user();
    const docs = expectOk(await client.createItem({ parent_id: rootId, name: 'Docs', kind: 'folder' })).item;
    const file = expectOk(await client.createItem({ parent_id: rootId, name: 'a.txt', kind: 'file', content: await uploadText(client, 'one') })).item;
    expect(file.size).toBe(3);

    const moved = expectOk(await client.updateItem(file.id, file.etag, { parent_id: docs.id, name: 'b.txt' })).item;
    expect([moved.parent_id, moved.name]).toEqual([docs.id, 'b.txt']);

    const stale = await client.updateItem(file.id, file.etag, { name: 'c.txt' });
    expect(stale).toMatchObject({ ok: false, reason: 'precondition_failed', current: { id: file.id, name: 'b.txt', etag: moved.etag } });

    const edited = expectOk(await client.commitContent(file.id, moved.etag, await uploadText(client, 'two!'))).item;
    expect(edited.size).toBe(4);
    expect(edited.blocks).toHaveLength(1);

    const gone = expectOk(await client.deleteItem(file.id, edited.etag)).item;
    expect(gone.deleted).toBe(true);
    await expect(client.getItem(file.id)).rejects.toMatchObject({ code: 'not_found', kind: 'permanent' });
  });

  it('an answer lost on the way back is retried under the same key and applied once', async () => {
    let dropped = 0;
    const tap = wiretap((request) => {
      if (request.method !== 'GET' && request.path !== '/v1/login' && dropped === 0 && !request.path.startsWith('/v1/blocks')) {
        dropped += 1;
        return 'drop-answer';
      }
      return 'pass';
    });
    const { client, rootId } = await server.user({ fetch: tap.fetch });
    dropped = 0;
    const created = expectOk(await client.createItem({ parent_id: rootId, name: 'once', kind: 'folder' })).item;
    expect(tap.requests.filter((r) => r.method === 'POST' && r.path === '/v1/items')).toHaveLength(2);
    const { items } = await client.listChildren(rootId);
    expect(items.map((item) => item.name)).toEqual(['once']);

    dropped = 0;
    const renamed = expectOk(await client.updateItem(created.id, created.etag, { name: 'twice?' })).item;
    expect(renamed.metadata_version).toBe(created.metadata_version + 1);
    expect((await client.getItem(created.id)).metadata_version).toBe(created.metadata_version + 1);
  });
});

describe('batch', () => {
  it('1,500 creates go in two requests with a result each; a stale update inside a batch is a typed refusal', async () => {
    const tap = wiretap();
    const { client, rootId } = await server.user({ fetch: tap.fetch });
    const output = await client.batch(
      Array.from({ length: 1500 }, (_, i) => ({ op: 'create' as const, item: { parent_id: rootId, name: `f${i}`, kind: 'folder' as const } })),
    );
    expect(output.results).toHaveLength(1500);
    expect(output.results.every((result) => result.ok)).toBe(true);
    expect(tap.requests.filter((r) => r.path === '/v1/batch')).toHaveLength(2);
    const listing = await client.listChildren(rootId);
    expect(listing.items).toHaveLength(1500);

    const first = output.results[0]!;
    if (!first.ok || !first.item) throw new Error('no item');
    const again = await client.batch([
      { op: 'update', id: first.item.id, if_match: first.item.etag, changes: { name: 'renamed' } },
      { op: 'update', id: first.item.id, if_match: first.item.etag, changes: { name: 'stale' } },
    ]);
    expect(again.results[0]).toMatchObject({ ok: true });
    expect(again.results[1]).toMatchObject({ ok: false, status: 412, code: 'precondition_failed', current: { name: 'renamed' } });
  });
});

describe('changes feed', () => {
  it('pages through everything since a cursor, with block lists when asked', async () => {
    const { client, rootId } = await server.user();
    const start = (await client.account()).cursor;
    for (let i = 0; i < 5; i += 1) {
      expectOk(await client.createItem({ parent_id: rootId, name: `n${i}.txt`, kind: 'file', content: await uploadText(client, `text ${i}`) }));
    }
    const pages = [];
    for await (const outcome of client.changesSince(start, { limit: 2, blocks: true })) pages.push(expectOk(outcome).page);
    expect(pages.map((page) => page.changes.length)).toEqual([2, 2, 1]);
    const changes = pages.flatMap((page) => page.changes);
    expect(changes.map((change) => change.name)).toEqual(['n0.txt', 'n1.txt', 'n2.txt', 'n3.txt', 'n4.txt']);
    expect(changes.every((change) => change.blocks?.length === 1)).toBe(true);
    const last = pages.at(-1)!;
    const after = expectOk(await client.changes(last.cursor));
    expect(after.page.changes).toEqual([]);
  });

  it('a cursor the server no longer knows (server restored from a backup) is cursor_expired, and a fresh listing works', async () => {
    const { client, rootId } = await server.user();
    await server.stop();
    const backup = `${server.dataDir}-backup`;
    await cp(server.dataDir, backup, { recursive: true });
    await server.restart();
    expectOk(await client.createItem({ parent_id: rootId, name: 'after-backup', kind: 'folder' }));
    const cursor = (await client.account()).cursor;

    await server.stop();
    await server.restart(backup);
    const outcome = await client.changes(cursor);
    expect(outcome).toMatchObject({ ok: false, reason: 'cursor_expired' });
    const fresh = expectOk(await client.changes(undefined));
    expect(fresh.page.changes.map((change) => change.name)).not.toContain('after-backup');
  });
});

describe('folder listing and folder changes', () => {
  it('a folder cursor reports what entered and what left that folder only', async () => {
    const { client, rootId } = await server.user();
    const inbox = expectOk(await client.createItem({ parent_id: rootId, name: 'Inbox', kind: 'folder' })).item;
    const elsewhere = expectOk(await client.createItem({ parent_id: rootId, name: 'Elsewhere', kind: 'folder' })).item;
    const letter = expectOk(await client.createItem({ parent_id: inbox.id, name: 'letter', kind: 'folder' })).item;
    const listing = await client.listChildren(inbox.id);
    expect(listing.items.map((item) => item.name)).toEqual(['letter']);

    expectOk(await client.createItem({ parent_id: inbox.id, name: 'new', kind: 'folder' }));
    expectOk(await client.createItem({ parent_id: elsewhere.id, name: 'unrelated', kind: 'folder' }));
    expectOk(await client.updateItem(letter.id, letter.etag, { parent_id: elsewhere.id }));
    const changes = expectOk(await client.folderChanges(inbox.id, listing.cursor)).page;
    expect(changes.changes.map((item) => item.name)).toEqual(['new']);
    expect(changes.removed).toEqual([letter.id]);
  });
});

describe('versions and trash', () => {
  it('lists versions and restores an old one; lists the trash and restores from it', async () => {
    const { client, rootId } = await server.user();
    const file = expectOk(await client.createItem({ parent_id: rootId, name: 'v.txt', kind: 'file', content: await uploadText(client, 'first') })).item;
    const second = expectOk(await client.commitContent(file.id, file.etag, await uploadText(client, 'second'))).item;
    const versions = await client.versions(file.id);
    expect(versions.map((version) => version.size)).toEqual([6, 5]);
    const restored = expectOk(await client.restoreVersion(file.id, versions[1]!.content_version, second.etag)).item;
    expect(restored.size).toBe(5);

    const deleted = expectOk(await client.deleteItem(file.id, restored.etag)).item;
    const trash = await client.trash();
    expect(trash.map((entry) => entry.original_path)).toEqual(['v.txt']);
    const back = expectOk(await client.restoreFromTrash(deleted.id)).item;
    expect(back.deleted).toBe(false);
    expect(await client.trash()).toEqual([]);

    const again = expectOk(await client.deleteItem(back.id, back.etag)).item;
    await client.purgeFromTrash(again.id);
    expect(await client.trash()).toEqual([]);
    await expect(client.restoreFromTrash(again.id)).rejects.toMatchObject({ kind: 'permanent', status: 404 });
  });
});
