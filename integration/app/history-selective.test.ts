// Version history, deleted files and selective sync through the app, with real engines: an old
// version restored (and the one it replaced kept), copies of the current and an old version saved, a
// deleted file put back where it was; a folder left out of sync leaves the disk and comes back
// when included again, with the space it frees or needs said first; ignore rules; a mass delete
// asked about in health and answered.
import { readFile, rm, symlink } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppWorld, type TestApp } from './app-harness.ts';

let world: AppWorld;
let ada: TestApp;
let bob: TestApp;

beforeEach(async () => {
  world = await AppWorld.start();
  const user = await world.user();
  ada = await world.app('Ada laptop');
  bob = await world.app('Bob desktop');
  await ada.setUp(world.server.url, user);
  await bob.setUp(world.server.url, user);
});

afterEach(async () => {
  await world.close();
});

describe('version history', () => {
  it('lists versions newest first with their devices, restores an old one, and saves a copy', async () => {
    await ada.write('essay.txt', 'draft one');
    await ada.sync();
    await bob.sync();
    await bob.write('essay.txt', 'draft two, by Bob');
    await bob.sync();
    await ada.sync();
    expect(await ada.read('essay.txt')).toBe('draft two, by Bob');

    const folderId = await ada.folderId();
    const { versions } = await ada.call('history.versions', { folderId, path: 'essay.txt' });
    expect(versions.map((v) => [v.current, v.size, v.device])).toEqual([
      [true, 'draft two, by Bob'.length, 'Bob desktop'],
      [false, 'draft one'.length, 'This computer (Ada laptop)'],
    ]);

    const restored = await ada.call('history.restoreVersion', { folderId, path: 'essay.txt', version: versions[1]!.version });
    expect(restored.message).toMatch(/stays in history/);
    await ada.sync();
    await bob.sync();
    expect(await ada.read('essay.txt')).toBe('draft one');
    expect(await bob.read('essay.txt')).toBe('draft one');
    const after = await ada.call('history.versions', { folderId, path: 'essay.txt' });
    expect(after.versions).toHaveLength(3);
    expect(after.versions.filter((v) => v.size === 'draft two, by Bob'.length)).toHaveLength(1);

    const current = after.versions[0]!;
    const saved = await ada.call('history.saveCopy', { folderId, path: 'essay.txt', version: current.version });
    expect(await readFile(saved.savedTo, 'utf8')).toBe('draft one');
    expect(saved.savedTo).toMatch(/essay \(version from .*\)\.txt$/);
    await expect(ada.call('history.versions', { folderId, path: 'no-such-file.txt' })).rejects.toThrow(/not on the server/);
  });

  it('saves a copy of an old version beside the file: its bytes, not the current ones', async () => {
    const v1 = Buffer.from('version one: the first words\n');
    // Several blocks (the chunker cuts at 16 KiB or more), some shared with the later versions.
    const shared = Buffer.alloc(300 * 1024, 7);
    for (let i = 0; i < shared.length; i += 4099) shared[i] = i % 251;
    await ada.write('Notes/plan.txt', Buffer.concat([v1, shared]));
    await ada.sync();
    await bob.sync();
    await bob.write('Notes/plan.txt', Buffer.concat([Buffer.from('version two, by Bob\n'), shared]));
    await bob.sync();
    await ada.sync();
    await ada.write('Notes/plan.txt', 'version three, short');
    await ada.sync();

    const folderId = await ada.folderId();
    const { versions } = await ada.call('history.versions', { folderId, path: 'Notes/plan.txt' });
    expect(versions.map((v) => v.current)).toEqual([true, false, false]);
    const oldest = versions[2]!;
    const saved = await ada.call('history.saveCopy', { folderId, path: 'Notes/plan.txt', version: oldest.version });
    expect(saved.savedTo.startsWith(ada.path('Notes/plan (version from '))).toBe(true);
    expect(saved.savedTo.endsWith(').txt')).toBe(true);
    expect(Buffer.compare(await readFile(saved.savedTo), Buffer.concat([v1, shared]))).toBe(0);
    // The file itself is untouched, and a second copy of the same version gets a name of its own.
    expect(await ada.read('Notes/plan.txt')).toBe('version three, short');
    const again = await ada.call('history.saveCopy', { folderId, path: 'Notes/plan.txt', version: oldest.version });
    expect(again.savedTo).not.toBe(saved.savedTo);
    expect(again.savedTo).toMatch(/plan \(version from [^)]*\) 2\.txt$/);
    expect(Buffer.compare(await readFile(again.savedTo), await readFile(saved.savedTo))).toBe(0);
    // The copy is an ordinary new file: it reaches the other computer.
    await ada.sync();
    await bob.sync();
    expect(Buffer.compare(await readFile(bob.path(saved.savedTo.slice(ada.folder.length + 1))), Buffer.concat([v1, shared]))).toBe(0);

    // A version that is not there, and a destination that is not a full path, change nothing.
    await expect(ada.call('history.saveCopy', { folderId, path: 'Notes/plan.txt', version: 99 })).rejects.toThrow(/no such version/);
    await expect(ada.call('history.saveCopy', { folderId, path: 'Notes/plan.txt', version: 1, destination: 'relative.txt' })).rejects.toThrow(/full path/);
    await expect(ada.call('history.saveCopy', { folderId, path: 'Notes/plan.txt', version: 1, destination: saved.savedTo })).rejects.toThrow(/already exists/);
    expect(await ada.exists('relative.txt')).toBe(false);
  });

  it('lists deleted files and puts a deleted folder back with what was deleted with it', async () => {
    await ada.write('Projects/2026/budget.txt', 'numbers');
    await ada.sync();
    await bob.sync();
    await rm(ada.path('Projects'), { recursive: true });
    await ada.sync();
    await bob.sync();
    expect(await bob.exists('Projects/2026/budget.txt')).toBe(false);

    const folderId = await bob.folderId();
    const { files } = await bob.call('history.deleted', { folderId });
    expect(files.map((f) => [f.path, f.kind])).toEqual(
      expect.arrayContaining([
        ['Projects/2026/budget.txt', 'file'],
        ['Projects', 'folder'],
      ]),
    );
    // Restoring the folder brings back what was deleted with it.
    const projects = files.find((f) => f.path === 'Projects')!;
    const result = await bob.call('history.restoreDeleted', { folderId, ids: [projects.id] });
    expect(result.failed).toEqual([]);
    expect(result.restored.map((r) => r.path)).toEqual(['Projects', 'Projects/2026', 'Projects/2026/budget.txt']);
    await bob.sync();
    await ada.sync();
    expect(await bob.read('Projects/2026/budget.txt')).toBe('numbers');
    expect(await ada.read('Projects/2026/budget.txt')).toBe('numbers');
    const activity = await bob.call('activity.list', {});
    expect(activity.entries).toContainEqual(expect.objectContaining({ action: 'restored', path: 'Projects/2026/budget.txt', thisComputer: true }));
  });
});

describe('selective sync', () => {
  it('shows the server folders with sizes, says what leaving one out frees, removes it from disk and brings it back', async () => {
    await ada.write('Photos/2025/a.jpg', new Uint8Array(30_000));
    await ada.write('Photos/2026/b.jpg', new Uint8Array(20_000));
    await ada.write('Docs/readme.txt', 'read me');
    await ada.sync();
    await bob.sync();
    const folderId = await bob.folderId();

    const top = await bob.call('selective.list', { folderId });
    expect(top.ready).toBe(true);
    expect(top.folders.map((f) => [f.name, f.size, f.state, f.hasSubfolders])).toEqual([
      ['Docs', 7, 'checked', false],
      ['Photos', 50_000, 'checked', true],
    ]);
    const photos = top.folders.find((f) => f.name === 'Photos')!;
    const inside = await bob.call('selective.list', { folderId, parentId: photos.id });
    const year2025 = inside.folders.find((f) => f.name === '2025')!;

    const preview = await bob.call('selective.preview', { folderId, excludedIds: [year2025.id] });
    expect(preview).toMatchObject({ bytesToFree: 30_000, bytesToDownload: 0, fits: true, keptBecauseUnsynced: [] });
    expect(preview.summary).toMatch(/^This will free 30 KB on this computer\./);

    const applied = await bob.call('selective.apply', { folderId, excludedIds: [year2025.id] });
    expect(applied.kept).toEqual([]);
    expect(await bob.exists('Photos/2025/a.jpg')).toBe(false);
    expect(await bob.exists('Photos/2025')).toBe(false);
    expect(await bob.exists('Photos/2026/b.jpg')).toBe(true);
    expect((await bob.call('selective.list', { folderId })).folders.find((f) => f.name === 'Photos')!.state).toBe('partial');
    expect((await bob.call('selective.list', { folderId, parentId: photos.id })).folders.find((f) => f.name === '2025')!.state).toBe('unchecked');
    // Left out here, still on the server and on Ada's computer.
    await ada.sync();
    expect(await ada.exists('Photos/2025/a.jpg')).toBe(true);

    const back = await bob.call('selective.preview', { folderId, excludedIds: [] });
    expect(back).toMatchObject({ bytesToFree: 0, bytesToDownload: 30_000 });
    expect(back.summary).toMatch(/^This will download 30 KB; .* free\.$/);
    await bob.call('selective.apply', { folderId, excludedIds: [] });
    await bob.sync();
    expect((await readFile(bob.path('Photos/2025/a.jpg'))).length).toBe(30_000);
  });

  it('keeps a left-out file that has changes not on the server yet, and says so', async () => {
    await ada.write('Work/plan.txt', 'v1');
    await ada.sync();
    await bob.sync();
    const folderId = await bob.folderId();
    const work = (await bob.call('selective.list', { folderId })).folders.find((f) => f.name === 'Work')!;
    await bob.write('Work/plan.txt', 'v2 not synced yet');
    // Paused: the edit cannot reach the server, so leaving the folder out must keep it.
    await bob.call('app.pause', { duration: 'untilResumed' });
    const applied = await bob.call('selective.apply', { folderId, excludedIds: [work.id] });
    expect(applied.kept).toContain('Work/plan.txt');
    expect(applied.summary).toMatch(/kept on this computer so nothing is lost/);
    expect(await bob.read('Work/plan.txt')).toBe('v2 not synced yet');
    await bob.call('app.resume', {});
  });
});

describe('first run: choose what to sync before anything is transferred', () => {
  it('looks at the server, transfers nothing until the choice, then syncs only what was chosen', async () => {
    await ada.write('Big/movie.bin', new Uint8Array(40_000));
    await ada.write('Small/note.txt', 'note');
    await ada.sync();
    const user = { name: (await ada.call('settings.get', {})).accounts[0]!.user, password: 'correct horse battery staple' };
    const carol = await world.app('Carol tablet');
    await carol.call('setup.signIn', { server: world.server.url, user: user.name, password: user.password, deviceName: 'Carol tablet' });
    const folder = await carol.call('folders.add', { path: carol.folder, chooseFirst: true });
    expect(folder.phase).toBe('setup');
    const listing = await carol.call('selective.list', { folderId: folder.id });
    expect(listing.folders.map((f) => f.name)).toEqual(['Big', 'Small']);
    await carol.sync();
    expect(await carol.exists('Small/note.txt')).toBe(false);
    const big = listing.folders.find((f) => f.name === 'Big')!;
    await carol.call('selective.apply', { folderId: folder.id, excludedIds: [big.id] });
    await carol.sync();
    expect(await carol.read('Small/note.txt')).toBe('note');
    expect(await carol.exists('Big')).toBe(false);
  });
});

describe('preferences and health', () => {
  it('writes ignore rules to .tandemignore, which other computers receive', async () => {
    const folderId = await ada.folderId();
    const empty = await ada.call('settings.getIgnoreRules', { folderId });
    expect(empty.text).toBe('');
    expect(empty.examples).toMatch(/\*\.tmp/);
    await ada.call('settings.setIgnoreRules', { folderId, text: '*.log' });
    await ada.write('debug.log', 'noise');
    await ada.write('kept.txt', 'signal');
    await ada.sync();
    await bob.sync();
    expect(await bob.read('.tandemignore')).toBe('*.log\n');
    expect(await bob.exists('kept.txt')).toBe(true);
    expect(await bob.exists('debug.log')).toBe(false);
  });

  it('lists a name that is not synced in health, with the reason and what to do', async () => {
    await ada.write('real.txt', 'real');
    await symlink('real.txt', ada.path('link-to-real'));
    await ada.sync();
    const skipped = (await ada.call('health.get', {})).items.find((item) => item.kind === 'skipped');
    expect(skipped).toMatchObject({ path: 'link-to-real', severity: 'warning', fix: expect.stringMatching(/Links are not synced/) });
    expect((await ada.call('app.getState', {})).attentionCount).toBeGreaterThanOrEqual(1);
  });

  it('stops a folder whose root disappeared instead of deleting everything, and says so', async () => {
    await ada.write('precious.txt', 'keep me');
    await ada.sync();
    await rm(ada.folder, { recursive: true });
    const state = await ada.sync();
    expect(state.phase).toBe('error');
    const stopped = (await ada.call('health.get', {})).items.find((item) => item.kind === 'stopped');
    expect(stopped).toMatchObject({ severity: 'error' });
    expect(stopped!.title.length).toBeGreaterThan(10);
    await bob.sync();
    expect(await bob.read('precious.txt')).toBe('keep me');
  });

  it('asks about a mass delete in health, and "Keep them" brings the files back', async () => {
    await ada.call('settings.update', { massDelete: { minCount: 3, percent: 30 } });
    for (let i = 0; i < 6; i++) await ada.write(`many/file-${i}.txt`, `file ${i}`);
    await ada.sync();
    await bob.sync();
    await rm(ada.path('many'), { recursive: true });
    await ada.sync();
    const state = await ada.call('app.getState', {});
    expect(state.phase).toBe('attention');
    const question = (await ada.call('health.get', {})).items.find((item) => item.kind === 'mass_delete');
    expect(question?.question).toMatchObject({ yesLabel: 'Delete them', noLabel: 'Keep them' });
    await ada.call('health.answerMassDelete', { folderId: question!.folderId!, batchKey: question!.question!.batchKey, answer: 'no' });
    await ada.sync();
    expect(await ada.read('many/file-5.txt')).toBe('file 5');
    await bob.sync();
    expect(await bob.read('many/file-0.txt')).toBe('file 0');
  });
});
