// SCENARIOS.md "Names and platforms" (#22–29, #49, #50, #53), end to end: real FolderSync engines
// on real folders through a real in-process server.
//
// This machine is Linux with a case-sensitive disk (ext4/overlay), so the other platforms are
// PLAYED with DeviceOptions.fsPolicy: a 'macos' or 'windows' device refuses to create names that
// platform cannot hold and folds case (and Unicode forms) as that platform does. "A
// case-insensitive disk" below is therefore the policy's view of the disk, not the disk itself:
// the real disk could hold both names, and the tests prove the engine never tries.
import { link, lstat, mkdtemp, readFile, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { ExecutedOperation } from '../../src-main/engine/executor/executor.ts';
import { delegate } from '../../src-main/engine/executor/test-support/fake-remote.ts';
import type { Operation } from '../../src-main/engine/planner/operations.ts';
import { SyncWorld, describeTree, expectInvariants, settle } from './sync-harness.ts';
import type { Device } from './sync-harness.ts';

// A server per test: the server allows 30 sign-ins a minute from one address, and these rows
// sign in more devices than that in one file. Each test takes a few seconds on a quiet machine;
// the generous timeouts are for a loaded one (two cores shared by parallel test runs).
let world: SyncWorld;
beforeEach(async () => {
  world = await SyncWorld.start();
});
afterEach(async () => {
  await world.close();
});

/** The server's tree as the device last read it: path → hash ('folder' for folders). */
function serverView(device: Device): Map<string, string> {
  return describeTree(device.engine.index.loadTree('remote')!);
}

/** Records the operations a device's executor carries out (bookkeeping left out). */
function recordOperations(): { ops: Operation[]; onOperation: (entry: ExecutedOperation) => void } {
  const ops: Operation[] = [];
  return {
    ops,
    onOperation: (entry) => {
      if (entry.operation.kind !== 'markSynced' && entry.operation.kind !== 'report') ops.push(entry.operation);
    },
  };
}

/** Names in one folder exactly as the disk holds them (bytes as hex, so NFC and NFD differ). */
async function rawNames(dir: string): Promise<string[]> {
  const names = (await readdir(dir, { encoding: 'buffer' })) as Buffer[];
  return names.map((name) => name.toString('hex')).sort();
}

const hex = (name: string) => Buffer.from(name, 'utf8').toString('hex');

it('#22 case-only rename a.txt → A.txt on a case-insensitive disk: one move, no duplicate', async () => {
  const account = await world.account();
  for (const policy of ['macos', 'windows'] as const) {
    const log = recordOperations();
    const mac = await world.device(`${policy}-laptop`, account, { fsPolicy: policy, onOperation: log.onOperation });
    const linux = await world.device(`linux-${policy}`, account);
    await mac.write(`${policy}/a.txt`, 'case me');
    await settle([mac, linux]);
    log.ops.length = 0;

    await mac.rename(`${policy}/a.txt`, `${policy}/A.txt`);
    await settle([mac, linux]);
    expect(log.ops.map((op) => op.kind)).toEqual(['moveRemote']);
    expect(await readdir(mac.path(policy))).toEqual(['A.txt']);
    expect(await readdir(linux.path(policy))).toEqual(['A.txt']);
    expect(await linux.read(`${policy}/A.txt`)).toBe('case me');
    await expectInvariants([mac, linux]);

    // A folder renamed by case only, with content: one move, nothing transferred.
    await mac.write(`${policy}/Docs/a.txt`, 'a');
    await mac.write(`${policy}/Docs/sub/b.txt`, 'b');
    await settle([mac, linux]);
    log.ops.length = 0;
    await mac.rename(`${policy}/Docs`, `${policy}/docs`);
    await settle([mac, linux]);
    expect(log.ops.map((op) => op.kind)).toEqual(['moveRemote']);
    expect(await linux.read(`${policy}/docs/sub/b.txt`)).toBe('b');
    expect(await linux.exists(`${policy}/Docs`)).toBe(false);

    // And the other way: a case-only rename arriving here is one local move, no download.
    log.ops.length = 0;
    await linux.rename(`${policy}/docs/a.txt`, `${policy}/docs/ä.txt`);
    await linux.rename(`${policy}/A.txt`, `${policy}/a.TXT`);
    await settle([mac, linux]);
    expect(log.ops.map((op) => op.kind)).toEqual(['moveLocal', 'moveLocal']);
    expect((await readdir(mac.path(policy))).sort()).toEqual(['a.TXT', 'docs']);
    await expectInvariants([mac, linux]);

    // A case-only rename here while the other device edits the file: both apply (ids are stable).
    await mac.rename(`${policy}/a.TXT`, `${policy}/A.txt`);
    await linux.write(`${policy}/a.TXT`, 'edited meanwhile');
    await linux.sync();
    await settle([mac, linux]);
    expect(await readdir(linux.path(policy))).toEqual(['A.txt', 'docs']);
    expect(await mac.read(`${policy}/A.txt`)).toBe('edited meanwhile');
    expect(await mac.conflictedCopies()).toEqual([]);
    await expectInvariants([mac, linux]);
  }
}, 120_000);

it('#23 two names one case-insensitive disk cannot tell apart: one materialized, the other skipped and reported, never overwritten', async () => {
  // The server keeps names unique ignoring case as IT folds them (upper then lower case), so it
  // refuses `Readme` beside `README` (#24). Names it keeps apart but a case-insensitive disk
  // folds together still exist: "ẞ" (capital sharp s) keys to "ß" on the server, while a disk
  // that folds fully, as APFS does, takes "ß" on to "ss". The policies fold that far on purpose.
  const account = await world.account();
  const linux = await world.device('Linux', account);
  await linux.write('GROẞ.txt', 'capital sharp s');
  await linux.sync();
  await linux.write('gross.txt', 'plain ss');
  await linux.sync();
  expect([...serverView(linux).keys()].sort()).toEqual(['GROẞ.txt', 'gross.txt']);

  const others: Device[] = [];
  for (const policy of ['macos', 'windows'] as const) {
    const other = await world.device(`${policy}-box`, account, { fsPolicy: policy });
    others.push(other);
    await settle([linux, other]);
    // The older item keeps the name on every device alike; the newer one is skipped.
    expect(await readdir(other.dir).then((names) => names.filter((n) => !n.startsWith('.tandem')))).toEqual(['GROẞ.txt']);
    expect(await other.read('GROẞ.txt')).toBe('capital sharp s');
    const skipped = other.engine.status.skipped.find((entry) => entry.path === 'gross.txt');
    expect(skipped?.code).toBe('skipped_name');
    expect(skipped?.message).toContain('GROẞ.txt');

    // The skipped one changes on the server: the materialized one is never written over.
    await linux.write('gross.txt', 'plain ss, edited');
    await settle([linux, other]);
    expect(await other.read('GROẞ.txt')).toBe('capital sharp s');
    expect(await other.exists('gross.txt')).toBe(false);
    await expectInvariants([linux, other], { missing: { [`${policy}-box`]: ['gross.txt'] } });
  }
  expect(await linux.read('gross.txt')).toBe('plain ss, edited');
  expect(await linux.read('GROẞ.txt')).toBe('capital sharp s');

  // Once the materialized one is deleted, the other has the name to itself and arrives.
  await linux.remove('GROẞ.txt');
  await settle([linux, ...others]);
  for (const other of others) {
    expect(await other.exists('GROẞ.txt')).toBe(false);
    expect(await other.read('gross.txt')).toBe('plain ss, edited');
    expect(other.engine.status.skipped).toEqual([]);
  }
  const trashed = await linux.client.trash();
  expect(trashed.map((entry) => entry.original_path)).toEqual(['GROẞ.txt']);
  await expectInvariants([linux, ...others]);
}, 120_000);

it('#24 Linux client creates Readme beside readme: the server refuses the second, the client renames it "(case conflict)" and uploads it', async () => {
  const account = await world.account();
  const linux = await world.device('Linux', account);
  const mac = await world.device('Mac', account, { fsPolicy: 'macos' });
  await linux.write('readme', 'lower');
  await settle([linux, mac]);
  await linux.write('Readme', 'Capitalized');
  await settle([linux, mac]);

  const expected = ['Readme (case conflict)', 'readme'];
  for (const device of [linux, mac]) {
    expect([...(await device.contents()).keys()].sort()).toEqual(expected);
    expect(await device.read('readme')).toBe('lower');
    expect(await device.read('Readme (case conflict)')).toBe('Capitalized');
  }
  expect(linux.engine.status.notices.some((n) => n.code === 'case_conflict' && n.path.includes('Readme'))).toBe(true);

  // Both new at once (nothing synced yet): the same, whichever reaches the server first.
  await linux.write('notes/Todo.md', 'first');
  await linux.write('notes/TODO.md', 'second');
  await settle([linux, mac]);
  const notes = [...(await mac.contents()).keys()].filter((p) => p.startsWith('notes/')).sort();
  expect(notes).toHaveLength(2);
  expect(notes.filter((p) => p.includes('(case conflict)'))).toHaveLength(1);
  expect(new Set(await Promise.all(notes.map((p) => mac.read(p))))).toEqual(new Set(['first', 'second']));
  await expectInvariants([linux, mac]);

  // A real refusal: another Linux device commits `NOTES.txt` after this one planned its upload of
  // `Notes.txt` from a feed without it, and before that upload reaches the server.
  let raced = false;
  const linux2 = await world.device('Linux 2', account);
  const racer = await world.device('Racer', account, {
    wrapPorts: (ports) => ({
      ...ports,
      remote: delegate(ports.remote, {
        commitFile: async (target, content, key) => {
          if (!raced) {
            raced = true;
            await linux2.write('NOTES.txt', 'got there first');
            await linux2.sync();
          }
          return ports.remote.commitFile(target, content, key);
        },
      }),
    }),
  });
  await settle([racer, linux2]);
  await racer.write('Notes.txt', 'racer');
  await settle([racer, linux2, linux, mac]);
  expect(raced).toBe(true);
  for (const device of [racer, linux2, linux, mac]) {
    expect(await device.read('NOTES.txt')).toBe('got there first');
    expect(await device.read('Notes (case conflict).txt')).toBe('racer');
    expect(await device.exists('Notes.txt')).toBe(false);
  }
  await expectInvariants([racer, linux2, linux, mac]);

  // The case-insensitive device makes `Plan.md` while `PLAN.md` from Linux reaches the server
  // first: its own is renamed "(case conflict)" and uploaded; the server's arrives beside it.
  await linux.write('PLAN.md', 'from Linux');
  await mac.write('Plan.md', 'from the Mac');
  await linux.sync();
  await settle([linux, mac]);
  for (const device of [linux, mac]) {
    expect(await device.read('PLAN.md')).toBe('from Linux');
    expect(await device.read('Plan (case conflict).md')).toBe('from the Mac');
    expect(await device.exists('Plan.md')).toBe(false);
  }
  await expectInvariants([linux, mac]);
}, 120_000);

it('#25 the same name in NFC (Windows) and NFD (macOS): one item, no twin', async () => {
  const account = await world.account();
  const nfc = 'Café résumé.txt'.normalize('NFC');
  const nfd = nfc.normalize('NFD');
  expect(nfd).not.toBe(nfc);
  const log = recordOperations();
  const win = await world.device('Win', account, { fsPolicy: 'windows' });
  const mac = await world.device('Mac', account, { fsPolicy: 'macos', onOperation: log.onOperation });
  await win.write(nfc, 'v1');
  await settle([win, mac]);

  // macOS (HFS+) hands the name back decomposed: same item, nothing to send.
  await writeFile(join(mac.dir, nfd), 'v1');
  await rm(join(mac.dir, nfc));
  log.ops.length = 0;
  await settle([win, mac]);
  expect(log.ops).toEqual([]);
  expect(await rawNames(mac.dir).then((names) => names.filter((n) => !n.startsWith(hex('.tandem'))))).toEqual([hex(nfd)]);

  // An edit under the decomposed name reaches the same item on the server.
  await writeFile(join(mac.dir, nfd), 'v2 from the mac');
  await settle([win, mac]);
  expect(log.ops.map((op) => op.kind)).toEqual(['upload']);
  expect(await win.read(nfc)).toBe('v2 from the mac');
  expect([...serverView(win).keys()]).toEqual([nfc]);

  // Both create one new name, one composed, one decomposed, with the same bytes: adopted, one item.
  await writeFile(join(win.dir, 'Ångström.md'.normalize('NFC')), 'same');
  await writeFile(join(mac.dir, 'Ångström.md'.normalize('NFD')), 'same');
  await win.sync();
  await settle([win, mac]);
  expect([...serverView(mac).keys()].sort()).toEqual(['Ångström.md'.normalize('NFC'), nfc].sort());
  expect(await mac.conflictedCopies()).toEqual([]);
  // The engine's trees and the harness compare NFC paths; the mac's disk keeps its NFD spelling.
  await rm(join(mac.dir, nfd));
  await writeFile(join(mac.dir, nfc), 'v2 from the mac');
  await rm(join(mac.dir, 'Ångström.md'.normalize('NFD')));
  await writeFile(join(mac.dir, 'Ångström.md'.normalize('NFC')), 'same');
  log.ops.length = 0;
  await settle([win, mac]);
  expect(log.ops).toEqual([]);
  await expectInvariants([win, mac]);

  // Created on both in different forms with different bytes: one item keeps the name, the other
  // bytes become a conflicted copy, as for any same-name create (#7); never two look-alike names.
  const accent = 'Résumé.md';
  await writeFile(join(win.dir, accent.normalize('NFC')), 'Windows CV');
  await writeFile(join(mac.dir, accent.normalize('NFD')), 'Mac CV');
  await win.sync();
  await settle([win, mac]);
  const server = [...serverView(win).keys()].filter((p) => p.normalize('NFC').startsWith('Résumé'));
  expect(server).toHaveLength(2);
  expect(server.filter((p) => p === accent.normalize('NFC'))).toHaveLength(1);
  expect(await win.read(accent.normalize('NFC'))).toBe('Windows CV');
  const copies = await win.conflictedCopies();
  expect(copies).toHaveLength(1);
  expect(await win.read(copies[0]!)).toBe('Mac CV');
  await expectInvariants([win, mac]);
}, 120_000);

it('#25 a decomposed name on a Linux disk (a file copied from a Mac) is the same item as its composed form', async () => {
  const account = await world.account();
  const nfc = 'Zoë’s notes.md'.normalize('NFC');
  const linux = await world.device('Linux', account);
  const win = await world.device('Win', account, { fsPolicy: 'windows' });
  await writeFile(join(linux.dir, nfc.normalize('NFD')), 'copied from a Mac');
  await settle([linux, win]);
  expect([...serverView(win).keys()]).toEqual([nfc]);
  expect(await win.read(nfc)).toBe('copied from a Mac');

  // An edit from the other side replaces that file (the old bytes go to the local trash, and the
  // new file takes the composed spelling): one file, never a twin beside the decomposed one.
  await win.write(nfc, 'edited on Windows');
  await settle([linux, win]);
  const names = (await readdir(linux.dir)).filter((n) => !n.startsWith('.tandem'));
  expect(names.map((n) => n.normalize('NFC'))).toEqual([nfc]);
  expect(await readFile(join(linux.dir, names[0]!), 'utf8')).toBe('edited on Windows');
  await linux.remove(names[0]!);
  await settle([linux, win]);
  expect(await win.exists(nfc)).toBe(false);
  await expectInvariants([linux, win]);
}, 120_000);

it('#26 distinct NFC and NFD names on one Linux disk: not squashed, reported as an encoding conflict', async () => {
  const account = await world.account();
  const nfc = 'é.txt'.normalize('NFC');
  const nfd = nfc.normalize('NFD');
  const linux = await world.device('Linux', account);
  const other = await world.device('Other', account);
  await writeFile(join(linux.dir, nfc), 'composed');
  await writeFile(join(linux.dir, nfd), 'decomposed');
  await linux.sync();
  await other.sync();
  await linux.sync();

  // Both still on the Linux disk with their own bytes; only the composed one is synced.
  expect(await rawNames(linux.dir).then((names) => names.filter((n) => !n.startsWith(hex('.tandem'))))).toEqual([hex(nfc), hex(nfd)].sort());
  expect(await readFile(join(linux.dir, nfc), 'utf8')).toBe('composed');
  expect(await readFile(join(linux.dir, nfd), 'utf8')).toBe('decomposed');
  expect([...serverView(other).keys()]).toEqual([nfc]);
  expect(await other.read(nfc)).toBe('composed');
  const reported = linux.engine.status.skipped.filter((entry) => entry.code === 'encoding_conflict');
  expect(reported).toHaveLength(1);
  expect(reported[0]!.path.normalize('NFC')).toBe(nfc);
  expect(reported[0]!.message).toMatch(/normalized/);

  // Editing the reported twin sends nothing and touches nothing.
  await writeFile(join(linux.dir, nfd), 'decomposed, edited');
  await linux.sync();
  await other.sync();
  expect(await other.read(nfc)).toBe('composed');
  expect(await readFile(join(linux.dir, nfc), 'utf8')).toBe('composed');

  // The way out the report gives: rename one; then both sync.
  await linux.rename(nfd, 'e-decomposed.txt');
  await settle([linux, other]);
  expect(await other.read('e-decomposed.txt')).toBe('decomposed, edited');
  expect(linux.engine.status.skipped).toEqual([]);
  await expectInvariants([linux, other]);
}, 120_000);

it('#27 names Windows forbids arriving at a Windows client: not created there, reported with the reason, never deleted on the server', async () => {
  const account = await world.account();
  const linux = await world.device('Linux', account);
  const forbidden: Array<[string, RegExp]> = [
    ['CON', /reserves "CON" for a device/],
    ['aux.md', /reserves "aux" for a device/],
    ['nul.txt.jpg', /reserves "nul" for a device/],
    ['trailing dot.', /drops the trailing dot/],
    ['trailing space ', /drops the trailing space/],
    ['a:b', /does not allow ":"/],
    ['q<>"|?*.txt', /does not allow "<"/],
    ['bell\u0007.txt', /control character/],
  ];
  for (const [name] of forbidden) await linux.write(name, `bytes of ${name}`);
  await linux.write('COM1/inside.txt', 'a folder Windows cannot create, with a file inside');
  await linux.write('fine.txt', 'a name every platform holds');
  await settle([linux]);

  const win = await world.device('Win', account, { fsPolicy: 'windows' });
  await settle([linux, win]);
  expect([...(await win.contents()).keys()]).toEqual(['fine.txt']);
  const skipped = new Map(win.engine.status.skipped.map((entry) => [entry.path, entry]));
  for (const [name, reason] of forbidden) {
    expect(skipped.get(name)?.code, name).toBe('skipped_name');
    expect(skipped.get(name)?.message, name).toMatch(reason);
  }
  expect(skipped.get('COM1')?.message).toMatch(/reserves "COM1"/);

  // Later passes and a restart of the Windows client change nothing on the server.
  await win.restart();
  await win.write('fine.txt', 'edited on Windows');
  await settle([linux, win]);
  const server = serverView(linux);
  for (const [name] of forbidden) expect(server.has(name), name).toBe(true);
  expect(server.has('COM1/inside.txt')).toBe(true);
  expect(await linux.read('fine.txt')).toBe('edited on Windows');
  for (const [name] of forbidden) expect(await linux.read(name)).toBe(`bytes of ${name}`);
  expect(await win.client.trash()).toEqual([]);
  await expectInvariants([linux, win], { missing: { Win: [...forbidden.map(([name]) => name), 'COM1'] } });

  // A synced file and folder renamed elsewhere to names Windows cannot hold: they stay here under
  // their old names (never deleted), the server keeps the new names, and an edit made here still
  // reaches the same item.
  await linux.write('later/in.txt', 'inside');
  await linux.write('notes.txt', 'v1');
  await settle([linux, win]);
  await linux.rename('notes.txt', 'notes:v2.txt');
  await linux.rename('later', 'later.');
  await settle([linux, win]);
  expect(await win.read('notes.txt')).toBe('v1');
  expect(await win.read('later/in.txt')).toBe('inside');
  const renamed = win.engine.status.skipped.find((entry) => entry.path === 'notes:v2.txt')?.message;
  expect(renamed).toMatch(/does not allow ":"/);
  expect(renamed).toMatch(/Kept here as "notes.txt"/);
  await win.write('notes.txt', 'edited on Windows under the old name');
  await settle([linux, win]);
  expect(await linux.read('notes:v2.txt')).toBe('edited on Windows under the old name');
  expect([...serverView(linux).keys()].filter((p) => p.startsWith('notes') || p.startsWith('later')).sort()).toEqual(['later.', 'later./in.txt', 'notes:v2.txt']);
  // Renamed to names Windows holds, they follow.
  await linux.rename('notes:v2.txt', 'notes v2.txt');
  await linux.rename('later.', 'later');
  await settle([linux, win]);
  expect(await win.read('notes v2.txt')).toBe('edited on Windows under the old name');
  expect(await win.exists('notes.txt')).toBe(false);
  await expectInvariants([linux, win], { missing: { Win: [...forbidden.map(([name]) => name), 'COM1'] } });
}, 120_000);

it('#28 names differing only by whitespace are distinct; a conflict suffix when they collide', async () => {
  const account = await world.account();
  const a = await world.device('Ada', account);
  const b = await world.device('Bob', account, { fsPolicy: 'macos' });
  const names = ['plan.txt', 'plan .txt', ' plan.txt', 'plan.txt ', 'plan  b.txt', 'plan b.txt', 'plan\u00a0b.txt', 'plan\tb.txt'];
  for (const [i, name] of names.entries()) await a.write(name, `version ${i}`);
  await settle([a, b]);
  for (const [i, name] of names.entries()) expect(await b.read(name), JSON.stringify(name)).toBe(`version ${i}`);
  expect([...serverView(b).keys()].sort()).toEqual([...names].sort());

  // Windows holds them all apart too, except a trailing space (it would drop it, landing on
  // "plan.txt") and a tab (a control character): those two are reported, never suffixed or merged.
  const win = await world.device('Win', account, { fsPolicy: 'windows' });
  await settle([a, b, win]);
  const unholdable = ['plan.txt ', 'plan\tb.txt'];
  for (const [i, name] of names.entries()) {
    if (unholdable.includes(name)) expect(await win.exists(name), JSON.stringify(name)).toBe(false);
    else expect(await win.read(name), JSON.stringify(name)).toBe(`version ${i}`);
  }
  const winSkipped = new Map(win.engine.status.skipped.map((entry) => [entry.path, entry.message]));
  expect(winSkipped.get('plan.txt ')).toMatch(/trailing space/);
  expect(winSkipped.get('plan\tb.txt')).toMatch(/control character/);
  await expectInvariants([a, b, win], { missing: { Win: unholdable } });

  // Both create the same whitespace-laden name with different bytes: the second gets the suffix.
  await a.write('notes  .md', 'Ada');
  await b.write('notes  .md', 'Bob');
  await a.sync();
  await settle([a, b]);
  expect(await b.read('notes  .md')).toBe('Ada');
  const copies = await b.conflictedCopies();
  expect(copies).toHaveLength(1);
  expect(copies[0]).toMatch(/^notes {3}\(conflicted copy from Bob .*\)\.md$/);
  expect(await b.read(copies[0]!)).toBe('Bob');
  await settle([a, b, win]);
  await expectInvariants([a, b, win], { missing: { Win: unholdable } });
}, 120_000);

it('#29 a name that is not valid UTF-8 on a Linux disk: refused and reported, not mangled', async () => {
  const account = await world.account();
  const linux = await world.device('Linux', account);
  const other = await world.device('Other', account);
  // "caf\xe9.txt": Latin-1 bytes, as an old archive or a mount with the wrong charset leaves them.
  const badName = Buffer.concat([Buffer.from('caf'), Buffer.from([0xe9]), Buffer.from('.txt')]);
  const badPath = Buffer.concat([Buffer.from(`${linux.dir}/`), badName]);
  await writeFile(badPath, 'latin-1 name');
  await linux.write('good.txt', 'fine');
  // settle() lists folders as text, which cannot name this file; the devices sync one by one.
  expect(await linux.sync()).toBe('in_sync');
  expect(await other.sync()).toBe('in_sync');
  expect(await linux.sync()).toBe('in_sync');

  expect([...serverView(other).keys()]).toEqual(['good.txt']);
  expect(await other.read('good.txt')).toBe('fine');
  const reported = linux.engine.status.skipped.find((entry) => entry.code === 'invalid_utf8');
  expect(reported?.path).toBe('caf\\xe9.txt');
  expect(reported?.message).toMatch(/not valid UTF-8/);
  // Untouched: the same bytes under the same bytes of a name.
  expect(await readFile(badPath, 'utf8')).toBe('latin-1 name');
  expect((await rawNames(linux.dir)).filter((n) => !n.startsWith(hex('.tandem')))).toEqual([badName.toString('hex'), hex('good.txt')].sort());

  // A synced folder that holds such a name is deleted on the other device: the folder stays
  // here for it, reported, and the device settles (its delete is not retried forever).
  await linux.write('old/report.txt', 'synced');
  expect(await linux.sync()).toBe('in_sync');
  const badInFolder = Buffer.concat([Buffer.from(`${linux.dir}/old/`), Buffer.from([0x72, 0xe9, 0x73, 0x75, 0x6d, 0xe9])]);
  await writeFile(badInFolder, 'still here');
  expect(await linux.sync()).toBe('in_sync');
  expect(await other.sync()).toBe('in_sync');
  await other.remove('old');
  expect(await other.sync()).toBe('in_sync');
  expect(await linux.sync()).toBe('in_sync');
  expect(await readFile(badInFolder, 'utf8')).toBe('still here');
  expect(await linux.exists('old/report.txt')).toBe(false);
  const kept = new Map(linux.engine.status.skipped.map((entry) => [entry.path, entry.code]));
  expect(kept.get('old')).toBe('kept_ignored');
  expect(kept.get('old/r\\xe9sum\\xe9')).toBe('invalid_utf8');
  expect([...serverView(linux).keys()]).toEqual(['good.txt']);

  // The way out the reports give: rename them to valid text; then they sync.
  await rename(badPath, linux.path('café.txt'));
  await rename(badInFolder, linux.path('old/résumé'));
  await settle([linux, other]);
  expect(await other.read('café.txt')).toBe('latin-1 name');
  expect(await other.read('old/résumé')).toBe('still here');
  expect(linux.engine.status.skipped).toEqual([]);
  await expectInvariants([linux, other]);
}, 120_000);

it('#49 a symlink inside the folder pointing outside: never followed, never written through, reported', async () => {
  const account = await world.account();
  const outside = await mkdtemp(join(tmpdir(), 'tandem-outside-'));
  try {
    await writeFile(join(outside, 'secret.txt'), 'not yours');
    const a = await world.device('Ada', account);
    const b = await world.device('Bob', account);
    await symlink(outside, a.path('ext'));
    await symlink(join(outside, 'secret.txt'), a.path('link.txt'));
    await a.write('real.txt', 'synced');
    await settle([a, b]);

    // Nothing behind the links reached the server or the other device.
    expect([...serverView(b).keys()]).toEqual(['real.txt']);
    expect([...(await b.contents()).keys()]).toEqual(['real.txt']);
    const skipped = new Map(a.engine.status.skipped.map((entry) => [entry.path, entry]));
    expect(skipped.get('ext')?.code).toBe('symlink');
    expect(skipped.get('link.txt')?.code).toBe('symlink');
    expect(skipped.get('ext')?.message).toMatch(/symbolic link/);

    // The other device creates real items under those names: the engine never writes through
    // the links into the folder outside, and never replaces the links.
    await b.write('ext/new.txt', 'from Bob');
    await b.write('link.txt', 'Bob overwrites?');
    await settle([a, b]);
    expect((await readdir(outside)).sort()).toEqual(['secret.txt']);
    expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('not yours');
    expect((await lstat(a.path('ext'))).isSymbolicLink()).toBe(true);
    expect((await lstat(a.path('link.txt'))).isSymbolicLink()).toBe(true);
    expect(await b.read('ext/new.txt')).toBe('from Bob');
    expect(await b.read('link.txt')).toBe('Bob overwrites?');
    const reported = a.engine.status.skipped.map((entry) => entry.path);
    expect(reported).toEqual(expect.arrayContaining(['ext', 'link.txt']));
    await expectInvariants([b]);

    // The way out: once the links are gone, the server's real items arrive in their place.
    await a.remove('ext');
    await a.remove('link.txt');
    await settle([a, b]);
    expect(await a.read('ext/new.txt')).toBe('from Bob');
    expect(await a.read('link.txt')).toBe('Bob overwrites?');
    expect((await readdir(outside)).sort()).toEqual(['secret.txt']);
    expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('not yours');
    await expectInvariants([a, b]);

    // A synced folder moved out and replaced by a link to where it went, while the other device
    // adds a file inside it: nothing is written through the link, nothing is lost on the server.
    await a.write('docs/x.txt', 'x');
    await settle([a, b]);
    await rename(a.path('docs'), join(outside, 'docs'));
    await symlink(join(outside, 'docs'), a.path('docs'));
    await b.write('docs/new.txt', 'from Bob, inside');
    await b.sync();
    await a.sync();
    await b.sync();
    await a.sync();
    expect(await readdir(join(outside, 'docs'))).toEqual(['x.txt']);
    expect(a.engine.status.skipped.find((entry) => entry.path === 'docs' && entry.code === 'symlink')).toBeDefined();
    expect([...serverView(b).keys()].filter((p) => p.startsWith('docs')).sort()).toEqual(['docs', 'docs/new.txt', 'docs/x.txt']);
    // Once the link is gone, A's side reads as "docs/x.txt was moved out" (a delete) while Bob
    // added inside: the folder comes back holding only Bob's file (#17), x.txt goes to the
    // server's trash, and the moved-out copy is untouched.
    await a.remove('docs');
    await settle([a, b]);
    expect(await a.read('docs/new.txt')).toBe('from Bob, inside');
    expect(await b.exists('docs/x.txt')).toBe(false);
    expect((await b.client.trash()).map((entry) => entry.original_path)).toContain('docs/x.txt');
    expect(await readdir(join(outside, 'docs'))).toEqual(['x.txt']);
    await expectInvariants([a, b]);
  } finally {
    await rm(outside, { recursive: true, force: true });
  }
}, 120_000);

it('#50 hard links are independent files', async () => {
  const account = await world.account();
  const log = recordOperations();
  const a = await world.device('Ada', account, { onOperation: log.onOperation });
  const b = await world.device('Bob', account);
  await a.write('f.txt', 'one');
  await link(a.path('f.txt'), a.path('g.txt'));
  await settle([a, b]);
  // Two items, two uploads; the second name is not mistaken for a move of the first.
  expect(log.ops.map((op) => op.kind).sort()).toEqual(['upload', 'upload']);
  const server = serverView(b);
  expect([...server.keys()].sort()).toEqual(['f.txt', 'g.txt']);
  expect(await b.read('f.txt')).toBe('one');
  expect(await b.read('g.txt')).toBe('one');
  expect((await lstat(b.path('f.txt'))).ino).not.toBe((await lstat(b.path('g.txt'))).ino);

  // An edit in place through one name changes both names on this disk: both are sent.
  await writeFile(a.path('f.txt'), 'two, in place');
  await settle([a, b]);
  expect(await b.read('f.txt')).toBe('two, in place');
  expect(await b.read('g.txt')).toBe('two, in place');

  // An edit arriving for one name replaces that file only: the other keeps its bytes.
  await b.write('f.txt', 'three, from Bob');
  await settle([a, b]);
  expect(await a.read('f.txt')).toBe('three, from Bob');
  expect(await a.read('g.txt')).toBe('two, in place');
  await expectInvariants([a, b]);

  // Renaming one of two names of one file moves that item only (the shared inode is no clue).
  await a.write('p.txt', 'shared');
  await link(a.path('p.txt'), a.path('q.txt'));
  await settle([a, b]);
  const ids = new Map([...a.engine.index.loadTree('remote')!.items.values()].map((item) => [item.name, item.id]));
  log.ops.length = 0;
  await a.rename('q.txt', 'r.txt');
  await settle([a, b]);
  expect(log.ops.map((op) => op.kind)).toEqual(['moveRemote']);
  const after = new Map([...a.engine.index.loadTree('remote')!.items.values()].map((item) => [item.name, item.id]));
  expect(after.get('p.txt')).toBe(ids.get('p.txt'));
  expect(after.get('r.txt')).toBe(ids.get('q.txt'));
  expect(await b.read('r.txt')).toBe('shared');
  expect(await b.exists('q.txt')).toBe(false);
  await expectInvariants([a, b]);
}, 120_000);

it('#53 a very long path or name: Windows and macOS limits applied by policy, reported, never truncated', async () => {
  const account = await world.account();
  const linux = await world.device('Linux', account);
  const one = 'a'.repeat(100);
  const two = 'b'.repeat(100);
  const longFile = `${'c'.repeat(80)}.txt`;
  const longName = `${'n'.repeat(251)}.md`; // 254 bytes: fine on Linux and macOS, too long a path on Windows
  await linux.write(`${one}/${two}/${longFile}`, 'deep');
  await linux.write(longName, 'long name');
  // 127 × "é": 254 bytes composed (the server's form), 381 decomposed, as macOS stores names.
  const accented = `${'é'.repeat(127)}`.normalize('NFC');
  await linux.write(accented, 'accents');
  // Past macOS's 1,023-byte path: five folders of 250 bytes.
  const macDeep = Array.from({ length: 5 }, (_, i) => String(i).repeat(250));
  await linux.write(`${macDeep.join('/')}/end.txt`, 'very deep');
  await settle([linux]);

  const win = await world.device('Win', account, { fsPolicy: 'windows' });
  const mac = await world.device('Mac', account, { fsPolicy: 'macos' });
  await settle([linux, win, mac]);

  const winDisk = await win.contents();
  expect(winDisk.has(`${one}/${two}`)).toBe(true);
  expect(winDisk.has(`${one}/${two}/${longFile}`)).toBe(false);
  expect(winDisk.has(longName)).toBe(false);
  const winSkipped = new Map(win.engine.status.skipped.map((entry) => [entry.path, entry.message]));
  expect(winSkipped.get(`${one}/${two}/${longFile}`)).toMatch(/full path would be \d+ characters and Windows allows 259 .*never shortens/);
  expect(winSkipped.get(longName)).toMatch(/Windows allows 259/);
  expect(winSkipped.get(macDeep[0]!)).toMatch(/Windows allows 259/);
  // Nothing shortened: every name on the Windows disk is a name on the server.
  const server = serverView(linux);
  for (const path of winDisk.keys()) expect(server.has(path), path).toBe(true);

  const macDisk = await mac.contents();
  expect(macDisk.has(longName)).toBe(true);
  expect(macDisk.has(accented)).toBe(false);
  expect(mac.engine.status.skipped.find((entry) => entry.path === accented)?.message).toMatch(/takes 381 bytes as macOS stores it \(decomposed\)/);
  expect(await win.read(accented)).toBe('accents');
  expect(macDisk.has(`${one}/${two}/${longFile}`)).toBe(true);
  const firstTooDeep = macDeep.slice(0, 4).join('/'); // the fourth folder crosses 1,023 bytes
  expect(macDisk.has(macDeep.slice(0, 3).join('/'))).toBe(true);
  expect(macDisk.has(firstTooDeep)).toBe(false);
  const macSkipped = mac.engine.status.skipped.find((entry) => entry.path === firstTooDeep);
  expect(macSkipped?.message).toMatch(/macOS allows 1023/);
  for (const path of macDisk.keys()) expect(server.has(path), path).toBe(true);

  // Moved somewhere shallower on Linux, the file reaches Windows.
  await linux.rename(`${one}/${two}/${longFile}`, `${one}/${longFile}`);
  await settle([linux, win, mac]);
  expect(await win.read(`${one}/${longFile}`)).toBe('deep');
  expect(await linux.read(longName)).toBe('long name');
  await expectInvariants([linux, win, mac], {
    missing: { Win: [longName, macDeep[0]!], Mac: [firstTooDeep, accented] },
  });
}, 120_000);
