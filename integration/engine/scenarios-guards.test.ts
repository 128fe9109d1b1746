// SCENARIOS.md "Safety guards" (#41–#48, #54–#56, #58, #59, #62), each row end to end: real
// FolderSync engines on real folders against a real in-process server, with fault injection
// (wiretap, wrapped ports, a restarted server, skewed clocks) where the row needs it. Every test
// ends with the invariants check.
import { randomBytes } from 'node:crypto';
import { cp, readFile, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { ExecutorPorts } from '../../src-main/engine/executor/ports.ts';
import { FsError, TEMP_PREFIX } from '../../src-main/engine/fs/file-system.ts';
import type { WriteOptions } from '../../src-main/engine/fs/file-system.ts';
import type { Account, Device, DeviceOptions } from './sync-harness.ts';
import { SyncWorld, expectInvariants, expectInvariantsIgnoring, settle } from './sync-harness.ts';
import { wiretap } from './remote-harness.ts';

let world: SyncWorld;
beforeAll(async () => {
  world = await SyncWorld.start();
});
afterAll(async () => {
  await world.close();
});

// Each test's devices are closed when it ends: every engine holds worker threads, and 14 tests'
// worth of idle workers would slow the rest down on a small machine.
const opened: Device[] = [];
async function device(name: string, account: Account, options?: DeviceOptions): Promise<Device> {
  const made = await world.device(name, account, options);
  opened.push(made);
  return made;
}
afterEach(async () => {
  for (const made of opened.splice(0)) await made.close();
});

/** A request that changes something on the server (sign-in aside): what "no uploads" counts. */
function isMutation(request: { method: string; path: string }): boolean {
  return request.method !== 'GET' && request.method !== 'HEAD' && !request.path.endsWith('/login') && !request.path.endsWith('/blocks/missing') && !request.path.endsWith('/blocks/fetch');
}

/** Every file (not folder) path on a device, Tandem's own entries left out. */
async function filePaths(device: Device): Promise<string[]> {
  return [...(await device.contents())].filter(([, hash]) => hash !== 'folder').map(([path]) => path).sort();
}

/** Tandem's temp files anywhere in the folder (the harness's contents() leaves every .tandem* name out). */
async function tempFiles(device: Device): Promise<string[]> {
  const names = await readdir(device.dir, { recursive: true });
  return names.filter((name) => name.split('/').pop()!.startsWith(TEMP_PREFIX));
}

/** Sets every file's mtime with `change(old mtime in ms)`. */
async function touchAll(device: Device, change: (mtimeMs: number) => number): Promise<void> {
  for (const path of await filePaths(device)) {
    const info = await stat(device.path(path));
    const next = change(info.mtimeMs) / 1000;
    await utimes(device.path(path), next, next);
  }
}

it('#41 sync root unmounted, missing or emptied: the folder stops with an error; no delete propagates', async () => {
  const account = await world.account();
  const a = await device('Ada', account);
  const b = await device('Bob', account);
  for (let i = 0; i < 5; i++) await a.write(`notes/n${i}.txt`, `note ${i}`);
  await a.write('top.txt', 'top');
  await settle([a, b]);
  const before = await b.contents();

  // Unmounted: the whole folder is gone.
  const away = `${a.dir}-unmounted`;
  await rename(a.dir, away);
  expect(await a.sync()).toBe('stopped');
  expect(a.engine.status.state).toBe('stopped');
  expect(a.engine.status.message).toMatch(/missing.*nothing was deleted/);
  await settle([b]);
  expect(await b.contents()).toEqual(before);

  // Mounted again: it syncs as before, nothing lost.
  await rename(away, a.dir);
  expect(await a.sync()).toBe('in_sync');
  expect(a.engine.status.state).toBe('idle');

  // The marker alone removed (a folder replaced by another with the same files): stopped too.
  const marker = await readFile(join(a.dir, '.tandem-folder'));
  await rm(join(a.dir, '.tandem-folder'));
  await a.remove('top.txt');
  expect(await a.sync()).toBe('stopped');
  expect(a.engine.status.message).toMatch(/marker.*nothing was deleted/);
  await settle([b]);
  expect(await b.contents()).toEqual(before);
  await writeFile(join(a.dir, '.tandem-folder'), marker);
  await a.write('top.txt', 'top');
  expect(await a.sync()).toBe('in_sync');

  // Emptied: every file gone, the marker with them.
  for (const entry of await readdir(a.dir)) await rm(join(a.dir, entry), { recursive: true, force: true });
  expect(await a.sync()).toBe('stopped');
  expect(a.engine.status.state).toBe('stopped');
  expect(a.engine.status.message).toMatch(/marker.*nothing was deleted/);
  await settle([b]);
  expect(await b.contents()).toEqual(before);
  await expectInvariants([b]);
}, 60_000);

it('#42 one side deletes many files: pause and ask; the answer covers that batch only', async () => {
  const account = await world.account();
  const a = await device('Ada', account);
  const b = await device('Bob', account);
  for (let i = 0; i < 100; i++) await a.write(`files/f${String(i).padStart(3, '0')}.txt`, `file ${i}`);
  await settle([a, b]);

  // 40 of 100 deleted on A: A asks instead of deleting on the server.
  for (let i = 0; i < 40; i++) await a.remove(`files/f${String(i).padStart(3, '0')}.txt`);
  expect(await a.sync()).toBe('question');
  expect(a.engine.status.state).toBe('waiting');
  expect(a.engine.status.questions).toHaveLength(1);
  const question = a.engine.status.questions[0]!;
  expect(question).toMatchObject({ side: 'remote', count: 40, total: 100 });
  expect(question.message).toMatch(/40 of 100 files would be deleted/);
  await settle([b]);
  expect(await filePaths(b)).toHaveLength(100);

  // No: the files come back on A, nothing deleted anywhere.
  await a.engine.answer(question.batchKey, 'no');
  await settle([a, b]);
  expect(await filePaths(a)).toHaveLength(100);
  expect(await a.read('files/f000.txt')).toBe('file 0');
  expect(a.engine.status.questions).toEqual([]);
  await expectInvariants([a, b]);

  // The same 40 deleted again: asked again (a new batch); yes deletes them on the server.
  for (let i = 0; i < 40; i++) await a.remove(`files/f${String(i).padStart(3, '0')}.txt`);
  expect(await a.sync()).toBe('question');
  const again = a.engine.status.questions[0]!;
  await a.engine.answer(again.batchKey, 'yes');
  expect(await a.sync()).toBe('in_sync');
  // Bob's disk would lose 40 of 100 files too: his own guard asks him before it deletes.
  expect(await b.sync()).toBe('question');
  expect(b.engine.status.questions[0]).toMatchObject({ side: 'local', count: 40 });
  expect(await filePaths(b)).toHaveLength(100);
  await b.engine.answer(b.engine.status.questions[0]!.batchKey, 'yes');
  await settle([a, b]);
  expect(await filePaths(b)).toHaveLength(60);
  expect((await a.client.trash()).length).toBeGreaterThanOrEqual(40);

  // A later batch is a new question: the yes does not cover it.
  for (let i = 40; i < 80; i++) await a.remove(`files/f${String(i).padStart(3, '0')}.txt`);
  expect(await a.sync()).toBe('question');
  expect(a.engine.status.questions[0]).toMatchObject({ side: 'remote', count: 40, total: 60 });
  expect(await filePaths(b)).toHaveLength(60);
  await a.engine.answer(a.engine.status.questions[0]!.batchKey, 'no');
  await settle([a, b]);
  await expectInvariants([a, b]);
}, 120_000);

it('#43 every mtime changes, content the same: no uploads, no conflicts', async () => {
  const account = await world.account();
  const tap = wiretap();
  const a = await device('Ada', account, { client: { fetch: tap.fetch } });
  const b = await device('Bob', account);
  for (let i = 0; i < 20; i++) await a.write(`docs/d${i}.txt`, `document ${i}`);
  await a.write('big.bin', randomBytes(300_000));
  await settle([a, b]);

  // A restore from backup (or DST on FAT) moves every mtime by an hour; B's by a day the other way.
  expect(tap.requests.filter(isMutation).length, 'the wiretap sees uploads').toBeGreaterThan(0);
  await touchAll(a, (mtime) => mtime + 3_600_000);
  await touchAll(b, (mtime) => mtime - 86_400_000);
  const mark = tap.requests.length;
  await settle([a, b]);
  expect(tap.requests.slice(mark).filter(isMutation)).toEqual([]);
  expect(await a.conflictedCopies()).toEqual([]);
  expect(await b.conflictedCopies()).toEqual([]);
  await expectInvariants([a, b]);
}, 60_000);

it('#44 2 s mtime precision (FAT): no endless re-uploads', async () => {
  const account = await world.account();
  const tap = wiretap();
  const bobTap = wiretap();
  const a = await device('Ada', account, { client: { fetch: tap.fetch } });
  const b = await device('Bob', account, { client: { fetch: bobTap.fetch } });
  for (let i = 0; i < 10; i++) await a.write(`f${i}.txt`, `content ${i}`);
  await settle([a, b]);
  expect(tap.requests.filter(isMutation).length, 'the wiretap sees uploads').toBeGreaterThan(0);
  const mark = tap.requests.length;
  const bobMark = bobTap.requests.length;
  // The disks keep mtimes to 2 s: every pass may see them rounded (down, then up), on the
  // uploading side and on the side that downloaded them.
  for (let pass = 0; pass < 4; pass++) {
    const round = (mtime: number) => (pass % 2 === 0 ? Math.floor(mtime / 2000) * 2000 : Math.ceil((mtime + 1) / 2000) * 2000);
    await touchAll(a, round);
    await touchAll(b, round);
    expect(await a.sync()).toBe('in_sync');
    expect(await b.sync()).toBe('in_sync');
  }
  await settle([a, b]);
  expect(tap.requests.slice(mark).filter(isMutation)).toEqual([]);
  expect(bobTap.requests.slice(bobMark).filter(isMutation)).toEqual([]);
  expect(await a.conflictedCopies()).toEqual([]);
  await expectInvariants([a, b]);
}, 60_000);

it('#45 clock skew between devices: the first commit wins, whatever the clocks say', async () => {
  const account = await world.account();
  // Ada's clock is 20 years behind, Bob's 20 years ahead; their files' mtimes are skewed too.
  const a = await device('Ada', account, { now: () => new Date('2006-03-01T12:00:00Z') });
  const b = await device('Bob', account, { now: () => new Date('2046-03-01T12:00:00Z') });
  await a.write('plan.txt', 'v1');
  await a.write('other.txt', 'same');
  await settle([a, b]);

  await a.write('plan.txt', 'Ada, committed first');
  await utimes(a.path('plan.txt'), new Date('2001-01-01'), new Date('2001-01-01'));
  await b.write('plan.txt', 'Bob, committed second');
  await utimes(b.path('plan.txt'), new Date('2090-01-01'), new Date('2090-01-01'));
  await b.write('other.txt', 'Bob edits with a future mtime');
  await utimes(b.path('other.txt'), new Date('2090-01-01'), new Date('2090-01-01'));
  await a.sync();
  await settle([a, b]);

  expect(await a.read('plan.txt')).toBe('Ada, committed first');
  expect(await b.read('plan.txt')).toBe('Ada, committed first');
  const copies = await a.conflictedCopies();
  expect(copies).toEqual(['plan (conflicted copy from Bob 2046-03-01 120000).txt']);
  expect(await a.read(copies[0]!)).toBe('Bob, committed second');
  expect(await a.read('other.txt')).toBe('Bob edits with a future mtime');
  // An old mtime is still an edit: Ada's later edit dated 1999 reaches Bob.
  await a.write('other.txt', 'Ada edits with an old mtime');
  await utimes(a.path('other.txt'), new Date('1999-01-01'), new Date('1999-01-01'));
  await settle([a, b]);
  expect(await b.read('other.txt')).toBe('Ada edits with an old mtime');
  await expectInvariants([a, b]);
}, 60_000);

it('#46 server restored from an older backup: newer local files are kept, not overwritten or deleted', async () => {
  const account = await world.account();
  const a = await device('Ada', account);
  const b = await device('Bob', account);
  await a.write('old.txt', 'in the backup');
  await a.write('edited.txt', 'v1, in the backup');
  await a.write('docs/kept.txt', 'in the backup');
  await settle([a, b]);

  // The backup: a copy of the server's data while it is stopped.
  const backup = `${world.server.dataDir}-backup`;
  await world.server.stop();
  await cp(world.server.dataDir, backup, { recursive: true });
  await world.server.restart();

  // Work after the backup: an edit, a new file, a new folder.
  await a.write('edited.txt', 'v2, after the backup');
  await a.write('new.txt', 'after the backup');
  await a.write('later/deep.txt', 'after the backup, in a new folder');
  await b.write('bob-later.txt', "Bob's work after the backup");
  await settle([a, b]);

  // The server dies and is restored from the backup: it forgets everything since.
  await world.server.stop();
  await world.server.restart(backup);
  await settle([a, b]);

  for (const device of [a, b]) {
    expect(await device.read('new.txt')).toBe('after the backup');
    expect(await device.read('later/deep.txt')).toBe('after the backup, in a new folder');
    expect(await device.read('old.txt')).toBe('in the backup');
    expect(await device.read('docs/kept.txt')).toBe('in the backup');
    // The newer edit is kept: as the current content or as a conflicted copy beside the older one.
    const copies = await device.conflictedCopies();
    const texts = [await device.read('edited.txt'), ...(await Promise.all(copies.map((c) => device.read(c))))];
    expect(texts).toContain('v2, after the backup');
    expect(copies.length).toBeLessThanOrEqual(1);
    expect(await device.read('bob-later.txt')).toBe("Bob's work after the backup");
  }
  await expectInvariants([a, b]);
}, 60_000);

it('#47 cursor expired (410): the full listing deletes only what the base had and the disk kept unchanged', async () => {
  const account = await world.account();
  const a = await device('Ada', account);
  const b = await device('Bob', account);
  await a.write('gone.txt', 'deleted by Bob');
  await a.write('edited-here.txt', 'v1');
  await a.write('stays.txt', 'nobody touches this');
  await a.write('old/inner.txt', 'in a folder Bob deletes');
  await settle([a, b]);

  // Ada is away; Bob deletes, then empties the trash: the server forgets those tombstones.
  const adaCursor = a.engine.index.cursor;
  await a.close();
  await b.remove('gone.txt');
  await b.remove('edited-here.txt');
  await b.remove('old');
  await settle([b]);
  for (const entry of await b.client.trash()) await b.client.purgeFromTrash(entry.item.id);
  const expired = await b.client.changes(adaCursor);
  expect(expired, "Ada's cursor has expired").toMatchObject({ ok: false, reason: 'cursor_expired' });
  expect(expired, 'an expired cursor is not a restored server: the base still holds').not.toHaveProperty('serverRestored');
  await a.write('edited-here.txt', 'Ada edited this while away');
  await a.write('new-here.txt', 'made while away');

  await a.open();
  await settle([a, b]);
  for (const device of [a, b]) {
    expect(await device.exists('gone.txt')).toBe(false);
    expect(await device.exists('old')).toBe(false);
    expect(await device.read('edited-here.txt')).toBe('Ada edited this while away');
    expect(await device.read('new-here.txt')).toBe('made while away');
    expect(await device.read('stays.txt')).toBe('nobody touches this');
  }
  await expectInvariants([a, b]);
}, 60_000);

it('#48 a device offline for a long time returns: deletes made meanwhile apply; nothing resurrects', async () => {
  const account = await world.account();
  const a = await device('Ada', account);
  const b = await device('Bob', account);
  const c = await device('Cai', account);
  for (let i = 0; i < 6; i++) await a.write(`keep/k${i}.txt`, `keep ${i}`);
  for (let i = 0; i < 4; i++) await a.write(`trash/t${i}.txt`, `trash ${i}`);
  await a.write('moved-then-deleted.txt', 'bye');
  await settle([a, b, c]);

  // Cai is off for a long time; Ada and Bob delete a folder, a file, and a file after moving it.
  await c.close();
  await a.remove('trash');
  await a.remove('keep/k0.txt');
  await settle([a, b]);
  await b.rename('moved-then-deleted.txt', 'keep/moved.txt');
  await settle([a, b]);
  await a.remove('keep/moved.txt');
  await settle([a, b]);
  const expected = await a.contents();

  await c.open();
  await settle([a, b, c]);
  for (const device of [a, b, c]) expect(await device.contents(), device.name).toEqual(expected);
  expect(await c.exists('trash')).toBe(false);
  expect(await c.exists('keep/k0.txt')).toBe(false);
  expect(await c.exists('moved-then-deleted.txt')).toBe(false);
  await expectInvariants([a, b, c]);
}, 60_000);

it('#54 first sync with data on both sides: equal adopted, one-sided propagated, unequal a conflict', async () => {
  const account = await world.account();
  const tap = wiretap();
  const a = await device('Ada', account);
  const b = await device('Bob', account, { client: { fetch: tap.fetch } });
  const big = randomBytes(1_000_000);
  for (const device of [a, b]) {
    await device.write('shared/big.bin', big);
    await device.write('shared/same.txt', 'the same on both');
  }
  await a.write('plan.txt', "Ada's plan");
  await b.write('plan.txt', "Bob's plan");
  await a.write('only-ada/a.txt', 'from Ada');
  await b.write('only-bob.txt', 'from Bob');

  await a.sync();
  await settle([a, b]);
  for (const device of [a, b]) {
    expect(await device.read('shared/same.txt')).toBe('the same on both');
    expect(await device.read('only-ada/a.txt')).toBe('from Ada');
    expect(await device.read('only-bob.txt')).toBe('from Bob');
    // Ada's commit came first: hers keeps the name, Bob's is the conflicted copy.
    expect(await device.read('plan.txt')).toBe("Ada's plan");
    const copies = await device.conflictedCopies();
    expect(copies).toHaveLength(1);
    expect(copies[0]).toMatch(/^plan \(conflicted copy from Bob /);
    expect(await device.read(copies[0]!)).toBe("Bob's plan");
  }
  // What both had was adopted: one item, one version, no second copy, no content sent by Bob.
  const server = await expectInvariants([a, b]);
  const paths = [...server.keys()].filter((path) => !path.includes('(conflicted copy')).sort();
  expect(paths).toEqual(['only-ada', 'only-ada/a.txt', 'only-bob.txt', 'plan.txt', 'shared', 'shared/big.bin', 'shared/same.txt']);
  const bigItem = [...b.engine.index.loadTree('remote')!.items.values()].find((item) => item.name === 'big.bin')!;
  expect(await b.client.versions(bigItem.id)).toHaveLength(1);
  const commits = tap.requests.filter((r) => r.path.endsWith('/content') && r.method === 'PUT');
  expect(commits).toEqual([]);
}, 60_000);

it('#55 selective-sync exclusion, then the parent renamed on the server: stays excluded, nothing downloaded or deleted, no question', async () => {
  const account = await world.account();
  const a = await device('Ada', account);
  const b = await device('Bob', account);
  for (let i = 0; i < 40; i++) await a.write(`projects/big/f${i}.txt`, `big ${i}`);
  await a.write('projects/small/s.txt', 'small');
  await a.write('top.txt', 'top');
  await settle([a, b]);

  // Bob leaves projects/big out: his copy goes, the server keeps everything.
  const remote = b.engine.index.loadTree('remote')!;
  const projects = [...remote.items.values()].find((item) => item.name === 'projects')!;
  const bigFolder = [...remote.items.values()].find((item) => item.name === 'big' && item.parentId === projects.id)!;
  const result = await b.engine.setExcluded([bigFolder.id]);
  expect(result).toEqual({ removed: 41, kept: [] });
  expect(await b.exists('projects/big')).toBe(false);
  expect(await b.sync()).toBe('in_sync');
  expect(b.engine.status.questions).toEqual([]);
  await settle([a, b]);
  expect(await a.exists('projects/big/f39.txt')).toBe(true);

  // Ada renames the parent: the excluded folder moves with it on the server and stays left out.
  await a.rename('projects', 'work');
  await a.write('work/big/new.txt', 'added inside the excluded folder');
  await a.sync();
  expect(await b.sync()).toBe('in_sync');
  expect(b.engine.status.questions).toEqual([]);
  await settle([a, b]);
  expect(await b.exists('work/small/s.txt')).toBe(true);
  expect(await b.exists('work/big')).toBe(false);
  expect(await b.exists('projects')).toBe(false);
  expect(await a.exists('work/big/f0.txt')).toBe(true);
  expect(await a.exists('work/big/new.txt')).toBe(true);
  await expectInvariants([a, b], { missing: { Bob: ['work/big'] } });

  // Included again: it comes back, under its new place.
  await b.engine.setExcluded([]);
  await settle([a, b]);
  expect(await b.read('work/big/f0.txt')).toBe('big 0');
  expect(await b.read('work/big/new.txt')).toBe('added inside the excluded folder');
  await expectInvariants([a, b]);
}, 60_000);

it('#56 ignore rule added for a synced file: no remote delete', async () => {
  const account = await world.account();
  const a = await device('Ada', account);
  const b = await device('Bob', account);
  await a.write('build/out.log', 'a log');
  await a.write('notes.log', 'a synced log');
  await a.write('keep.txt', 'kept');
  await settle([a, b]);

  await a.write('.tandemignore', '*.log\nbuild/\n');
  expect(await a.sync()).toBe('in_sync');
  await settle([a, b]);
  for (const device of [a, b]) {
    expect(await device.read('notes.log')).toBe('a synced log');
    expect(await device.read('build/out.log')).toBe('a log');
  }
  // Ignored from now on: Ada's edits stay on her disk.
  await a.write('notes.log', 'edited after the rule');
  await settle([a, b]);
  expect(await b.read('notes.log')).toBe('a synced log');
  expect(await a.read('notes.log')).toBe('edited after the rule');
  // The rule travels with the folder (.tandemignore is synced), so it holds on Bob's disk too.
  const server = await expectInvariantsIgnoring([a, b], ['notes.log', 'build']);
  expect(server.get('notes.log')).toBe(world.hasher.hash(new TextEncoder().encode('a synced log')));
  expect(server.has('build/out.log')).toBe(true);
}, 60_000);

/** Ports whose disk reports `free()` bytes free (the rest of the disk as it is). */
function withFreeSpace(free: () => number): (ports: ExecutorPorts) => ExecutorPorts {
  return (ports) => ({
    ...ports,
    fs: new Proxy(ports.fs, {
      get(target, prop) {
        if (prop === 'freeSpace') return () => Promise.resolve(free());
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    }),
  });
}

it('#59 disk full during download: checked ahead, never a truncated target, the status says why', async () => {
  const account = await world.account();
  let free = 10_000_000_000;
  const a = await device('Ada', account);
  const b = await device('Bob', account, { wrapPorts: withFreeSpace(() => free) });
  await a.write('small.txt', 'v1');
  await settle([a, b]);
  const big = randomBytes(3_000_000);
  await a.write('big.bin', big);
  await a.write('small.txt', 'v2, also waiting for room');
  await a.sync();
  free = 1_000_000;
  // The engine reuses a free-space reading for up to a second while it leaves room (one statfs per
  // small download was a tenth of their CPU); a disk that fills within that second is caught by
  // the failed write instead (the next test). Let Bob's last reading age out.
  await new Promise((resolve) => setTimeout(resolve, 1100));

  // Bob's disk has 1 MB left: nothing is written, the old file stays whole, and he is told.
  expect(await b.sync()).toBe('unsettled');
  expect(b.engine.status.state).toBe('error');
  expect(b.engine.status.errors.map((e) => e.path).sort()).toEqual(['big.bin', 'small.txt']);
  expect(await b.exists('big.bin')).toBe(false);
  expect(await b.read('small.txt')).toBe('v1');
  expect(await tempFiles(b)).toEqual([]);
  const said = [b.engine.status.message, ...b.engine.status.errors.map((e) => e.message)].join(' ');
  expect(said).toMatch(/disk space/i);

  // Room again: it completes.
  free = 10_000_000_000;
  await settle([a, b]);
  expect((await b.contents()).get('big.bin')).toBe(world.hasher.hash(big));
  expect(await b.read('small.txt')).toBe('v2, also waiting for room');
  expect(b.engine.status.errors).toEqual([]);
  await expectInvariants([a, b]);
}, 60_000);

it('#62 network drops mid-transfer, then returns: resumed, no duplicate, no corrupt file', async () => {
  const account = await world.account();
  let down = false;
  let blockUploads = 0;
  let commitAnswerLost = false;
  const upTap = wiretap((request) => {
    if (down) return 'drop-request';
    if (request.method === 'POST' && request.path.endsWith('/v1/blocks')) {
      blockUploads += 1;
      // The first batch of blocks (16 MiB) gets through; then the line is cut.
      if (blockUploads === 2) {
        down = true;
        return 'drop-request';
      }
    }
    // Later, the commit is applied but its answer is lost: the retry must not make a second file.
    if (request.method === 'POST' && (request.path.endsWith('/v1/items') || request.path.endsWith('/v1/batch')) && !commitAnswerLost && blockUploads > 2) {
      commitAnswerLost = true;
      return 'drop-answer';
    }
    return 'pass';
  });
  let fetchesLost = 0;
  const downTap = wiretap((request) => {
    // Bob's first two block downloads die on the way back.
    if (request.path.endsWith('/blocks/fetch') && fetchesLost < 2) {
      fetchesLost += 1;
      return 'drop-answer';
    }
    return 'pass';
  });
  const a = await device('Ada', account, { client: { fetch: upTap.fetch }, concurrency: 1 });
  const b = await device('Bob', account, { client: { fetch: downTap.fetch } });
  await settle([a, b]);
  const big = randomBytes(20 * 1024 * 1024);
  await a.write('video.bin', big);

  expect(await a.sync()).toBe('unsettled');
  expect(a.engine.status.state).toBe('offline');
  expect(blockUploads).toBe(2);
  down = false;
  await settle([a, b]);

  expect(commitAnswerLost).toBe(true);
  expect(fetchesLost).toBe(2);
  for (const device of [a, b]) {
    expect(await filePaths(device)).toEqual(['video.bin']);
    expect((await device.contents()).get('video.bin')).toBe(world.hasher.hash(big));
    expect(await tempFiles(device)).toEqual([]);
  }
  // Resumed: the blocks the server got before the cut were not sent again (20 MiB in all, where
  // starting over would send 36).
  const sent = upTap.requests.filter((r) => r.reached && r.method === 'POST' && r.path.endsWith('/v1/blocks')).reduce((sum, r) => sum + r.bodyBytes, 0);
  expect(sent).toBeLessThan(big.length * 1.5);
  const video = [...b.engine.index.loadTree('remote')!.items.values()].find((item) => item.name === 'video.bin')!;
  expect(await b.client.versions(video.id)).toHaveLength(1);
  await expectInvariants([a, b]);
}, 90_000);

it('#59 the disk fills up in the middle of a download: the old file stays whole, no temp file is left, the status says why', async () => {
  const account = await world.account();
  let full = false;
  const fillsUp = (ports: ExecutorPorts): ExecutorPorts => ({
    ...ports,
    fs: new Proxy(ports.fs, {
      get(target, prop) {
        if (prop === 'writeFileAtomic') {
          return (path: string, data: Uint8Array | AsyncIterable<Uint8Array>, options?: WriteOptions) => {
            if (!full) return target.writeFileAtomic(path, data, options);
            // The free-space check passed, then another program took the room: the write fails
            // with ENOSPC after its first megabyte.
            async function* firstMegabyteThenFull(): AsyncIterable<Uint8Array> {
              let written = 0;
              const pieces: AsyncIterable<Uint8Array> | Uint8Array[] = data instanceof Uint8Array ? [data] : data;
              for await (const piece of pieces) {
                written += piece.length;
                if (written > 1_000_000) throw new FsError('no_space', `Could not write "${path}": the disk is full.`, path, 'ENOSPC');
                yield piece;
              }
            }
            return target.writeFileAtomic(path, firstMegabyteThenFull(), options);
          };
        }
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    }),
  });
  const a = await device('Ada', account);
  const b = await device('Bob', account, { wrapPorts: fillsUp });
  const before = randomBytes(2_000_000);
  await a.write('data.bin', before);
  await settle([a, b]);
  const after = randomBytes(3_000_000);
  await a.write('data.bin', after);
  await a.sync();

  full = true;
  expect(await b.sync()).toBe('unsettled');
  expect(b.engine.status.state).toBe('error');
  expect((await b.contents()).get('data.bin')).toBe(world.hasher.hash(before));
  expect(await tempFiles(b)).toEqual([]);
  const said = [b.engine.status.message, ...b.engine.status.errors.map((e) => e.message)].join(' ');
  expect(said).toMatch(/disk is full|disk space/i);

  full = false;
  await settle([a, b]);
  expect((await b.contents()).get('data.bin')).toBe(world.hasher.hash(after));
  await expectInvariants([a, b]);
}, 60_000);
