// SCENARIOS #17 on the real stack: Ada deletes a folder while Bob, unseen by Ada, adds a file in
// it. Ada's folder delete carries the changes cursor her plan was made from, so the server trashes
// only what Ada knew and keeps Bob's new file with the folder leading to it; after both sync, the
// folder holds only the new file on Ada, Bob and the server, and Ada's deleted files are in the
// server's trash (restorable).
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { getHasher } from '../../src-main/engine/hasher.ts';
import { TestServer } from './remote-harness.ts';
import { Devices } from './transfer-harness.ts';

let server: TestServer;
let devices: Devices;

beforeAll(async () => {
  server = await TestServer.start();
  devices = new Devices(server, await getHasher());
});

afterAll(async () => {
  await devices.close();
  await server.close();
});

it('a folder deleted on one device keeps the file another device added inside, unseen (#17)', async () => {
  const [ada, bob] = await devices.account('Ada', 'Bob');
  await mkdir(join(ada!.dir, 'Project/drafts'), { recursive: true });
  await writeFile(join(ada!.dir, 'Project/a.txt'), 'a');
  await writeFile(join(ada!.dir, 'Project/drafts/b.txt'), 'b');
  await devices.syncUntilQuiet(ada!);
  await devices.syncUntilQuiet(bob!);
  expect(await readFile(join(bob!.dir, 'Project/drafts/b.txt'), 'utf8')).toBe('b');

  // Ada deletes the folder and plans from what she has seen...
  await rm(join(ada!.dir, 'Project'), { recursive: true });
  const planned = await devices.plan(ada!);
  expect(planned.ops.filter((op) => op.kind === 'deleteRemote')).toHaveLength(4);
  // ...Bob adds a file inside and syncs before Ada's deletes reach the server...
  await writeFile(join(bob!.dir, 'Project/drafts/new.txt'), 'new from Bob');
  await devices.syncUntilQuiet(bob!);
  // ...then Ada's plan runs.
  await devices.execute(ada!, planned);

  await devices.syncUntilQuiet(ada!);
  await devices.syncUntilQuiet(bob!);
  await devices.syncUntilQuiet(ada!);

  const hasher = await getHasher();
  const only = new Map([
    ['Project', 'folder'],
    ['Project/drafts', 'folder'],
    ['Project/drafts/new.txt', hasher.hash(Buffer.from('new from Bob'))],
  ]);
  expect(await devices.contents(ada!.dir)).toEqual(only);
  expect(await devices.contents(bob!.dir)).toEqual(only);
  await devices.pull(ada!);
  expect(devices.describe(devices.trees(ada!).remote)).toEqual(only);
  for (const d of [ada!, bob!]) {
    expect(devices.describe(devices.trees(d).synced)).toEqual(only);
    expect(d.index.journalEntries()).toEqual([]);
  }
  // What Ada deleted is in the server's trash, where she can restore it from.
  const trashed = (await ada!.client.trash()).map((entry) => entry.original_path).sort();
  expect(trashed).toEqual(['Project/a.txt', 'Project/drafts/b.txt']);
}, 60_000);
