// Idempotency-Key handling: keys are scoped per account and kept at least 24 hours. A retry with
// the same key and the same request gets the first answer (stored in the same transaction as the
// effect, so "effect happened" and "answer remembered" can never disagree); the same key with a
// different request is refused. Only successes are remembered: a refused request changed nothing,
// so running it again is safe and lets a client that rebased retry under the same key.
import { createHash } from 'node:crypto';
import type { Transaction } from 'kysely';
import { TandemError } from '../../src-shared/errors.ts';
import { listCheck } from '../../src-shared/protocol/block-delta.ts';
import type { CommitContentRequest } from '../../src-shared/protocol/items.ts';
import type { Database } from '../db/schema.ts';

export const IDEMPOTENCY_KEEP_MS = 48 * 60 * 60 * 1000;

export interface IdempotencyRequest {
  key: string;
  fingerprint: string;
  /**
   * The fingerprint the same request had under the scheme before (content commits used to be
   * fingerprinted by their body): a key recorded by an older server still replays after an upgrade.
   * Only checked against, never stored.
   */
  formerFingerprint?: string;
}

export interface MutationResult {
  status: number;
  body: unknown;
}

/**
 * What a content commit means, the same whichever way it was sent: the item, the content version it
 * is based on, and the full list it makes (content hash plus listCheck of the list, which is what
 * a delta's `check` is), with the attributes it sets. A delta and the full list it expands to are
 * the same commit, so a client retrying a lost answer with the full list (or from the single route
 * instead of a batch) under the same key gets the first answer instead of idempotency_key_reused.
 */
export function commitFingerprint(id: string, ifMatch: string | undefined, request: CommitContentRequest): string {
  // A commit checks only the content version (item-operations.ts assertIfMatch), so only it counts.
  const contentVersion = ifMatch === undefined ? undefined : /^(?:W\/)?"m\d+-c(\d+)"$/.exec(ifMatch.trim())?.[1];
  return fingerprintOf({
    contentCommit: id,
    base: contentVersion === undefined ? (ifMatch ?? null) : Number(contentVersion),
    hash: request.hash,
    list: request.delta ? request.delta.check : listCheck(request.blocks ?? []),
    client_mtime: request.client_mtime,
    executable: request.executable,
  });
}

/** A fingerprint computed by the caller (ItemService.run digests anything else with fingerprintOf). */
export class KnownFingerprint {
  readonly fingerprint: string;
  readonly formerFingerprint: string | undefined;
  constructor(fingerprint: string, formerFingerprint?: string) {
    this.fingerprint = fingerprint;
    this.formerFingerprint = formerFingerprint;
  }
}

/** A stable digest of what a request asks for (key order does not matter). */
export function fingerprintOf(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('base64url');
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export function checkIdempotencyKey(key: string | undefined): string | undefined {
  if (key === undefined) return undefined;
  if (!/^[\x21-\x7e]{1,200}$/.test(key)) {
    throw new TandemError('bad_request', 'Idempotency-Key must be 1 to 200 visible ASCII characters.');
  }
  return key;
}

/** Runs `effect` unless this key already has an answer; records the answer in the same transaction. */
export async function withIdempotency(
  trx: Transaction<Database>,
  accountId: string,
  request: IdempotencyRequest | undefined,
  now: number,
  effect: () => Promise<MutationResult>,
  batched: {
    /** The caller already looked the key up (a batch asks for all its keys in one query) and found none. */
    knownAbsent?: boolean;
    /** Collects the answer to record instead of writing it now (a batch writes them all in one go, in the same transaction). */
    deferTo?: IdempotencyRecord[];
  } = {},
): Promise<MutationResult & { replayed: boolean }> {
  if (request && !batched.knownAbsent) {
    const prior = await trx
      .selectFrom('idempotency')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('key', '=', request.key)
      .executeTakeFirst();
    if (prior) {
      if (prior.fingerprint !== request.fingerprint && prior.fingerprint !== request.formerFingerprint) {
        throw new TandemError(
          'idempotency_key_reused',
          `The Idempotency-Key "${request.key}" was already used for a different request; use a new key for a new request.`,
        );
      }
      return { status: prior.status, body: JSON.parse(prior.body), replayed: true };
    }
  }
  const result = await effect();
  if (request && batched.deferTo) batched.deferTo.push({ key: request.key, fingerprint: request.fingerprint, ...result });
  else if (request) {
    await trx
      .insertInto('idempotency')
      .values({
        account_id: accountId,
        key: request.key,
        fingerprint: request.fingerprint,
        status: result.status,
        body: JSON.stringify(result.body),
        created_at: now,
      })
      .execute();
  }
  return { ...result, replayed: false };
}

export type IdempotencyRecord = IdempotencyRequest & MutationResult;

/** Writes answers collected with `deferTo`, many rows per statement. */
export async function recordAnswers(trx: Transaction<Database>, accountId: string, records: readonly IdempotencyRecord[], now: number): Promise<void> {
  for (let at = 0; at < records.length; at += 200) {
    const rows = records.slice(at, at + 200).map((record) => ({
      account_id: accountId,
      key: record.key,
      fingerprint: record.fingerprint,
      status: record.status,
      body: JSON.stringify(record.body),
      created_at: now,
    }));
    await trx.insertInto('idempotency').values(rows).execute();
  }
}

/** Of `keys`, those this account already has answers for: one query per 500 keys instead of one per key. */
export async function recordedKeys(trx: Transaction<Database>, accountId: string, keys: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let at = 0; at < keys.length; at += 500) {
    const rows = await trx
      .selectFrom('idempotency')
      .select('key')
      .where('account_id', '=', accountId)
      .where('key', 'in', keys.slice(at, at + 500))
      .execute();
    for (const row of rows) found.add(row.key);
  }
  return found;
}
