// The journal: every change appends one row to its namespace's journal with the next dense seq,
// assigned INSIDE the write transaction (an UPDATE … RETURNING on the namespace row, which also
// serializes writers of one namespace on PostgreSQL). So commit order equals seq order and a
// reader of "seq > cursor" never skips a row that commits late.
import type { Transaction } from 'kysely';
import type { Database, JournalTable } from '../db/schema.ts';

export async function nextSeq(trx: Transaction<Database>, namespaceId: string): Promise<number> {
  return nextSeqs(trx, namespaceId, 1);
}

/** Takes `count` consecutive seqs in one statement; returns the first (the last is first + count - 1). */
export async function nextSeqs(trx: Transaction<Database>, namespaceId: string, count: number): Promise<number> {
  const row = await trx
    .updateTable('namespaces')
    .set((eb) => ({ last_seq: eb('last_seq', '+', count) }))
    .where('id', '=', namespaceId)
    .returning('last_seq')
    .executeTakeFirstOrThrow();
  return Number(row.last_seq) - count + 1;
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
  await trx.insertInto('journal').values(journalRow(seq, record)).execute();
}

/** Appends journal rows for seqs already taken (nextSeqs), many rows per statement. */
export async function appendJournalRows(trx: Transaction<Database>, rows: readonly { seq: number; record: ChangeRecord }[]): Promise<void> {
  for (let at = 0; at < rows.length; at += 500) {
    await trx
      .insertInto('journal')
      .values(rows.slice(at, at + 500).map(({ seq, record }) => journalRow(seq, record)))
      .execute();
  }
}

function journalRow(seq: number, record: ChangeRecord): JournalTable {
  return {
    namespace_id: record.namespaceId,
    seq,
    item_id: record.itemId,
    change: record.change,
    parent_id: record.parentId,
    old_parent_id: record.oldParentId,
    tombstone: record.tombstone ? 1 : 0,
    created_at: record.now,
  };
}
