// Changes cursors: opaque to clients, but inside "which namespace, up to which seq" and, since a
// server can be restored from an older backup and then carry on, a FINGERPRINT of the journal
// row at that seq (when and which item). A seq alone cannot tell "my future" from "a past this
// server forgot and then re-used": after a restore the same numbers name other changes. With the
// fingerprint, a cursor whose row is now a different change is refused as cursor_ahead, so the
// client re-lists and stops trusting what it last synced (SCENARIOS #46).
// Encoded so a client can't mistake one for a number and do arithmetic on it.
import { TandemError } from '../../src-shared/errors.ts';

/** c1: namespace and seq (older cursors, and seq 0, which has no row); c2: with the fingerprint. */
const PLAIN = 'c1';
const FINGERPRINTED = 'c2';

/** What a journal row at a seq looks like, for its fingerprint. */
export interface JournalRowFacts {
  itemId: string;
  createdAt: number;
}

/** A short fingerprint of one journal row: when it was written and which item it changed. */
export function fingerprintOf(row: JournalRowFacts): string {
  return `${row.createdAt.toString(36)}.${row.itemId.replace(/-/g, '').slice(-12)}`;
}

export function encodeCursor(namespaceId: string, seq: number, row?: JournalRowFacts): string {
  const text = row ? `${FINGERPRINTED}:${namespaceId}:${fingerprintOf(row)}:${seq}` : `${PLAIN}:${namespaceId}:${seq}`;
  return Buffer.from(text, 'utf8').toString('base64url');
}

export interface DecodedCursor {
  seq: number;
  /** The fingerprint of the journal row at `seq` when the cursor was handed out. */
  fingerprint: string | undefined;
}

/** A cursor's seq and fingerprint; refuses a cursor that is malformed or belongs to another namespace. */
export function decodeCursorParts(cursor: string, namespaceId: string): DecodedCursor {
  const text = /^[A-Za-z0-9_-]{1,200}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const parts = text.split(':');
  const [prefix, ns] = parts;
  const fingerprint = prefix === FINGERPRINTED && parts.length === 4 ? parts[2] : undefined;
  const seqText = prefix === PLAIN && parts.length === 3 ? parts[2] : fingerprint ? parts[3] : undefined;
  const seq = Number(seqText);
  if (!ns || seqText === undefined || seqText === '' || !Number.isSafeInteger(seq) || seq < 0) {
    throw new TandemError('bad_request', 'The cursor is not one this server handed out; list again without a cursor.');
  }
  if (ns !== namespaceId) {
    throw new TandemError('bad_request', 'The cursor belongs to another account or folder; list again without a cursor.');
  }
  return { seq, fingerprint };
}

/** The seq a cursor stands for; refuses a cursor that is malformed or belongs to another namespace. */
export function decodeCursor(cursor: string, namespaceId: string): number {
  return decodeCursorParts(cursor, namespaceId).seq;
}
