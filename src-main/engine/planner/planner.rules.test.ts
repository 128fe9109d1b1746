// Every planner rule of DESIGN.md ("Rules the planner follows"), one named test each, run through
// the model executor in test-support until nothing is left to do.
import { describe, expect, it } from 'vitest';
import { TandemError } from '../../../src-shared/errors.ts';
import type { Operation } from './operations.ts';
import { plan } from './planner.ts';
import { file, folder, items, listing, syncedWorld, world } from './test-support/builders.ts';
import { baseOptions, planFor, syncUntilQuiet } from './test-support/sync-loop.ts';
import { divergence, ROOT, snapshot } from './test-support/world.ts';
import type { World } from './test-support/world.ts';

const COPY = ' (conflicted copy from Ada laptop 2026-11-22 031500)';
const work = (ops: Operation[]) => ops.filter((op) => !['report', 'ask', 'markSynced'].includes(op.kind)).map((op) => op.kind);
const reports = (ops: Operation[]) => ops.flatMap((op) => (op.kind === 'report' ? [op.code] : []));

function converge(w: World, options = baseOptions()) {
  const result = syncUntilQuiet(w, options);
  expect(divergence(w)).toEqual([]);
  return result;
}

describe('planner rules (DESIGN.md)', () => {
  it('edit here + edit there, different content: the server keeps the path, ours becomes a conflicted copy and is uploaded', () => {
    const w = world([file('report.docx', 'mine', 'f')], [file('report.docx', 'theirs', 'f')], [file('report.docx', 'base', 'f')]);
    const first = planFor(w, baseOptions());
    expect(work(first)).toEqual(['conflictCopy', 'download', 'upload']);
    expect(reports(first)).toContain('edit_conflict');
    converge(w);
    expect(listing(w.server)).toEqual({ 'report.docx': 'file:theirs', [`report${COPY}.docx`]: 'file:mine' });
    expect(listing(w.local)).toEqual(listing(w.server));
  });

  it('edit here + edit there, same content: no conflict, the base advances without transfer', () => {
    const w = world([file('a.txt', 'same', 'f')], [file('a.txt', 'same', 'f')], [file('a.txt', 'base', 'f')]);
    const first = planFor(w, baseOptions());
    expect(work(first)).toEqual([]);
    expect(first.filter((op) => op.kind === 'markSynced')).toHaveLength(1);
    converge(w);
    expect(listing(w.server)).toEqual({ 'a.txt': 'file:same' });
  });

  it('edit vs delete: an edit here beats a delete on the server (re-uploaded under a new id)', () => {
    const w = world([file('a.txt', 'edited', 'f')], [], [file('a.txt', 'base', 'f')]);
    const first = planFor(w, baseOptions());
    expect(work(first)).toEqual(['rekeyLocal', 'upload']);
    expect(reports(first)).toContain('edit_beat_delete');
    converge(w);
    expect(listing(w.server)).toEqual({ 'a.txt': 'file:edited' });
  });

  it('edit vs delete: a delete here loses to an edit on the server (the file comes back)', () => {
    const w = world([], [file('a.txt', 'edited', 'f')], [file('a.txt', 'base', 'f')]);
    expect(work(planFor(w, baseOptions()))).toEqual(['download']);
    converge(w);
    expect(listing(w.local)).toEqual({ 'a.txt': 'file:edited' });
  });

  it('move vs edit: both apply, one move and one transfer (identity is stable)', () => {
    const w = world(
      [folder('d', 'd'), file('d/renamed.txt', 'base', 'f')],
      [folder('d', 'd'), file('a.txt', 'edited', 'f')],
      [folder('d', 'd'), file('a.txt', 'base', 'f')],
    );
    expect(work(planFor(w, baseOptions()))).toEqual(['download', 'moveRemote']);
    converge(w);
    expect(listing(w.server)).toEqual({ d: 'folder', 'd/renamed.txt': 'file:edited' });
  });

  it('move vs move to different places: the server wins, ours is undone and reported', () => {
    const w = world([file('mine.txt', 'x', 'f')], [file('theirs.txt', 'x', 'f')], [file('a.txt', 'x', 'f')]);
    const first = planFor(w, baseOptions());
    expect(work(first)).toEqual(['moveLocal']);
    expect(reports(first)).toContain('move_refused');
    converge(w);
    expect(listing(w.local)).toEqual({ 'theirs.txt': 'file:x' });
  });

  it('a move that would make a cycle is refused and undone locally', () => {
    // Here X moved into Y; on the server Y moved into X.
    const w = world(
      [folder('Y', 'Y'), folder('Y/X', 'X')],
      [folder('X', 'X'), folder('X/Y', 'Y')],
      [folder('X', 'X'), folder('Y', 'Y')],
    );
    const first = planFor(w, baseOptions());
    expect(reports(first)).toContain('move_refused');
    converge(w);
    expect(listing(w.local)).toEqual({ X: 'folder', 'X/Y': 'folder' });
  });

  it('a folder deleted here while files were added to it there comes back holding only the new files', () => {
    const base = [folder('F', 'F'), file('F/old1', 'o1'), file('F/old2', 'o2')];
    const w = world([], [...base, file('F/new', 'n')], base);
    const first = planFor(w, baseOptions());
    expect(reports(first)).toContain('folder_restored');
    converge(w);
    expect(listing(w.server)).toEqual({ F: 'folder', 'F/new': 'file:n' });
  });

  it('a folder deleted on the server while files were added to it here comes back holding only the new files', () => {
    const base = [folder('F', 'F'), file('F/old1', 'o1'), file('F/old2', 'o2')];
    const w = world([...base, file('F/new', 'n')], [], base);
    converge(w);
    expect(listing(w.server)).toEqual({ F: 'folder', 'F/new': 'file:n' });
    expect(w.server.has('F')).toBe(false); // re-created under a new id: the server never reuses ids
  });

  it('renames are sent as moves, never as delete + upload', () => {
    const base = [folder('docs', 'd'), file('docs/a.txt', 'x', 'f')];
    const w = world([folder('papers', 'd'), file('papers/b.txt', 'x', 'f')], base, base);
    expect(work(planFor(w, baseOptions()))).toEqual(['moveRemote', 'moveRemote']);
    converge(w);
  });

  it('a pass that would delete many files asks instead, and deletes only that batch once the user says yes', () => {
    const specs = Array.from({ length: 40 }, (_, i) => file(`f${i}.txt`, `h${i}`));
    const w = world(specs.slice(30), specs, specs); // 30 of 40 deleted here: > 25 and > 30%
    const first = planFor(w, baseOptions());
    const ask = first.find((op) => op.kind === 'ask');
    expect(ask).toMatchObject({ side: 'remote', count: 30, total: 40 });
    expect(work(first)).toEqual([]);
    const yes = new Set([(ask as { batchKey: string }).batchKey]);
    const second = planFor(w, baseOptions({ approvedMassDeletes: yes }));
    expect(work(second).filter((k) => k === 'deleteRemote')).toHaveLength(30);
    // One more delete makes another batch: the old yes does not cover it.
    w.local.delete('f30.txt');
    expect(planFor(w, baseOptions({ approvedMassDeletes: yes })).some((op) => op.kind === 'ask')).toBe(true);
  });

  it('a small or proportionally small delete goes ahead without asking', () => {
    const specs = Array.from({ length: 200 }, (_, i) => file(`f${i}.txt`, `h${i}`));
    const w = world(specs.slice(30), specs, specs); // 30 of 200 = 15%
    expect(planFor(w, baseOptions()).some((op) => op.kind === 'ask')).toBe(false);
  });

  it('a file<->folder type conflict keeps the folder and all its content (as a conflicted copy)', () => {
    // The server replaced folder F by a file F; here a file was added inside F.
    const base = [folder('F', 'F'), file('F/kept', 'k')];
    const w = world([...base, file('F/new', 'n')], [file('F', 'file', 'Ffile')], base);
    converge(w);
    expect(listing(w.server)).toEqual({
      F: 'file:file',
      [`F${COPY}`]: 'folder',
      [`F${COPY}/kept`]: 'file:k',
      [`F${COPY}/new`]: 'file:n',
    });
  });

  it('conflicts on conflicted copies stay bounded: the same bytes are not copied again, names never nest', () => {
    const copy = `a${COPY}.txt`;
    const w = world(
      [file('a.txt', 'mine', 'f'), file(copy, 'mine', 'c')],
      [file('a.txt', 'theirs', 'f'), file(copy, 'mine', 'c')],
      [file('a.txt', 'base', 'f'), file(copy, 'mine', 'c')],
    );
    const first = planFor(w, baseOptions());
    expect(work(first)).toEqual(['download']);
    expect(reports(first)).toContain('duplicate_conflict');
    converge(w);
    // A conflict on the copy itself names the original, not "a (…) (…).txt".
    const w2 = world([file(copy, 'm2', 'c')], [file(copy, 't2', 'c')], [file(copy, 'b2', 'c')]);
    converge(w2, baseOptions({ device: 'Bob' }));
    expect(Object.keys(listing(w2.server)).sort()).toEqual([copy, 'a (conflicted copy from Bob 2026-11-22 031500).txt'].sort());
  });

  describe('ignored files and OS clutter in a folder deleted on the server (SCENARIOS #35, #19)', () => {
    const base = [folder('F', 'F'), file('F/doc', 'd'), folder('F/sub', 'sub'), file('F/sub/pic', 'p')];
    const trashed = (ops: Operation[]) => ops.flatMap((op) => (op.kind === 'trashLocal' ? [op.id] : []));

    it('#35 a folder holding only OS clutter here goes, clutter and all; the clutter gets no operation of its own', () => {
      const clutter = [file('F/.DS_Store', 'ds', 'ds'), file('F/Thumbs.db', 'th', 'th'), file('F/sub/._pic', 'ad', 'ad'), file('F/sub/desktop.ini', 'di', 'di'), file('F/Icon\r', 'ic', 'ic')];
      const w = world([...base, ...clutter], [], base);
      const options = baseOptions({ ignoredLocalIds: new Set(['ds', 'th', 'ad', 'di', 'ic']) });
      const first = planFor(w, options);
      // Children before parents; the folders are trashed as if empty, the executor takes the clutter with them.
      expect(trashed(first).sort()).toEqual(['F', 'F/doc', 'F/sub/pic', 'sub']);
      expect(trashed(first).at(-1)).toBe('F');
      expect(reports(first)).not.toContain('kept_ignored');
      converge(w, options);
      expect(listing(w.local)).toEqual({});
      expect(listing(w.server)).toEqual({});
    });

    it('#19 a folder holding a temp/lock file or a file the user ignores is kept and reported, and its clutter stays in it', () => {
      const ignoredHere = [
        file('F/.DS_Store', 'ds', 'ds'), // clutter, but its folder stays: left alone
        file('F/~$doc.docx', 'lock', 'lock'), // Office lock file (built-in temp pattern)
        file('F/sub/build.log', 'log', 'log'), // a .tandemignore pattern
      ];
      const w = world([...base, folder('F/only-clutter', 'oc'), file('F/only-clutter/Thumbs.db', 'th', 'th'), ...ignoredHere], [], [...base, folder('F/only-clutter', 'oc')]);
      const options = baseOptions({ ignoredLocalIds: new Set(['ds', 'lock', 'log', 'th']) });
      const first = planFor(w, options);
      expect(trashed(first).sort()).toEqual(['F/doc', 'F/sub/pic', 'oc']);
      expect(first.flatMap((op) => (op.kind === 'report' && op.code === 'kept_ignored' ? [op.id] : [])).sort()).toEqual(['F', 'sub']);
      syncUntilQuiet(w, options);
      expect(listing(w.local)).toEqual({ F: 'folder', 'F/.DS_Store': 'file:ds', 'F/~$doc.docx': 'file:lock', 'F/sub': 'folder', 'F/sub/build.log': 'file:log' });
      expect(listing(w.server)).toEqual({});
      expect(w.baseViolations).toEqual([]);
    });

    it('clutter in a folder that stays is never touched, wherever the folder goes', () => {
      const w = world([...base, file('F/.DS_Store', 'ds', 'ds')], [folder('G', 'F'), file('G/doc', 'd', 'F/doc'), folder('G/sub', 'sub'), file('G/sub/pic', 'p', 'F/sub/pic')], base);
      const options = baseOptions({ ignoredLocalIds: new Set(['ds']) });
      const first = planFor(w, options);
      expect(work(first)).toEqual(['moveLocal']);
      syncUntilQuiet(w, options);
      expect(divergence(w, new Set(['ds']))).toEqual([]);
      expect(listing(w.local)).toEqual({ G: 'folder', 'G/.DS_Store': 'file:ds', 'G/doc': 'file:d', 'G/sub': 'folder', 'G/sub/pic': 'file:p' });
      expect(listing(w.server)).not.toHaveProperty('G/.DS_Store');
    });

    it('clutterLocalIds can only narrow: an ignored file left out of it, or one whose name is not clutter, keeps the folder', () => {
      const w = world([...base, file('F/.DS_Store', 'ds', 'ds'), file('F/notes.swp', 'sw', 'sw')], [], base);
      // The scanner knows this .DS_Store is a link, not a file: not clutter. notes.swp is never clutter.
      const ops = planFor(w, baseOptions({ ignoredLocalIds: new Set(['ds', 'sw']), clutterLocalIds: new Set(['sw']) }));
      expect(trashed(ops).sort()).toEqual(['F/doc', 'F/sub/pic', 'sub']);
      expect(reports(ops)).toContain('kept_ignored');
      const onlyClutter = world([...base, file('F/.DS_Store', 'ds', 'ds')], [], base);
      const narrowed = planFor(onlyClutter, baseOptions({ ignoredLocalIds: new Set(['ds']), clutterLocalIds: new Set() }));
      expect(trashed(narrowed)).not.toContain('F');
      expect(reports(narrowed)).toContain('kept_ignored');
    });

    it('clutter never counts toward the mass-delete question, and the question keeps the folder and its clutter', () => {
      const many = Array.from({ length: 30 }, (_, i) => file(`F/f${i}`, `h${i}`));
      const w = world([folder('F', 'F'), ...many, file('F/.DS_Store', 'ds', 'ds')], [], [folder('F', 'F'), ...many]);
      const ops = planFor(w, baseOptions({ ignoredLocalIds: new Set(['ds']) }));
      const ask = ops.find((op) => op.kind === 'ask');
      expect(ask).toMatchObject({ question: 'mass_delete', count: 30 });
      expect(trashed(ops)).toEqual([]);
    });
  });

  it('rejects a tree where an id changes kind, with one clear error and no plan', () => {
    const local = { rootId: ROOT, items: new Map(items([folder('x', 'x')]).map((i) => [i.id, i])) };
    const other = snapshot(syncedWorld([file('x', 'h', 'x')]).server);
    expect(() => plan({ local, remote: other, synced: other, options: baseOptions() })).toThrow(TandemError);
    expect(() => plan({ local, remote: other, synced: other, options: baseOptions() })).toThrow(/change of kind must use a new id/);
  });

  it('rejects trees with different roots or orphans', () => {
    const good = snapshot(syncedWorld([]).server);
    const orphan = { rootId: ROOT, items: new Map([...good.items, ['o', { id: 'o', parentId: 'nowhere', name: 'o', kind: 'file' as const }]]) };
    expect(() => plan({ local: orphan, remote: good, synced: good, options: baseOptions() })).toThrow(/invalid local tree/);
    expect(() => plan({ local: { ...good, rootId: 'other' }, remote: good, synced: good, options: baseOptions() })).toThrow(/same root/);
  });
});
