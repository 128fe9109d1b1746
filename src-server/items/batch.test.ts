// The batch's shortcuts keep the per-operation answers: idempotency keys looked up together for
// the whole batch (a key used twice in one batch still answers like two requests), and a folder
// found live by one create is not looked up again — unless another kind of operation came between.
import { v7 as uuidv7 } from 'uuid';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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
