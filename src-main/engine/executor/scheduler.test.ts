// Bounded concurrency in dependency order: never more than the limit at once, nothing before what
// it waits for, and nothing after a dependency that did not succeed.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { runScheduled } from './scheduler.ts';
import type { TaskResult } from './scheduler.ts';

function deferredTask(log: string[], name: string, result: TaskResult = 'ok', delay = 0) {
  return async (): Promise<TaskResult> => {
    log.push(`start ${name}`);
    await new Promise((resolve) => setTimeout(resolve, delay));
    log.push(`end ${name}`);
    return result;
  };
}

describe('runScheduled', () => {
  it('never runs more than the limit at once, and starts dependents only after their dependencies end', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.tuple(fc.array(fc.nat(), { maxLength: 3 }), fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 15 }),
        async (limit, specs) => {
          let running = 0;
          let peak = 0;
          const ended = new Set<number>();
          const tasks = specs.map(([rawDeps, delay], index) => {
            const deps = index === 0 ? [] : [...new Set(rawDeps.map((d) => d % index))];
            return {
              deps,
              run: async (): Promise<TaskResult> => {
                for (const dep of deps) expect(ended.has(dep)).toBe(true);
                running += 1;
                peak = Math.max(peak, running);
                await new Promise((resolve) => setTimeout(resolve, delay));
                running -= 1;
                ended.add(index);
                return 'ok';
              },
            };
          });
          const states = await runScheduled(tasks, limit);
          expect(states.every((s) => s === 'ok')).toBe(true);
          expect(peak).toBeLessThanOrEqual(limit);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('runs independent tasks side by side', async () => {
    const log: string[] = [];
    await runScheduled(
      [
        { deps: [], run: deferredTask(log, 'a', 'ok', 5) },
        { deps: [], run: deferredTask(log, 'b', 'ok', 5) },
      ],
      2,
    );
    expect(log.slice(0, 2)).toEqual(['start a', 'start b']);
  });

  it('skips what depends, directly or not, on a task that did not succeed', async () => {
    const log: string[] = [];
    const states = await runScheduled(
      [
        { deps: [], run: deferredTask(log, 'folder', 'not_ok') },
        { deps: [0], run: deferredTask(log, 'file in folder') },
        { deps: [1], run: deferredTask(log, 'rename of that file') },
        { deps: [], run: deferredTask(log, 'elsewhere') },
      ],
      2,
    );
    expect(states).toEqual(['not_ok', 'skipped', 'skipped', 'ok']);
    expect(log).not.toContain('start file in folder');
  });

  it('refuses a bad limit or a dependency on a later task', async () => {
    await expect(runScheduled([], 0)).rejects.toThrow(/at least 1/);
    await expect(runScheduled([{ deps: [1], run: async () => 'ok' }, { deps: [], run: async () => 'ok' }], 1)).rejects.toThrow(/only on earlier/);
  });

  it('stops starting work when a task throws', async () => {
    const log: string[] = [];
    await expect(
      runScheduled(
        [
          { deps: [], run: async () => Promise.reject(new Error('crash')) },
          { deps: [], run: deferredTask(log, 'after', 'ok') },
          { deps: [], run: deferredTask(log, 'later', 'ok') },
        ],
        1,
      ),
    ).rejects.toThrow('crash');
    expect(log).toEqual([]);
  });
});

describe('runScheduled with a byte budget', () => {
  it('never has more bytes in flight than the budget, except one task heavier than the budget alone', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 10, max: 100 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 150 }), fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 20 }),
        async (limit, maxBytes, specs) => {
          let inFlight = 0;
          let running = 0;
          let ran = 0;
          const tasks = specs.map(([weight, delay]) => ({
            deps: [],
            weight,
            run: async (): Promise<TaskResult> => {
              // A task over the budget counts as the budget: it runs with no other weighted task.
              const counted = Math.min(weight, maxBytes);
              inFlight += counted;
              running += 1;
              ran += 1;
              expect(inFlight).toBeLessThanOrEqual(maxBytes);
              expect(running).toBeLessThanOrEqual(limit);
              await new Promise((resolve) => setTimeout(resolve, delay));
              inFlight -= counted;
              running -= 1;
              return 'ok';
            },
          }));
          const states = await runScheduled(tasks, limit, { maxBytes });
          expect(states.every((state) => state === 'ok')).toBe(true);
          expect(ran).toBe(specs.length);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('many small tasks run side by side while big ones take turns', async () => {
    const log: string[] = [];
    const big = (name: string) => ({ deps: [], weight: 80, run: deferredTask(log, name, 'ok', 10) });
    const small = (name: string) => ({ deps: [], weight: 1, run: deferredTask(log, name, 'ok', 10) });
    await runScheduled([big('big1'), big('big2'), small('s1'), small('s2')], 64, { maxBytes: 100 });
    // big2 does not fit beside big1; the small ones behind it wait their turn rather than pass it.
    expect(log.slice(0, 2)).toEqual(['start big1', 'end big1']);
    expect(log.indexOf('start big2')).toBeLessThan(log.indexOf('start s1'));
    expect(log.indexOf('start s1')).toBeLessThan(log.indexOf('end big2'));
  });

  it('work that moves no bytes passes a transfer waiting for room', async () => {
    const log: string[] = [];
    await runScheduled(
      [
        { deps: [], weight: 80, run: deferredTask(log, 'big1', 'ok', 10) },
        { deps: [], weight: 80, run: deferredTask(log, 'big2', 'ok', 10) },
        { deps: [], weight: 0, run: deferredTask(log, 'rename', 'ok', 1) },
      ],
      64,
      { maxBytes: 100 },
    );
    expect(log.indexOf('end rename')).toBeLessThan(log.indexOf('end big1'));
  });

  it('refuses a budget that is not above 0', async () => {
    await expect(runScheduled([], 1, { maxBytes: 0 })).rejects.toThrow(/above 0/);
  });
});
