// A folder deleted on another device, as the user sees it on a fake disk, through the real
// scanner identity matching, planner and executor: OS clutter (.DS_Store, Thumbs.db …) goes with
// the folder (SCENARIOS #35), a temp or lock file keeps it (#19), and at the moment of the delete
// only clutter FILES are ever removed, whatever the plan said.

import { beforeAll, describe, expect, it } from 'vitest';
import { loadHasher } from '../hasher.ts';
import type { Hasher } from '../hasher.ts';
import type { Operation } from '../planner/operations.ts';
import type { RunResult } from './executor.ts';
import { ROOT_ID } from './test-support/fake-remote.ts';
import { describeDisk, describeTree, encode, executor, makePlan, newDevice, pull, scan, syncUntilQuiet, trashedHashes } from './test-support/harness.ts';
import type { Device } from './test-support/harness.ts';

let hasher: Hasher;
beforeAll(async () => {
  hasher = await loadHasher();
});

/** A synced folder `photos` holding cat.jpg, then deleted on the server. */
async function photosDeletedOnTheServer(): Promise<Device> {
  const device = await newDevice(hasher);
  device.remote.putFolder('f', ROOT_ID, 'photos');
  device.remote.putFile('p', 'f', 'cat.jpg', encode('meow'));
  await syncUntilQuiet(device);
  return device;
}

function deleteOnServer(device: Device): void {
  device.remote.items.delete('p');
  device.remote.items.delete('f');
}

async function namesIn(device: Device, path: string): Promise<string[]> {
  return (await device.fs.readdir(path)).map((entry) => entry.name).filter((name) => !name.startsWith('.tandem')).sort();
}

/** What happened to the trashLocal of the `photos` folder. */
const folderOutcome = (result: RunResult) => result.executed.find((e) => e.operation.kind === 'trashLocal' && e.operation.id === 'f')?.outcome;

const reportCodes = (ops: Operation[]) => ops.flatMap((op) => (op.kind === 'report' ? [op.code] : []));

describe('a folder deleted on the server', () => {
  it('#35 holding only .DS_Store and Thumbs.db here: the folder goes, the clutter with it (to the local trash)', async () => {
    const device = await photosDeletedOnTheServer();
    device.fs.put('photos/.DS_Store', 'finder view settings');
    device.fs.put('photos/Thumbs.db', 'explorer thumbnails');
    deleteOnServer(device);
    scan(device);
    pull(device);
    expect(reportCodes(makePlan(device))).not.toContain('kept_ignored');
    await syncUntilQuiet(device);
    expect(await namesIn(device, '')).toEqual([]);
    expect(trashedHashes(device).sort()).toEqual(['meow', 'finder view settings', 'explorer thumbnails'].map((t) => hasher.hash(encode(t))).sort());
    expect([...device.store.local.values()].filter((item) => item.id !== ROOT_ID)).toEqual([]);
    expect(device.store.synced.has('f')).toBe(false);
    const disk = describeDisk(device);
    expect(describeTree(device.store.trees().local)).toEqual(disk);
    expect(describeTree(device.remote.tree())).toEqual(disk);
  });

  it('#19 holding notes.swp here: the folder is kept with it (and its clutter), reported, and nothing else comes back', async () => {
    const device = await photosDeletedOnTheServer();
    device.fs.put('photos/notes.swp', 'vim swap: unsaved work');
    device.fs.put('photos/.DS_Store', 'finder view settings');
    deleteOnServer(device);
    scan(device);
    pull(device);
    const ops = makePlan(device);
    expect(reportCodes(ops)).toContain('kept_ignored');
    await syncUntilQuiet(device);
    expect(await namesIn(device, 'photos')).toEqual(['.DS_Store', 'notes.swp']);
    expect(new TextDecoder().decode(device.fs.get('photos/notes.swp'))).toBe('vim swap: unsaved work');
    expect(trashedHashes(device)).toEqual([hasher.hash(encode('meow'))]);
    expect([...device.remote.items.values()].filter((item) => item.id !== ROOT_ID)).toEqual([]);
  });
});

describe('the folder delete re-checks what is inside at the moment it runs', () => {
  it('a file that arrived after the scan keeps the folder, and the clutter beside it is left alone', async () => {
    const device = await photosDeletedOnTheServer();
    device.fs.put('photos/.DS_Store', 'finder view settings');
    deleteOnServer(device);
    scan(device);
    pull(device);
    const ops = makePlan(device);
    expect(ops.some((op) => op.kind === 'trashLocal' && op.id === 'f')).toBe(true);
    device.fs.put('photos/new.jpg', 'saved just now');
    const result = await executor(device).run(ops, device.store.trees());
    expect(folderOutcome(result)).toMatchObject({ status: 'deferred', reason: 'not_empty' });
    expect(await namesIn(device, 'photos')).toEqual(['.DS_Store', 'new.jpg']);
  });

  it('only clutter FILES count: a link or a folder with a clutter name keeps the folder, untouched', async () => {
    for (const setup of [(d: Device) => d.fs.putLink('photos/Thumbs.db', '/etc/passwd'), (d: Device) => d.fs.put('photos/._stuff/inside.txt', 'kept')]) {
      const device = await photosDeletedOnTheServer();
      device.fs.put('photos/.DS_Store', 'finder view settings');
      setup(device);
      deleteOnServer(device);
      scan(device);
      pull(device);
      const ops: Operation[] = [
        { kind: 'trashLocal', id: 'p', itemKind: 'file', hash: hasher.hash(encode('meow')), path: 'photos/cat.jpg' },
        { kind: 'trashLocal', id: 'f', itemKind: 'folder', hash: undefined, path: 'photos' },
      ];
      const result = await executor(device).run(ops, device.store.trees());
      expect(folderOutcome(result)).toMatchObject({ status: 'deferred', reason: 'not_empty' });
      expect((await namesIn(device, 'photos')).length).toBe(2);
      expect(device.fs.get('photos/.DS_Store')).toBeDefined();
    }
  });

  it('a temp or lock file the plan did not know about is never taken for clutter', async () => {
    const device = await photosDeletedOnTheServer();
    deleteOnServer(device);
    scan(device);
    pull(device);
    const ops = makePlan(device);
    device.fs.put('photos/~$report.docx', 'word owner file');
    const result = await executor(device).run(ops, device.store.trees());
    expect(folderOutcome(result)).toMatchObject({ status: 'deferred', reason: 'not_empty' });
    expect(device.fs.get('photos/~$report.docx')).toBeDefined();
  });
});

describe('a file deleted on the server', () => {
  it('saved again here between the check and the move to the trash: it comes back with the new bytes, which win and reach the server (invariant 3)', async () => {
    // Found by the multi-client simulation: the user saved at the very moment the executor trashed.
    const device = await newDevice(hasher);
    device.remote.putFile('p', ROOT_ID, 'cat.jpg', encode('meow'));
    await syncUntilQuiet(device);
    device.remote.items.delete('p');
    const fs = device.ports.fs;
    let saves = 0;
    const trash = async (path: string): Promise<string> => {
      if (saves++ === 0) device.fs.put(path, 'meow, edited just now');
      return fs.trash(path);
    };
    device.ports = { ...device.ports, fs: new Proxy(fs, {
        get: (target, key) => {
          if (key === 'trash') return trash;
          const value = Reflect.get(target, key) as unknown;
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        },
      }) };
    await syncUntilQuiet(device);
    const edited = hasher.hash(encode('meow, edited just now'));
    expect(describeDisk(device)).toEqual(new Map([['cat.jpg', edited]]));
    expect(describeTree(device.remote.tree())).toEqual(new Map([['cat.jpg', edited]]));
    expect(trashedHashes(device)).not.toContain(edited);
    expect(saves).toBeGreaterThan(0);
  });
});
