// Retries with exponential backoff and full jitter (the AWS Architecture Blog's "full jitter":
// sleep a random time in [0, min(cap, base·2^attempt)]), so many devices that lost the server at
// the same moment do not come back in lockstep. A Retry-After from the server is a floor. The
// clock and the random source are injected so tests run on a fake clock, instantly and exactly.
import { RemoteError, isRetryable } from './remote-error.ts';

export interface RetryPolicy {
  /** The first backoff ceiling, in ms. */
  baseDelayMs: number;
  /** No backoff ceiling grows beyond this. */
  maxDelayMs: number;
  /** Attempts in all (1 = no retry). */
  maxAttempts: number;
  /** A server asking us to wait longer than this fails the call instead of stalling it. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  baseDelayMs: 250,
  maxDelayMs: 30_000,
  maxAttempts: 6,
  maxRetryAfterMs: 5 * 60_000,
};

/** Time as the retry loop, the notifier and the bandwidth limiter see it. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason if it is aborted first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(cancelled(signal));
        return;
      }
      const onAbort = () => {
        clearTimeout(timer);
        reject(cancelled(signal!));
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

export function cancelled(signal: AbortSignal): RemoteError {
  return new RemoteError('The request was cancelled.', { kind: 'permanent', code: 'cancelled', cause: signal.reason });
}

/**
 * The wait before retry number `attempt` (0 = the first retry): uniformly random in
 * [0, min(maxDelayMs, baseDelayMs·2^attempt)], but never less than the server's Retry-After.
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number, retryAfterMs?: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(attempt, 30));
  const jittered = Math.floor(random() * ceiling);
  return retryAfterMs === undefined ? jittered : Math.max(retryAfterMs, jittered);
}

export interface RetryOptions {
  policy?: RetryPolicy;
  clock?: Clock;
  random?: () => number;
  signal?: AbortSignal;
  /** Told before each wait (for logs and status: "retrying in 2 s"). */
  onRetry?: (error: RemoteError, attempt: number, delayMs: number) => void;
}

/**
 * Runs `operation` until it succeeds, fails permanently, or runs out of attempts; the last error
 * is thrown as is. Only RemoteErrors marked retryable are retried: anything else is a bug or a
 * refusal, and repeating it would only hide it.
 */
export async function withRetry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY_POLICY;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  for (let attempt = 0; ; attempt += 1) {
    if (options.signal?.aborted) throw cancelled(options.signal);
    try {
      return await operation(attempt);
    } catch (error) {
      if (!isRetryable(error) || attempt + 1 >= policy.maxAttempts) throw error;
      const remote = error as RemoteError;
      if (remote.retryAfterMs !== undefined && remote.retryAfterMs > policy.maxRetryAfterMs) throw error;
      const delay = backoffDelay(policy, attempt, random, remote.retryAfterMs);
      options.onRetry?.(remote, attempt + 1, delay);
      await clock.sleep(delay, options.signal);
    }
  }
}
