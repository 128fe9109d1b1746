// Retries, progress and guards, as the UI and the CLI see them: transient failures are retried
// with growing jittered waits and the same key; progress counts files and bytes to the end; a
// missing or replaced folder root and a mass-delete question stop the run before anything changes.

import { beforeAll, describe, expect, it } from 'vitest';
import { loadHasher } from '../hasher.ts';
import type { Hasher } from '../hasher.ts';
import { FakeFileSystem } from '../fs/fake-file-system.ts';
import { FsError } from '../fs/file-system.ts';
import type { FileSystem } from '../fs/file-system.ts';
import { FOLDER_MARKER, checkFolderMarker, writeFolderMarker } from './guards.ts';
import type { Progress } from './progress.ts';
import { ROOT_ID, delegate } from './test-support/fake-remote.ts';
import { describeTree, encode, executor, makePlan, newDevice, pull, scan, syncOnce, syncUntilQuiet } from './test-support/harness.ts';
import type { Device } from './test-support/harness.ts';

let hasher: Hasher;
beforeAll(async () => {
  hasher = await loadHasher();
});

function recordSleeps(device: Device): number[] {
  const sleeps: number[] = [];
  device.ports.clock = { now: () => 0, random: () => 0.5, sleep: async (ms) => void sleeps.push(ms) };
  return sleeps;
}

describe('retries', () => {
  it('retries transient server failures with growing, jittered waits and one Idempotency-Key', async () => {
    const device = await newDevice(hasher);
    device.fs.put('a.txt', 'hello');
    const sleeps = recordSleeps(device);
    device.remote.failNext(2);
    const { result } = await syncOnce(device);
    const upload = result.executed.find((e) => e.operation.kind === 'upload')!;
    expect(upload.outcome).toMatchObject({ status: 'done', attempts: 3 });
    // Full jitter: random 0.5 of a ceiling that doubles (500 ms, then 1 s).
    expect(sleeps).toEqual([250, 500]);
    expect([...device.remote.items.values()].filter((i) => i.name === 'a.txt')).toHaveLength(1);
  });

  it('gives up after the policy\'s attempts and reports a one-line reason, the next pass succeeds', async () => {
    const device = await newDevice(hasher);
    device.fs.put('a.txt', 'hello');
    recordSleeps(device);
    device.remote.failNext(100);
    const { result } = await syncOnce(device, { retry: { baseDelayMs: 10, maxDelayMs: 100, maxAttempts: 3, maxRetryAfterMs: 0 } });
    const upload = result.executed.find((e) => e.operation.kind === 'upload')!;
    expect(upload.outcome).toMatchObject({ status: 'failed', retryable: true, attempts: 3 });
    expect(upload.outcome.status === 'failed' && upload.outcome.message).toMatch(/^[^\n]+$/);
    expect(result.complete).toBe(false);
    expect(device.store.journal.size).toBe(0);
    device.remote.failNext(0);
    await syncUntilQuiet(device);
    expect([...device.remote.items.values()].some((i) => i.name === 'a.txt')).toBe(true);
  });

  it('does not retry a permanent failure', async () => {
    const device = await newDevice(hasher);
    device.fs.put('a.txt', 'hello');
    const sleeps = recordSleeps(device);
    device.ports.remote = delegate(device.remote, {
      missingBlocks: async () => {
        throw Object.assign(new Error('Your account is over its quota.'), { name: 'RemoteError', kind: 'permanent' });
      },
    });
    const { result } = await syncOnce(device);
    expect(result.executed.find((e) => e.operation.kind === 'upload')?.outcome).toMatchObject({ status: 'failed', attempts: 1 });
    expect(sleeps).toEqual([]);
  });
});

describe('progress', () => {
  it('counts files and bytes to the end, never more at once than allowed', async () => {
    const device = await newDevice(hasher);
    for (let i = 0; i < 5; i++) device.fs.put(`up${i}.txt`, 'x'.repeat(1000 * (i + 1)));
    for (let i = 0; i < 4; i++) device.remote.putFile(`r${i}`, ROOT_ID, `down${i}.txt`, encode('y'.repeat(500 * (i + 1))));
    const events: Progress[] = [];
    const { result } = await syncOnce(device, { concurrency: 2, onProgress: (p) => events.push(p) });
    expect(result.complete).toBe(true);
    const last = events.at(-1)!;
    expect(last.filesTotal).toBe(9);
    expect(last.filesDone).toBe(9);
    expect(last.bytesTotal).toBe(15_000 + 5_000);
    expect(last.bytesDone).toBe(last.bytesTotal);
    expect(last.operationsFinished).toBe(last.operationsTotal);
    for (let i = 1; i < events.length; i++) expect(events[i]!.bytesDone).toBeGreaterThanOrEqual(events[i - 1]!.bytesDone);
    expect(Math.max(...events.map((e) => e.active.length))).toBeLessThanOrEqual(2);
    expect(events.some((e) => e.bytesDone > 0 && e.bytesDone < e.bytesTotal)).toBe(true);
  });
});

describe('guards before deletes', () => {
  it('stops a folder whose root lost its marker: the empty folder never reads as "everything deleted" (#41)', async () => {
    const device = await newDevice(hasher);
    device.remote.putFile('a', ROOT_ID, 'a.txt', encode('a'));
    device.remote.putFile('b', ROOT_ID, 'b.txt', encode('b'));
    await syncUntilQuiet(device);
    const serverBefore = describeTree(device.remote.tree());
    // The disk behind the folder is gone and an empty folder stands in its place.
    await device.fs.trash('a.txt');
    await device.fs.trash('b.txt');
    await device.fs.remove(FOLDER_MARKER);
    const { plan, result } = await syncOnce(device);
    expect(plan.filter((op) => op.kind === 'deleteRemote')).toHaveLength(2);
    expect(result.stopped).toMatchObject({ reason: 'folder_stopped' });
    expect(result.stopped?.message).toMatch(/marker.*nothing was deleted/);
    expect(result.executed).toEqual([]);
    expect(describeTree(device.remote.tree())).toEqual(serverBefore);
  });

  it('stops on a missing root and on another folder\'s marker', async () => {
    const fs = new FakeFileSystem();
    await writeFolderMarker(fs, 'other-folder');
    await expect(checkFolderMarker(fs, 'folder-1')).rejects.toThrow(/another folder's marker/);
    await writeFolderMarker(fs, 'folder-1');
    await expect(checkFolderMarker(fs, 'folder-1')).resolves.toBeUndefined();
    await expect(checkFolderMarker(fakeMissingRoot(), 'folder-1')).rejects.toThrow(/is missing.*nothing was deleted/);
  });

  it('checks the marker again right before the first delete, and applies none if it is gone', async () => {
    const device = await newDevice(hasher);
    device.remote.putFile('a', ROOT_ID, 'a.txt', encode('a'));
    await syncUntilQuiet(device);
    device.remote.items.delete('a');
    device.remote.putFile('n', ROOT_ID, 'new.txt', encode('n'));
    scan(device);
    pull(device);
    const plan = makePlan(device);
    // The marker disappears while the run is under way (after the first check).
    const fs = device.fs;
    let markerReads = 0;
    device.ports.fs = {
      ...bind(fs),
      openRead: (path: string) => {
        if (path === FOLDER_MARKER && ++markerReads > 1) return fs.openRead('no-such-marker');
        return fs.openRead(path);
      },
    };
    const result = await executor(device, { concurrency: 1 }).run(plan, device.store.trees());
    expect(result.stopped).toMatchObject({ reason: 'folder_stopped' });
    expect(result.executed.find((e) => e.operation.kind === 'trashLocal')?.outcome.status).toBe('failed');
    expect(fs.get('a.txt')).toBeDefined();
  });

  it('stops before any work when the plan asks about a mass delete (#42)', async () => {
    const device = await newDevice(hasher);
    for (let i = 0; i < 40; i++) device.remote.putFile(`f${i}`, ROOT_ID, `f${i}.txt`, encode(`file ${i}`));
    await syncUntilQuiet(device);
    for (let i = 0; i < 40; i++) device.remote.items.delete(`f${i}`);
    device.remote.putFile('new', ROOT_ID, 'new.txt', encode('new'));
    const { plan, result } = await syncOnce(device);
    expect(plan.some((op) => op.kind === 'ask')).toBe(true);
    expect(result.stopped).toMatchObject({ reason: 'question' });
    expect(result.questions).toHaveLength(1);
    expect(result.questions[0]).toMatchObject({ question: 'mass_delete', count: 40 });
    expect(device.fs.get('f0.txt')).toBeDefined();
    expect(device.fs.get('new.txt')).toBeUndefined();
    // Answered yes for that batch: the deletes go to the local trash.
    const approved = new Set([result.questions[0]!.batchKey]);
    scan(device);
    pull(device);
    const approvedPlan = makePlan(device, { approvedMassDeletes: approved });
    const after = await executor(device).run(approvedPlan, device.store.trees());
    expect(after.complete).toBe(true);
    expect(device.fs.get('f0.txt')).toBeUndefined();
  });
});

function bind(fs: FakeFileSystem): FileSystem {
  return {
    description: fs.description,
    syncLister: fs.syncLister,
    lstat: fs.lstat.bind(fs),
    readdir: fs.readdir.bind(fs),
    openRead: fs.openRead.bind(fs),
    readRange: fs.readRange.bind(fs),
    writeFileAtomic: fs.writeFileAtomic.bind(fs),
    mkdir: fs.mkdir.bind(fs),
    rename: fs.rename.bind(fs),
    trash: fs.trash.bind(fs),
    remove: fs.remove.bind(fs),
    setExecutable: fs.setExecutable.bind(fs),
    freeSpace: fs.freeSpace.bind(fs),
  };
}

/** A folder whose disk is not mounted: its root is not there at all. */
function fakeMissingRoot(): FileSystem {
  return {
    ...bind(new FakeFileSystem()),
    description: '/mnt/usb/Tandem',
    lstat: async (path) => {
      throw new FsError('not_found', `Could not look at "${path}": it does not exist.`, path);
    },
  };
}

describe('pausing', () => {
  it('finishes what started, starts nothing more, and the next pass picks up the rest', async () => {
    const device = await newDevice(hasher);
    for (let i = 0; i < 6; i++) device.remote.putFile(`r${i}`, ROOT_ID, `${i}.txt`, encode(`file ${i}`));
    const pause = new AbortController();
    const ended: string[] = [];
    const { result } = await syncOnce(device, {
      concurrency: 2,
      onOperation: (entry) => {
        ended.push(entry.outcome.status);
        if (ended.length === 2) pause.abort();
      },
    }, {}, { signal: pause.signal });
    expect(result.stopped).toMatchObject({ reason: 'paused' });
    const statuses = result.executed.filter((e) => e.operation.kind === 'download').map((e) => e.outcome.status);
    expect(statuses.filter((s) => s === 'done').length).toBeGreaterThanOrEqual(2);
    expect(statuses.filter((s) => s === 'skipped').length).toBeGreaterThan(0);
    expect(device.store.journal.size).toBe(0);
    await syncUntilQuiet(device);
    for (let i = 0; i < 6; i++) expect(device.fs.get(`${i}.txt`)).toBeDefined();
  });
});
