// Backoff and retry: waits grow exponentially under full jitter, Retry-After is a floor, only
// retryable errors are retried, and attempts are bounded — all on a fake clock.
import { describe, expect, it } from 'vitest';
import { FakeClock } from './fake-clock.ts';
import { RemoteError } from './remote-error.ts';
import { type RetryPolicy, backoffDelay, withRetry } from './retry.ts';

const policy: RetryPolicy = { baseDelayMs: 100, maxDelayMs: 1_000, maxAttempts: 5, maxRetryAfterMs: 10_000 };
const retryable = (retryAfterMs?: number) =>
  new RemoteError('server busy', { kind: 'retryable', code: 'http_503', status: 503, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });

describe('backoffDelay', () => {
  it('grows as base·2^attempt up to the cap, scaled by the random draw', () => {
    const top = () => 0.999999;
    expect([0, 1, 2, 3, 4, 5].map((attempt) => backoffDelay(policy, attempt, top))).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffDelay(policy, 3, () => 0.5)).toBe(400);
    expect(backoffDelay(policy, 3, () => 0)).toBe(0);
  });

  it('never waits less than the server asked', () => {
    expect(backoffDelay(policy, 0, () => 0, 2_000)).toBe(2_000);
    expect(backoffDelay(policy, 5, () => 0.999, 10)).toBe(999);
  });

  it('jitter spreads clients apart: different draws, different waits', () => {
    const waits = new Set([0.1, 0.3, 0.6, 0.9].map((r) => backoffDelay(policy, 4, () => r)));
    expect(waits.size).toBe(4);
  });
});

describe('withRetry', () => {
  it('retries retryable failures and returns the first success, having slept between', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls += 1;
        if (calls < 3) throw retryable();
        return 'done';
      },
      { policy, clock, random: () => 0.5 },
    );
    expect(result).toBe('done');
    expect(calls).toBe(3);
    expect(clock.sleeps).toEqual([50, 100]);
  });

  it('does not retry a permanent error', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const refusal = new RemoteError('name taken', { kind: 'permanent', code: 'conflict', status: 409 });
    await expect(
      withRetry(async () => {
        calls += 1;
        throw refusal;
      }, { policy, clock }),
    ).rejects.toBe(refusal);
    expect(calls).toBe(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('does not retry a plain exception (a bug, not the network)', async () => {
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls += 1;
        throw new TypeError('oops');
      }, { policy, clock: new FakeClock() }),
    ).rejects.toThrow('oops');
    expect(calls).toBe(1);
  });

  it('gives up after maxAttempts with the last error', async () => {
    const clock = new FakeClock();
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls += 1;
        throw retryable();
      }, { policy, clock, random: () => 0 }),
    ).rejects.toMatchObject({ code: 'http_503' });
    expect(calls).toBe(5);
    expect(clock.sleeps).toHaveLength(4);
  });

  it('waits at least Retry-After, and fails at once when the server asks for too long', async () => {
    const clock = new FakeClock();
    let calls = 0;
    await withRetry(
      async () => {
        calls += 1;
        if (calls === 1) throw retryable(3_000);
      },
      { policy, clock, random: () => 0 },
    );
    expect(clock.sleeps).toEqual([3_000]);

    calls = 0;
    await expect(
      withRetry(async () => {
        calls += 1;
        throw retryable(60_000);
      }, { policy, clock }),
    ).rejects.toMatchObject({ retryAfterMs: 60_000 });
    expect(calls).toBe(1);
  });

  it('stops when the caller cancels', async () => {
    const controller = new AbortController();
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls += 1;
          controller.abort();
          throw retryable();
        },
        { policy, clock: new FakeClock(), signal: controller.signal },
      ),
    ).rejects.toMatchObject({ code: 'cancelled' });
    expect(calls).toBe(1);
  });

  it('tells onRetry about each wait', async () => {
    const seen: Array<[number, number]> = [];
    let calls = 0;
    await withRetry(
      async () => {
        calls += 1;
        if (calls < 3) throw retryable();
      },
      { policy, clock: new FakeClock(), random: () => 0.5, onRetry: (_error, attempt, delay) => seen.push([attempt, delay]) },
    );
    expect(seen).toEqual([
      [1, 50],
      [2, 100],
    ]);
  });
});
