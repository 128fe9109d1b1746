// The SCENARIOS.md rows a planner decides, from one device's point of view ("here" = this
// device, "server" = what the other device already committed), run through the model executor
// until quiet. The invariants are checked on every test: converged, nothing removed unless it was
// the base, no orphan/cycle/duplicate at any step (the loop throws on those).
import { describe, expect, it } from 'vitest';
import { nameKey } from '../../../src-shared/names.ts';
import type { TreeItem } from '../tree/item.ts';
import type { Operation, PlanOptions } from './operations.ts';
import { file, folder, listing, syncedWorld, world } from './test-support/builders.ts';
import { baseOptions, planFor, syncUntilQuiet } from './test-support/sync-loop.ts';
import { divergence } from './test-support/world.ts';
import type { World } from './test-support/world.ts';

const COPY = ' (conflicted copy from Ada laptop 2026-11-22 031500)';
const work = (ops: Operation[]) => ops.filter((op) => !['report', 'ask', 'markSynced'].includes(op.kind)).map((op) => op.kind);
const codes = (ops: Operation[]) => ops.flatMap((op) => (op.kind === 'report' ? [op.code] : []));

function converge(w: World, options: PlanOptions = baseOptions(), ignore: ReadonlySet<string> = new Set()) {
  const result = syncUntilQuiet(w, options);
  expect(divergence(w, ignore)).toEqual([]);
  expect(w.baseViolations).toEqual([]);
  return result;
}

describe('content (SCENARIOS #1–7, #40, #51, #52, #57)', () => {
  it('#1 both edit differently: the first commit keeps the name, ours becomes a conflicted copy, uploaded', () => {
    const w = world([file('n.txt', 'A', 'f')], [file('n.txt', 'B', 'f')], [file('n.txt', 'base', 'f')]);
    converge(w);
    expect(listing(w.local)).toEqual({ 'n.txt': 'file:B', [`n${COPY}.txt`]: 'file:A' });
  });

  it('#2 both edit to identical bytes: no conflict, no transfer, base advances', () => {
    const w = world([file('n.txt', 'X', 'f')], [file('n.txt', 'X', 'f')], [file('n.txt', 'base', 'f')]);
    expect(work(planFor(w, baseOptions()))).toEqual([]);
    converge(w);
    expect(w.synced.get('f')?.hash).toBe('X');
  });

  it('#3 saving again after our upload was acknowledged is a plain update, not a conflict', () => {
    const w = world([file('n.txt', 'second', 'f')], [file('n.txt', 'first', 'f')], [file('n.txt', 'first', 'f')]);
    const ops = planFor(w, baseOptions());
    expect(work(ops)).toEqual(['upload']);
    expect(ops.find((op) => op.kind === 'upload')).toMatchObject({ ifMatchContent: 1 });
  });

  it('#4 edit here, delete on the server: the edit survives on both, parent restored if needed', () => {
    const base = [folder('P', 'P'), file('P/n.txt', 'base', 'f')];
    const w = world([folder('P', 'P'), file('P/n.txt', 'edited', 'f')], [], base);
    converge(w);
    expect(listing(w.server)).toEqual({ P: 'folder', 'P/n.txt': 'file:edited' });
  });

  it('#5 delete here, edit on the server: the edit comes back here', () => {
    const w = world([], [file('n.txt', 'edited', 'f')], [file('n.txt', 'base', 'f')]);
    converge(w);
    expect(listing(w.local)).toEqual({ 'n.txt': 'file:edited' });
  });

  it('#6 both delete: converge silently', () => {
    const w = world([], [], [file('n.txt', 'base', 'f')]);
    const ops = planFor(w, baseOptions());
    expect(ops).toEqual([{ kind: 'markSynced', id: 'f', item: null }]);
    converge(w);
  });

  it('#7 same new path on both: different bytes -> conflicted copy; identical bytes -> adopted without transfer', () => {
    const w = world([file('new.txt', 'mine', 'L1')], [file('new.txt', 'theirs', 'R1')], []);
    converge(w);
    expect(listing(w.server)).toEqual({ 'new.txt': 'file:theirs', [`new${COPY}.txt`]: 'file:mine' });
    const same = world([file('new.txt', 'same', 'L1')], [file('new.txt', 'same', 'R1')], []);
    const ops = planFor(same, baseOptions());
    expect(work(ops)).toEqual(['rekeyLocal']);
    converge(same);
    expect(same.local.has('R1')).toBe(true);
  });

  it('#40 crash after applying an operation, before recording it: equal content is marked synced', () => {
    const w = world([file('n.txt', 'new', 'f')], [file('n.txt', 'new', 'f')], [file('n.txt', 'old', 'f')]);
    expect(planFor(w, baseOptions()).map((op) => op.kind)).toEqual(['markSynced']);
  });

  it('#51 an empty file, or one truncated to 0 bytes, syncs as an empty file', () => {
    const empty = 'blake3:af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262';
    const w = world([file('e', empty, 'f')], [file('e', 'full', 'f')], [file('e', 'full', 'f')]);
    converge(w);
    expect(listing(w.server)).toEqual({ e: `file:${empty}` });
  });

  it('#52 only the executable bit changes: propagated as a content update', () => {
    const w = world([file('run.sh', 'x', 'f', true)], [file('run.sh', 'x', 'f')], [file('run.sh', 'x', 'f')]);
    expect(work(planFor(w, baseOptions()))).toEqual(['upload']);
    converge(w);
    expect(listing(w.server)).toEqual({ 'run.sh': 'file:x+x' });
  });

  it('#57 a conflict on a conflicted copy is bounded: no new copy for bytes already kept, no nested names', () => {
    const copy = `n${COPY}.txt`;
    const w = world(
      [file('n.txt', 'A', 'f'), file(copy, 'A', 'c')],
      [file('n.txt', 'B', 'f'), file(copy, 'A', 'c')],
      [file('n.txt', 'base', 'f'), file(copy, 'A', 'c')],
    );
    const first = planFor(w, baseOptions());
    expect(codes(first)).toContain('duplicate_conflict');
    converge(w);
    expect(Object.keys(listing(w.server))).toHaveLength(2);
  });
});

describe('moves and structure (SCENARIOS #8–21, #60, #61)', () => {
  it('#8 renamed here, edited there: the renamed item carries the new content', () => {
    const w = world([file('renamed.txt', 'base', 'f')], [file('n.txt', 'new', 'f')], [file('n.txt', 'base', 'f')]);
    converge(w);
    expect(listing(w.server)).toEqual({ 'renamed.txt': 'file:new' });
  });

  it('#9 renamed differently on both: the server name wins, ours is reported, content intact', () => {
    const w = world([file('mine.txt', 'x', 'f')], [file('theirs.txt', 'x', 'f')], [file('n.txt', 'x', 'f')]);
    expect(codes(planFor(w, baseOptions()))).toContain('move_refused');
    converge(w);
    expect(listing(w.local)).toEqual({ 'theirs.txt': 'file:x' });
  });

  it('#10 moved into different folders on each side: one deterministic place, nothing deleted', () => {
    const dirs = [folder('A', 'A'), folder('B', 'B')];
    const w = world([...dirs, file('A/n', 'x', 'f')], [...dirs, file('B/n', 'x', 'f')], [...dirs, file('n', 'x', 'f')]);
    converge(w);
    expect(listing(w.local)).toEqual({ A: 'folder', B: 'folder', 'B/n': 'file:x' });
  });

  it('#11 folder renamed differently on both: one name wins, contents intact', () => {
    const w = world(
      [folder('Mine', 'D'), file('Mine/a', 'a')],
      [folder('Theirs', 'D'), file('Theirs/a', 'a', 'Mine/a')],
      [folder('D', 'D'), file('D/a', 'a', 'Mine/a')],
    );
    converge(w);
    expect(listing(w.local)).toEqual({ Theirs: 'folder', 'Theirs/a': 'file:a' });
  });

  it('#12 X into Y here, Y into X there: the cycle is refused, our move undone, it terminates', () => {
    const w = world([folder('Y', 'Y'), folder('Y/X', 'X')], [folder('X', 'X'), folder('X/Y', 'Y')], [folder('X', 'X'), folder('Y', 'Y')]);
    const result = converge(w);
    expect(result.rounds).toBeLessThanOrEqual(3);
    expect(listing(w.local)).toEqual({ X: 'folder', 'X/Y': 'folder' });
  });

  it('#12 when our stale plan meets the server moved on, the server refuses and the next plan undoes ours', () => {
    const w = world([folder('Y', 'Y'), folder('Y/X', 'X')], [folder('X', 'X'), folder('Y', 'Y')], [folder('X', 'X'), folder('Y', 'Y')]);
    const result = syncUntilQuiet(w, baseOptions(), {
      beforeExecute: (round, world) => {
        if (round === 0) world.server.set('Y', { ...(world.server.get('Y') as TreeItem), parentId: 'X', metadataVersion: 2 });
      },
    });
    expect(result.refused.map((op) => op.kind)).toEqual(['moveRemote']);
    expect(divergence(w)).toEqual([]);
    expect(listing(w.local)).toEqual({ X: 'folder', 'X/Y': 'folder' });
  });

  it('#13 folder renamed here, a file inside edited there: one move and one transfer', () => {
    const w = world(
      [folder('New', 'D'), file('New/f', 'base', 'f')],
      [folder('Old', 'D'), file('Old/f', 'edited', 'f')],
      [folder('Old', 'D'), file('Old/f', 'base', 'f')],
    );
    expect(work(planFor(w, baseOptions())).sort()).toEqual(['download', 'moveRemote']);
    converge(w);
  });

  it('#14 folder renamed here, a child renamed there: both renames, no transfer', () => {
    const w = world(
      [folder('New', 'D'), file('New/c', 'x', 'c')],
      [folder('Old', 'D'), file('Old/c2', 'x', 'c')],
      [folder('Old', 'D'), file('Old/c', 'x', 'c')],
    );
    expect(work(planFor(w, baseOptions())).sort()).toEqual(['moveLocal', 'moveRemote']);
    converge(w);
    expect(listing(w.server)).toEqual({ New: 'folder', 'New/c2': 'file:x' });
  });

  it('#15 parent and child inverted (A/E -> E, A -> E/A): pure moves', () => {
    const base = [folder('A', 'A'), folder('A/E', 'E')];
    const w = world([folder('E', 'E'), folder('E/A', 'A')], base, base);
    expect(work(planFor(w, baseOptions()))).toEqual(['moveRemote', 'moveRemote']);
    converge(w);
  });

  it('#16 a file moved out of a folder, then the folder deleted: move before delete, nothing lost', () => {
    const base = [folder('F', 'F'), file('F/keep', 'k', 'k'), file('F/drop', 'd', 'd')];
    const w = world([file('keep', 'k', 'k')], base, base);
    expect(work(planFor(w, baseOptions()))).toEqual(['moveRemote', 'deleteRemote', 'deleteRemote']);
    converge(w);
    expect(listing(w.server)).toEqual({ keep: 'file:k' });
  });

  it('#17 folder deleted there while a file was added here: it comes back holding only the new file', () => {
    const base = [folder('F', 'F'), file('F/old', 'o')];
    const w = world([...base, file('F/new', 'n', 'n')], [], base);
    converge(w);
    expect(listing(w.server)).toEqual({ F: 'folder', 'F/new': 'file:n' });
  });

  it('#18 a folder moved into P there, P deleted here: P comes back holding the moved folder', () => {
    const base = [folder('P', 'P'), file('P/old', 'o'), folder('M', 'M'), file('M/m', 'm', 'm')];
    const w = world([folder('M', 'M'), file('M/m', 'm', 'm')], [folder('P', 'P'), file('P/old', 'o'), folder('P/M', 'M'), file('P/M/m', 'm', 'm')], base);
    converge(w);
    expect(listing(w.local)).toEqual({ P: 'folder', 'P/M': 'folder', 'P/M/m': 'file:m' });
  });

  it('#19 folder deleted there holds files ignored here: ignored files stay, the folder is kept and reported', () => {
    const base = [folder('F', 'F'), file('F/doc', 'd')];
    const w = world([...base, file('F/.doc.swp', 'swap', 'swap')], [], base);
    const options = baseOptions({ ignoredLocalIds: new Set(['swap']) });
    const ops = planFor(w, options);
    expect(codes(ops)).toContain('kept_ignored');
    expect(ops.some((op) => op.kind === 'trashLocal' && (op.id === 'swap' || op.id === 'F'))).toBe(false);
    syncUntilQuiet(w, options);
    expect(listing(w.local)).toEqual({ F: 'folder', 'F/.doc.swp': 'file:swap' });
    expect(listing(w.server)).toEqual({});
  });

  it('#35 folder deleted there holds only OS clutter here (.DS_Store, Thumbs.db): the folder goes, clutter and all', () => {
    const base = [folder('F', 'F'), file('F/doc', 'd')];
    const w = world([...base, file('F/.DS_Store', 'ds', 'ds'), file('F/Thumbs.db', 'th', 'th')], [], base);
    const options = baseOptions({ ignoredLocalIds: new Set(['ds', 'th']) });
    expect(codes(planFor(w, options))).not.toContain('kept_ignored');
    converge(w, options);
    expect(listing(w.local)).toEqual({});
    expect(listing(w.server)).toEqual({});
  });

  it('#20 folder F replaced by a file F there, a file added inside F here: type conflict, the folder and its content survive', () => {
    const base = [folder('F', 'F'), file('F/a', 'a')];
    const w = world([...base, file('F/new', 'n', 'n')], [file('F', 'file', 'Ffile')], base);
    converge(w);
    expect(listing(w.local)).toEqual({ F: 'file:file', [`F${COPY}`]: 'folder', [`F${COPY}/a`]: 'file:a', [`F${COPY}/new`]: 'file:n' });
  });

  it('#20 seen from the device that replaced the folder: the folder it replaced comes back beside the file', () => {
    const base = [folder('F', 'F'), file('F/a', 'a')];
    const w = world([file('F', 'file', 'Ffile')], [...base, file('F/new', 'n', 'n')], base);
    converge(w);
    expect(listing(w.server)).toEqual({ F: 'folder', 'F/a': 'file:a', 'F/new': 'file:n', [`F${COPY}`]: 'file:file' });
  });

  it('#21 file -> folder change with no concurrent edit: a clean type change', () => {
    const base = [file('F', 'old', 'Ffile')];
    const w = world([folder('F', 'Fdir'), file('F/inner', 'i', 'i')], base, base);
    expect(work(planFor(w, baseOptions()))).toEqual(['deleteRemote', 'createRemoteFolder', 'upload']);
    converge(w);
    expect(listing(w.server)).toEqual({ F: 'folder', 'F/inner': 'file:i' });
  });

  it('#60 two folders with identical content: deleting one deletes only its own items', () => {
    const base = [folder('One', 'One'), file('One/x', 'same', 'x1'), folder('Two', 'Two'), file('Two/x', 'same', 'x2')];
    const w = world([folder('Two', 'Two'), file('Two/x', 'same', 'x2')], base, base);
    converge(w);
    expect(listing(w.server)).toEqual({ Two: 'folder', 'Two/x': 'file:same' });
  });

  it('#61 one move observed in two batches reaches the same result as in one', () => {
    const base = [folder('D', 'D'), file('D/f', 'x', 'f'), folder('T', 'T')];
    const once = world([folder('D', 'D'), folder('T', 'T'), file('T/g', 'x', 'f')], base, base);
    converge(once);
    const split = world([folder('D', 'D'), folder('T', 'T'), file('T/f', 'x', 'f')], base, base);
    converge(split);
    split.local.set('f', { ...(split.local.get('f') as TreeItem), name: 'g' });
    converge(split);
    expect(listing(split.server)).toEqual(listing(once.server));
  });
});

describe('names and guards (SCENARIOS #22, #24, #27, #42, #54–56)', () => {
  it('#22 case-only rename on a case-insensitive disk: one move, no duplicate', () => {
    const w = world([file('A.txt', 'x', 'f')], [file('a.txt', 'x', 'f')], [file('a.txt', 'x', 'f')]);
    w.localKey = nameKey;
    expect(work(planFor(w, baseOptions({ localNameKey: nameKey })))).toEqual(['moveRemote']);
    converge(w, baseOptions({ localNameKey: nameKey }));
  });

  it('#24 "Readme" created beside "readme": ours is renamed to a "(case conflict)" name and uploaded', () => {
    const w = world([file('readme', 'r', 'r'), file('Readme', 'R', 'R')], [file('readme', 'r', 'r')], [file('readme', 'r', 'r')]);
    const ops = planFor(w, baseOptions());
    expect(codes(ops)).toContain('case_conflict');
    converge(w);
    expect(listing(w.server)).toEqual({ readme: 'file:r', 'Readme (case conflict)': 'file:R' });
  });

  it('#27 a remote name this disk cannot hold is skipped and reported, never deleted on the server', () => {
    const canHoldName = (_parent: string, name: string) => !/[:<>"|?*]|^(con|aux|nul)(\..*)?$/iu.test(name);
    const w = world([], [file('a:b', 'x', 'bad'), file('CON', 'y', 'con'), file('ok', 'z', 'ok')], []);
    const options = baseOptions({ canHoldName });
    const ops = planFor(w, options);
    expect(ops.filter((op) => op.kind === 'report' && op.code === 'skipped_name')).toHaveLength(2);
    converge(w, options, new Set(['bad', 'con']));
    expect(listing(w.local)).toEqual({ ok: 'file:z' });
    expect(Object.keys(listing(w.server)).sort()).toEqual(['CON', 'a:b', 'ok']);
  });

  it('#27 a synced file renamed on the server to a name this disk cannot hold stays here, untouched', () => {
    const canHoldName = (_parent: string, name: string) => !name.includes(':');
    const w = world([file('plain', 'x', 'f')], [file('a:b', 'x', 'f')], [file('plain', 'x', 'f')]);
    const ops = planFor(w, baseOptions({ canHoldName }));
    expect(work(ops)).toEqual([]);
    expect(codes(ops)).toContain('skipped_name');
    // The report says where the file still is here, not that it was never created.
    const skipped = ops.find((op) => op.kind === 'report' && op.code === 'skipped_name');
    expect(skipped && skipped.kind === 'report' && skipped.path).toBe('a:b');
    expect(skipped && skipped.kind === 'report' && skipped.message).toMatch(/^Renamed or moved on another device .* Kept here as "plain"/);
  });

  it('#27 edit conflict on a file the server moved out of a folder this disk cannot hold: both versions kept', () => {
    const canHoldName = (_parent: string, name: string) => !name.includes(':');
    const w = world(
      [folder('a:b', 'D'), file('a:b/n', 'mine', 'f')],
      [folder('a:b', 'D'), file('n', 'theirs', 'f')],
      [folder('a:b', 'D'), file('a:b/n', 'base', 'f')],
    );
    const options = baseOptions({ canHoldName });
    expect(planFor(w, options).filter((op) => op.kind === 'rekeyLocal').map((op) => op.kind === 'rekeyLocal' && op.reason)).toEqual(['copy']);
    syncUntilQuiet(w, options);
    expect(listing(w.local)).toMatchObject({ n: 'file:theirs', 'a:b/n': 'file:mine' });
    expect(listing(w.server)).toMatchObject({ n: 'file:theirs', [`a:b/n${COPY}`]: 'file:mine' });
  });

  it('#42 many deletes from the server ask first; the answer covers that batch only', () => {
    const specs = Array.from({ length: 30 }, (_, i) => file(`f${i}`, `h${i}`));
    const w = world(specs, [], specs);
    const ops = planFor(w, baseOptions());
    expect(ops.find((op) => op.kind === 'ask')).toMatchObject({ side: 'local', count: 30 });
    expect(work(ops)).toEqual([]);
    syncUntilQuiet(w, baseOptions(), { approveMassDeletes: true });
    expect(listing(w.local)).toEqual({});
  });

  it('#54 first sync with data on both sides: equal adopted, one-sided propagated, unequal in conflict', () => {
    const w = world(
      [folder('docs', 'Ld'), file('docs/same', 's', 'Ls'), file('docs/mine', 'm', 'Lm'), file('docs/both', 'b1', 'Lb')],
      [folder('docs', 'Rd'), file('docs/same', 's', 'Rs'), file('docs/theirs', 't', 'Rt'), file('docs/both', 'b2', 'Rb')],
      [],
    );
    const ops = planFor(w, baseOptions());
    expect(ops.filter((op) => op.kind === 'rekeyLocal')).toHaveLength(2);
    expect(ops.filter((op) => op.kind === 'upload').map((op) => op.path).sort()).toEqual([`docs/both${COPY}`, 'docs/mine']);
    converge(w);
    expect(listing(w.server)).toEqual({
      docs: 'folder',
      'docs/same': 'file:s',
      'docs/mine': 'file:m',
      'docs/theirs': 'file:t',
      'docs/both': 'file:b2',
      [`docs/both${COPY}`]: 'file:b1',
    });
  });

  it('#55 an excluded folder whose parent is renamed on the server: no downloads, no deletes, no question', () => {
    const base = [folder('P', 'P'), folder('P/Big', 'Big'), ...Array.from({ length: 40 }, (_, i) => file(`P/Big/f${i}`, `h${i}`))];
    const server = [folder('Q', 'P'), folder('Q/Big', 'Big'), ...Array.from({ length: 40 }, (_, i) => file(`Q/Big/f${i}`, `h${i}`, `P/Big/f${i}`))];
    const w = world([folder('P', 'P')], server, base);
    const ops = planFor(w, baseOptions({ excludedIds: new Set(['Big']) }));
    expect(ops.map((op) => op.kind)).toEqual(['moveLocal']);
  });

  it('#56 an ignore rule added for a synced file: no remote delete', () => {
    const w = syncedWorld([file('build.log', 'x', 'log')]);
    expect(work(planFor(w, baseOptions({ ignoredLocalIds: new Set(['log']) })))).toEqual([]);
    w.local.delete('log');
    expect(work(planFor(w, baseOptions()))).toEqual(['deleteRemote']);
  });

  it('new local content inside an excluded folder is reported, not uploaded', () => {
    const w = world([folder('Ex', 'Ex'), file('Ex/new', 'n', 'n')], [folder('Ex', 'Ex')], [folder('Ex', 'Ex')]);
    const ops = planFor(w, baseOptions({ excludedIds: new Set(['Ex']) }));
    expect(work(ops)).toEqual([]);
    expect(codes(ops)).toContain('excluded_content');
  });

  it('a local name the server refuses is reported and not uploaded', () => {
    const w = world([file('a\\b', 'x', 'bs')], [], []);
    const ops = planFor(w, baseOptions());
    expect(work(ops)).toEqual([]);
    expect(codes(ops)).toContain('invalid_name');
  });
});
