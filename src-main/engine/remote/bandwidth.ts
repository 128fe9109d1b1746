// Bandwidth limits (the user's "upload/download at most N bytes/s") as a token bucket: tokens
// refill at the rate up to one second's worth (the burst), and a transfer takes its bytes up
// front, waiting if the bucket is in debt. Taking more than the bucket holds is allowed (a 16 MiB
// request under a 1 MiB/s limit) — it just leaves a debt the next transfer waits out, so the
// average rate holds without splitting requests. Rate 0 means unlimited.
import { type Clock, systemClock } from './retry.ts';

export class BandwidthLimiter {
  #rate: number;
  #tokens: number;
  #updatedAt: number;
  readonly #clock: Clock;

  /** `bytesPerSecond` 0 or less: no limit. */
  constructor(bytesPerSecond: number, clock: Clock = systemClock) {
    this.#clock = clock;
    this.#rate = Math.max(0, bytesPerSecond);
    this.#tokens = this.#rate;
    this.#updatedAt = clock.now();
  }

  get bytesPerSecond(): number {
    return this.#rate;
  }

  /** Changes the limit at once (settings); the bucket starts full at the new rate. */
  setRate(bytesPerSecond: number): void {
    this.#rate = Math.max(0, bytesPerSecond);
    this.#tokens = this.#rate;
    this.#updatedAt = this.#clock.now();
  }

  /** Resolves when `bytes` may be sent (at once while under the limit). */
  async take(bytes: number, signal?: AbortSignal): Promise<void> {
    if (this.#rate <= 0 || bytes <= 0) return;
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#rate, this.#tokens + ((now - this.#updatedAt) * this.#rate) / 1000);
    this.#updatedAt = now;
    this.#tokens -= bytes;
    if (this.#tokens >= 0) return;
    await this.#clock.sleep(Math.ceil((-this.#tokens / this.#rate) * 1000), signal);
  }
}
