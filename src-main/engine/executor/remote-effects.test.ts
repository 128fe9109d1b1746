// Server-side deletes and the seen cursor (SCENARIOS #17): a folder delete carries the changes
// cursor this device planned from, so the server keeps what another device added inside since;
// a kept folder stays in the remote tree and the next pass brings it back here holding only the
// new file. File deletes carry no cursor (If-Match already pins them).

import { beforeAll, expect, it } from 'vitest';
import { loadHasher } from '../hasher.ts';
import type { Hasher } from '../hasher.ts';
import { ROOT_ID, delegate } from './test-support/fake-remote.ts';
import { describeDisk, describeTree, encode, executor, makePlan, newDevice, pull, scan, syncUntilQuiet } from './test-support/harness.ts';

let hasher: Hasher;
beforeAll(async () => {
  hasher = await loadHasher();
});

it('a folder delete carries the seen cursor, a file delete none', async () => {
  const device = await newDevice(hasher);
  device.remote.putFolder('f', ROOT_ID, 'project');
  device.remote.putFile('a', 'f', 'a.txt', encode('a'));
  device.remote.putFile('b', ROOT_ID, 'b.txt', encode('b'));
  await syncUntilQuiet(device);
  await device.fs.trash('project/a.txt');
  await device.fs.remove('project');
  await device.fs.trash('b.txt');
  device.store.cursor = 'cursor-42';
  await syncUntilQuiet(device);
  expect(device.remote.deletes.sort((x, y) => x.id.localeCompare(y.id))).toEqual([
    { id: 'a', seenCursor: undefined },
    { id: 'b', seenCursor: undefined },
    { id: 'f', seenCursor: 'cursor-42' },
  ]);
  expect(describeTree(device.remote.tree())).toEqual(new Map());
});

it('a folder the server kept (something new inside) stays in the remote tree and comes back here with only the new file', async () => {
  const device = await newDevice(hasher);
  const remote = device.remote;
  remote.putFolder('f', ROOT_ID, 'project');
  remote.putFile('a', 'f', 'a.txt', encode('a'));
  await syncUntilQuiet(device);
  await device.fs.trash('project/a.txt');
  await device.fs.remove('project');
  device.store.cursor = 'cursor-7';

  // Planned from what this device has seen; then another device adds a file inside.
  scan(device);
  pull(device);
  const plan = makePlan(device);
  remote.putFile('new', 'f', 'new.txt', encode('from the other device'));
  // The real server's answer to a folder delete with an older seen cursor: the folder stays.
  device.ports.remote = delegate(remote, {
    delete: async (id, ifMatch, seenCursor, key) => {
      if (id !== 'f') return remote.delete(id, ifMatch, seenCursor, key);
      expect(seenCursor).toBe('cursor-7');
      return { ok: true, item: remote.items.get('f')!, kept: true };
    },
  });
  const result = await executor(device).run(plan, device.store.trees());
  expect(result.executed.find((entry) => entry.operation.kind === 'deleteRemote' && entry.operation.id === 'f')?.outcome).toMatchObject({ status: 'done' });
  expect(device.store.remote.has('f')).toBe(true);
  expect(remote.items.has('a')).toBe(false);

  device.ports.remote = remote;
  await syncUntilQuiet(device);
  const only = new Map([
    ['project', 'folder'],
    ['project/new.txt', hasher.hash(encode('from the other device'))],
  ]);
  expect(describeDisk(device)).toEqual(only);
  expect(describeTree(remote.tree())).toEqual(only);
  expect(describeTree(device.store.trees().synced)).toEqual(only);
});
