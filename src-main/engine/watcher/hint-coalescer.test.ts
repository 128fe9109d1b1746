// The coalescer on a fake clock: bursts become one batch after the quiet time, a long burst still
// reports by the deadline, repeated paths appear once, and floods turn into "rescan everything".

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HintCoalescer } from './hint-coalescer.ts';
import type { WatchHints } from './hint-coalescer.ts';

let batches: WatchHints[];
function make(maxPaths = 100) {
  batches = [];
  return new HintCoalescer({ debounceMs: 50, maxDelayMs: 300, maxPaths, onHints: (h) => batches.push(h) });
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('HintCoalescer', () => {
  it('sends one batch per burst once the folder is quiet, each path once', () => {
    const c = make();
    c.add('a.txt');
    vi.advanceTimersByTime(30);
    c.add('b.txt');
    c.add('a.txt');
    vi.advanceTimersByTime(49);
    expect(batches).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(batches).toHaveLength(1);
    expect(batches[0]?.paths.sort()).toEqual(['a.txt', 'b.txt']);
    expect(batches[0]?.rescanAll).toBe(false);
  });

  it('a burst that never goes quiet still reports by the deadline', () => {
    const c = make();
    for (let t = 0; t < 600; t += 20) {
      c.add(`f${t}`);
      vi.advanceTimersByTime(20);
    }
    expect(batches.length).toBeGreaterThanOrEqual(2);
    expect(batches[0]?.paths.length).toBeGreaterThan(5);
  });

  it('too many paths become a single rescan-everything hint', () => {
    const c = make(10);
    for (let i = 0; i < 50; i++) c.add(`f${i}`);
    vi.advanceTimersByTime(60);
    expect(batches).toEqual([{ paths: [], rescanAll: true }]);
  });

  it('a lost-events signal asks for a full rescan; nothing is sent after close', () => {
    const c = make();
    c.add('x');
    c.addRescanAll();
    vi.advanceTimersByTime(60);
    expect(batches).toEqual([{ paths: [], rescanAll: true }]);
    c.close();
    c.add('y');
    vi.advanceTimersByTime(1000);
    expect(batches).toHaveLength(1);
  });
});
