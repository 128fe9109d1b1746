// The metadata database: durable settings and idempotent migrations, on a real SQLite file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import { migrateBlockTables } from '../blocks/block-index.ts';
import { openDatabase } from './database.ts';
import { migrateToLatest } from './migrations.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-db-'));
  dirs.push(dir);
  return dir;
}

it('opens SQLite in WAL mode with synchronous=FULL and foreign keys on', async () => {
  const db = openDatabase(tempDir());
  const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(db);
  const sync = await sql<{ synchronous: number }>`pragma synchronous`.execute(db);
  const fk = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(db);
  expect(mode.rows[0]?.journal_mode).toBe('wal');
  expect(sync.rows[0]?.synchronous).toBe(2); // 2 = FULL
  expect(fk.rows[0]?.foreign_keys).toBe(1);
  await db.destroy();
});

it('runs migrations (its own and the block tables) any number of times, keeping the data', async () => {
  const dir = tempDir();
  const first = openDatabase(dir);
  await migrateToLatest(first, [migrateBlockTables]);
  await first
    .insertInto('idempotency')
    .values({ account_id: 'a', key: 'k', fingerprint: 'f', status: 201, body: '{}', created_at: 1 })
    .execute();
  await migrateToLatest(first, [migrateBlockTables]);
  await first.destroy();

  const second = openDatabase(dir);
  await migrateToLatest(second, [migrateBlockTables]);
  const rows = await second.selectFrom('idempotency').selectAll().execute();
  expect(rows).toHaveLength(1);
  const tables = await sql<{ name: string }>`select name from sqlite_master where type = 'table' order by name`.execute(second);
  const names = tables.rows.map((r) => r.name);
  for (const table of ['accounts', 'devices', 'namespaces', 'items', 'versions', 'journal', 'idempotency', 'blocks', 'packs', 'account_blocks']) {
    expect(names).toContain(table);
  }
  await second.destroy();
});

it('refuses two live items with the same name ignoring case in one folder, at the database level', async () => {
  const db = openDatabase(tempDir());
  await migrateToLatest(db, [migrateBlockTables]);
  await sql`pragma foreign_keys = off`.execute(db);
  const base = {
    namespace_id: 'n', account_id: 'a', parent_id: 'p', kind: 'file' as const, size: 0, content_hash: null, client_mtime: null,
    executable: 0, created_at: 0, modified_at: 0, metadata_version: 1, content_version: 1, trashed_at: null, trash_root_id: null,
    trashed_path: null, change_seq: 1,
  };
  await db.insertInto('items').values({ ...base, id: '1', name: 'A.txt', name_key: 'a.txt', state: 'live' }).execute();
  await expect(db.insertInto('items').values({ ...base, id: '2', name: 'a.txt', name_key: 'a.txt', state: 'live' }).execute()).rejects.toThrow(/UNIQUE/);
  // The trash may hold any number of same-named items.
  await db.insertInto('items').values({ ...base, id: '3', name: 'a.txt', name_key: 'a.txt', state: 'trashed' }).execute();
  await db.insertInto('items').values({ ...base, id: '4', name: 'a.txt', name_key: 'a.txt', state: 'trashed' }).execute();
  await db.destroy();
});
