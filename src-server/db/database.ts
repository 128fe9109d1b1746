// Opens the server's metadata database: SQLite through better-sqlite3 under Kysely, tuned for
// durability (WAL + synchronous=FULL: a commit is acknowledged only once it is on disk).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from './schema.ts';

export type Db = Kysely<Database>;

export const DATABASE_FILE = 'tandem.sqlite';

export function openDatabase(dataDir: string): Db {
  mkdirSync(dataDir, { recursive: true });
  const sqlite = new SqliteDatabase(join(dataDir, DATABASE_FILE));
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  // Another process (`tandem server add-user` while the server runs) may hold the write lock briefly.
  sqlite.pragma('busy_timeout = 5000');
  // SQLite integers above 2^53 would lose precision as JS numbers; sizes and times stay far below.
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
}
