// The sync loop end to end: FolderSync engines on real folders through a real server.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LocalIndex } from '../../src-main/engine/index/local-index.ts';
import { pathOf } from '../../src-main/engine/tree/tree.ts';
import { SyncWorld, expectInvariants, settle } from './sync-harness.ts';

let world: SyncWorld;
beforeAll(async () => {
  world = await SyncWorld.start();
});
afterAll(async () => {
  await world.close();
});

it('two devices converge: new files and folders, an edit, a rename, a delete, in both directions', async () => {
  const account = await world.account();
  const a = await world.device('Ada', account);
  const b = await world.device('Bob', account);
  const big = randomBytes(2 * 1024 * 1024);
  await a.write('docs/readme.md', '# hello');
  await a.write('docs/deep/big.bin', big);
  await a.write('empty.txt', '');
  await settle([a, b]);
  expect(await b.read('docs/readme.md')).toBe('# hello');
  expect((await b.contents()).get('docs/deep/big.bin')).toBe(world.hasher.hash(big));

  await b.write('docs/readme.md', '# edited by Bob');
  await b.rename('docs/deep', 'docs/archive');
  await b.remove('empty.txt');
  await settle([a, b]);
  expect(await a.read('docs/readme.md')).toBe('# edited by Bob');
  expect(await a.exists('docs/archive/big.bin')).toBe(true);
  expect(await a.exists('empty.txt')).toBe(false);
  await expectInvariants([a, b]);
  expect(a.engine.status.state).toBe('idle');
  expect(b.engine.status.lastSyncedAt).not.toBeNull();
}, 60_000);

it('the status names the conflicted copy both devices hold after concurrent edits', async () => {
  const account = await world.account();
  const a = await world.device('Ada', account);
  const b = await world.device('Bob', account);
  await a.write('plan.txt', 'v1');
  await settle([a, b]);
  await a.write('plan.txt', 'Ada was here');
  await b.write('plan.txt', 'Bob was here');
  await b.sync();
  await settle([a, b]);
  const copies = await a.conflictedCopies();
  expect(copies).toHaveLength(1);
  expect(copies[0]).toMatch(/^plan \(conflicted copy from Ada \d{4}-\d{2}-\d{2} \d{6}\)\.txt$/);
  expect(await b.conflictedCopies()).toEqual(copies);
  expect(a.engine.status.conflicts.map((c) => c.path)).toEqual(copies);
  await expectInvariants([a, b]);
}, 60_000);

it('a full scan says when the disk is indexed, and the index holds every path by then (before the server is compared)', async () => {
  const account = await world.account();
  const said: { state: string; message: string; storedPaths: string[] }[] = [];
  const a = await world.device('Ada', account);
  await a.write('docs/a.txt', 'a');
  await a.write('docs/deep/b.txt', 'b');
  await a.write('c.txt', 'c');
  await a.restart({
    onStatus: (status) => {
      const stored = LocalIndex.openReadOnly(a.stateDir);
      try {
        const local = stored.loadTree('local');
        const storedPaths = local ? [...local.items.keys()].map((id) => pathOf(local, id) ?? '?').filter((path) => path !== '').sort() : [];
        said.push({ state: status.state, message: status.message, storedPaths });
      } finally {
        stored.close();
      }
    },
  });
  await a.sync();
  const indexed = said.findIndex((entry) => entry.message.startsWith('Indexed'));
  expect(said[indexed]).toEqual({
    state: 'scanning',
    // The folder's marker file is indexed too (as an ignored item).
    message: 'Indexed 6 files and folders; comparing with the server.',
    storedPaths: ['.tandem-folder', 'c.txt', 'docs', 'docs/a.txt', 'docs/deep', 'docs/deep/b.txt'],
  });
  // Then the plan: uploads come after the index line, never before it.
  expect(said.slice(0, indexed).some((entry) => entry.state === 'syncing')).toBe(false);
  expect(said.slice(indexed).some((entry) => entry.state === 'syncing')).toBe(true);
}, 60_000);
