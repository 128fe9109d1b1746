// SCENARIOS.md "Content" (#1–7, #36–40, #51, #52, #57), each row end to end: real FolderSync
// engines on real folders against a real in-process server. Where a row needs a fault, it is
// injected through the engine's seams: wrapped executor ports (pause a commit, change a file in the
// middle of its upload or download, crash at a named step) and a wiretapped network (drop requests,
// count what travels). Every test ends with the invariants check.
import { randomBytes } from 'node:crypto';
import { readFile, readdir, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CrashWhen } from '../../src-main/engine/executor/test-support/crash-switch.ts';
import { delegate } from '../../src-main/engine/executor/test-support/fake-remote.ts';
import type { ExecutorPorts } from '../../src-main/engine/executor/ports.ts';
import { LOCAL_TRASH_FOLDER } from '../../src-main/engine/fs/file-system.ts';
import type { FileSystem } from '../../src-main/engine/fs/file-system.ts';
import type { Device } from './sync-harness.ts';
import { SyncWorld, expectInvariants, settle } from './sync-harness.ts';
import { wiretap } from './remote-harness.ts';
import type { WireRequest } from './remote-harness.ts';

let world: SyncWorld;
beforeAll(async () => {
  world = await SyncWorld.start();
});
afterAll(async () => {
  await world.close();
});

/** The bytes the server holds for an item, fetched block by block and put together here. */
async function serverBytes(device: Device, id: string): Promise<{ hash: string; bytes: Buffer }> {
  const item = await device.client.getItem(id);
  const unique = [...new Set(item.blocks.map((block) => block.hash))];
  const frames = new Map((await device.client.fetchBlocks(unique)).map((frame) => [frame.hash, frame.data]));
  const bytes = Buffer.concat(item.blocks.map((block) => frames.get(block.hash)!));
  return { hash: item.content_hash ?? '', bytes };
}

/** Content hashes of the files in a device's local trash (.tandem/trash), where overwritten bytes go. */
async function localTrashHashes(device: Device): Promise<string[]> {
  const trash = join(device.dir, LOCAL_TRASH_FOLDER);
  const names = await readdir(trash).catch(() => [] as string[]);
  return Promise.all(names.map(async (name) => world.hasher.hash(await readFile(join(trash, name)))));
}

/** The executor's backoff waits cut to a few milliseconds, so failures cost little wall time. */
function fastRetries(ports: ExecutorPorts): ExecutorPorts {
  const clock = ports.clock;
  return { ...ports, clock: { now: () => clock.now(), random: () => clock.random(), sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 5))) } };
}

/** The executor's disk with some calls replaced (the rest go straight through). */
function withFs(fs: FileSystem, overrides: Partial<FileSystem>): FileSystem {
  return {
    description: fs.description,
    syncLister: fs.syncLister,
    lstat: (path) => fs.lstat(path),
    readdir: (path) => fs.readdir(path),
    openRead: (path) => fs.openRead(path),
    readRange: (path, offset, length) => fs.readRange(path, offset, length),
    writeFileAtomic: (path, data, options) => fs.writeFileAtomic(path, data, options),
    mkdir: (path) => fs.mkdir(path),
    rename: (from, to) => fs.rename(from, to),
    trash: (path) => fs.trash(path),
    remove: (path) => fs.remove(path),
    setExecutable: (path, executable) => fs.setExecutable(path, executable),
    freeSpace: () => fs.freeSpace(),
    ...overrides,
  };
}


/** Requests that carry content to the server (blocks) or fetch it (block downloads). */
const isBlockUpload = (r: Pick<WireRequest, 'method' | 'path'>) => r.method === 'POST' && r.path === '/v1/blocks';
const isBlockFetch = (r: Pick<WireRequest, 'method' | 'path'>) => r.method === 'POST' && r.path === '/v1/blocks/fetch';
/** A file commit or create, alone or inside a batch of mutations (the engine batches small ones). */
const isCommit = (r: Pick<WireRequest, 'method' | 'path'>) =>
  (r.method === 'PUT' && r.path.endsWith('/content')) || (r.method === 'POST' && (r.path === '/v1/items' || r.path === '/v1/batch'));

it('#1 A and B edit the same file differently while offline: the first commit keeps the name, the other becomes an uploaded conflicted copy on both', async () => {
  const account = await world.account();
  const a = await world.device('Ada', account);
  const b = await world.device('Bob', account);
  await a.write('notes/plan.txt', 'base');
  await settle([a, b]);
  const id = a.serverId('notes/plan.txt');

  await a.write('notes/plan.txt', "Ada's version");
  await b.write('notes/plan.txt', "Bob's longer version");
  await a.sync(); // Ada's commit reaches the server first
  await settle([a, b]);

  for (const device of [a, b]) {
    expect(await device.read('notes/plan.txt'), device.name).toBe("Ada's version");
    const copies = await device.conflictedCopies();
    expect(copies, device.name).toHaveLength(1);
    expect(copies[0]).toMatch(/^notes\/plan \(conflicted copy from Bob \d{4}-\d{2}-\d{2} \d{6}\)\.txt$/);
    expect(await device.read(copies[0]!), device.name).toBe("Bob's longer version");
  }
  // The name kept its item (and so its history); the copy is a new item on the server.
  expect(b.serverId('notes/plan.txt')).toBe(id);
  expect(b.engine.status.conflicts.map((c) => c.path)).toEqual(await b.conflictedCopies());
  await expectInvariants([a, b]);
}, 60_000);

it('#2 both sides edit to identical bytes: no conflict; the base advances', async () => {
  const account = await world.account();
  const a = await world.device('Ada', account);
  const tap = wiretap();
  const b = await world.device('Bob', account, { client: { fetch: tap.fetch } });
  await a.write('same.txt', 'base');
  await settle([a, b]);
  const id = a.serverId('same.txt')!;

  await a.write('same.txt', 'the same new words');
  await b.write('same.txt', 'the same new words');
  await a.sync();
  const mark = tap.requests.length;
  await settle([a, b]);
  expect(await a.conflictedCopies()).toEqual([]);
  expect(await b.conflictedCopies()).toEqual([]);
  // Bob sent nothing and fetched nothing: equal bytes are simply agreed on.
  expect(tap.requests.slice(mark).filter((r) => isBlockUpload(r) || isBlockFetch(r) || isCommit(r))).toEqual([]);
  expect((await a.client.versions(id)).length).toBe(2);
  const synced = b.engine.index.loadTree('synced')!;
  expect(synced.items.get(id)?.hash).toBe(world.hasher.hash(Buffer.from('the same new words')));

  // The base moved: Bob's next edit is a plain edit on top of it, not a conflict.
  await b.write('same.txt', 'Bob carries on');
  await settle([a, b]);
  expect(await a.read('same.txt')).toBe('Bob carries on');
  expect(await a.conflictedCopies()).toEqual([]);
  await expectInvariants([a, b]);
}, 60_000);

it('#3 A saves twice fast (the second before the first upload is acknowledged): no conflict', async () => {
  const account = await world.account();
  let pauseCommit: ((resume: () => void) => void) | undefined;
  const a = await world.device('Ada', account, {
    wrapPorts: (ports) => ({
      ...ports,
      remote: delegate(ports.remote, {
        commitFile: async (...args) => {
          const hold = pauseCommit;
          pauseCommit = undefined;
          if (hold) await new Promise<void>((resume) => hold(resume));
          return ports.remote.commitFile(...args);
        },
      }),
    }),
  });
  const b = await world.device('Bob', account);
  await a.write('draft.md', 'v0');
  await settle([a, b]);
  const id = a.serverId('draft.md')!;

  // First save; its commit is held until the second save has hit the disk.
  await a.write('draft.md', 'v1: first save');
  pauseCommit = (resume) => {
    void a.write('draft.md', 'v2: second save, a moment later').then(resume);
  };
  await settle([a, b]);
  for (const device of [a, b]) {
    expect(await device.read('draft.md'), device.name).toBe('v2: second save, a moment later');
    expect(await device.conflictedCopies(), device.name).toEqual([]);
  }
  expect(b.serverId('draft.md')).toBe(id);

  // The same with the first commit's answer lost on the wire: the retry is answered from the
  // idempotency record, and the second save follows as a plain edit.
  let dropNextCommit = false;
  const tap = wiretap((request) => {
    if (dropNextCommit && isCommit(request)) {
      dropNextCommit = false;
      void a.write('draft.md', 'v4: saved again while the answer was lost');
      return 'drop-answer';
    }
    return 'pass';
  });
  await a.restart({ client: { fetch: tap.fetch } });
  await a.write('draft.md', 'v3: third save');
  dropNextCommit = true;
  await settle([a, b]);
  for (const device of [a, b]) {
    expect(await device.read('draft.md'), device.name).toBe('v4: saved again while the answer was lost');
    expect(await device.conflictedCopies(), device.name).toEqual([]);
  }
  const versions = (await a.client.versions(id)).map((v) => v.content_hash);
  for (const text of ['v0', 'v1: first save', 'v2: second save, a moment later', 'v4: saved again while the answer was lost']) {
    expect(versions).toContain(world.hasher.hash(Buffer.from(text)));
  }
  await expectInvariants([a, b]);
}, 60_000);

it('#4 A edits, B deletes: the edit survives on both, its folder restored if needed', async () => {
  const account = await world.account();
  const a = await world.device('Ada', account);
  const b = await world.device('Bob', account);
  await a.write('top.txt', 'top v1');
  await a.write('docs/inner/plan.txt', 'plan v1');
  await a.write('docs/other.txt', 'other');
  await settle([a, b]);

  // The edit reaches the server first: Bob's delete is refused and the edit comes back to him.
  await a.write('top.txt', 'top v2 by Ada');
  await b.remove('top.txt');
  await a.sync();
  await settle([a, b]);
  expect(await b.read('top.txt')).toBe('top v2 by Ada');

  // The delete (a whole folder) reaches the server first: Ada's edit brings back the folders
  // leading to it, holding only the edited file; the rest stays deleted, in the server's trash.
  await b.remove('docs');
  await a.write('docs/inner/plan.txt', 'plan v2 by Ada');
  await b.sync();
  await settle([a, b]);
  for (const device of [a, b]) {
    expect(await device.read('docs/inner/plan.txt'), device.name).toBe('plan v2 by Ada');
    expect(await device.exists('docs/other.txt'), device.name).toBe(false);
    expect(await device.conflictedCopies(), device.name).toEqual([]);
  }
  expect((await a.client.trash()).map((entry) => entry.original_path)).toContain('docs');
  await expectInvariants([a, b]);
}, 60_000);

it("#5 A deletes, B edits: B's edit comes back to A", async () => {
  const account = await world.account();
  const a = await world.device('Ada', account);
  const b = await world.device('Bob', account);
  await a.write('report.txt', 'v1');
  await a.write('keep/notes.txt', 'notes v1');
  await settle([a, b]);

  await a.remove('report.txt');
  await a.remove('keep');
  await b.write('report.txt', "v2, Bob's edit");
  await b.write('keep/notes.txt', "notes v2, Bob's edit");
  await a.sync(); // the deletes reach the server first
  await settle([a, b]);
  for (const device of [a, b]) {
    expect(await device.read('report.txt'), device.name).toBe("v2, Bob's edit");
    expect(await device.read('keep/notes.txt'), device.name).toBe("notes v2, Bob's edit");
    expect(await device.conflictedCopies(), device.name).toEqual([]);
  }
  await expectInvariants([a, b]);
}, 60_000);

it('#6 both delete: they converge silently', async () => {
  const account = await world.account();
  const a = await world.device('Ada', account);
  const b = await world.device('Bob', account);
  await a.write('old.txt', 'old');
  await a.write('old-folder/x.txt', 'x');
  await a.write('stays.txt', 'stays');
  await settle([a, b]);

  for (const device of [a, b]) {
    await device.remove('old.txt');
    await device.remove('old-folder');
  }
  await a.sync();
  await settle([a, b]);
  for (const device of [a, b]) {
    expect([...(await device.contents()).keys()], device.name).toEqual(['stays.txt']);
    expect(device.engine.status.conflicts, device.name).toEqual([]);
    expect(device.engine.status.errors, device.name).toEqual([]);
    expect(device.engine.status.notices, device.name).toEqual([]);
    expect(device.engine.status.state, device.name).toBe('idle');
  }
  // Gone everywhere, recoverable from the server's trash.
  expect((await a.client.trash()).map((entry) => entry.original_path)).toEqual(expect.arrayContaining(['old-folder', 'old.txt']));
  await expectInvariants([a, b]);
}, 60_000);

it('#7 the same new path created on both: different content makes a conflicted copy; identical content is adopted without transfer', async () => {
  const account = await world.account();
  const a = await world.device('Ada', account);
  const tap = wiretap();
  const b = await world.device('Bob', account, { client: { fetch: tap.fetch } });
  await settle([a, b]);

  // Identical bytes: Bob neither sends nor fetches the 200 kB; both hold one item.
  const same = randomBytes(200_000);
  await a.write('shared/photo.jpg', same);
  await b.write('shared/photo.jpg', same);
  await a.sync();
  const mark = tap.requests.length;
  await settle([a, b]);
  const sent = tap.requests.slice(mark).filter(isBlockUpload).reduce((sum, r) => sum + r.bodyBytes, 0);
  expect(sent).toBe(0);
  expect(tap.requests.slice(mark).filter(isBlockFetch)).toEqual([]);
  for (const device of [a, b]) {
    expect((await device.contents()).get('shared/photo.jpg'), device.name).toBe(world.hasher.hash(same));
    expect(await device.conflictedCopies(), device.name).toEqual([]);
  }

  // Different bytes: the first on the server keeps the name, the other is a conflicted copy.
  await a.write('shared/todo.txt', "Ada's list");
  await b.write('shared/todo.txt', "Bob's list");
  await a.sync();
  await settle([a, b]);
  for (const device of [a, b]) {
    expect(await device.read('shared/todo.txt'), device.name).toBe("Ada's list");
    const copies = await device.conflictedCopies();
    expect(copies, device.name).toEqual([expect.stringMatching(/^shared\/todo \(conflicted copy from Bob .*\)\.txt$/)]);
    expect(await device.read(copies[0]!), device.name).toBe("Bob's list");
  }
  expect(b.serverId('shared/photo.jpg')).toBe(a.serverId('shared/photo.jpg'));
  await expectInvariants([a, b]);
}, 60_000);

it('#36 a file that changes while it is hashed or uploaded: abort, rehash; the committed hash matches the bytes sent', async () => {
  const account = await world.account();
  // Big enough to be streamed twice (chunk, then send the missing blocks): > 8 MiB.
  const v1 = randomBytes(9 * 1024 * 1024);
  const v2 = Buffer.from(v1);
  v2.write('changed while the upload read it', 4 * 1024 * 1024);
  const v3 = randomBytes(300_000);
  let during: 'hash' | 'send' | undefined;
  const a = await world.device('Ada', account, {
    wrapPorts: (ports) => ({
      ...ports,
      // Mid-send: the server was asked which blocks it lacks, the blocks are about to be read again.
      remote: delegate(ports.remote, {
        missingBlocks: async (hashes) => {
          if (during === 'send') {
            during = undefined;
            await writeFile(a.path('big.bin'), v2);
          }
          return ports.remote.missingBlocks(hashes);
        },
      }),
      // Mid-hash: the file is rewritten after its first piece was read.
      fs: withFs(ports.fs, {
        openRead: (path) => {
          const inner = ports.fs.openRead(path);
          if (during !== 'hash' || path !== 'small.txt') return inner;
          during = undefined;
          return (async function* () {
            let first = true;
            for await (const piece of inner) {
              yield piece;
              if (first) await writeFile(a.path('small.txt'), v3);
              first = false;
            }
          })();
        },
      }),
    }),
  });
  const b = await world.device('Bob', account);

  await a.write('big.bin', v1);
  during = 'send';
  await settle([a, b]);
  expect(during).toBeUndefined();
  const big = a.serverId('big.bin')!;
  const onServer = await serverBytes(b, big);
  expect(onServer.hash).toBe(world.hasher.hash(onServer.bytes));
  expect(onServer.hash).toBe(world.hasher.hash(v2));
  expect((await b.contents()).get('big.bin')).toBe(world.hasher.hash(v2));
  // Only the finished file became a version: the first attempt committed nothing.
  expect((await a.client.versions(big)).map((v) => v.content_hash)).toEqual([world.hasher.hash(v2)]);

  await a.write('small.txt', randomBytes(200_000));
  during = 'hash';
  await settle([a, b]);
  expect(during).toBeUndefined();
  const small = a.serverId('small.txt')!;
  const smallOnServer = await serverBytes(b, small);
  expect(smallOnServer.hash).toBe(world.hasher.hash(smallOnServer.bytes));
  expect(smallOnServer.hash).toBe(world.hasher.hash(v3));
  expect((await b.contents()).get('small.txt')).toBe(world.hasher.hash(v3));
  expect((await a.client.versions(small)).map((v) => v.content_hash), 'the bytes read mid-change were never committed').toEqual([world.hasher.hash(v3)]);
  await expectInvariants([a, b]);
}, 120_000);

it('#37 a local edit while the remote version is being downloaded: the edit is kept, as a conflicted copy', async () => {
  const account = await world.account();
  const a = await world.device('Ada', account);
  let editDuringDownload: string | undefined;
  const b = await world.device('Bob', account, {
    wrapPorts: (ports) => ({
      ...ports,
      fs: withFs(ports.fs, {
        writeFileAtomic: async (path, data, options?) => {
          const written = await ports.fs.writeFileAtomic(path, data, options);
          // The temp file is complete; before it is renamed into place, Bob saves his edit.
          if (editDuringDownload !== undefined && path.includes('.tandem-tmp-dl-')) {
            const text = editDuringDownload;
            editDuringDownload = undefined;
            await writeFile(b.path('letter.txt'), text);
          }
          return written;
        },
      }),
    }),
  });
  await a.write('letter.txt', 'Dear all, v1');
  await settle([a, b]);

  await a.write('letter.txt', "Dear all, v2 by Ada");
  await a.sync();
  editDuringDownload = "Dear all, Bob's edit typed during the download";
  await settle([a, b]);
  expect(editDuringDownload).toBeUndefined();
  for (const device of [a, b]) {
    expect(await device.read('letter.txt'), device.name).toBe('Dear all, v2 by Ada');
    const copies = await device.conflictedCopies();
    expect(copies, device.name).toEqual([expect.stringMatching(/^letter \(conflicted copy from Bob .*\)\.txt$/)]);
    expect(await device.read(copies[0]!), device.name).toBe("Dear all, Bob's edit typed during the download");
  }
  await expectInvariants([a, b]);
}, 60_000);

it('#38 an upload interrupted by the network or a crash resumes by blocks; no partial version is ever visible', async () => {
  const account = await world.account();
  let cutCommits = false;
  // Armed: the first block request of a transfer goes through, every later one is lost.
  let blockRequestsLeft: number | undefined;
  const tap = wiretap((request) => {
    if (cutCommits && isCommit(request)) return 'drop-request';
    if (blockRequestsLeft !== undefined && isBlockUpload(request)) {
      if (blockRequestsLeft === 0) return 'drop-request';
      blockRequestsLeft -= 1;
    }
    return 'pass';
  });
  const a = await world.device('Ada', account, { client: { fetch: tap.fetch }, wrapPorts: fastRetries });
  const b = await world.device('Bob', account);
  await settle([a, b]);

  // The network goes down after the blocks went up, before the file is committed.
  const big = randomBytes(3 * 1024 * 1024);
  await a.write('video.bin', big);
  cutCommits = true;
  expect(await a.sync()).not.toBe('in_sync');
  const firstSent = tap.requests.filter(isBlockUpload).reduce((sum, r) => sum + r.bodyBytes, 0);
  expect(firstSent).toBeGreaterThan(big.length);
  await settle([b]);
  expect(await b.exists('video.bin')).toBe(false);

  // Back online: only the commit is left to do, no block travels again.
  cutCommits = false;
  const mark = tap.requests.length;
  await settle([a, b]);
  expect(tap.requests.slice(mark).filter(isBlockUpload)).toEqual([]);
  expect((await b.contents()).get('video.bin')).toBe(world.hasher.hash(big));

  // A crash after the blocks of an edit went up, before its commit: the server has the blocks only.
  const edited = Buffer.concat([randomBytes(2 * 1024 * 1024), big.subarray(2 * 1024 * 1024)]);
  let uploadCalls = 0;
  const crash = new CrashWhen((boundary) => boundary === 'after server uploadBlocks' && ++uploadCalls === 1);
  await a.restart({ client: { fetch: tap.fetch }, wrapPorts: (ports) => crash.ports(fastRetries(ports)) });
  await a.write('video.bin', edited);
  await a.sync();
  expect(crash.fired).toBe('after server uploadBlocks');
  await settle([b]);
  expect((await b.contents()).get('video.bin'), 'the old version until the new one is whole').toBe(world.hasher.hash(big));

  const restartMark = tap.requests.length;
  await a.restart({ client: { fetch: tap.fetch }, wrapPorts: fastRetries });
  await settle([a, b]);
  const resent = tap.requests.slice(restartMark).filter(isBlockUpload).reduce((sum, r) => sum + r.bodyBytes, 0);
  expect(resent).toBeLessThan(1024 * 1024);
  expect((await b.contents()).get('video.bin')).toBe(world.hasher.hash(edited));
  const versions = await a.client.versions(a.serverId('video.bin')!);
  expect(versions.map((v) => v.content_hash).sort()).toEqual([world.hasher.hash(big), world.hasher.hash(edited)].sort());

  // A file sent in two requests (16 MiB each at most): the network dies after the first. Back
  // online, only the blocks of the second travel.
  const large = randomBytes(20 * 1024 * 1024);
  await a.write('large.bin', large);
  blockRequestsLeft = 1;
  const largeMark = tap.requests.length;
  expect(await a.sync()).not.toBe('in_sync');
  const arrived = tap.requests.slice(largeMark).filter((r) => isBlockUpload(r) && r.reached).reduce((sum, r) => sum + r.bodyBytes, 0);
  expect(arrived).toBeGreaterThan(8 * 1024 * 1024);
  await settle([b]);
  expect(await b.exists('large.bin')).toBe(false);
  blockRequestsLeft = undefined;
  const healedMark = tap.requests.length;
  await settle([a, b]);
  const rest = tap.requests.slice(healedMark).filter(isBlockUpload).reduce((sum, r) => sum + r.bodyBytes, 0);
  expect(rest).toBeGreaterThan(0);
  expect(rest + arrived).toBeLessThan(large.length + 1024 * 1024);
  expect((await b.contents()).get('large.bin')).toBe(world.hasher.hash(large));
  await expectInvariants([a, b]);
}, 120_000);

it('#39 an interrupted download leaves the original untouched until the new content is complete and verified', async () => {
  const account = await world.account();
  const a = await world.device('Ada', account);
  let cutFetches = false;
  const tap = wiretap((request) => (cutFetches && isBlockFetch(request) ? 'drop-request' : 'pass'));
  const b = await world.device('Bob', account, { client: { fetch: tap.fetch }, wrapPorts: fastRetries });
  const v1 = randomBytes(2 * 1024 * 1024);
  await a.write('data.bin', v1);
  await settle([a, b]);

  // The network drops while Bob fetches the new version.
  const v2 = randomBytes(2 * 1024 * 1024);
  await a.write('data.bin', v2);
  await a.sync();
  cutFetches = true;
  expect(await b.sync()).not.toBe('in_sync');
  expect(tap.requests.some((r) => isBlockFetch(r) && !r.reached)).toBe(true);
  expect((await b.contents()).get('data.bin')).toBe(world.hasher.hash(v1));
  cutFetches = false;
  await settle([a, b]);
  expect((await b.contents()).get('data.bin')).toBe(world.hasher.hash(v2));

  // Crashes with the new content complete and verified in its temp file: just before the old
  // file goes to the local trash (the original is untouched), and just before the temp file
  // takes its name (the original is in .tandem's trash). Each restart finishes the job.
  let version = v2;
  for (const step of ['before trash data.bin', 'before rename .tandem-tmp-dl-']) {
    const next = randomBytes(1024 * 1024);
    await a.write('data.bin', next);
    await a.sync();
    const crash = new CrashWhen((boundary) => boundary.startsWith(step));
    await b.restart({ client: { fetch: tap.fetch }, wrapPorts: (ports) => crash.ports(fastRetries(ports)) });
    await b.sync();
    expect(crash.fired).toMatch(new RegExp(`^${step.replaceAll('.', '\\.')}`));
    expect(crash.boundaries.some((boundary) => boundary.startsWith('after write .tandem-tmp-dl-')), 'the temp file was complete').toBe(true);
    const onDisk = (await b.contents()).get('data.bin');
    if (step.startsWith('before trash')) expect(onDisk, 'the original, untouched').toBe(world.hasher.hash(version));
    else {
      // Between the two steps: no partial file under the name; the old bytes sit in the local trash.
      expect(onDisk === undefined || onDisk === world.hasher.hash(version), 'never a partial file').toBe(true);
      expect(await localTrashHashes(b)).toContain(world.hasher.hash(version));
    }
    await b.restart({ client: { fetch: tap.fetch } });
    await settle([a, b]);
    expect((await b.contents()).get('data.bin')).toBe(world.hasher.hash(next));
    version = next;
  }
  expect(await b.conflictedCopies()).toEqual([]);
  await expectInvariants([a, b]);
}, 120_000);

it('#40 a crash after applying an operation, before recording it: the next run sees equal content and marks it synced', async () => {
  const account = await world.account();
  const tapA = wiretap();
  const tapB = wiretap();
  const a = await world.device('Ada', account, { client: { fetch: tapA.fetch } });
  const b = await world.device('Bob', account, { client: { fetch: tapB.fetch } });
  await a.write('up.txt', 'v1');
  await a.write('down.txt', 'v1');
  await settle([a, b]);
  const up = a.serverId('up.txt')!;

  // Ada's upload is committed on the server, then she dies before recording it.
  const crashA = new CrashWhen((boundary) => boundary === 'before journalComplete');
  await a.restart({ client: { fetch: tapA.fetch }, wrapPorts: (ports) => crashA.ports(ports) });
  await a.write('up.txt', 'v2 by Ada');
  await a.sync();
  expect(crashA.boundaries).toContain('after server commitFile');
  expect(crashA.fired).toBe('before journalComplete');
  await a.restart({ client: { fetch: tapA.fetch } });
  const markA = tapA.requests.length;
  await settle([a, b]);
  expect(tapA.requests.slice(markA).filter(isBlockUpload)).toEqual([]);
  expect((await a.client.versions(up)).length).toBe(2);

  // Bob's download is renamed into place, then he dies before recording it.
  await a.write('down.txt', 'v2 from Ada');
  await a.sync();
  const crashB = new CrashWhen((boundary) => boundary === 'before journalComplete');
  await b.restart({ client: { fetch: tapB.fetch }, wrapPorts: (ports) => crashB.ports(ports) });
  await b.sync();
  expect(crashB.boundaries.some((boundary) => /^after rename .* -> down\.txt$/.test(boundary))).toBe(true);
  expect(crashB.fired).toBe('before journalComplete');
  expect(await b.read('down.txt')).toBe('v2 from Ada');
  await b.restart({ client: { fetch: tapB.fetch } });
  const markB = tapB.requests.length;
  await settle([a, b]);
  expect(tapB.requests.slice(markB).filter((r) => isBlockFetch(r) || isBlockUpload(r) || isCommit(r))).toEqual([]);
  for (const device of [a, b]) {
    expect(await device.read('up.txt'), device.name).toBe('v2 by Ada');
    expect(await device.read('down.txt'), device.name).toBe('v2 from Ada');
    expect(await device.conflictedCopies(), device.name).toEqual([]);
  }
  await expectInvariants([a, b]);

  // The same for a delete and a rename: Ada's delete or move is applied on the server, Bob's
  // local trash or rename on his disk, and each dies before recording it.
  await a.write('gone.txt', 'to be deleted');
  await a.write('old-name.txt', 'to be renamed');
  await settle([a, b]);
  await a.remove('gone.txt');
  await a.rename('old-name.txt', 'new-name.txt');
  const crashA2 = new CrashWhen((boundary) => boundary === 'before journalComplete');
  await a.restart({ client: { fetch: tapA.fetch }, wrapPorts: (ports) => crashA2.ports(ports) });
  await a.sync();
  expect(crashA2.fired).toBe('before journalComplete');
  expect(crashA2.boundaries.filter((x) => x === 'after server delete' || x === 'after server move').length).toBeGreaterThan(0);
  await a.restart({ client: { fetch: tapA.fetch } });
  await settle([a]);
  const crashB2 = new CrashWhen((boundary) => boundary === 'before journalComplete');
  await b.restart({ client: { fetch: tapB.fetch }, wrapPorts: (ports) => crashB2.ports(ports) });
  await b.sync();
  expect(crashB2.fired).toBe('before journalComplete');
  expect(crashB2.boundaries.filter((x) => x === 'after trash gone.txt' || x === 'after rename old-name.txt -> new-name.txt').length).toBeGreaterThan(0);
  await b.restart({ client: { fetch: tapB.fetch } });
  const markB2 = tapB.requests.length;
  await settle([a, b]);
  expect(tapB.requests.slice(markB2).filter((r) => isBlockFetch(r) || isBlockUpload(r) || isCommit(r))).toEqual([]);
  for (const device of [a, b]) {
    expect(await device.exists('gone.txt'), device.name).toBe(false);
    expect(await device.read('new-name.txt'), device.name).toBe('to be renamed');
    expect(await device.exists('old-name.txt'), device.name).toBe(false);
    expect(await device.conflictedCopies(), device.name).toEqual([]);
  }
  expect((await a.client.trash()).map((entry) => entry.original_path)).toEqual(['gone.txt']);
  await expectInvariants([a, b]);
}, 60_000);

it('#40 a new file\'s create lands, the device dies before recording it, and another device deletes it first: it is uploaded again as a new item, not refused forever', async () => {
  const account = await world.account();
  const a = await world.device('Ada', account);
  const b = await world.device('Bob', account);
  await a.write('Docs/keep.txt', 'kept');
  await settle([a, b]);
  await a.write('Docs/report.txt', 'draft by Ada');
  const crash = new CrashWhen((boundary) => boundary === 'after server commitFile');
  await a.restart({ wrapPorts: (ports) => crash.ports(ports) });
  await a.sync();
  expect(crash.fired).toBe('after server commitFile');
  await a.restart({});

  // Bob gets the file and deletes the whole folder before Ada reads the server again: the id
  // Ada proposed is now a trashed item's, which the server never gives out twice.
  await b.sync();
  expect(await b.read('Docs/report.txt')).toBe('draft by Ada');
  await b.remove('Docs');
  await b.sync();
  await a.write('Docs/report.txt', 'final by Ada');

  expect(await settle([a, b])).toEqual(['in_sync', 'in_sync']);
  for (const device of [a, b]) {
    expect(await device.read('Docs/report.txt'), device.name).toBe('final by Ada');
    expect(await device.exists('Docs/keep.txt'), device.name).toBe(false);
    expect(device.engine.status.errors, device.name).toEqual([]);
  }
  await expectInvariants([a, b]);
}, 60_000);

it('#51 an empty file, or a file truncated to 0, syncs as an empty file', async () => {
  const account = await world.account();
  const a = await world.device('Ada', account);
  const b = await world.device('Bob', account);
  await a.write('full.txt', 'something to lose');
  await settle([a, b]);

  await a.write('empty.txt', '');
  await truncate(a.path('full.txt'), 0);
  await settle([a, b]);
  for (const name of ['empty.txt', 'full.txt']) {
    expect((await stat(b.path(name))).size, name).toBe(0);
    expect((await stat(b.path(name))).isFile(), name).toBe(true);
  }
  // And back: content written into the empty file travels as usual.
  await b.write('empty.txt', 'no longer empty');
  await settle([a, b]);
  expect(await a.read('empty.txt')).toBe('no longer empty');
  expect(await a.conflictedCopies()).toEqual([]);
  await expectInvariants([a, b]);
}, 60_000);

it('#52 only the exec bit changes: propagated on POSIX without a transfer; setuid and setgid never', async () => {
  const account = await world.account();
  const a = await world.device('Ada', account);
  const tap = wiretap();
  const b = await world.device('Bob', account, { client: { fetch: tap.fetch } });
  await a.write('run.sh', '#!/bin/sh\necho hello\n');
  await a.write('tool', 'binary-ish');
  await settle([a, b]);
  expect((await stat(b.path('run.sh'))).mode & 0o111).toBe(0);

  await a.chmod('run.sh', 0o755);
  await a.chmod('tool', 0o6755); // setuid + setgid on Ada's disk
  const mark = tap.requests.length;
  await settle([a, b]);
  for (const name of ['run.sh', 'tool']) {
    const mode = (await stat(b.path(name))).mode;
    expect(mode & 0o100, `${name} executable on Bob`).toBe(0o100);
    expect(mode & 0o6000, `${name} has no setuid/setgid on Bob`).toBe(0);
  }
  expect(tap.requests.slice(mark).filter(isBlockFetch)).toEqual([]);

  // And off again, from Bob.
  await b.chmod('run.sh', 0o644);
  await settle([a, b]);
  expect((await stat(a.path('run.sh'))).mode & 0o100).toBe(0);
  await expectInvariants([a, b]);
}, 60_000);

it('#52 a disk without exec bits (Windows) never clears the bit for everyone: it keeps the bit it cannot hold, and edits keep it on the server', async () => {
  const account = await world.account();
  const a = await world.device('Ada', account);
  const w = await world.device('Win', account, { fsPolicy: 'windows' });
  await a.write('build.sh', '#!/bin/sh\nmake\n');
  await a.chmod('build.sh', 0o755);
  await a.write('notes.txt', 'plain');
  await settle([a, w]);
  const id = a.serverId('build.sh')!;

  // On Windows the file reads as not executable (played here by clearing the bit on its disk):
  // that is no change of the user's, so nothing goes to the server.
  await w.chmod('build.sh', 0o644);
  await settle([a, w]);
  expect((await a.client.getItem(id)).executable).toBe(true);
  expect((await stat(a.path('build.sh'))).mode & 0o100).toBe(0o100);

  // An edit on Windows keeps the bit on the server; Ada gets the new bytes, still executable.
  await w.write('build.sh', '#!/bin/sh\nmake all\n');
  await settle([a, w]);
  expect(await a.read('build.sh')).toBe('#!/bin/sh\nmake all\n');
  expect((await stat(a.path('build.sh'))).mode & 0o100).toBe(0o100);
  expect((await a.client.getItem(id)).executable).toBe(true);
  // A new file made on Windows is not executable.
  await w.write('new.bat', 'echo hi');
  await settle([a, w]);
  expect((await stat(a.path('new.bat'))).mode & 0o100).toBe(0);
  expect(await a.conflictedCopies()).toEqual([]);
  await expectInvariants([a]);
  // Win's disk differs from the server only in the bit it cannot hold.
  const unbit = (map: Map<string, string>) => new Map([...map].map(([path, hash]) => [path, hash.replace(/\+x$/, '')]));
  expect(unbit(await w.contents())).toEqual(unbit(await a.contents()));
}, 60_000);

it('#57 a conflict on a conflicted copy stays bounded: no nested names, no copy of bytes already kept, no endless chain', async () => {
  const account = await world.account();
  const a = await world.device('Ada', account);
  const b = await world.device('Bob', account);
  await a.write('n.txt', 'base');
  await settle([a, b]);
  await a.write('n.txt', 'A1');
  await b.write('n.txt', 'B1');
  await a.sync();
  await settle([a, b]);
  const [copy] = await a.conflictedCopies();
  expect(copy).toBeDefined();

  // Both edit the conflicted copy itself: one more copy, named after the ORIGINAL file.
  await a.write(copy!, 'A2 in the copy');
  await b.write(copy!, 'B2 in the copy');
  await a.sync();
  await settle([a, b]);
  const copies = await a.conflictedCopies();
  expect(copies).toHaveLength(2);
  for (const name of copies) expect(name.match(/conflicted copy/g), name).toHaveLength(1);
  expect(await a.read(copy!)).toBe('A2 in the copy');
  expect(copies.map((name) => name).sort()).toEqual(await b.conflictedCopies());

  // Bob pastes the bytes of a conflicted copy back into the file while Ada edits it again: those
  // bytes are already kept in a copy of that file, so no third copy appears.
  await a.write('n.txt', 'A3');
  await b.write('n.txt', 'B2 in the copy');
  await a.sync();
  await settle([a, b]);
  expect(await a.conflictedCopies()).toEqual(copies);
  expect(await b.read('n.txt')).toBe('A3');
  const kept = await Promise.all(copies.map((name) => b.read(name)));
  expect(kept.sort()).toEqual(['A2 in the copy', 'B2 in the copy']);
  expect(b.engine.status.notices.map((n) => n.code)).toContain('duplicate_conflict');

  // Many rounds of quiet afterwards change nothing.
  const before = await a.contents();
  await settle([a, b], 10);
  expect(await a.contents()).toEqual(before);
  await expectInvariants([a, b]);
}, 60_000);
