// The planner at the size DESIGN.md plans for: 100k items with a few thousand changes on each
// side plans in seconds (no quadratic walks), and the plan is the expected one.
import { describe, expect, it } from 'vitest';
import type { TreeItem } from '../tree/item.ts';
import { plan } from './planner.ts';

describe('planner at 100k items', () => {
  it('plans 100k items with thousands of changes in a few seconds', () => {
    const items: TreeItem[] = [{ id: 'root', parentId: null, name: '', kind: 'folder' }];
    for (let d = 0; d < 1000; d++) {
      items.push({ id: `d${d}`, parentId: 'root', name: `dir${d}`, kind: 'folder' });
      for (let f = 0; f < 99; f++) {
        items.push({ id: `f${d}.${f}`, parentId: `d${d}`, name: `file${f}.txt`, kind: 'file', hash: `h${d}.${f}`, size: 1, metadataVersion: 1, contentVersion: 1 });
      }
    }
    const synced = new Map(items.map((i) => [i.id, i]));
    const local = new Map(synced);
    const remote = new Map(synced);
    let localEdits = 0;
    let remoteEdits = 0;
    let moves = 0;
    for (const item of items) {
      if (item.kind !== 'file') continue;
      const n = Number(item.id.slice(1).replace('.', ''));
      if (n % 31 === 0) {
        local.set(item.id, { ...item, hash: `L${item.hash}` });
        localEdits++;
      } else if (n % 37 === 0) {
        remote.set(item.id, { ...item, hash: `R${item.hash}` });
        remoteEdits++;
      } else if (n % 41 === 0) {
        local.set(item.id, { ...item, name: `moved-${item.name}` });
        moves++;
      }
    }
    const started = performance.now();
    const ops = plan({
      remote: { rootId: 'root', items: remote },
      local: { rootId: 'root', items: local },
      synced: { rootId: 'root', items: synced },
      options: { device: 'big', now: new Date(0), newId: (purpose) => `new:${purpose}` },
    });
    const elapsed = performance.now() - started;
    const count = (kind: string) => ops.filter((op) => op.kind === kind).length;
    expect(count('upload')).toBe(localEdits);
    expect(count('download')).toBe(remoteEdits);
    expect(count('moveRemote')).toBe(moves);
    expect(ops).toHaveLength(localEdits + remoteEdits + moves);
    expect(elapsed).toBeLessThan(15_000);
  });
});
