import { expect, it } from 'vitest';
import { fromColumns, toColumns } from './observation-columns.ts';
import type { Observation } from './observation.ts';

it('observations sent as columns come back exactly as the walk made them, absent properties still absent', () => {
  const observations: Observation[] = [
    { path: 'docs', kind: 'folder', size: 4096, mtimeMs: 1_700_000_000_123.25, inode: 2 ** 40 + 3, executable: false, ignored: false },
    { path: 'docs/run.sh', kind: 'file', size: 12, mtimeMs: 1_700_000_000_000.5, inode: 17, executable: true, ignored: false },
    { path: 'docs/new.txt', kind: 'file', size: 0, mtimeMs: 0, inode: 0, executable: false, ignored: false, unstatted: true },
    { path: 'docs/link', kind: 'symlink', size: 5, mtimeMs: 1, inode: 18, executable: false, ignored: true },
    { path: 'docs/fifo', kind: 'other', size: 0, mtimeMs: 2, inode: 19, executable: false, ignored: true },
    { path: 'docs/caf\u00e9.txt', diskPath: 'docs/cafe\u0301.txt', kind: 'file', size: 3, mtimeMs: 3, inode: 20, executable: false, ignored: false },
    { path: '~$report.docx', kind: 'file', size: 0, mtimeMs: 0, inode: 0, executable: false, ignored: true, unstatted: true },
  ];
  const back = fromColumns(structuredClone(toColumns(observations)));
  expect(back).toStrictEqual(observations);
  expect(back.map((observation) => Object.keys(observation).sort())).toEqual(observations.map((observation) => Object.keys(observation).sort()));
  expect(fromColumns(toColumns([]))).toEqual([]);
});
