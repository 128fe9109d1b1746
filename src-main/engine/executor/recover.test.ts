// Recovery after a crash, case by case (crash.test.ts crashes everywhere; these say what each
// step is for): a verified download whose rename was cut off is put in place AND recorded; a temp
// file whose target is still there goes; a conflicted-copy rename that reached the disk is
// recorded under the copy's id; every journal entry is closed.

import { beforeAll, describe, expect, it } from 'vitest';
import { loadHasher } from '../hasher.ts';
import type { Hasher } from '../hasher.ts';
import type { Operation } from '../planner/operations.ts';
import { downloadTempPath } from './download.ts';
import { recover } from './recover.ts';
import { ROOT_ID } from './test-support/fake-remote.ts';
import { encode, makePlan, newDevice, pull, scan, syncUntilQuiet } from './test-support/harness.ts';
import type { Device } from './test-support/harness.ts';

let hasher: Hasher;
beforeAll(async () => {
  hasher = await loadHasher();
});

async function plannedDownload(device: Device): Promise<Extract<Operation, { kind: 'download' }>> {
  scan(device);
  pull(device);
  const op = makePlan(device).find((o) => o.kind === 'download');
  if (op?.kind !== 'download') throw new Error('expected a download in the plan');
  return op;
}

describe('recover', () => {
  it('puts a verified download in place when the crash came between trash and rename, and records it', async () => {
    const device = await newDevice(hasher);
    device.remote.putFile('x', ROOT_ID, 'a.txt', encode('v1'));
    await syncUntilQuiet(device);
    device.remote.putFile('x', ROOT_ID, 'a.txt', encode('v2'));
    const op = await plannedDownload(device);
    const entry = device.store.journalBegin(op, 'key-1');
    await device.fs.writeFileAtomic(downloadTempPath(op.path, entry.idempotencyKey), encode('v2'));
    await device.fs.trash('a.txt');
    device.fs.put('.tandem-tmp-half-written', 'junk from a write cut short');

    const report = await recover(device.ports, device.store.trees(), hasher);
    expect(report.completedDownloads).toEqual(['a.txt']);
    expect(new TextDecoder().decode(device.fs.get('a.txt'))).toBe('v2');
    expect(device.fs.get('.tandem-tmp-half-written')).toBeUndefined();
    expect(device.store.journal.size).toBe(0);
    expect(device.store.local.get('x')?.hash).toBe(hasher.hash(encode('v2')));
    expect(device.store.synced.get('x')?.hash).toBe(hasher.hash(encode('v2')));
    // Nothing left to do: no download again, no conflict.
    scan(device);
    pull(device);
    expect(makePlan(device).filter((o) => o.kind !== 'report')).toEqual([]);
  });

  it('removes a temp file whose target is still there, leaving the target alone', async () => {
    const device = await newDevice(hasher);
    device.remote.putFile('x', ROOT_ID, 'a.txt', encode('v1'));
    await syncUntilQuiet(device);
    device.remote.putFile('x', ROOT_ID, 'a.txt', encode('v2'));
    const op = await plannedDownload(device);
    const entry = device.store.journalBegin(op, 'key-2');
    const temp = downloadTempPath(op.path, entry.idempotencyKey);
    await device.fs.writeFileAtomic(temp, encode('v2'));
    const report = await recover(device.ports, device.store.trees(), hasher);
    expect(report.removedTemps).toContain(temp);
    expect(new TextDecoder().decode(device.fs.get('a.txt'))).toBe('v1');
    expect(device.store.journal.size).toBe(0);
    await syncUntilQuiet(device);
    expect(new TextDecoder().decode(device.fs.get('a.txt'))).toBe('v2');
  });

  it('removes the temp file of a download cut short even when the user moved its folder before the restart', async () => {
    const device = await newDevice(hasher);
    device.remote.putFolder('f', ROOT_ID, 'photos');
    device.remote.putFile('x', 'f', 'a.txt', encode('v1'));
    await syncUntilQuiet(device);
    device.remote.putFile('x', 'f', 'a.txt', encode('v2'));
    const op = await plannedDownload(device);
    const entry = device.store.journalBegin(op, 'key-moved');
    const temp = downloadTempPath(op.path, entry.idempotencyKey);
    await device.fs.writeFileAtomic(temp, encode('v2'));
    // Crash; while the app is closed the user renames the folder (the temp file goes with it).
    await device.fs.mkdir('2024');
    await device.fs.rename('photos', '2024/holiday');

    const report = await recover(device.ports, device.store.trees(), hasher);
    const moved = temp.replace(/^photos\//, '2024/holiday/');
    expect(report.removedTemps).toEqual([moved]);
    expect(device.fs.syncLister.list('2024/holiday').map((e) => e.name)).toEqual(['a.txt']);
    expect(new TextDecoder().decode(device.fs.get('2024/holiday/a.txt'))).toBe('v1');
    expect(device.store.journal.size).toBe(0);
  });

  it('records a conflicted-copy rename that reached the disk, so the next plan makes no second copy', async () => {
    const device = await newDevice(hasher);
    device.remote.putFile('m', ROOT_ID, 'm.txt', encode('base'));
    await syncUntilQuiet(device);
    device.fs.put('m.txt', 'mine');
    device.remote.putFile('m', ROOT_ID, 'm.txt', encode('theirs'));
    scan(device);
    pull(device);
    const copy = makePlan(device).find((o) => o.kind === 'conflictCopy');
    if (copy?.kind !== 'conflictCopy') throw new Error('expected a conflicted copy');
    device.store.journalBegin(copy, 'key-3');
    await device.fs.rename(copy.fromPath, copy.path);

    await recover(device.ports, device.store.trees(), hasher);
    expect(device.store.local.get(copy.id)?.name).toBe(copy.name);
    await syncUntilQuiet(device);
    const names = [...device.remote.items.values()].map((i) => i.name);
    expect(names.filter((n) => n.includes('conflicted copy'))).toHaveLength(1);
    expect(new TextDecoder().decode(device.fs.get('m.txt'))).toBe('theirs');
  });

  it('finishes a local move cut between its link and its unlink, so the file is not seen twice', async () => {
    const device = await newDevice(hasher);
    device.remote.putFile('r', ROOT_ID, 'old.txt', encode('report'));
    await syncUntilQuiet(device);
    device.remote.putFile('r', ROOT_ID, 'new.txt', encode('report'));
    scan(device);
    pull(device);
    const move = makePlan(device).find((o) => o.kind === 'moveLocal');
    if (move?.kind !== 'moveLocal') throw new Error('expected a local move');
    device.store.journalBegin(move, 'key-4');
    device.fs.putHardLink(move.path, move.fromPath);

    await recover(device.ports, device.store.trees(), hasher);
    expect(device.fs.get('old.txt')).toBeUndefined();
    expect(new TextDecoder().decode(device.fs.get('new.txt'))).toBe('report');
    await syncUntilQuiet(device);
    expect([...device.remote.items.values()].filter((i) => i.kind === 'file').map((i) => i.name)).toEqual(['new.txt']);
  });
});
