// The batch's shortcuts keep the per-operation answers: idempotency keys looked up together for
// the whole batch (a key used twice in one batch still answers like two requests), and a folder
// found live by one create is not looked up again — unless another kind of operation came between;
// consecutive creates made together (a few statements for all of them) answer, store and journal
// exactly as the same creates one by one, and one failing among them still fails alone.
import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BlockTables } from '../blocks/block-index.ts';
import { openDatabase } from '../db/database.ts';
import { TestServer, type TestUser } from '../testing/test-server.ts';

let server: TestServer;
let alice: TestUser;
beforeEach(async () => {
  server = await TestServer.start();
  alice = await server.user('alice');
});
afterEach(async () => server.close());

const batch = (operations: unknown[]) => server.request('POST', '/v1/batch', { token: alice.token, body: { operations } });
const names = async (folderId: string) =>
  (await server.request('GET', `/v1/items/${folderId}/children`, { token: alice.token })).json().items.map((i: { name: string }) => i.name);

describe('batch shortcuts', () => {
  it('a key used twice in one batch: the same create is answered once, a different one is refused', async () => {
    const create = { op: 'create', idempotency_key: 'twice', item: { parent_id: alice.rootId, name: 'Once', kind: 'folder' } };
    const other = { op: 'create', idempotency_key: 'twice', item: { parent_id: alice.rootId, name: 'Other', kind: 'folder' } };
    const fresh = { op: 'create', idempotency_key: 'fresh', item: { parent_id: alice.rootId, name: 'Fresh', kind: 'folder' } };
    const response = await batch([create, create, other, fresh]);
    const results = response.json().results;
    expect(results.map((r: { status: number }) => r.status)).toEqual([201, 201, 422, 201]);
    expect(results[1].item).toEqual(results[0].item);
    expect(results[2].error.code).toBe('idempotency_key_reused');
    expect(await names(alice.rootId)).toEqual(['Fresh', 'Once']);
    // Keys recorded by an earlier request are found by the batch's one lookup.
    const again = (await batch([create, fresh])).json().results;
    expect(again).toEqual([results[0], results[3]]);
    expect(await names(alice.rootId)).toEqual(['Fresh', 'Once']);
  });

  it('a batch whose creates all succeed records every key: a retry of it changes nothing', async () => {
    const operations = Array.from({ length: 30 }, (_, n) => ({
      op: 'create',
      idempotency_key: `k-${n}`,
      item: { id: uuidv7(), parent_id: alice.rootId, name: `f${String(n).padStart(2, '0')}`, kind: 'folder' },
    }));
    const first = (await batch(operations)).json().results;
    expect(first.every((r: { status: number }) => r.status === 201)).toBe(true);
    const feed = async () => (await server.request('GET', '/v1/changes', { token: alice.token })).json().changes.length;
    const before = await feed();
    expect((await batch(operations)).json().results).toEqual(first);
    expect(await feed()).toBe(before);
  });

  it('a proposed id used twice in one batch, or again in a later one, answers as the per-item checks do', async () => {
    const id = uuidv7();
    const make = (name: string) => ({ op: 'create', item: { id, parent_id: alice.rootId, name, kind: 'folder' } });
    const first = (await batch([make('Same'), make('Same'), make('Different')])).json().results;
    expect(first.map((r: { status: number }) => r.status)).toEqual([201, 200, 409]);
    expect(first[2].error.code).toBe('id_taken');
    const later = (await batch([make('Same'), make('Other')])).json().results;
    expect(later.map((r: { status: number }) => r.status)).toEqual([200, 409]);
    expect(await names(alice.rootId)).toEqual(['Same']);
  });

  it('creates into a folder the same batch deleted fail, even after creates that found it live', async () => {
    const folderId = uuidv7();
    const response = await batch([
      { op: 'create', item: { id: folderId, parent_id: alice.rootId, name: 'Box', kind: 'folder' } },
      { op: 'create', item: { parent_id: folderId, name: 'a.txt', kind: 'file' } },
      { op: 'delete', id: folderId, if_match: '"m1-c0"' },
      { op: 'create', item: { parent_id: folderId, name: 'b.txt', kind: 'file' } },
    ]);
    const results = response.json().results;
    expect(results.map((r: { status: number }) => r.status)).toEqual([201, 201, 200, 404]);
    expect(await names(alice.rootId)).toEqual([]);
  });

  it('a create into a folder whose own create failed earlier in the batch fails too', async () => {
    const folderId = uuidv7();
    await server.folder(alice, alice.rootId, 'Taken');
    const response = await batch([
      { op: 'create', item: { id: folderId, parent_id: alice.rootId, name: 'taken', kind: 'folder' } },
      { op: 'create', item: { parent_id: folderId, name: 'a.txt', kind: 'file' } },
      { op: 'create', item: { parent_id: alice.rootId, name: 'c.txt', kind: 'file' } },
    ]);
    expect(response.json().results.map((r: { status: number }) => r.status)).toEqual([409, 404, 201]);
    expect(await names(alice.rootId)).toEqual(['c.txt', 'Taken']);
  });
});

describe('creates made together', () => {
  /** A folder with two files, a file in the root, a folder inside with a file: contents shared, multi-block and empty. */
  async function creates(user: TestUser, parentId: string) {
    const shared = await server.upload(user, Buffer.from('the same small file'));
    const multi = await server.upload(user, Buffer.from(Array.from({ length: 250 }, (_, at) => at)), 100);
    const box = uuidv7();
    const inner = uuidv7();
    const operations = [
      { op: 'create', idempotency_key: `${user.name}-1`, item: { id: box, parent_id: parentId, name: 'Box', kind: 'folder' } },
      { op: 'create', item: { parent_id: parentId, name: 'a.txt', kind: 'file', content: shared } },
      { op: 'create', idempotency_key: `${user.name}-2`, item: { parent_id: box, name: 'b.sh', kind: 'file', content: shared, executable: true, client_mtime: 1_700_000_000_000 } },
      { op: 'create', item: { parent_id: box, name: 'empty', kind: 'file' } },
      { op: 'create', item: { id: uuidv7(), parent_id: box, name: 'c.bin', kind: 'file', content: multi } },
      { op: 'create', item: { id: inner, parent_id: box, name: 'Inner', kind: 'folder' } },
      { op: 'create', item: { parent_id: inner, name: 'd.bin', kind: 'file', content: multi } },
    ];
    return { operations, blocks: [...shared.blocks, ...multi.blocks].map((block) => block.hash) };
  }

  /** Ids replaced by their order of appearance, so two accounts' trees compare. */
  function normalized(value: unknown, ids: Map<string, string>): unknown {
    return JSON.parse(JSON.stringify(value), (key, field) =>
      typeof field === 'string' && ['id', 'parent_id'].includes(key) ? (ids.get(field) ?? ids.set(field, `#${ids.size}`).get(field)) : field,
    );
  }

  async function accountState(user: TestUser) {
    const feed = (await server.request('GET', '/v1/changes?blocks=true', { token: user.token })).json();
    const db = openDatabase(server.dataDir);
    try {
      const account = await db.selectFrom('accounts').select('used_bytes').where('id', '=', user.accountId).executeTakeFirstOrThrow();
      const versions = await db.selectFrom('versions').innerJoin('items', 'items.id', 'versions.item_id').select(['versions.blocks', 'versions.size']).where('items.account_id', '=', user.accountId).orderBy('items.change_seq').execute();
      // The root was made when the account was (real time, not the test clock).
      return { changes: feed.changes.filter((item: { parent_id: string | null }) => item.parent_id !== null), used: Number(account.used_bytes), versions };
    } finally {
      await db.destroy();
    }
  }

  it('answer, store and journal exactly as the same creates sent one by one', async () => {
    const together = await creates(alice, alice.rootId);
    const batched = (await batch(together.operations)).json().results;
    const db = openDatabase(server.dataDir) as unknown as Kysely<BlockTables>;
    try {
      const refcounts = await db.selectFrom('blocks').select(['hash', 'refcount']).where('hash', 'in', together.blocks).execute();
      // Each block is in two files.
      expect(refcounts.map((row) => Number(row.refcount))).toEqual(together.blocks.map(() => 2));
    } finally {
      await db.destroy();
    }

    const bob = await server.user('bob');
    const alone = await creates(bob, bob.rootId);
    const answers = [];
    for (const operation of alone.operations) {
      const headers: Record<string, string> = operation.idempotency_key ? { 'idempotency-key': operation.idempotency_key } : {};
      const response = await server.request('POST', '/v1/items', { token: bob.token, headers, body: operation.item });
      const { blocks: _blocks, ...item } = response.json();
      answers.push({ status: response.statusCode, item });
    }
    expect(normalized(batched, new Map([[alice.rootId, 'root']]))).toEqual(normalized(answers, new Map([[bob.rootId, 'root']])));
    const aliceState = await accountState(alice);
    expect(aliceState.used).toBe(2 * 19 + 2 * 250);
    expect(normalized(aliceState, new Map([[alice.rootId, 'root']]))).toEqual(normalized(await accountState(bob), new Map([[bob.rootId, 'root']])));
    // The keys were recorded: the batch again answers the same and makes nothing.
    const again = (await batch(together.operations.filter((operation) => operation.idempotency_key))).json().results;
    expect(again).toEqual([batched[0], batched[2]]);
  });

  it('one that would fail among them fails alone, with the answer it has on its own', async () => {
    await server.folder(alice, alice.rootId, 'Taken');
    const content = await server.upload(alice, Buffer.from('x'));
    const absent = { hash: `blake3:${'f'.repeat(64)}`, blocks: [{ hash: `blake3:${'f'.repeat(64)}`, size: 5 }] };
    const later = uuidv7();
    const file = (name: string, parentId = alice.rootId, body: unknown = content) => ({ op: 'create', item: { parent_id: parentId, name, kind: 'file', content: body } });
    const results = (
      await batch([
        file('a.txt'),
        file('A.TXT'),
        file('missing.bin', alice.rootId, absent),
        file('early.txt', later),
        { op: 'create', item: { id: later, parent_id: alice.rootId, name: 'Later', kind: 'folder' } },
        file('in-later.txt', later),
        file('taken'),
        file('bad/name'),
        file('z.txt'),
      ])
    ).json().results;
    expect(results.map((r: { status: number; error?: { code: string } }) => r.error?.code ?? r.status)).toEqual([
      201, 'conflict', 'blocks_missing', 'not_found', 201, 201, 'conflict', 'bad_request', 201,
    ]);
    expect(await names(alice.rootId)).toEqual(['a.txt', 'Later', 'Taken', 'z.txt']);
    expect(await names(later)).toEqual(['in-later.txt']);
  });

  it('the one that would go over the quota fails; those before and smaller ones after are made', async () => {
    const limited = await server.user('carol', 'correct horse battery', 250);
    const sized = async (name: string, bytes: number) => ({
      op: 'create',
      item: { parent_id: limited.rootId, name, kind: 'file', content: await server.upload(limited, Buffer.alloc(bytes, name)) },
    });
    const operations = [await sized('a', 100), await sized('b', 100), await sized('c', 100), await sized('d', 40)];
    const response = await server.request('POST', '/v1/batch', { token: limited.token, body: { operations } });
    expect(response.json().results.map((r: { status: number }) => r.status)).toEqual([201, 201, 507, 201]);
    const listed = (await server.request('GET', `/v1/items/${limited.rootId}/children`, { token: limited.token })).json().items;
    expect(listed.map((i: { name: string }) => i.name)).toEqual(['a', 'b', 'd']);
  });
});
