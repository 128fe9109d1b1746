// Reading conflicted copies' names and naming a kept second copy.
import { describe, expect, it } from 'vitest';
import { conflictId, keptBothName, parseCopyName } from './conflicts.ts';

describe('conflict names', () => {
  it('reads who made a conflicted copy and when', () => {
    expect(parseCopyName("report (conflicted copy from Bob's desktop 2026-11-22 031500).txt")).toEqual({
      device: "Bob's desktop",
      at: Date.UTC(2026, 10, 22, 3, 15, 0),
    });
    expect(parseCopyName('report (conflicted copy from Bob 2026-11-22 031500) (2).txt')?.device).toBe('Bob');
    expect(parseCopyName('report.txt')).toBeUndefined();
  });

  it('names the kept copy plainly, avoiding names already taken', () => {
    expect(keptBothName('report.txt', 'Bob', () => false)).toBe("report (Bob's version).txt");
    const taken = new Set(["report (Bob's version).txt"]);
    expect(keptBothName('report.txt', 'Bob', (name) => taken.has(name))).toBe("report (Bob's version) 2.txt");
  });

  it('gives each conflict an id that survives the trip through the renderer', () => {
    const id = conflictId('folder-1', 'a/b (conflicted copy from X 2026-01-01 000000).txt');
    expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(conflictId('folder-1', 'a/b.txt')).not.toBe(id);
  });
});
