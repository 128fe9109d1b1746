// SCENARIOS #26, an edge beside it: a folder deleted on another device holds, here, an NFD twin of
// a synced NFC name. The NFC file is trashed; the folder's delete is deferred (not empty: the
// twin). The next pass must look at the disk again, or it plans and defers the same delete over and
// over; with the rescan after a deferral the folder comes back holding the twin in one run.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { SyncWorld } from './sync-harness.ts';

let world: SyncWorld;
beforeEach(async () => {
  world = await SyncWorld.start();
});
afterEach(async () => {
  await world.close();
});

it('#26 an NFD twin inside a folder deleted elsewhere: the folder comes back with it in one runUntilIdle', async () => {
  const account = await world.account();
  const linux = await world.device('Linux', account);
  const other = await world.device('Other', account);
  await linux.write('d/a.txt', 'a');
  await writeFile(join(linux.dir, 'd', 'é'.normalize('NFC')), 'composed');
  expect(await linux.sync()).toBe('in_sync');
  expect(await other.sync()).toBe('in_sync');
  await writeFile(join(linux.dir, 'd', 'é'.normalize('NFD')), 'decomposed');
  expect(await linux.sync()).toBe('in_sync');
  await other.remove('d');
  expect(await other.sync()).toBe('in_sync');
  expect(await linux.sync()).toBe('in_sync'); // today: 'unsettled' after 12 deferred trashLocal passes
});
