// Random changes on both sides of a synced folder — edits, creates, deletes, renames, moves and
// exec-bit flips, folder renames and deletes, with names that collide by case — then the real executor in the engine's loop, optionally
// crashed at a random step and restarted. Every run must converge (disk == local == server ==
// base) and lose nothing: every content present before the sync is, at the end, on the disk, on
// the server, in the server's history or in the local trash. A failing run prints its seed.

import { beforeAll, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadHasher } from '../hasher.ts';
import type { Hasher } from '../hasher.ts';
import { FakeFileSystem } from '../fs/fake-file-system.ts';
import { joinPath } from '../fs/file-system.ts';
import { recover } from './recover.ts';
import { CrashSwitch, SimulatedCrash } from './test-support/crash-switch.ts';
import { ROOT_ID } from './test-support/fake-remote.ts';
import { describeDisk, describeTree, encode, foldCase, newDevice, syncOnce, syncUntilQuiet, tick, trashedHashes } from './test-support/harness.ts';
import type { Device } from './test-support/harness.ts';

let hasher: Hasher;
beforeAll(async () => {
  hasher = await loadHasher();
});

const NAMES = ['a.txt', 'b.txt', 'A.txt', 'c.md'];
const FOLDERS = ['x', 'y'];

type Action =
  | { side: 'local' | 'remote'; kind: 'write'; folder: number; name: number; text: number }
  | { side: 'local' | 'remote'; kind: 'delete'; pick: number }
  | { side: 'local' | 'remote'; kind: 'move'; pick: number; folder: number; name: number }
  | { side: 'local' | 'remote'; kind: 'chmod'; pick: number }
  | { side: 'local' | 'remote'; kind: 'renameFolder'; folder: number; to: number }
  | { side: 'local' | 'remote'; kind: 'deleteFolder'; folder: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ side: fc.constantFrom('local' as const, 'remote' as const), kind: fc.constant('write' as const), folder: fc.nat(2), name: fc.nat(3), text: fc.nat(5) }),
  fc.record({ side: fc.constantFrom('local' as const, 'remote' as const), kind: fc.constant('delete' as const), pick: fc.nat(20) }),
  fc.record({ side: fc.constantFrom('local' as const, 'remote' as const), kind: fc.constant('move' as const), pick: fc.nat(20), folder: fc.nat(2), name: fc.nat(3) }),
  fc.record({ side: fc.constantFrom('local' as const, 'remote' as const), kind: fc.constant('chmod' as const), pick: fc.nat(20) }),
  fc.record({ side: fc.constantFrom('local' as const, 'remote' as const), kind: fc.constant('renameFolder' as const), folder: fc.nat(1), to: fc.nat(2) }),
  fc.record({ side: fc.constantFrom('local' as const, 'remote' as const), kind: fc.constant('deleteFolder' as const), folder: fc.nat(1) }),
);

/** Folder names a rename may pick: the two used above, and one differing only by case. */
const FOLDER_TARGETS = ['x', 'y', 'X'];

function folderPath(index: number): string {
  return index === 0 ? '' : FOLDERS[index - 1]!;
}

async function applyLocal(device: Device, a: Action, step: number): Promise<void> {
  const files = [...describeDisk(device)].filter(([, v]) => v !== 'folder').map(([p]) => p);
  try {
    if (a.kind === 'renameFolder') {
      const from = FOLDERS[a.folder]!;
      if (await exists(device, from)) await device.fs.rename(from, FOLDER_TARGETS[a.to]!);
      return;
    }
    if (a.kind === 'deleteFolder') {
      const folder = FOLDERS[a.folder]!;
      if (await exists(device, folder)) await removeTree(device, folder);
      return;
    }
    if (a.kind === 'write') {
      const folder = folderPath(a.folder);
      if (folder && !(await exists(device, folder))) await device.fs.mkdir(folder);
      device.fs.put(joinPath(folder, NAMES[a.name]!), `local ${a.text} @${step}`);
    } else if (files.length > 0) {
      const path = files[a.pick % files.length]!;
      if (a.kind === 'chmod') await device.fs.setExecutable(path, !(await device.fs.lstat(path)).executable);
      else if (a.kind === 'delete') await device.fs.remove(path);
      else {
        const folder = folderPath(a.folder);
        if (folder && !(await exists(device, folder))) await device.fs.mkdir(folder);
        await device.fs.rename(path, joinPath(folder, NAMES[a.name]!));
      }
    }
  } catch (error) {
    // A name already taken: the user's rename simply failed.
    if ((error as { code?: string }).code !== 'exists') throw error;
  }
}

/** What a user's "delete folder" does: everything inside, then the folder. */
async function removeTree(device: Device, path: string): Promise<void> {
  for (const entry of await device.fs.readdir(path)) {
    const child = joinPath(path, entry.name);
    if (entry.kind === 'folder') await removeTree(device, child);
    else await device.fs.remove(child);
  }
  await device.fs.remove(path);
}

async function exists(device: Device, path: string): Promise<boolean> {
  return device.fs.lstat(path).then(
    () => true,
    () => false,
  );
}

async function applyRemote(device: Device, a: Action, step: number): Promise<void> {
  const remote = device.remote;
  const folderId = async (index: number): Promise<string> => {
    if (index === 0) return ROOT_ID;
    const name = FOLDERS[index - 1]!;
    const found = [...remote.items.values()].find((i) => i.parentId === ROOT_ID && i.kind === 'folder' && i.name === name);
    if (found) return found.id;
    const answer = await remote.createFolder({ id: `rf-${name}-${step}`, parentId: ROOT_ID, name }, `k-${step}-f`);
    return answer.ok ? answer.item.id : ROOT_ID;
  };
  const files = [...remote.items.values()].filter((i) => i.kind === 'file');
  if (a.kind === 'renameFolder' || a.kind === 'deleteFolder') {
    const folder = [...remote.items.values()].find((i) => i.parentId === ROOT_ID && i.kind === 'folder' && i.name === FOLDERS[a.folder]);
    if (!folder) return;
    if (a.kind === 'renameFolder') {
      await remote.move(folder.id, { parentId: ROOT_ID, name: FOLDER_TARGETS[a.to]! }, folder.metadataVersion, `k-${step}`);
      return;
    }
    // Another device deleting a folder: its contents first, deepest first, then the folder.
    const doomed = [...remote.items.values()].filter((i) => i.parentId === folder.id);
    for (const [n, item] of doomed.entries()) await remote.delete(item.id, { metadata: item.metadataVersion, content: item.contentVersion }, undefined, `k-${step}-${n}`);
    const now = remote.items.get(folder.id)!;
    await remote.delete(folder.id, { metadata: now.metadataVersion, content: now.contentVersion }, undefined, `k-${step}-folder`);
    return;
  }
  if (a.kind === 'write') {
    const parentId = await folderId(a.folder);
    const name = NAMES[a.name]!;
    const same = [...remote.items.values()].find((i) => i.parentId === parentId && i.name.toLowerCase() === name.toLowerCase());
    if (same && same.kind !== 'file') return;
    remote.putFile(same?.id ?? `r-${step}`, parentId, same?.name ?? name, encode(`remote ${a.text} @${step}`));
  } else if (files.length > 0) {
    const item = files[a.pick % files.length]!;
    if (a.kind === 'chmod') {
      const data = remote.content(item.id) ?? new Uint8Array();
      remote.putFile(item.id, item.parentId!, item.name, data, !(item.executable ?? false));
    } else if (a.kind === 'delete') await remote.delete(item.id, { metadata: item.metadataVersion, content: item.contentVersion }, undefined, `k-${step}`);
    else await remote.move(item.id, { parentId: await folderId(a.folder), name: NAMES[a.name]! }, item.metadataVersion, `k-${step}`);
  }
}

function contentsNow(device: Device): Set<string> {
  const out = new Set<string>();
  for (const v of describeDisk(device).values()) if (v !== 'folder') out.add(v.replace('+x', ''));
  for (const item of device.remote.items.values()) if (item.hash) out.add(item.hash);
  return out;
}

it('random changes on both sides converge with nothing lost, with or without a crash', async () => {
  let crashed = 0;
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(action, { minLength: 1, maxLength: 16 }),
      fc.option(fc.nat(40), { nil: undefined }),
      fc.boolean(),
      async (actions, crashAt, caseInsensitive) => {
        const device = await newDevice(hasher, undefined, new FakeFileSystem({ now: tick(), caseInsensitive }), caseInsensitive ? foldCase : undefined);
        device.fs.put('x/a.txt', 'start a');
        device.fs.put('b.txt', 'start b');
        await syncUntilQuiet(device);
        for (const [step, a] of actions.entries()) {
          if (a.side === 'local') await applyLocal(device, a, step);
          else await applyRemote(device, a, step);
        }
        const before = contentsNow(device);
        runs += 1;

        if (crashAt !== undefined) {
          const healthy = device.ports;
          const crash = new CrashSwitch(crashAt);
          device.ports = crash.ports(healthy);
          try {
            await syncOnce(device);
          } catch (error) {
            if (!(error instanceof SimulatedCrash)) throw error;
            crashed += 1;
          }
          device.ports = healthy;
          await recover(healthy, device.store.trees(), hasher);
        }
        await syncUntilQuiet(device, {}, 12);

        const disk = describeDisk(device);
        const trees = device.store.trees();
        expect(describeTree(trees.local)).toEqual(disk);
        expect(describeTree(device.remote.tree())).toEqual(disk);
        expect(describeTree(trees.synced)).toEqual(disk);
        const kept = new Set([...contentsNow(device), ...device.remote.history, ...trashedHashes(device)]);
        for (const hash of before) expect(kept.has(hash), `lost ${hash}`).toBe(true);
      },
    ),
    { numRuns: Number(process.env.EXECUTOR_PROPERTY_RUNS ?? 60) },
  );
  // The crash half of the property really ran.
  expect(crashed).toBeGreaterThan(runs / 10);
}, 120_000);

it('two devices changing the same folder offline converge through the server with nothing lost', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(fc.boolean(), action), { minLength: 1, maxLength: 12 }),
      fc.option(fc.nat(40), { nil: undefined }),
      async (steps, crashAt) => {
        const a = await newDevice(hasher);
        const b = await newDevice(hasher, a.remote, new FakeFileSystem({ now: tick(), caseInsensitive: true }), foldCase);
        a.fs.put('x/a.txt', 'start a');
        a.fs.put('b.txt', 'start b');
        await syncUntilQuiet(a);
        await syncUntilQuiet(b);
        for (const [step, [onA, act]] of steps.entries()) await applyLocal(onA ? a : b, { ...act, side: 'local' }, step);
        const before = new Set([...contentsNow(a), ...contentsNow(b)]);

        if (crashAt !== undefined) {
          const healthy = a.ports;
          a.ports = new CrashSwitch(crashAt).ports(healthy);
          await syncOnce(a).catch((error: unknown) => {
            if (!(error instanceof SimulatedCrash)) throw error;
          });
          a.ports = healthy;
          await recover(healthy, a.store.trees(), hasher);
        }
        for (let round = 0; round < 4; round++) {
          await syncUntilQuiet(a, {}, 12);
          await syncUntilQuiet(b, {}, 12);
        }
        const disk = describeDisk(a);
        expect(describeDisk(b)).toEqual(disk);
        expect(describeTree(a.remote.tree())).toEqual(disk);
        for (const d of [a, b]) {
          expect(describeTree(d.store.trees().local)).toEqual(disk);
          expect(describeTree(d.store.trees().synced)).toEqual(disk);
        }
        const kept = new Set([...contentsNow(a), ...a.remote.history, ...trashedHashes(a), ...trashedHashes(b)]);
        for (const hash of before) expect(kept.has(hash), `lost ${hash}`).toBe(true);
      },
    ),
    { numRuns: Number(process.env.EXECUTOR_PROPERTY_RUNS ?? 40) },
  );
}, 120_000);
