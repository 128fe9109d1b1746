// Server-side errors: TandemError's codes mapped to HTTP statuses, and the one error that carries
// more than a sentence (412 returns the item as it is now, so the client can rebase its change).
import { type ErrorCode, TandemError } from '../src-shared/errors.ts';
import type { Item } from '../src-shared/protocol/common.ts';

export const STATUS_OF: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  not_found: 404,
  conflict: 409,
  id_taken: 409,
  cursor_expired: 410,
  // A cursor the server never reached: its data went back in time (restored from a backup). The
  // client must list again AND stop trusting what it last synced (SCENARIOS #46).
  cursor_ahead: 410,
  precondition_failed: 412,
  too_large: 413,
  idempotency_key_reused: 422,
  blocks_missing: 422,
  rate_limited: 429,
  internal: 500,
  not_built: 501,
  // 507 Insufficient Storage, not 413: the request is fine, the account is full. A client must not
  // retry it smaller; it must tell the user to free space.
  quota_exceeded: 507,
};

export class PreconditionFailedError extends TandemError {
  readonly item: Item;
  constructor(item: Item) {
    super('precondition_failed', `The item "${item.name}" has changed on the server (now ${item.etag}); fetch it and apply your change again.`);
    this.item = item;
  }
}
