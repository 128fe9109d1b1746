// Runs mutations: one transaction per request (or per batch, with a savepoint per operation),
// idempotency checked and recorded inside it, and a cursor hint published after it commits.
import { sql } from 'kysely';
import { TandemError, toErrorBody } from '../../src-shared/errors.ts';
import type { Item } from '../../src-shared/protocol/common.ts';
import type { BatchOperation, BatchResponse } from '../../src-shared/protocol/items.ts';
import { cursorAt } from '../changes/changes-feed.ts';
import { decodeCursor } from '../changes/cursor.ts';
import type { Db } from '../db/database.ts';
import { PreconditionFailedError, STATUS_OF } from '../errors.ts';
import type { Notifier } from '../notify/notifier.ts';
import { fingerprintOf, type IdempotencyRequest, type MutationResult, recordedKeys, withIdempotency } from './idempotency.ts';
import { type Actor, commitContent, createItem, deleteItem, type MutationEnv, updateItem } from './item-operations.ts';

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

  /** One mutation in its own transaction. `fingerprint` describes the request for Idempotency-Key checks. */
  async run(
    actor: Actor,
    idempotencyKey: string | undefined,
    fingerprint: unknown,
    effect: (env: MutationEnv) => Promise<MutationResult>,
  ): Promise<MutationResult> {
    const now = this.#now();
    const idem: IdempotencyRequest | undefined = idempotencyKey ? { key: idempotencyKey, fingerprint: fingerprintOf(fingerprint) } : undefined;
    const result = await this.#db.transaction().execute((trx) => withIdempotency(trx, actor.accountId, idem, now, () => effect({ trx, actor, now })));
    if (!result.replayed) await this.#publish(actor.namespaceId);
    return { status: result.status, body: result.body };
  }

  /**
   * Many operations in one transaction, each in a savepoint: one failing leaves the others in
   * place. Each operation may carry its own idempotency key; a key on the whole batch makes a
   * retry of the batch return the first answer.
   */
  async batch(actor: Actor, operations: BatchOperation[], idempotencyKey?: string): Promise<BatchResponse> {
    const now = this.#now();
    const batchIdem = idempotencyKey ? { key: idempotencyKey, fingerprint: fingerprintOf({ batchRequest: operations }) } : undefined;
    const outcome = await this.#db.transaction().execute((trx) =>
      withIdempotency(trx, actor.accountId, batchIdem, now, async () => {
        const results: BatchResponse['results'] = [];
        // The operations' keys are looked up together; a key named twice in the batch is looked
        // up again by its second operation (the first may have recorded it meanwhile).
        const keys = operations.flatMap((operation) => (operation.idempotency_key ? [operation.idempotency_key] : []));
        const recorded = await recordedKeys(trx, actor.accountId, [...new Set(keys)]);
        const once = new Set(keys.filter((key, at) => keys.indexOf(key) === at && keys.lastIndexOf(key) === at));
        const knownAbsent = (key: string) => once.has(key) && !recorded.has(key);
        const env: MutationEnv = { trx, actor, now, liveFolders: new Set() };
        for (const [index, operation] of operations.entries()) results.push(await this.#batchOperation(env, index, operation, knownAbsent));
        return { status: 200, body: results };
      }),
    );
    const seq = await this.#publish(actor.namespaceId);
    return { results: outcome.body as BatchResponse['results'], cursor: await cursorAt(this.#db, actor.namespaceId, seq) };
  }

  async #batchOperation(
    env: MutationEnv,
    index: number,
    operation: BatchOperation,
    knownAbsent: (key: string) => boolean,
  ): Promise<BatchResponse['results'][number]> {
    // Only creates leave every folder seen live still live; anything else may trash or move one.
    if (operation.op !== 'create') env.liveFolders?.clear();
    const savepoint = sql.raw(`op_${index}`);
    await sql`savepoint ${savepoint}`.execute(env.trx);
    try {
      const key = operation.idempotency_key;
      const idem = key ? { key, fingerprint: fingerprintOf({ batch: operation }) } : undefined;
      const result = await withIdempotency(env.trx, env.actor.accountId, idem, env.now, () => runOperation(env, operation), key !== undefined && knownAbsent(key));
      await sql`release savepoint ${savepoint}`.execute(env.trx);
      const { blocks: _blocks, ...item } = result.body as Item & { blocks?: unknown };
      return { status: result.status, item };
    } catch (error) {
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

