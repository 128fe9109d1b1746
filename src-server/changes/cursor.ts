// Changes cursors: opaque to clients, but inside just "which namespace, up to which seq".
// Encoded so a client can't mistake one for a number and do arithmetic on it.
import { TandemError } from '../../src-shared/errors.ts';

const PREFIX = 'c1';

export function encodeCursor(namespaceId: string, seq: number): string {
  return Buffer.from(`${PREFIX}:${namespaceId}:${seq}`, 'utf8').toString('base64url');
}

/** The seq a cursor stands for; refuses a cursor that is malformed or belongs to another namespace. */
export function decodeCursor(cursor: string, namespaceId: string): number {
  const text = /^[A-Za-z0-9_-]{1,200}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const [prefix, ns, seqText] = text.split(':');
  const seq = Number(seqText);
  if (prefix !== PREFIX || !ns || !Number.isSafeInteger(seq) || seq < 0) {
    throw new TandemError('bad_request', 'The cursor is not one this server handed out; list again without a cursor.');
  }
  if (ns !== namespaceId) {
    throw new TandemError('bad_request', 'The cursor belongs to another account or folder; list again without a cursor.');
  }
  return seq;
}
