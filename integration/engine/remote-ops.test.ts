// The executor's RemoteOps port on the real client and a real server: tree items come back with
// their versions, stale versions are precondition answers carrying the current item, name clashes
// and cycles are refusals, a gone item is undefined, and block downloads come back in file order
// with repeats — everything the executor plans around without special cases.
import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { RemoteOps } from '../../src-main/engine/executor/ports.ts';
import { getHasher } from '../../src-main/engine/hasher.ts';
import { remoteOps } from '../../src-main/engine/remote/remote-ops.ts';
import { TestServer } from './remote-harness.ts';

let server: TestServer;
let ops: RemoteOps;
let rootId: string;
beforeEach(async () => {
  server = await TestServer.start();
  const user = await server.user();
  rootId = user.rootId;
  ops = remoteOps(user.client, { maxRequestBytes: 4096 });
});
afterEach(async () => {
  await server.close();
});

function ok<T extends { ok: boolean }>(answer: T): Extract<T, { ok: true }> {
  if (!answer.ok) throw new Error(`expected success, got ${JSON.stringify(answer)}`);
  return answer as Extract<T, { ok: true }>;
}

async function storeFile(name: string, pieces: Uint8Array[], id = uuidv7()) {
  const hasher = await getHasher();
  const blocks = pieces.map((data) => ({ hash: hasher.hash(data), size: data.length }));
  const missing = new Set(await ops.missingBlocks(blocks.map((block) => block.hash)));
  await ops.uploadBlocks(pieces.map((data, i) => ({ hash: blocks[i]!.hash, data })).filter((block) => missing.has(block.hash)));
  const whole = Buffer.concat(pieces);
  const content = { hash: hasher.hash(whole), size: whole.length, blocks };
  return { answer: await ops.commitFile({ kind: 'create', id, parentId: rootId, name, executable: false }, content, uuidv7()), content };
}

it('creates a folder under the id we proposed; the same key again is the same answer; a clashing name is refused', async () => {
  const id = uuidv7();
  const first = ok(await ops.createFolder({ id, parentId: rootId, name: 'Photos' }, 'key-1'));
  expect(first.item).toEqual({ id, parentId: rootId, name: 'Photos', kind: 'folder', metadataVersion: first.item.metadataVersion, contentVersion: first.item.contentVersion });
  expect(await ops.createFolder({ id, parentId: rootId, name: 'Photos' }, 'key-1')).toEqual(first);
  const clash = await ops.createFolder({ id: uuidv7(), parentId: rootId, name: 'photos' }, 'key-2');
  expect(clash).toMatchObject({ ok: false, reason: 'refused', current: undefined, message: expect.stringContaining('already exists') });
});

it('creates and commits files; a stale content version is a precondition answer with the current item', async () => {
  const { answer, content } = await storeFile('a.bin', [new Uint8Array(randomBytes(3000)), new Uint8Array(randomBytes(3000))]);
  const created = ok(answer).item;
  expect(created).toMatchObject({ kind: 'file', name: 'a.bin', size: 6000, hash: content.hash, executable: false });

  const hasher = await getHasher();
  const next = new Uint8Array(randomBytes(100));
  await ops.uploadBlocks([{ hash: hasher.hash(next), data: next }]);
  const newContent = { hash: hasher.hash(next), size: 100, blocks: [{ hash: hasher.hash(next), size: 100 }] };
  const committed = ok(await ops.commitFile({ kind: 'commit', id: created.id, ifMatchContent: created.contentVersion!, executable: true }, newContent, uuidv7())).item;
  expect(committed).toMatchObject({ size: 100, hash: newContent.hash, executable: true });

  const stale = await ops.commitFile({ kind: 'commit', id: created.id, ifMatchContent: created.contentVersion!, executable: false }, content, uuidv7());
  expect(stale).toMatchObject({ ok: false, reason: 'precondition_failed', current: { id: created.id, contentVersion: committed.contentVersion, hash: newContent.hash } });
});

it('moves with or without a precondition; a stale one is answered with the current item; a cycle is refused', async () => {
  const outer = ok(await ops.createFolder({ id: uuidv7(), parentId: rootId, name: 'outer' }, uuidv7())).item;
  const inner = ok(await ops.createFolder({ id: uuidv7(), parentId: outer.id, name: 'inner' }, uuidv7())).item;
  const renamed = ok(await ops.move(inner.id, { parentId: outer.id, name: 'inner2' }, inner.metadataVersion, uuidv7())).item;
  expect(renamed.name).toBe('inner2');
  const stale = await ops.move(inner.id, { parentId: rootId, name: 'x' }, inner.metadataVersion, uuidv7());
  expect(stale).toMatchObject({ ok: false, reason: 'precondition_failed', current: { name: 'inner2' } });
  const replayKey = uuidv7();
  const unconditional = ok(await ops.move(inner.id, { parentId: rootId, name: 'free' }, undefined, replayKey)).item;
  expect([unconditional.parentId, unconditional.name]).toEqual([rootId, 'free']);
  // Replayed after a crash under the same key: already done, not a reused-key refusal.
  expect(await ops.move(inner.id, { parentId: rootId, name: 'free' }, undefined, replayKey)).toEqual({ ok: true, item: unconditional });
  const cycle = await ops.move(outer.id, { parentId: outer.id, name: 'outer' }, outer.metadataVersion, uuidv7());
  expect(cycle).toMatchObject({ ok: false, reason: 'refused' });
});

it('deletes to the trash; afterwards the item is gone (undefined) and deleting again is refused', async () => {
  const created = ok((await storeFile('gone.bin', [new Uint8Array(randomBytes(10))])).answer).item;
  expect(ok(await ops.delete(created.id, { metadata: created.metadataVersion, content: created.contentVersion }, undefined, uuidv7())).kept).toBe(false);
  expect(await ops.getItem(created.id)).toBeUndefined();
  expect(await ops.delete(created.id, { metadata: undefined, content: undefined }, undefined, uuidv7())).toMatchObject({ ok: false, reason: 'refused' });
});

it('getItem gives the block list; fetchBlocks yields every block in file order, repeats included', async () => {
  const a = new Uint8Array(randomBytes(3000));
  const b = new Uint8Array(randomBytes(2000));
  const created = ok((await storeFile('aba.bin', [a, b, a, a])).answer).item;
  const found = await ops.getItem(created.id);
  expect(found?.blocks.map((block) => block.size)).toEqual([3000, 2000, 3000, 3000]);
  const pieces: Uint8Array[] = [];
  for await (const data of ops.fetchBlocks(found!.blocks)) pieces.push(data);
  expect(Buffer.compare(Buffer.concat(pieces), Buffer.concat([a, b, a, a]))).toBe(0);
});
