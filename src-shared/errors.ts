// Errors that cross a boundary (IPC, HTTP, CLI) carry a stable code and one sentence for people.
// Never a stack trace: the message says what happened and, where it can, what to do.

export type ErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'not_found'
  | 'conflict'
  // A create proposed an id the server has already given out (the item may be in the trash since):
  // ids are never reused, so the client must propose a fresh one.
  | 'id_taken'
  | 'precondition_failed'
  // A commit named blocks the server does not hold (never uploaded, or purged since): the client
  // uploads them and commits again.
  | 'blocks_missing'
  | 'cursor_expired'
  | 'cursor_ahead'
  | 'idempotency_key_reused'
  | 'too_large'
  | 'quota_exceeded'
  | 'rate_limited'
  | 'not_built'
  | 'internal';

export class TandemError extends Error {
  readonly code: ErrorCode;
  readonly path: string | undefined;

  constructor(code: ErrorCode, message: string, path?: string) {
    super(message);
    this.name = 'TandemError';
    this.code = code;
    this.path = path;
  }
}

/** The wire form of an error: what the other side of a boundary receives. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
}

export function toErrorBody(error: unknown): ErrorBody {
  if (error instanceof TandemError) return { code: error.code, message: error.message };
  return { code: 'internal', message: 'Something went wrong inside Tandem. The details are in the log.' };
}
