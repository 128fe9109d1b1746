// Test support for the block store's own tests (and its crash-test child and benchmark): a Kysely
// over better-sqlite3 in a folder, set up as the real server sets its database up (WAL,
// synchronous=FULL), with only the block tables. The real server's database is SERVER-CORE's.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { type BlockTables, migrateBlockTables } from './block-index.ts';

export async function openBlockTestDatabase(dir: string): Promise<Kysely<BlockTables>> {
  mkdirSync(dir, { recursive: true });
  const sqlite = new SqliteDatabase(join(dir, 'blocks-test.sqlite'));
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<BlockTables>({ dialect: new SqliteDialect({ database: sqlite }) });
  await migrateBlockTables(db);
  return db;
}
