// The heap is collected once, a while after an engine stopped working, and never while it works.
import { describe, expect, it } from 'vitest';
import { HeapRelease, v8Collect } from './heap-release.ts';

function harness() {
  const timers: Array<{ run: () => void; ms: number; cancelled: boolean }> = [];
  let collections = 0;
  const release = new HeapRelease({
    collect: () => void collections++,
    quietMs: 5_000,
    setTimer: (run, ms) => {
      const timer = { run, ms, cancelled: false };
      timers.push(timer);
      return { cancel: () => void (timer.cancelled = true) };
    },
  });
  const fire = () => {
    for (const timer of timers.splice(0)) if (!timer.cancelled) timer.run();
  };
  return { release, fire, timers, collections: () => collections };
}

describe('HeapRelease', () => {
  it('collects once after work ends and the engine stays quiet, not again while nothing more is done', () => {
    const { release, fire, timers, collections } = harness();
    release.observe('scanning');
    release.observe('syncing');
    release.observe('idle');
    expect(timers.map((timer) => timer.ms)).toEqual([5_000]);
    fire();
    expect(collections()).toBe(1);
    release.observe('idle');
    release.observe('offline');
    fire();
    expect(collections()).toBe(1);
  });

  it('waits again when work starts before the quiet time is over', () => {
    const { release, fire, collections } = harness();
    release.observe('syncing');
    release.observe('idle');
    release.observe('syncing');
    fire();
    expect(collections()).toBe(0);
    release.observe('idle');
    fire();
    expect(collections()).toBe(1);
  });

  it('does nothing for an engine that never worked, and nothing once stopped', () => {
    const { release, fire, collections } = harness();
    release.observe('idle');
    fire();
    expect(collections()).toBe(0);
    release.observe('syncing');
    release.observe('idle');
    release.stop();
    fire();
    expect(collections()).toBe(0);
  });

  it("V8's own collection runs in this process and frees what is no longer referenced", async () => {
    const ref = new WeakRef(Array.from({ length: 200 }, () => Array.from({ length: 10_000 }, (_, i) => i)));
    // A WeakRef keeps its target alive until the current job ends.
    await new Promise((resolve) => setImmediate(resolve));
    v8Collect();
    expect(ref.deref()).toBeUndefined();
  });
});
