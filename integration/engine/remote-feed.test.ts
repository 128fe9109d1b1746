// Reading the feed to the end against a real server: a delta since a cursor holds each changed
// item once in its latest state (tombstones included); an expired cursor turns into a full listing
// that says so, so the engine replaces its remote tree instead of patching it.
import { cp } from 'node:fs/promises';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { readFeed } from '../../src-main/engine/remote/feed.ts';
import type { MutationOutcome } from '../../src-main/engine/remote/remote-client.ts';
import { TestServer } from './remote-harness.ts';

let server: TestServer;
beforeEach(async () => {
  server = await TestServer.start();
});
afterEach(async () => {
  await server.close();
});

function item(outcome: MutationOutcome) {
  if (!outcome.ok) throw new Error('refused');
  return outcome.item;
}

it('a delta holds each changed item once, in its latest state, across pages', async () => {
  const { client, rootId } = await server.user();
  const start = (await client.account()).cursor;
  const a = item(await client.createItem({ parent_id: rootId, name: 'a', kind: 'folder' }));
  const b = item(await client.createItem({ parent_id: rootId, name: 'b', kind: 'folder' }));
  const a2 = item(await client.updateItem(a.id, a.etag, { name: 'a2' }));
  item(await client.deleteItem(b.id, b.etag));
  item(await client.createItem({ parent_id: rootId, name: 'c', kind: 'folder' }));

  const read = await readFeed(client, start, { pageSize: 2 });
  expect(read.kind).toBe('delta');
  expect(read.items.map((i) => [i.name, i.deleted])).toEqual([
    ['a2', false],
    ['b', true],
    ['c', false],
  ]);
  expect(read.items[0]!.metadata_version).toBe(a2.metadata_version);
  const after = await readFeed(client, read.cursor);
  expect(after).toEqual({ kind: 'delta', items: [], cursor: read.cursor });
});

it('an expired cursor becomes a full listing, marked as such, with the reason', async () => {
  const { client, rootId } = await server.user();
  item(await client.createItem({ parent_id: rootId, name: 'kept', kind: 'folder' }));
  await server.stop();
  const backup = `${server.dataDir}-backup`;
  await cp(server.dataDir, backup, { recursive: true });
  await server.restart();
  item(await client.createItem({ parent_id: rootId, name: 'lost in the restore', kind: 'folder' }));
  const cursor = (await client.account()).cursor;
  await server.stop();
  await server.restart(backup);

  const read = await readFeed(client, cursor);
  expect(read.kind).toBe('full');
  expect(read.reason).toMatch(/cursor/);
  expect(read.serverRestored).toBe(true);
  expect(read.items.filter((i) => !i.deleted && i.parent_id === rootId).map((i) => i.name)).toEqual(['kept']);
  expect(await readFeed(client, read.cursor)).toMatchObject({ kind: 'delta', items: [] });
});
