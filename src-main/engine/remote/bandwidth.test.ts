// The token bucket: under the limit nothing waits; over it, transfers wait so the average rate
// holds; a large transfer leaves a debt the next one waits out; 0 is unlimited.
import { expect, it } from 'vitest';
import { BandwidthLimiter } from './bandwidth.ts';
import { FakeClock } from './fake-clock.ts';

it('lets a second of traffic through at once, then paces to the rate', async () => {
  const clock = new FakeClock();
  const limiter = new BandwidthLimiter(1000, clock);
  await limiter.take(1000);
  expect(clock.sleeps).toEqual([]);
  await limiter.take(500);
  expect(clock.sleeps).toEqual([500]);
  await limiter.take(500);
  expect(clock.sleeps).toEqual([500, 500]);
});

it('10 MB at 1 MB/s takes 9 s beyond the first second of burst, whatever the request sizes', async () => {
  for (const size of [100_000, 1_000_000, 2_500_000]) {
    const clock = new FakeClock();
    const limiter = new BandwidthLimiter(1_000_000, clock);
    for (let sent = 0; sent < 10_000_000; sent += size) await limiter.take(size);
    expect(clock.now()).toBeGreaterThanOrEqual(9_000);
    expect(clock.now()).toBeLessThanOrEqual(9_001);
  }
});

it('idle time refills the bucket, but never beyond one second of traffic', async () => {
  const clock = new FakeClock();
  const limiter = new BandwidthLimiter(1000, clock);
  await limiter.take(1000);
  clock.time += 60_000;
  await limiter.take(1000);
  expect(clock.sleeps).toEqual([]);
  await limiter.take(1000);
  expect(clock.sleeps).toEqual([1000]);
});

it('0 is unlimited, and the rate can change while running', async () => {
  const clock = new FakeClock();
  const limiter = new BandwidthLimiter(0, clock);
  await limiter.take(1e12);
  expect(clock.sleeps).toEqual([]);
  limiter.setRate(100);
  await limiter.take(300);
  expect(clock.sleeps).toEqual([2000]);
});
