// A fake clock for tests of the retry loop, the notifier and the bandwidth limiter: sleep()
// records the wait and resolves at once, and time moves only by what was slept.
import type { Clock } from './retry.ts';

export class FakeClock implements Clock {
  time = 0;
  readonly sleeps: number[] = [];

  now(): number {
    return this.time;
  }

  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.time += ms;
    return Promise.resolve();
  }
}
