// Which operations wait for which: overlapping paths keep the planner's order, unrelated ones may
// run together.

import { describe, expect, it } from 'vitest';
import type { Operation } from '../planner/operations.ts';
import { dependencies } from './dependencies.ts';

const folder = (path: string): Operation => ({ kind: 'createLocalFolder', id: path, parentId: 'p', name: path, path });
const trash = (path: string): Operation => ({ kind: 'trashLocal', id: path, itemKind: 'file', hash: 'h', path });
const move = (fromPath: string, path: string): Operation => ({ kind: 'moveLocal', id: fromPath, parentId: 'p', name: path, fromPath, path, temporary: false });
const upload = (path: string): Operation => ({
  kind: 'upload',
  id: path,
  parentId: 'p',
  name: path,
  hash: 'h',
  size: 1,
  executable: false,
  ifMatchContent: undefined,
  path,
});

describe('dependencies', () => {
  it('puts parents before children and keeps unrelated paths independent', () => {
    expect(dependencies([folder('a'), upload('a/x'), upload('b/y'), upload('a/x/deeper')])).toEqual([[], [0], [], [0, 1]]);
  });

  it('deletes a folder only after everything inside it and moved out of it', () => {
    expect(dependencies([move('f/keep', 'keep'), trash('f/old'), trash('f')])).toEqual([[], [], [0, 1]]);
  });

  it('takes a name only after it was freed, case-insensitively', () => {
    expect(dependencies([move('a.txt', 'tmp'), move('A.TXT', 'a.txt'), move('tmp', 'A.txt')])).toEqual([[], [0], [0, 1]]);
  });

  it('ignores bookkeeping and messages', () => {
    const ops: Operation[] = [
      { kind: 'markSynced', id: 'x', item: null },
      { kind: 'report', code: 'blocked', id: 'x', path: 'a', message: 'm' },
      upload('a'),
    ];
    expect(dependencies(ops)).toEqual([[], [], []]);
  });

  it('stays linear on a 100k-operation plan', () => {
    const ops = Array.from({ length: 100_000 }, (_, i) => upload(`folder${i % 100}/file${i}`));
    const started = performance.now();
    const deps = dependencies(ops);
    expect(deps[99_999]).toEqual([]);
    expect(performance.now() - started).toBeLessThan(3000);
  });
});
