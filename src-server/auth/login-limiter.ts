// Failed-login counting per account: after `max` failures within `windowMs`, that account's
// logins are refused until the window moves on. (Attempts per address are limited separately by
// @fastify/rate-limit on the login route.) In memory: a restart forgets, which only helps a
// legitimate user; an attacker gains one window per restart.
export interface LoginLimit {
  max: number;
  windowMs: number;
}

export class LoginLimiter {
  readonly #failures = new Map<string, number[]>();
  readonly #limit: LoginLimit;
  readonly #now: () => number;

  constructor(limit: LoginLimit, now: () => number) {
    this.#limit = limit;
    this.#now = now;
  }

  #recent(key: string): number[] {
    const since = this.#now() - this.#limit.windowMs;
    const times = (this.#failures.get(key) ?? []).filter((t) => t > since);
    if (times.length === 0) this.#failures.delete(key);
    else this.#failures.set(key, times);
    return times;
  }

  /** Milliseconds until this account may try again; 0 if it may try now. */
  retryAfter(key: string): number {
    const times = this.#recent(key);
    if (times.length < this.#limit.max) return 0;
    return Math.max(1, times[0]! + this.#limit.windowMs - this.#now());
  }

  recordFailure(key: string): void {
    this.#failures.set(key, [...this.#recent(key), this.#now()]);
  }

  recordSuccess(key: string): void {
    this.#failures.delete(key);
  }
}
