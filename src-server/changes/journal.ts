// The journal: every change appends one row to its namespace's journal with the next dense seq,
// assigned INSIDE the write transaction (an UPDATE … RETURNING on the namespace row, which also
// serializes writers of one namespace on PostgreSQL). So commit order equals seq order and a
// reader of "seq > cursor" never skips a row that commits late.
import type { Transaction } from 'kysely';
import type { Database, JournalTable } from '../db/schema.ts';

export async function nextSeq(trx: Transaction<Database>, namespaceId: string): Promise<number> {
  const row = await trx
    .updateTable('namespaces')
    .set((eb) => ({ last_seq: eb('last_seq', '+', 1) }))
    .where('id', '=', namespaceId)
    .returning('last_seq')
    .executeTakeFirstOrThrow();
  return Number(row.last_seq);
}

export interface ChangeRecord {
  namespaceId: string;
  itemId: string;
  change: JournalTable['change'];
  parentId: string | null;
  oldParentId: string | null;
  tombstone: boolean;
  now: number;
}

/** Appends a journal row and stamps the item with its seq; returns the seq. */
export async function recordChange(trx: Transaction<Database>, record: ChangeRecord): Promise<number> {
  const seq = await nextSeq(trx, record.namespaceId);
  await appendJournal(trx, seq, record);
  await trx.updateTable('items').set({ change_seq: seq }).where('id', '=', record.itemId).execute();
  return seq;
}

/** Appends the journal row for a seq already taken with nextSeq (the item row carries it itself). */
export async function appendJournal(trx: Transaction<Database>, seq: number, record: ChangeRecord): Promise<void> {
  await trx
    .insertInto('journal')
    .values({
      namespace_id: record.namespaceId,
      seq,
      item_id: record.itemId,
      change: record.change,
      parent_id: record.parentId,
      old_parent_id: record.oldParentId,
      tombstone: record.tombstone ? 1 : 0,
      created_at: record.now,
    })
    .execute();
}
