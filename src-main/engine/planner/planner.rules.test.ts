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
