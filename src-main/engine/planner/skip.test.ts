// What the planner leaves alone, and what it reports about it: a local name the server refuses is
// reported (not uploaded), unless the ignore rules already leave the item out — then it is never
// uploaded anyway, and the scanner has said what it is (#29: a name that is not UTF-8 is observed
// as an ignored entry under a rendering with backslashes, which the server would refuse).

import { expect, it } from 'vitest';
import type { Tree } from '../tree/tree.ts';
import { computeSkip } from './skip.ts';
import { file, folder, items } from './test-support/builders.ts';
import { ROOT } from './test-support/world.ts';

const tree = (specs: Parameters<typeof items>[0]): Tree => ({ rootId: ROOT, items: new Map(items(specs).map((item) => [item.id, item])) });

it('reports a refused local name once, but not for an ignored item, and skips both with their contents', () => {
  const local = tree([folder('docs'), file('docs/a\\b.txt', 'h1'), file('docs/caf\\xe9.txt', 'h2'), folder('docs/f\\xff'), file('docs/f\\xff/in.txt', 'h3')]);
  const empty = tree([]);
  const ignored = new Set(['docs/caf\\xe9.txt', 'docs/f\\xff']);
  const skip = computeSkip({ local, remote: empty, synced: empty }, new Set(), ignored);
  expect(skip.reports.map((op) => (op.kind === 'report' ? `${op.code} ${op.path}` : op.kind))).toEqual(['invalid_name docs/a\\b.txt']);
  expect([...skip.all].sort()).toEqual(['docs/a\\b.txt', 'docs/caf\\xe9.txt', 'docs/f\\xff', 'docs/f\\xff/in.txt']);
});
