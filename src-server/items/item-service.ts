// Runs mutations: one transaction per request (or per batch, with a savepoint per operation),
// idempotency checked and recorded inside it, and a cursor hint published after it commits.
import { sql, type Transaction } from 'kysely';
import { TandemError, toErrorBody } from '../../src-shared/errors.ts';
import type { Item } from '../../src-shared/protocol/common.ts';
import type { BatchOperation, BatchResponse } from '../../src-shared/protocol/items.ts';
import { cursorAt } from '../changes/changes-feed.ts';
import { decodeCursor } from '../changes/cursor.ts';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import { PreconditionFailedError, STATUS_OF } from '../errors.ts';
import type { Notifier } from '../notify/notifier.ts';
import {
  commitFingerprint,
  fingerprintOf,
  type IdempotencyRecord,
  type IdempotencyRequest,
  KnownFingerprint,
  type MutationResult,
  recordAnswers,
  recordedKeys,
  withIdempotency,
} from './idempotency.ts';
import { type Actor, commitContent, createItem, createItemsTogether, deleteItem, type MutationEnv, updateItem } from './item-operations.ts';

export interface ItemServiceOptions {
  db: Db;
  notifier: Notifier;
  now: () => number;
}

export class ItemService {
  readonly #db: Db;
  readonly #notifier: Notifier;
  readonly #now: () => number;

  constructor(options: ItemServiceOptions) {
    this.#db = options.db;
    this.#notifier = options.notifier;
    this.#now = options.now;
  }

  /**
   * One mutation in its own transaction. `fingerprint` describes the request for Idempotency-Key
   * checks: any value (digested here, only when there is a key) or a KnownFingerprint.
   */
  async run(
    actor: Actor,
    idempotencyKey: string | undefined,
    fingerprint: unknown,
    effect: (env: MutationEnv) => Promise<MutationResult>,
  ): Promise<MutationResult> {
    const now = this.#now();
    const idem: IdempotencyRequest | undefined =
      idempotencyKey === undefined
        ? undefined
        : fingerprint instanceof KnownFingerprint
          ? { key: idempotencyKey, fingerprint: fingerprint.fingerprint, formerFingerprint: fingerprint.formerFingerprint }
          : { key: idempotencyKey, fingerprint: fingerprintOf(fingerprint) };
    const result = await this.#db.transaction().execute((trx) => withIdempotency(trx, actor.accountId, idem, now, () => effect({ trx, actor, now })));
    if (!result.replayed) await this.#publish(actor.namespaceId);
    return { status: result.status, body: result.body };
  }

  /**
   * Many operations in one transaction; one failing leaves the others in place. Each operation may
   * carry its own idempotency key; a key on the whole batch makes a retry of the batch return the
   * first answer.
   *
   * A batch is first run without savepoints (two statements fewer per operation: most batches are
   * a folder's worth of creates that all succeed); if any operation fails, that attempt is rolled
   * back whole and the batch runs again with a savepoint per operation, so the failing one fails
   * alone, exactly as before. On that first attempt, consecutive creates are made together
   * (createItemsTogether: a few statements for all of them instead of ~8 each).
   */
  async batch(actor: Actor, operations: BatchOperation[], idempotencyKey?: string): Promise<BatchResponse> {
    const now = this.#now();
    const batchIdem = idempotencyKey ? { key: idempotencyKey, fingerprint: fingerprintOf({ batchRequest: operations }) } : undefined;
    const attempt = (savepoints: boolean) =>
      this.#db.transaction().execute((trx) =>
        withIdempotency(trx, actor.accountId, batchIdem, now, async () => {
          const lookups = await lookUpBatch(trx, actor.accountId, operations);
          const env: MutationEnv = { trx, actor, now, liveFolders: new Set(), absentIds: lookups.absentIds };
          const answers: IdempotencyRecord[] = [];
          const results: BatchResponse['results'] = [];
          for (let index = 0; index < operations.length; ) {
            const together = savepoints ? [] : createsTogether(operations, index, lookups);
            if (together.length >= 2) {
              results.push(...(await createTogether(env, together, answers)));
              index += together.length;
            } else {
              results.push(await this.#batchOperation(env, index, operations[index]!, { savepoints, knownAbsent: lookups.knownAbsent, answers }));
              index += 1;
            }
          }
          await recordAnswers(trx, actor.accountId, answers, now);
          return { status: 200, body: results };
        }),
      );
    let outcome: MutationResult;
    try {
      outcome = await attempt(false);
    } catch (error) {
      if (!(error instanceof RetryWithSavepoints)) throw error;
      outcome = await attempt(true);
    }
    const seq = await this.#publish(actor.namespaceId);
    return { results: outcome.body as BatchResponse['results'], cursor: await cursorAt(this.#db, actor.namespaceId, seq) };
  }

  async #batchOperation(
    env: MutationEnv,
    index: number,
    operation: BatchOperation,
    batch: { savepoints: boolean; knownAbsent: (key: string) => boolean; answers: IdempotencyRecord[] },
  ): Promise<BatchResponse['results'][number]> {
    // Only creates leave every folder seen live still live; anything else may trash or move one.
    if (operation.op !== 'create') env.liveFolders?.clear();
    const savepoint = sql.raw(`op_${index}`);
    if (batch.savepoints) await sql`savepoint ${savepoint}`.execute(env.trx);
    try {
      const key = operation.idempotency_key;
      const idem = key ? batchOperationIdempotency(key, operation) : undefined;
      // A key named once in the batch and not recorded before: its answer is written with the others at the end.
      const fresh = key !== undefined && batch.knownAbsent(key);
      const result = await withIdempotency(env.trx, env.actor.accountId, idem, env.now, () => runOperation(env, operation), {
        knownAbsent: fresh,
        ...(fresh ? { deferTo: batch.answers } : {}),
      });
      if (batch.savepoints) await sql`release savepoint ${savepoint}`.execute(env.trx);
      const { blocks: _blocks, ...item } = result.body as Item & { blocks?: unknown };
      return { status: result.status, item };
    } catch (error) {
      if (!batch.savepoints) throw error instanceof TandemError ? new RetryWithSavepoints() : error;
      await sql`rollback to savepoint ${savepoint}`.execute(env.trx);
      await sql`release savepoint ${savepoint}`.execute(env.trx);
      if (!(error instanceof TandemError)) throw error;
      return {
        status: STATUS_OF[error.code],
        error: { ...toErrorBody(error), ...(error instanceof PreconditionFailedError ? { item: error.item } : {}) },
      };
    }
  }

  async #publish(namespaceId: string): Promise<number> {
    const row = await this.#db.selectFrom('namespaces').select('last_seq').where('id', '=', namespaceId).executeTakeFirstOrThrow();
    const seq = Number(row.last_seq);
    this.#notifier.publish(namespaceId, seq);
    return seq;
  }
}

type CreateOperation = Extract<BatchOperation, { op: 'create' }>;

/**
 * The creates from `start` on that can be made together: each with no key or a key not recorded
 * and named once (its answer is new), and no proposed id or one no item has (nothing to replay).
 */
function createsTogether(operations: readonly BatchOperation[], start: number, lookups: BatchLookups): CreateOperation[] {
  const run: CreateOperation[] = [];
  for (let index = start; index < operations.length; index += 1) {
    const operation = operations[index]!;
    if (operation.op !== 'create') break;
    if (operation.idempotency_key !== undefined && !lookups.knownAbsent(operation.idempotency_key)) break;
    if (operation.item.id !== undefined && !lookups.absentIds.has(operation.item.id)) break;
    run.push(operation);
  }
  return run;
}

/** Makes `creates` together; any of them failing rolls the attempt back, to run one by one with savepoints. */
async function createTogether(env: MutationEnv, creates: CreateOperation[], answers: IdempotencyRecord[]): Promise<BatchResponse['results']> {
  let created: MutationResult[] | undefined;
  try {
    created = await createItemsTogether(env, creates.map((operation) => operation.item));
  } catch (error) {
    throw error instanceof TandemError ? new RetryWithSavepoints() : error;
  }
  if (!created) throw new RetryWithSavepoints();
  return created.map((result, at) => {
    const key = creates[at]!.idempotency_key;
    if (key !== undefined) answers.push({ key, fingerprint: fingerprintOf({ batch: creates[at] }), ...result });
    const { blocks: _blocks, ...item } = result.body as Item & { blocks?: unknown };
    return { status: result.status, item };
  });
}

/** Thrown out of a batch's first attempt (no savepoints) when one operation fails: the attempt is rolled back. */
class RetryWithSavepoints extends Error {}

/**
 * What a batch looks up once instead of per operation: which operation keys have no answer yet
 * and which proposed ids are free. A key or id named twice in the batch is left to the per-item
 * checks (the first operation may take it).
 */
interface BatchLookups {
  knownAbsent: (key: string) => boolean;
  absentIds: Set<string>;
}

async function lookUpBatch(trx: Transaction<Database>, accountId: string, operations: BatchOperation[]): Promise<BatchLookups> {
  const keys = operations.flatMap((operation) => (operation.idempotency_key ? [operation.idempotency_key] : []));
  const ids = operations.flatMap((operation) => (operation.op === 'create' && operation.item.id !== undefined ? [operation.item.id] : []));
  const recorded = await recordedKeys(trx, accountId, [...new Set(keys)]);
  const onceKeys = namedOnce(keys);
  const absentIds = namedOnce(ids);
  for (let at = 0; at < ids.length; at += 500) {
    const rows = await trx.selectFrom('items').select('id').where('id', 'in', ids.slice(at, at + 500)).execute();
    for (const row of rows) absentIds.delete(row.id);
  }
  return { knownAbsent: (key: string) => onceKeys.has(key) && !recorded.has(key), absentIds };
}

function namedOnce(values: string[]): Set<string> {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const value of values) (seen.has(value) ? twice : seen).add(value);
  for (const value of twice) seen.delete(value);
  return seen;
}

/** A batch commit is fingerprinted by what it means, like the single route's (commitFingerprint); other operations by their body. */
function batchOperationIdempotency(key: string, operation: BatchOperation): IdempotencyRequest {
  const body = fingerprintOf({ batch: operation });
  if (operation.op !== 'commit') return { key, fingerprint: body };
  return { key, fingerprint: commitFingerprint(operation.id, operation.if_match, operation.content), formerFingerprint: body };
}

function runOperation(env: MutationEnv, operation: BatchOperation): Promise<MutationResult> {
  switch (operation.op) {
    case 'create':
      return createItem(env, operation.item);
    case 'commit':
      return commitContent(env, operation.id, operation.if_match, operation.content);
    case 'update':
      return updateItem(env, operation.id, operation.if_match, operation.changes);
    case 'delete':
      return deleteItem(env, operation.id, operation.if_match, operation.seen_cursor === undefined ? undefined : decodeCursor(operation.seen_cursor, env.actor.namespaceId));
  }
}

