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
