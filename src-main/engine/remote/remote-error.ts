// The remote client's one error type. Every failure talking to the server is classified once,
// here: RETRYABLE (the network, a 5xx, 429/408 — try again later, maybe after Retry-After) or
// PERMANENT (any other 4xx, a malformed answer — trying again changes nothing). The message is one
// sentence a person can read; the server's error code rides along for the engine to act on.
import type { Item } from '../../../src-shared/protocol/common.ts';

export type RemoteErrorKind = 'retryable' | 'permanent';

/**
 * The server's codes (src-shared/errors.ts) plus the client's own: `network` (no answer),
 * `timeout` (no answer in time), `bad_response` (an answer that is not what the protocol says),
 * `bad_block` (a downloaded block that does not match its hash), `http_<status>` (a status with
 * no Tandem error body, e.g. from a proxy), `cancelled` (the caller aborted).
 */
export type RemoteErrorCode = string;

export interface RemoteErrorDetails {
  kind: RemoteErrorKind;
  code: RemoteErrorCode;
  /** The HTTP status, when the server answered. */
  status?: number;
  /** How long the server asked us to wait (from Retry-After), in ms. */
  retryAfterMs?: number;
  /** On 412: the item as it is now on the server. */
  item?: Item;
  cause?: unknown;
}

export class RemoteError extends Error {
  readonly kind: RemoteErrorKind;
  readonly code: RemoteErrorCode;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly item: Item | undefined;

  constructor(message: string, details: RemoteErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'RemoteError';
    this.kind = details.kind;
    this.code = details.code;
    this.status = details.status;
    this.retryAfterMs = details.retryAfterMs;
    this.item = details.item;
  }

  get retryable(): boolean {
    return this.kind === 'retryable';
  }
}

export function isRetryable(error: unknown): boolean {
  return error instanceof RemoteError && error.retryable;
}

/**
 * Whether an HTTP status is worth retrying. 501 (not built) and 507 (account full) are 5xx but
 * retrying cannot help: the server or the user must change first.
 */
export function isRetryableStatus(status: number): boolean {
  if (status === 408 || status === 429) return true;
  if (status === 501 || status === 505 || status === 507) return false;
  return status >= 500;
}

/**
 * Retry-After is either delay-seconds or an HTTP date (RFC 9110 §10.2.3); anything else is
 * ignored (undefined) rather than trusted.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** The error for a request that got no answer at all (refused, reset, DNS, TLS, timeout). */
export function networkError(server: string, cause: unknown, timedOut: boolean): RemoteError {
  if (timedOut) {
    return new RemoteError(`The sync server at ${server} did not answer in time; Tandem will try again.`, { kind: 'retryable', code: 'timeout', cause });
  }
  return new RemoteError(`Cannot reach the sync server at ${server} (${describeNetworkCause(cause)}); Tandem will try again.`, {
    kind: 'retryable',
    code: 'network',
    cause,
  });
}

/** fetch wraps the real reason (ECONNREFUSED, …) in `cause`; name it briefly for people. */
function describeNetworkCause(cause: unknown): string {
  let current: unknown = cause;
  for (let depth = 0; depth < 4 && current; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') {
      const known: Record<string, string> = {
        ECONNREFUSED: 'connection refused',
        ECONNRESET: 'connection reset',
        ENOTFOUND: 'no such host',
        EAI_AGAIN: 'name lookup failed',
        ETIMEDOUT: 'connection timed out',
        EHOSTUNREACH: 'host unreachable',
        ENETUNREACH: 'network unreachable',
        EPIPE: 'connection closed',
        UND_ERR_SOCKET: 'connection closed',
      };
      return known[code] ?? code;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return 'no answer';
}

/** A one-line message for people from an HTTP status with no Tandem error body. */
export function statusMessage(status: number): string {
  if (status === 429) return 'The sync server is busy (too many requests); Tandem will try again shortly.';
  if (status === 401) return 'The sync server no longer accepts this device; sign in again.';
  if (status === 507) return 'Your account on the sync server is full; free some space.';
  if (status >= 500) return `The sync server had a problem (HTTP ${status}); Tandem will try again.`;
  return `The sync server refused the request (HTTP ${status}).`;
}
