// Conflicts made by two real engines (Ada's and Bob's computers editing the same file between
// syncs), shown with both sides labelled, and resolved each of the three ways, one at a time and
// several at once (Apply to all: newest, both), with and without Undo; the files on both disks are
// checked after each, and the discarded side is still recoverable.
import { readdir, utimes } from 'node:fs/promises';
import { UNDO_WINDOW_MS } from '../../src-main/app/conflicts.ts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AppWorld, type TestApp } from './app-harness.ts';

let world: AppWorld;
let ada: TestApp;
let bob: TestApp;

beforeAll(async () => {
  world = await AppWorld.start();
  const user = await world.user();
  ada = await world.app('Ada laptop');
  bob = await world.app('Bob desktop');
  await ada.setUp(world.server.url, user);
  await bob.setUp(world.server.url, user);
});

afterAll(async () => {
  await world.close();
});

/** Both computers edit `name` between syncs; Bob syncs second, so Bob's edit becomes the conflicted copy. */
async function makeConflict(name: string): Promise<void> {
  await ada.write(name, 'first line\nthe same middle\n');
  await ada.sync();
  await bob.sync();
  expect(await bob.read(name)).toBe('first line\nthe same middle\n');
  await ada.write(name, 'first line\nthe same middle\nAda added this\n');
  await bob.write(name, 'first line\nthe same middle\nBob added this\n');
  await ada.sync();
  await bob.sync();
  await ada.sync();
}

async function conflictCopies(app: TestApp): Promise<string[]> {
  return (await readdir(app.folder)).filter((entry) => entry.includes('conflicted copy'));
}

describe('conflicts', () => {
  it('lists a conflict with both sides labelled by device, with a line diff, and keeps mine', async () => {
    await makeConflict('report.txt');
    const state = await bob.call('app.getState', {});
    expect(state.conflictCount).toBe(1);
    expect(state.phase).toBe('attention');
    expect(state.summary).toBe('1 conflict to resolve');

    const [conflict] = (await bob.call('conflicts.list', {})).conflicts;
    expect(conflict).toMatchObject({
      path: 'report.txt',
      resolvable: true,
      mine: { role: 'copy', device: 'This computer (Bob desktop)', thisComputer: true },
      theirs: { role: 'original', path: 'report.txt', device: 'Ada laptop', thisComputer: false },
    });
    expect(conflict!.mine.size).toBe('first line\nthe same middle\nBob added this\n'.length);

    const detail = await bob.call('conflicts.get', { conflictId: conflict!.id });
    expect(detail.preview).toEqual({
      kind: 'text',
      truncated: false,
      lines: [
        { kind: 'same', text: 'first line' },
        { kind: 'same', text: 'the same middle' },
        { kind: 'theirs', text: 'Ada added this' },
        { kind: 'mine', text: 'Bob added this' },
      ],
    });

    const resolution = await bob.call('conflicts.resolve', { conflictIds: [conflict!.id], choice: 'mine' });
    expect(resolution.failed).toEqual([]);
    expect(resolution.message).toMatch(/version history/);
    await bob.sync();
    await ada.sync();
    for (const app of [ada, bob]) {
      expect(await app.read('report.txt')).toBe('first line\nthe same middle\nBob added this\n');
      expect(await conflictCopies(app)).toEqual([]);
    }
    expect((await bob.call('app.getState', {})).conflictCount).toBe(0);
    // Ada's discarded edit is still in the file's history.
    const adaFolder = await ada.folderId();
    const versions = await ada.call('history.versions', { folderId: adaFolder, path: 'report.txt' });
    expect(versions.versions.some((v) => v.size === 'first line\nthe same middle\nAda added this\n'.length && !v.current)).toBe(true);
  });

  it('keeps theirs: the conflicted copy goes, and can be restored from deleted files', async () => {
    await makeConflict('plan.txt');
    const [conflict] = (await bob.call('conflicts.list', {})).conflicts;
    expect(conflict!.path).toBe('plan.txt');
    await bob.call('conflicts.resolve', { conflictIds: [conflict!.id], choice: 'theirs' });
    await bob.sync();
    await ada.sync();
    for (const app of [ada, bob]) {
      expect(await app.read('plan.txt')).toBe('first line\nthe same middle\nAda added this\n');
      expect(await conflictCopies(app)).toEqual([]);
    }
    const deleted = await bob.call('history.deleted', { folderId: await bob.folderId() });
    expect(deleted.files.some((f) => f.name.startsWith('plan (conflicted copy from Bob desktop'))).toBe(true);
  });

  it('keeps both: the copy gets a clear name on both computers; remember makes it the default', async () => {
    await makeConflict('notes.txt');
    const [conflict] = (await bob.call('conflicts.list', {})).conflicts;
    const resolution = await bob.call('conflicts.resolve', { conflictIds: [conflict!.id], choice: 'both', remember: true });
    expect(resolution.resolved[0]!.kept).toEqual(['notes.txt', "notes (Bob desktop's version).txt"]);
    await bob.sync();
    await ada.sync();
    for (const app of [ada, bob]) {
      expect(await app.read('notes.txt')).toBe('first line\nthe same middle\nAda added this\n');
      expect(await app.read("notes (Bob desktop's version).txt")).toBe('first line\nthe same middle\nBob added this\n');
      expect(await conflictCopies(app)).toEqual([]);
    }
    expect((await bob.call('settings.get', {})).conflictDefault).toBe('both');
    await bob.call('settings.update', { conflictDefault: 'ask' });
  });

  it('applies a remembered choice to new conflicts by itself', async () => {
    await bob.call('settings.update', { conflictDefault: 'theirs' });
    await makeConflict('auto.txt');
    // The remembered choice runs on status changes, at most once a second (conflicts.ts): give it
    // a few of those seconds, not vitest's default one.
    await vi.waitFor(
      async () => {
        await bob.sync();
        expect(await conflictCopies(bob)).toEqual([]);
      },
      { timeout: 5_000, interval: 100 },
    );
    await ada.sync();
    for (const app of [ada, bob]) expect(await app.read('auto.txt')).toBe('first line\nthe same middle\nAda added this\n');
    expect(await conflictCopies(ada)).toEqual([]);
    await bob.call('settings.update', { conflictDefault: 'ask' });
  });

  it('shows both pictures of a conflicted image, and "keep the newer" resolves it', async () => {
    const png = (marker: number) => Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, marker]);
    await ada.write('photo.png', png(1));
    await ada.sync();
    await bob.sync();
    await ada.write('photo.png', png(2));
    await bob.write('photo.png', png(3));
    await ada.sync();
    await bob.sync();
    const conflict = (await bob.call('conflicts.list', {})).conflicts.find((c) => c.path === 'photo.png')!;
    const detail = await bob.call('conflicts.get', { conflictId: conflict.id });
    expect(detail.preview).toEqual({
      kind: 'image',
      mine: `data:image/png;base64,${png(3).toString('base64')}`,
      theirs: `data:image/png;base64,${png(2).toString('base64')}`,
      message: null,
    });
    await bob.call('conflicts.resolve', { conflictIds: [conflict.id], choice: 'newest' });
    await bob.sync();
    expect(await conflictCopies(bob)).toEqual([]);
  });

  it('an undoable choice changes nothing for a few seconds: Undo lists the conflict again with both files untouched; otherwise it is applied when the time is up', async () => {
    await makeConflict('undo.txt');
    const [conflict] = (await bob.call('conflicts.list', {})).conflicts;
    expect(conflict!.path).toBe('undo.txt');
    const [copy] = await conflictCopies(bob);
    const before = Date.now();
    const resolution = await bob.call('conflicts.resolve', { conflictIds: [conflict!.id], choice: 'theirs', undoable: true });
    expect(resolution.resolved).toEqual([{ conflictId: conflict!.id, path: 'undo.txt', kept: ['undo.txt'] }]);
    expect(resolution.undo!.until).toBeGreaterThanOrEqual(before + UNDO_WINDOW_MS);
    expect(resolution.message).toMatch(/version history/);
    // The row is gone at once, but the disk is as it was.
    expect((await bob.call('conflicts.list', {})).conflicts).toEqual([]);
    await expect(bob.call('conflicts.get', { conflictId: conflict!.id })).rejects.toThrow(/already resolved/);
    expect(await conflictCopies(bob)).toEqual([copy]);

    const undone = await bob.call('conflicts.undo', { undoId: resolution.undo!.id });
    expect(undone).toEqual({ undone: 1, message: 'Undone: undo.txt still has both versions.' });
    expect((await bob.call('conflicts.list', {})).conflicts.map((c) => c.id)).toEqual([conflict!.id]);
    // Past the window, still nothing changed: the undone choice is gone for good.
    await new Promise((resolve) => setTimeout(resolve, UNDO_WINDOW_MS + 500));
    expect(await conflictCopies(bob)).toEqual([copy]);
    expect(await bob.read('undo.txt')).toBe('first line\nthe same middle\nAda added this\n');
    await expect(bob.call('conflicts.undo', { undoId: resolution.undo!.id })).rejects.toThrow(/already applied/);

    // Chosen again, and left alone: applied when the few seconds are up.
    const again = await bob.call('conflicts.resolve', { conflictIds: [conflict!.id], choice: 'mine', undoable: true });
    expect(await conflictCopies(bob)).toEqual([copy]);
    await vi.waitFor(async () => expect(await conflictCopies(bob)).toEqual([]), { timeout: UNDO_WINDOW_MS + 5_000, interval: 200 });
    expect(await bob.read('undo.txt')).toBe('first line\nthe same middle\nBob added this\n');
    await expect(bob.call('conflicts.undo', { undoId: again.undo!.id })).rejects.toThrow(/already applied/);
    await bob.sync();
    await ada.sync();
    expect(await ada.read('undo.txt')).toBe('first line\nthe same middle\nBob added this\n');
    expect(await conflictCopies(ada)).toEqual([]);
  }, 60_000);

  it('Apply to all with "keep the newest" keeps, for each file, the side changed last', async () => {
    await makeConflict('older-copy.txt');
    await makeConflict('newer-copy.txt');
    const copies = await conflictCopies(bob);
    const copyOf = (name: string) => copies.find((c) => c.startsWith(name.replace('.txt', ' (')))!;
    const hourAgo = new Date(Date.now() - 3_600_000);
    const inAMinute = new Date(Date.now() + 60_000);
    // older-copy.txt: the copy (Bob's edit) is the older side; newer-copy.txt: the copy is newer.
    await utimes(bob.path(copyOf('older-copy.txt')), hourAgo, hourAgo);
    await utimes(bob.path(copyOf('newer-copy.txt')), inAMinute, inAMinute);
    await bob.sync();
    const ids = (await bob.call('conflicts.list', {})).conflicts.map((c) => c.id);
    expect(ids).toHaveLength(2);
    const resolution = await bob.call('conflicts.resolve', { conflictIds: ids, choice: 'newest' });
    expect(resolution.failed).toEqual([]);
    expect(resolution.resolved.map((r) => r.path).sort()).toEqual(['newer-copy.txt', 'older-copy.txt']);
    await bob.sync();
    await ada.sync();
    for (const app of [ada, bob]) {
      expect(await app.read('older-copy.txt')).toBe('first line\nthe same middle\nAda added this\n');
      expect(await app.read('newer-copy.txt')).toBe('first line\nthe same middle\nBob added this\n');
      expect(await conflictCopies(app)).toEqual([]);
    }
  });

  it('Apply to all with "keep both", undoable and then applied at once (the dialog closed), names every other version clearly', async () => {
    await ada.write('Work/x.txt', 'x');
    await makeConflict('Work/alpha.txt');
    await makeConflict('Work/beta.txt');
    const ids = (await bob.call('conflicts.list', {})).conflicts.map((c) => c.id);
    expect(ids).toHaveLength(2);
    const held = await bob.call('conflicts.resolve', { conflictIds: ids, choice: 'both', undoable: true });
    expect(held.resolved.map((r) => r.kept).sort()).toEqual([
      ['Work/alpha.txt', "Work/alpha (Bob desktop's version).txt"],
      ['Work/beta.txt', "Work/beta (Bob desktop's version).txt"],
    ]);
    expect((await readdir(bob.path('Work'))).filter((e) => e.includes('conflicted copy'))).toHaveLength(2);
    const applied = await bob.call('conflicts.applyNow', { undoId: held.undo!.id });
    expect(applied.failed).toEqual([]);
    expect(applied.resolved).toHaveLength(2);
    expect(applied.undo).toBeNull();
    await bob.sync();
    await ada.sync();
    for (const app of [ada, bob]) {
      for (const name of ['alpha', 'beta']) {
        expect(await app.read(`Work/${name}.txt`)).toBe('first line\nthe same middle\nAda added this\n');
        expect(await app.read(`Work/${name} (Bob desktop's version).txt`)).toBe('first line\nthe same middle\nBob added this\n');
      }
      expect((await readdir(app.path('Work'))).filter((e) => e.includes('conflicted copy'))).toEqual([]);
    }
    // Applying again, or undoing now, says it is done and changes nothing.
    expect((await bob.call('conflicts.applyNow', { undoId: held.undo!.id })).resolved).toEqual([]);
    await expect(bob.call('conflicts.undo', { undoId: held.undo!.id })).rejects.toThrow(/already applied/);
  });

  it('undoing a remembered Apply to all takes the remembered rule back too, so the conflicts stay asked', async () => {
    await makeConflict('remembered.txt');
    expect((await bob.call('settings.get', {})).conflictDefault).toBe('ask');
    const ids = (await bob.call('conflicts.list', {})).conflicts.map((c) => c.id);
    const held = await bob.call('conflicts.resolve', { conflictIds: ids, choice: 'theirs', remember: true, undoable: true });
    expect((await bob.call('settings.get', {})).conflictDefault).toBe('theirs');
    await bob.call('conflicts.undo', { undoId: held.undo!.id });
    expect((await bob.call('settings.get', {})).conflictDefault).toBe('ask');
    // Status changes (a sync) would run a remembered rule; none is left, so the conflict stays.
    await bob.sync();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await bob.call('conflicts.list', {})).conflicts.map((c) => c.path)).toEqual(['remembered.txt']);
    expect(await conflictCopies(bob)).toHaveLength(1);
    await bob.call('conflicts.resolve', { conflictIds: ids, choice: 'theirs' });
    expect(await conflictCopies(bob)).toEqual([]);
  });

  it('a choice still held when the app quits is dropped, never half-done: the conflict is asked again', async () => {
    await makeConflict('closing.txt');
    const [conflict] = (await bob.call('conflicts.list', {})).conflicts;
    const copies = await conflictCopies(bob);
    await bob.call('conflicts.resolve', { conflictIds: [conflict!.id], choice: 'theirs', undoable: true });
    await bob.restart();
    // Even once the old app's few seconds are over.
    await new Promise((resolve) => setTimeout(resolve, UNDO_WINDOW_MS + 500));
    expect(await conflictCopies(bob)).toEqual(copies);
    await bob.sync();
    expect((await bob.call('conflicts.list', {})).conflicts.map((c) => c.path)).toEqual(['closing.txt']);
    await bob.call('conflicts.resolve', { conflictIds: [(await bob.call('conflicts.list', {})).conflicts[0]!.id], choice: 'theirs' });
    expect(await conflictCopies(bob)).toEqual([]);
  }, 60_000);

  it('refuses an unknown or already resolved conflict in one sentence', async () => {
    await expect(bob.call('conflicts.get', { conflictId: 'nonsense' })).rejects.toThrow(/not known/);
    const resolution = await bob.call('conflicts.resolve', { conflictIds: ['nonsense'], choice: 'mine' });
    expect(resolution.resolved).toEqual([]);
    expect(resolution.failed[0]!.message).toMatch(/not known/);
  });
});
