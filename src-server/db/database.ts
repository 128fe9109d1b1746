// Opens the server's metadata database: SQLite through better-sqlite3 under Kysely, tuned for
// durability (WAL + synchronous=FULL: a commit is acknowledged only once it is on disk).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect, type SqliteDatabase as KyselySqliteDatabase, type SqliteStatement } from 'kysely';
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
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely's SQLite driver prepares every statement anew; preparing cost more than running the
 * statements in the commit benchmark. Keep the most recently used ones (a statement is safe to
 * reuse: the driver runs one query at a time on its single connection, and SQLite re-prepares a
 * statement itself after a schema change).
 */
function withStatementCache(sqlite: KyselySqliteDatabase): KyselySqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => {
      cache.clear();
      sqlite.close();
    },
    prepare: (text: string) => {
      let statement: SqliteStatement | undefined = cache.get(text);
      if (statement) {
        cache.delete(text); // re-inserted below: the Map's order is the recency order
      } else {
        statement = sqlite.prepare(text);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      }
      cache.set(text, statement);
      return statement;
    },
  };
}
