// The executor, one operation kind at a time, through the real planner on a fake disk and an
// in-memory server: effects land in the right order, the base advances only after them, and
// every local precondition that no longer holds leaves the user's bytes alone.

import { beforeAll, describe, expect, it } from 'vitest';
import { loadHasher } from '../hasher.ts';
import type { Hasher } from '../hasher.ts';
import { FakeFileSystem } from '../fs/fake-file-system.ts';
import { FakeRemote, ROOT_ID, delegate } from './test-support/fake-remote.ts';
import {
  describeDisk,
  describeTree,
  encode,
  foldCase,
  newDevice,
  scan,
  pull,
  makePlan,
  executor,
  syncOnce,
  syncUntilQuiet,
  tick,
  trashedHashes,
} from './test-support/harness.ts';
import type { Device } from './test-support/harness.ts';
import type { RemoteOps } from './ports.ts';
import { CrashSwitch } from './test-support/crash-switch.ts';

let hasher: Hasher;
beforeAll(async () => {
  hasher = await loadHasher();
});

function converged(device: Device): void {
  const trees = device.store.trees();
  const disk = describeDisk(device);
  expect(describeTree(trees.local)).toEqual(disk);
  expect(describeTree(device.remote.tree())).toEqual(disk);
  expect(describeTree(trees.synced)).toEqual(disk);
}

function outcomeOf(result: Awaited<ReturnType<typeof syncOnce>>['result'], kind: string) {
  return result.executed.find((entry) => entry.operation.kind === kind)?.outcome;
}

function randomBytes(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

describe('download', () => {
  it('puts a new server file in place through a temp file and advances the base after it', async () => {
    const device = await newDevice(hasher);
    device.remote.putFolder('f', ROOT_ID, 'docs');
    device.remote.putFile('x', 'f', 'a.txt', encode('hello'));
    const { result } = await syncOnce(device);
    expect(result.complete).toBe(true);
    expect(new TextDecoder().decode(device.fs.get('docs/a.txt'))).toBe('hello');
    expect((await device.fs.readdir('docs')).map((e) => e.name)).toEqual(['a.txt']);
    expect(device.store.synced.get('x')?.hash).toBe(hasher.hash(encode('hello')));
    expect(device.store.facts.get('x')?.hash).toBe(hasher.hash(encode('hello')));
    expect(device.store.journal.size).toBe(0);
    converged(device);
    expect(await syncUntilQuiet(device)).toBe(0);
  });

  it('replaces an unchanged file, keeping the old bytes in the local trash', async () => {
    const device = await newDevice(hasher);
    device.remote.putFile('x', ROOT_ID, 'a.txt', encode('v1'));
    await syncUntilQuiet(device);
    device.remote.putFile('x', ROOT_ID, 'a.txt', encode('v2'));
    await syncOnce(device);
    expect(new TextDecoder().decode(device.fs.get('a.txt'))).toBe('v2');
    expect(trashedHashes(device)).toContain(hasher.hash(encode('v1')));
    converged(device);
  });

  it('leaves a file edited during the download alone, and the next pass keeps both versions (#37)', async () => {
    const device = await newDevice(hasher);
    device.remote.putFile('x', ROOT_ID, 'a.txt', encode('v1'));
    await syncUntilQuiet(device);
    device.remote.putFile('x', ROOT_ID, 'a.txt', encode('server edit'));
    const remote = device.remote;
    device.ports.remote = withHook(remote, 'fetchBlocks', () => device.fs.put('a.txt', 'my edit'));
    const { result } = await syncOnce(device);
    expect(outcomeOf(result, 'download')).toMatchObject({ status: 'deferred', reason: 'target_changed' });
    expect(new TextDecoder().decode(device.fs.get('a.txt'))).toBe('my edit');
    expect((await device.fs.readdir('')).filter((e) => e.name.startsWith('.tandem-tmp'))).toEqual([]);
    device.ports.remote = remote;
    await syncUntilQuiet(device);
    const contents = [...describeDisk(device).values()];
    expect(contents).toContain(hasher.hash(encode('my edit')));
    expect(contents).toContain(hasher.hash(encode('server edit')));
    converged(device);
  });

  it('never puts a damaged download in place (#39)', async () => {
    const device = await newDevice(hasher);
    device.remote.putFile('x', ROOT_ID, 'a.txt', encode('v1'));
    await syncUntilQuiet(device);
    device.remote.putFile('x', ROOT_ID, 'a.txt', encode('v2'));
    device.ports.remote = delegate(device.remote, {
      fetchBlocks: async function* () {
        yield encode('v3');
      },
    });
    const { result } = await syncOnce(device);
    expect(outcomeOf(result, 'download')).toMatchObject({ status: 'failed', retryable: true });
    expect(new TextDecoder().decode(device.fs.get('a.txt'))).toBe('v1');
    expect((await device.fs.readdir('')).map((e) => e.name).filter((n) => n.startsWith('.tandem-tmp'))).toEqual([]);
  });

  it('waits, without writing anything, when the disk has no room (#59)', async () => {
    const device = await newDevice(hasher);
    device.remote.putFile('x', ROOT_ID, 'big.bin', randomBytes(100_000, 1));
    device.fs.freeBytes = 50_000;
    const { result } = await syncOnce(device, { freeSpaceReserve: 0 });
    expect(outcomeOf(result, 'download')).toMatchObject({ status: 'deferred', reason: 'no_space' });
    expect(device.fs.get('big.bin')).toBeUndefined();
    expect((await device.fs.readdir('')).map((e) => e.name).filter((n) => !n.startsWith('.tandem-folder'))).toEqual([]);
    device.fs.freeBytes = 10_000_000;
    await syncUntilQuiet(device, { freeSpaceReserve: 0 });
    expect(device.fs.get('big.bin')?.length).toBe(100_000);
  });

  it('applies an exec-bit-only change without a transfer (#52)', async () => {
    const device = await newDevice(hasher);
    device.remote.putFile('x', ROOT_ID, 'run.sh', encode('echo hi'));
    await syncUntilQuiet(device);
    device.remote.putFile('x', ROOT_ID, 'run.sh', encode('echo hi'), true);
    device.remote.calls.length = 0;
    await syncOnce(device);
    expect((await device.fs.lstat('run.sh')).executable).toBe(true);
    expect(device.remote.calls).not.toContain('fetchBlocks');
    converged(device);
  });
});

describe('journal order', () => {
  it('journals before the effect and clears the entry with the state change after it', async () => {
    const device = await newDevice(hasher);
    device.remote.putFile('x', ROOT_ID, 'a.txt', encode('v1'));
    await syncUntilQuiet(device);
    device.remote.putFile('x', ROOT_ID, 'a.txt', encode('v2'));
    device.fs.put('b.txt', 'new here');
    const log = new CrashSwitch();
    device.ports = log.ports(device.ports);
    await syncOnce(device, { concurrency: 1 });
    const at = (step: string) => log.boundaries.findIndex((b) => b.startsWith(step));
    const order = ['before journalBegin download', 'before write .tandem-tmp-dl-', 'before trash a.txt', 'before rename .tandem-tmp-dl-', 'before journalComplete'];
    expect(order.map(at).every((index, i, all) => index >= 0 && (i === 0 || index > all[i - 1]!))).toBe(true);
    const upload = ['before journalBegin upload', 'before server uploadBlocks', 'before server commitFile'];
    expect(upload.map(at).every((index, i, all) => index >= 0 && (i === 0 || index > all[i - 1]!))).toBe(true);
    expect(log.boundaries.lastIndexOf('before journalComplete')).toBeGreaterThan(at('after server commitFile'));
  });
});

describe('upload', () => {
  it('creates a new local file on the server with our id and only the blocks it lacks', async () => {
    const device = await newDevice(hasher);
    const data = randomBytes(400_000, 7);
    device.fs.put('data.bin', data);
    await syncUntilQuiet(device);
    const id = [...device.store.local.values()].find((i) => i.name === 'data.bin')!.id;
    expect(device.remote.items.get(id)?.hash).toBe(hasher.hash(data));
    expect(device.remote.content(id)).toEqual(data);
    converged(device);

    // A small edit in the middle: only the nearby blocks travel.
    const edited = data.slice();
    edited.set(encode('a small edit'), 200_000);
    device.fs.put('data.bin', edited);
    const before = device.remote.blockBytesSent;
    await syncUntilQuiet(device);
    expect(device.remote.content(id)).toEqual(edited);
    expect(device.remote.blockBytesSent - before).toBeLessThan(data.length / 2);
    converged(device);
  });

  it('aborts, committing nothing, when the file changes while it is uploaded (#36)', async () => {
    const device = await newDevice(hasher);
    device.fs.put('a.txt', 'first');
    const remote = device.remote;
    device.ports.remote = withHook(remote, 'missingBlocks', () => device.fs.put('a.txt', 'second, longer'));
    const { result } = await syncOnce(device);
    expect(outcomeOf(result, 'upload')).toMatchObject({ status: 'deferred', reason: 'source_changed' });
    expect(remote.calls).not.toContain('commitFile');
    device.ports.remote = remote;
    await syncUntilQuiet(device);
    const id = [...device.store.local.values()].find((i) => i.name === 'a.txt')!.id;
    expect(new TextDecoder().decode(remote.content(id))).toBe('second, longer');
  });

  it('retries a dropped connection with the same Idempotency-Key, applying the commit once', async () => {
    const device = await newDevice(hasher);
    device.fs.put('a.txt', 'x');
    scan(device);
    pull(device);
    const plan = makePlan(device);
    const keys: string[] = [];
    const remote = device.remote;
    let failures = 2;
    device.ports.remote = delegate(remote, {
      commitFile: async (target, content, key) => {
        keys.push(key);
        const answer = await remote.commitFile(target, content, key);
        if (failures-- > 0) throw Object.assign(new Error('The answer was lost.'), { retryable: true });
        return answer;
      },
    });
    const result = await executor(device).run(plan, device.store.trees());
    expect(outcomeOf({ ...result }, 'upload')).toMatchObject({ status: 'done', attempts: 3 });
    expect(new Set(keys).size).toBe(1);
    expect([...remote.items.values()].filter((i) => i.name === 'a.txt')).toHaveLength(1);
  });
});

describe('local and remote structure', () => {
  it('moves a remotely deleted file to the local trash, never unlinking it', async () => {
    const device = await newDevice(hasher);
    device.remote.putFile('x', ROOT_ID, 'a.txt', encode('keep me somewhere'));
    await syncUntilQuiet(device);
    device.remote.items.delete('x');
    await syncUntilQuiet(device);
    expect(device.fs.get('a.txt')).toBeUndefined();
    expect(trashedHashes(device)).toContain(hasher.hash(encode('keep me somewhere')));
    converged(device);
  });

  it('keeps a file edited after the scan that the plan would delete', async () => {
    const device = await newDevice(hasher);
    device.remote.putFile('x', ROOT_ID, 'a.txt', encode('v1'));
    await syncUntilQuiet(device);
    device.remote.items.delete('x');
    scan(device);
    pull(device);
    const plan = makePlan(device);
    device.fs.put('a.txt', 'edited after the scan');
    const result = await executor(device).run(plan, device.store.trees());
    expect(outcomeOf(result, 'trashLocal')).toMatchObject({ status: 'deferred' });
    await syncUntilQuiet(device);
    expect(new TextDecoder().decode(device.fs.get('a.txt'))).toBe('edited after the scan');
    converged(device);
  });

  it('propagates folders, renames and moves both ways', async () => {
    const device = await newDevice(hasher);
    device.fs.put('a/one.txt', '1');
    device.fs.put('b/two.txt', '2');
    await syncUntilQuiet(device);
    await device.fs.rename('a/one.txt', 'b/uno.txt');
    device.remote.putFolder('c', ROOT_ID, 'c');
    const two = [...device.store.local.values()].find((i) => i.name === 'two.txt')!;
    await device.remote.move(two.id, { parentId: 'c', name: 'dos.txt' }, undefined, 'k-move');
    await syncUntilQuiet(device);
    expect(new TextDecoder().decode(device.fs.get('c/dos.txt'))).toBe('2');
    const uno = [...device.remote.items.values()].find((i) => i.name === 'uno.txt');
    expect(uno?.parentId).toBe([...device.remote.items.values()].find((i) => i.name === 'b')!.id);
    converged(device);
  });

  it('keeps both versions when both sides edited (conflicted copy uploaded)', async () => {
    const device = await newDevice(hasher);
    device.remote.putFile('x', ROOT_ID, 'notes.txt', encode('base'));
    await syncUntilQuiet(device);
    device.fs.put('notes.txt', 'mine');
    device.remote.putFile('x', ROOT_ID, 'notes.txt', encode('theirs'));
    await syncUntilQuiet(device);
    const names = [...device.remote.items.values()].map((i) => i.name).sort();
    expect(names.some((n) => n.startsWith('notes (conflicted copy from Ada laptop'))).toBe(true);
    expect(new TextDecoder().decode(device.fs.get('notes.txt'))).toBe('theirs');
    converged(device);
  });

  it('two devices converge through the server', async () => {
    const a = await newDevice(hasher);
    const b = await newDevice(hasher, a.remote, new FakeFileSystem({ now: tick(), caseInsensitive: true }), foldCase);
    a.fs.put('shared/plan.md', '# plan');
    await syncUntilQuiet(a);
    await syncUntilQuiet(b);
    expect(new TextDecoder().decode(b.fs.get('shared/plan.md'))).toBe('# plan');
    b.fs.put('shared/plan.md', '# plan v2');
    await syncUntilQuiet(b);
    await syncUntilQuiet(a);
    expect(new TextDecoder().decode(a.fs.get('shared/plan.md'))).toBe('# plan v2');
    converged(a);
    converged(b);
  });
});

/** A RemoteOps whose `method` first runs `hook` (once). */
function withHook(remote: FakeRemote, method: 'fetchBlocks' | 'missingBlocks', hook: () => void): RemoteOps {
  let done = false;
  const once = () => {
    if (!done) {
      done = true;
      hook();
    }
  };
  return delegate(remote, {
    fetchBlocks: (blocks) => {
      if (method === 'fetchBlocks') once();
      return remote.fetchBlocks(blocks);
    },
    missingBlocks: (hashes) => {
      if (method === 'missingBlocks') once();
      return remote.missingBlocks(hashes);
    },
  });
}

describe('the folder changing under the executor', () => {
  it('a download whose folder was deleted meanwhile waits for the next pass instead of failing', async () => {
    const device = await newDevice(hasher);
    device.remote.putFolder('f', ROOT_ID, 'docs');
    await syncUntilQuiet(device);
    device.remote.putFile('x', 'f', 'a.txt', encode('new'));
    scan(device);
    pull(device);
    const plan = makePlan(device);
    await device.fs.remove('docs');
    const result = await executor(device).run(plan, device.store.trees());
    expect(result.executed.find((e) => e.operation.kind === 'download')?.outcome).toMatchObject({ status: 'deferred', reason: 'missing' });
    expect(device.store.journal.size).toBe(0);
  });
});
