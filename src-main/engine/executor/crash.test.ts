// Invariant 6 and SCENARIOS #40 under fault injection: one plan holding every kind of operation
// is run and "crashed" at every step boundary (before and after every disk, server and store
// call); then the engine restarts — recover, scan, read the server, plan, execute until quiet —
// and must converge with nothing lost: every content that existed is on the disk, on the server,
// in the server's history or in the local trash.

import { beforeAll, describe, expect, it } from 'vitest';
import { loadHasher } from '../hasher.ts';
import type { Hasher } from '../hasher.ts';
import { recover } from './recover.ts';
import { ROOT_ID } from './test-support/fake-remote.ts';
import { CrashSwitch, SimulatedCrash } from './test-support/crash-switch.ts';
import { describeDisk, describeTree, encode, newDevice, syncOnce, syncUntilQuiet, trashedHashes } from './test-support/harness.ts';
import type { Device } from './test-support/harness.ts';

let hasher: Hasher;
beforeAll(async () => {
  hasher = await loadHasher();
});

/** A device in sync with the server, then changed on both sides so the next plan has every op kind. */
async function world(): Promise<{ device: Device; contents: Set<string> }> {
  const device = await newDevice(hasher);
  const r = device.remote;
  r.putFile('a', ROOT_ID, 'a.txt', encode('a v1'));
  r.putFile('b', ROOT_ID, 'b.txt', encode('b, deleted on the server'));
  r.putFolder('d', ROOT_ID, 'd');
  r.putFile('c', 'd', 'c.txt', encode('c, renamed on the server'));
  r.putFile('e', ROOT_ID, 'e.txt', encode('e v1'));
  r.putFile('g', ROOT_ID, 'g.txt', encode('g, renamed here'));
  r.putFile('k', ROOT_ID, 'k.txt', encode('k, deleted here'));
  r.putFile('m', ROOT_ID, 'm.txt', encode('m base'));
  r.putFile('x', ROOT_ID, 'run.sh', encode('echo hi'));
  await syncUntilQuiet(device);

  r.putFile('a', ROOT_ID, 'a.txt', encode('a v2 from the server')); // download over an unchanged file
  r.items.delete('b'); // trashLocal
  await r.move('c', { parentId: 'd', name: 'c2.txt' }, undefined, 'setup-move'); // moveLocal
  r.putFolder('rf', ROOT_ID, 'rf'); // createLocalFolder
  r.putFile('r', 'rf', 'r.txt', encode('new on the server')); // download of a new file
  r.putFile('m', ROOT_ID, 'm.txt', encode('m theirs')); // with the local edit below: conflictCopy + upload
  r.putFile('x', ROOT_ID, 'run.sh', encode('echo hi'), true); // exec bit only
  device.fs.put('n.txt', 'new here'); // upload (create)
  device.fs.put('e.txt', 'e v2 from here'); // upload (commit)
  device.fs.put('lf/x.txt', 'new folder here'); // createRemoteFolder + upload
  await device.fs.rename('g.txt', 'h.txt'); // moveRemote
  await device.fs.remove('k.txt'); // deleteRemote (its bytes stay in the server's history)
  device.fs.put('m.txt', 'm mine');

  const contents = new Set<string>();
  for (const value of describeDisk(device).values()) contents.add(value.replace('+x', ''));
  for (const item of r.items.values()) if (item.hash) contents.add(item.hash);
  contents.delete('folder');
  return { device, contents };
}

function checkConverged(device: Device, contents: Set<string>): void {
  const disk = describeDisk(device);
  const trees = device.store.trees();
  expect(describeTree(trees.local)).toEqual(disk);
  expect(describeTree(device.remote.tree())).toEqual(disk);
  expect(describeTree(trees.synced)).toEqual(disk);
  expect(device.store.journal.size).toBe(0);
  const kept = new Set([
    ...[...disk.values()].map((v) => v.replace('+x', '')),
    ...device.remote.history,
    ...[...device.remote.items.values()].flatMap((i) => (i.hash ? [i.hash] : [])),
    ...trashedHashes(device),
  ]);
  for (const hash of contents) expect(kept.has(hash), `content ${hash} was lost`).toBe(true);
  // #40: an effect that happened before the crash reads as equal content, never as a conflict —
  // the one conflicted copy is m.txt's, which both sides really edited.
  expect([...disk.keys()].filter((path) => path.includes('conflicted copy'))).toHaveLength(1);
}

describe('crash at every step boundary, then restart', () => {
  it('the plan covers every operation kind, and runs clean without a crash', async () => {
    const { device, contents } = await world();
    const switchOff = new CrashSwitch();
    const ports = device.ports;
    device.ports = switchOff.ports(ports);
    const { plan } = await syncOnce(device);
    const kinds = new Set(plan.map((op) => op.kind));
    for (const kind of ['download', 'trashLocal', 'moveLocal', 'createLocalFolder', 'conflictCopy', 'upload', 'createRemoteFolder', 'moveRemote', 'deleteRemote']) {
      expect(kinds, kind).toContain(kind);
    }
    device.ports = ports;
    await syncUntilQuiet(device);
    checkConverged(device, contents);
    expect(switchOff.boundaries.length).toBeGreaterThan(40);
  });

  it.each([1, 3, 8])('converges with nothing lost, wherever the crash happens (%i at once)', async (concurrency) => {
    const probe = await world();
    const counter = new CrashSwitch();
    const ports = probe.device.ports;
    probe.device.ports = counter.ports(ports);
    await syncOnce(probe.device, { concurrency });
    const total = counter.boundaries.length;

    for (let at = 0; at < total; at++) {
      const { device, contents } = await world();
      const healthy = device.ports;
      const crash = new CrashSwitch(at);
      device.ports = crash.ports(healthy);
      await expect(syncOnce(device, { concurrency }), `crash at ${at}`).rejects.toBeInstanceOf(SimulatedCrash);
      // Restart: a new process on the same disk, server and store.
      device.ports = healthy;
      await recover(healthy, device.store.trees());
      try {
        await syncUntilQuiet(device);
        checkConverged(device, contents);
      } catch (error) {
        throw new Error(`after a crash at boundary ${at} (${counter.boundaries[at]}): ${(error as Error).message}`, { cause: error });
      }
    }
  }, 120_000);
});
