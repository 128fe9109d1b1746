// Downloads racing the user at the very last moment (found by the multi-client simulation, a
// user acting at an executor boundary): a new file saved at the target after the check and before
// the temp file is renamed into place, or a save to the old file after the check and before it
// goes to the trash. The user's bytes stay, the download waits for the next pass (a conflict if
// need be), and no hidden temp file is left behind.

import { beforeAll, expect, it } from 'vitest';
import { TEMP_PREFIX } from '../fs/file-system.ts';
import type { FileSystem } from '../fs/file-system.ts';
import { loadHasher } from '../hasher.ts';
import type { Hasher } from '../hasher.ts';
import { ROOT_ID } from './test-support/fake-remote.ts';
import { describeDisk, describeTree, encode, newDevice, syncUntilQuiet } from './test-support/harness.ts';
import type { Device } from './test-support/harness.ts';

let hasher: Hasher;
beforeAll(async () => {
  hasher = await loadHasher();
});

/** The device's FileSystem port with one call replaced (the user acting at that very moment). */
function replaceFsCall<K extends keyof FileSystem>(device: Device, key: K, call: FileSystem[K]): void {
  device.ports = {
    ...device.ports,
    fs: new Proxy(device.ports.fs, {
      get: (target, name) => {
        if (name === key) return call;
        const value = Reflect.get(target, name) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    }),
  };
}

it('a new file saved at the download target just before the rename keeps its bytes, both versions end up synced, and no temp file stays', async () => {
  const device = await newDevice(hasher);
  device.remote.putFile('r', ROOT_ID, 'a.txt', encode('from the server'));
  const fs = device.ports.fs;
  let saved = false;
  const rename = async (from: string, to: string): Promise<void> => {
    if (!saved && from.includes(TEMP_PREFIX) && to === 'a.txt') {
      saved = true;
      device.fs.put('a.txt', 'saved here just now');
    }
    return fs.rename(from, to);
  };
  replaceFsCall(device, 'rename', rename);
  await syncUntilQuiet(device);

  expect(saved).toBe(true);
  const names = device.fs.syncLister.list('').map((entry) => entry.name);
  expect(names.filter((name) => name.startsWith(TEMP_PREFIX))).toEqual([]);
  const disk = describeDisk(device);
  expect([...disk.values()].sort()).toEqual([hasher.hash(encode('from the server')), hasher.hash(encode('saved here just now'))].sort());
  expect(describeTree(device.remote.tree())).toEqual(disk);
});

it('a save made right after the download is renamed into place is uploaded, not recorded as the server\'s bytes', async () => {
  const device = await newDevice(hasher);
  device.remote.putFile('r', ROOT_ID, 'a.txt', encode('from the server'));
  const fs = device.ports.fs;
  let saved = false;
  const rename = async (from: string, to: string): Promise<void> => {
    await fs.rename(from, to);
    if (!saved && from.includes(TEMP_PREFIX) && to === 'a.txt') {
      saved = true;
      device.fs.put('a.txt', 'edited the moment it arrived');
    }
  };
  replaceFsCall(device, 'rename', rename);
  await syncUntilQuiet(device);

  expect(saved).toBe(true);
  expect(new TextDecoder().decode(device.remote.content('r'))).toBe('edited the moment it arrived');
  expect(describeTree(device.remote.tree())).toEqual(describeDisk(device));
});

it('a file saved here between the check and its move to the trash (making room for the server\'s newer version) comes back: both versions are kept', async () => {
  const device = await newDevice(hasher);
  device.remote.putFile('r', ROOT_ID, 'a.txt', encode('v1'));
  await syncUntilQuiet(device);
  device.remote.putFile('r', ROOT_ID, 'a.txt', encode('v2 from the server'));
  const fs = device.ports.fs;
  let saved = false;
  const trash = async (path: string): Promise<string> => {
    if (!saved && path === 'a.txt') {
      saved = true;
      device.fs.put('a.txt', 'v2 saved here just now');
    }
    return fs.trash(path);
  };
  replaceFsCall(device, 'trash', trash);
  await syncUntilQuiet(device);

  expect(saved).toBe(true);
  const disk = describeDisk(device);
  expect([...disk.values()].sort()).toEqual([hasher.hash(encode('v2 from the server')), hasher.hash(encode('v2 saved here just now'))].sort());
  expect(describeTree(device.remote.tree())).toEqual(disk);
});
