// Big block lists as deltas over the API (issue 6): a commit as prefix/suffix/middle against the
// current version, the feed leaving big lists out, GET .../versions/:v/blocks?base= answering a
// delta, and the refusals (bad delta, other base, absent blocks) that change nothing.
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyBlockDelta, diffBlockLists, FULL_LIST_MAX_BLOCKS } from '../../src-shared/protocol/block-delta.ts';
import type { BlockRef } from '../../src-shared/protocol/common.ts';
import { openDatabase } from '../db/database.ts';
import { fingerprintOf } from '../items/idempotency.ts';
import { TestServer, type TestUser } from '../testing/test-server.ts';

let server: TestServer;
let alice: TestUser;
/** A file of 300 blocks of 100 bytes: above FULL_LIST_MAX_BLOCKS. */
let first: { hash: string; blocks: BlockRef[] };
let fileId: string;
const BLOCKS = 300;
const HASH = (c: string) => `blake3:${c.repeat(64)}`;

beforeEach(async () => {
  server = await TestServer.start();
  alice = await server.user('alice');
  first = await server.upload(alice, randomBytes(BLOCKS * 100), 100);
  const created = await server.request('POST', '/v1/items', { token: alice.token, body: { parent_id: alice.rootId, name: 'disk.img', kind: 'file', content: first } });
  expect(created.statusCode).toBe(201);
  fileId = created.json().id;
});
afterEach(async () => server.close());

/** Uploads one new block and returns the list with it inserted at the middle. */
async function insertedList(): Promise<{ hash: string; blocks: BlockRef[] }> {
  const extra = await server.upload(alice, randomBytes(77), 100);
  return { hash: HASH('e'), blocks: [...first.blocks.slice(0, 150), ...extra.blocks, ...first.blocks.slice(150)] };
}

function commit(body: unknown, etag = '"m1-c1"', idempotencyKey?: string) {
  const headers = { 'if-match': etag, ...(idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }) };
  return server.request('PUT', `/v1/items/${fileId}/content`, { token: alice.token, body, headers });
}

async function current() {
  return (await server.item(alice, fileId)).json() as { content_version: number; size: number; blocks: BlockRef[] };
}

describe('a commit as a delta', () => {
  it('expands prefix + middle + suffix against the current version and stores the full list', async () => {
    const next = await insertedList();
    const delta = diffBlockLists(first.blocks, next.blocks, first.hash);
    expect(delta).toMatchObject({ prefix: 150, suffix: 150, middle: [next.blocks[150]] });
    const response = await commit({ hash: next.hash, delta });
    expect(response.statusCode).toBe(200);
    expect(await current()).toMatchObject({ content_version: 2, size: BLOCKS * 100 + 77, blocks: next.blocks });
  });

  it('works inside a batch too', async () => {
    const next = await insertedList();
    const delta = diffBlockLists(first.blocks, next.blocks, first.hash);
    const response = await server.request('POST', '/v1/batch', {
      token: alice.token,
      body: { operations: [{ op: 'commit', id: fileId, if_match: '"m1-c1"', content: { hash: next.hash, delta } }] },
    });
    expect(response.json().results[0].status).toBe(200);
    expect((await current()).blocks).toEqual(next.blocks);
  });

  it('refuses a delta that does not fit the current list with a one-line 400, changing nothing', async () => {
    const next = await insertedList();
    const delta = { ...diffBlockLists(first.blocks, next.blocks, first.hash), prefix: 200, suffix: 200 };
    const response = await commit({ hash: next.hash, delta });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe('The block list delta keeps 200 blocks at the start and 200 at the end, but its base has only 300; send the full list.');
    expect(await current()).toMatchObject({ content_version: 1, size: BLOCKS * 100, blocks: first.blocks });
  });

  it('refuses a delta made against other content than the current one', async () => {
    const next = await insertedList();
    const response = await commit({ hash: next.hash, delta: diffBlockLists(first.blocks, next.blocks, HASH('0')) });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toMatch(/is against content blake3:0{64}, but the current content of "disk\.img" is blake3:/);
    expect((await current()).content_version).toBe(1);
  });

  it('refuses a delta made against another list of the same content (its check fails)', async () => {
    // The client believes block 3 is another one; its new list, made from that belief, keeps it.
    const next = await insertedList();
    const wrong = { hash: HASH('1'), size: 100 };
    const otherBase = first.blocks.map((block, at) => (at === 3 ? wrong : block));
    const believed = next.blocks.map((block, at) => (at === 3 ? wrong : block));
    const response = await commit({ hash: next.hash, delta: diffBlockLists(otherBase, believed, first.hash) });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toMatch(/does not make the list it was made for/);
    expect((await current()).content_version).toBe(1);
  });

  it('refuses both blocks and delta, or neither', async () => {
    const next = await insertedList();
    const delta = diffBlockLists(first.blocks, next.blocks, first.hash);
    expect((await commit({ hash: next.hash, blocks: next.blocks, delta })).statusCode).toBe(400);
    expect((await commit({ hash: next.hash })).statusCode).toBe(400);
    expect((await current()).content_version).toBe(1);
  });
});

describe('Idempotency-Key on a commit sent as a delta', () => {
  async function versionCount(): Promise<number> {
    const db = openDatabase(server.dataDir);
    try {
      const row = await db.selectFrom('versions').select((eb) => eb.fn.countAll<number>().as('n')).where('item_id', '=', fileId).executeTakeFirstOrThrow();
      return Number(row.n);
    } finally {
      await db.destroy();
    }
  }

  it('a retry with the full list under the same key gets the first answer, committing once', async () => {
    const next = await insertedList();
    const answer = await commit({ hash: next.hash, delta: diffBlockLists(first.blocks, next.blocks, first.hash) }, '"m1-c1"', 'k-delta');
    expect(answer.statusCode).toBe(200);
    const retry = await commit({ hash: next.hash, blocks: next.blocks }, '"m1-c1"', 'k-delta');
    expect(retry.statusCode).toBe(200);
    expect(retry.json()).toEqual(answer.json());
    expect(await current()).toMatchObject({ content_version: 2, blocks: next.blocks });
    expect(await versionCount()).toBe(2);
  });

  it('a delta committed in a batch and retried whole on the single route is the same commit', async () => {
    const next = await insertedList();
    const delta = diffBlockLists(first.blocks, next.blocks, first.hash);
    const batch = await server.request('POST', '/v1/batch', {
      token: alice.token,
      body: { operations: [{ op: 'commit', idempotency_key: 'k-batch', id: fileId, if_match: '"m0-c1"', content: { hash: next.hash, delta } }] },
    });
    expect(batch.json().results[0]).toMatchObject({ status: 200, item: { content_version: 2 } });
    const retry = await commit({ hash: next.hash, blocks: next.blocks }, '"m1-c1"', 'k-batch');
    expect(retry.statusCode).toBe(200);
    expect(retry.json()).toMatchObject({ ...batch.json().results[0].item, blocks: next.blocks });
    expect(await versionCount()).toBe(2);
  });

  it('the same key on a commit that makes another list is refused, changing nothing', async () => {
    const next = await insertedList();
    expect((await commit({ hash: next.hash, delta: diffBlockLists(first.blocks, next.blocks, first.hash) }, '"m1-c1"', 'k-other')).statusCode).toBe(200);
    const other = await insertedList();
    const reused = await commit({ hash: next.hash, blocks: other.blocks }, '"m1-c1"', 'k-other');
    expect(reused.statusCode).toBe(422);
    expect(reused.json().code).toBe('idempotency_key_reused');
    const otherBase = await commit({ hash: next.hash, blocks: next.blocks }, '"m1-c2"', 'k-other');
    expect(otherBase.json().code).toBe('idempotency_key_reused');
    expect(await current()).toMatchObject({ content_version: 2, blocks: next.blocks });
    expect(await versionCount()).toBe(2);
  });

  it('a key recorded by the former scheme (a digest of the body) still replays after an upgrade', async () => {
    const next = await insertedList();
    const body = { hash: next.hash, blocks: next.blocks };
    const answer = await commit(body, '"m1-c1"', 'k-old');
    const formerFingerprint = fingerprintOf({ method: 'PUT', route: '/v1/items/:id/content', params: { id: fileId }, body, ifMatch: '"m1-c1"' });
    const db = openDatabase(server.dataDir);
    try {
      await db.updateTable('idempotency').set({ fingerprint: formerFingerprint }).where('key', '=', 'k-old').execute();
    } finally {
      await db.destroy();
    }
    const retry = await commit(body, '"m1-c1"', 'k-old');
    expect(retry.statusCode).toBe(200);
    expect(retry.json()).toEqual(answer.json());
    expect(await versionCount()).toBe(2);
  });
});

describe('a commit naming blocks the server does not hold', () => {
  it('is refused with 422 blocks_missing naming them, and changes nothing', async () => {
    const absent = { hash: HASH('f'), size: 10 };
    const blocks = [...first.blocks.slice(0, 150), absent, ...first.blocks.slice(150)];
    for (const body of [{ hash: HASH('e'), blocks }, { hash: HASH('e'), delta: diffBlockLists(first.blocks, blocks, first.hash) }]) {
      const response = await commit(body);
      expect(response.statusCode).toBe(422);
      expect(response.json()).toEqual({
        code: 'blocks_missing',
        message: `Block ${absent.hash} has not been uploaded. Upload the missing blocks, then commit again.`,
      });
    }
    expect(await current()).toMatchObject({ content_version: 1, blocks: first.blocks });
  });
});

describe('reading a big list', () => {
  it('the changes feed leaves lists above the limit out and says so; small ones travel', async () => {
    const small = await server.file(alice, alice.rootId, 'note.txt', 'hello');
    const feed = (await server.request('GET', '/v1/changes?blocks=true', { token: alice.token })).json();
    const big = feed.changes.find((item: { id: string }) => item.id === fileId);
    expect(big.blocks_omitted).toBe(true);
    expect(big.blocks).toBeUndefined();
    expect(first.blocks.length).toBeGreaterThan(FULL_LIST_MAX_BLOCKS);
    expect(feed.changes.find((item: { id: string }) => item.id === small.id)).toMatchObject({ blocks: small.blocks });
  });

  it('GET .../versions/:v/blocks?base= answers a delta from a version the client holds', async () => {
    const next = await insertedList();
    expect((await commit({ hash: next.hash, blocks: next.blocks })).statusCode).toBe(200);
    const response = await server.request('GET', `/v1/items/${fileId}/versions/2/blocks?base=${first.hash}`, { token: alice.token });
    expect(response.statusCode).toBe(200);
    const answer = response.json();
    expect(answer).toMatchObject({ content_version: 2, content_hash: next.hash, size: BLOCKS * 100 + 77 });
    expect(answer.blocks).toBeUndefined();
    expect(answer.delta).toMatchObject({ base_hash: first.hash, prefix: 150, suffix: 150 });
    expect(applyBlockDelta(first.blocks, answer.delta)).toEqual(next.blocks);
    expect(response.body.length).toBeLessThan(600);
  });

  it('answers the full list for a base the server does not have (or none), and 404 for a version it does not have', async () => {
    const next = await insertedList();
    expect((await commit({ hash: next.hash, blocks: next.blocks })).statusCode).toBe(200);
    for (const query of [`?base=${HASH('0')}`, '']) {
      const answer = (await server.request('GET', `/v1/items/${fileId}/versions/2/blocks${query}`, { token: alice.token })).json();
      expect(answer.delta).toBeUndefined();
      expect(answer.blocks).toEqual(next.blocks);
    }
    const gone = await server.request('GET', `/v1/items/${fileId}/versions/9/blocks`, { token: alice.token });
    expect(gone.statusCode).toBe(404);
    expect(gone.json().message).toBe(`Item ${fileId} has no version 9 (it may have expired).`);
    const bad = await server.request('GET', `/v1/items/${fileId}/versions/2/blocks?base=nope`, { token: alice.token });
    expect(bad.statusCode).toBe(400);
  });
});
