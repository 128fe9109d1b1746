// The local index's schema as numbered migrations (Syncthing's idea: SQL that is safe to run at
// every start). Each migration runs in its own transaction together with the bump of
// PRAGMA user_version, so a crash leaves the schema at one number or the next, never between; the
// statements also say IF NOT EXISTS, so running one twice changes nothing. Append, never edit.

import type { Database } from 'better-sqlite3';
import { IndexError } from './index-error.ts';

export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'trees, local facts, cursor, exclusions, questions, journal',
    sql: `
      -- Small facts about this index: the synced folder it belongs to, the remote cursor.
      CREATE TABLE IF NOT EXISTS meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) WITHOUT ROWID;

      -- Which of the three trees have been saved, and their roots.
      CREATE TABLE IF NOT EXISTS trees (
        tree    TEXT PRIMARY KEY CHECK (tree IN ('remote', 'local', 'synced')),
        root_id TEXT NOT NULL
      ) WITHOUT ROWID;

      -- The three trees by item id (tree/item.ts TreeItem). Keyed (tree, id) so one tree loads
      -- with one range scan of the primary key.
      CREATE TABLE IF NOT EXISTS items (
        tree             TEXT NOT NULL,
        id               TEXT NOT NULL,
        parent_id        TEXT,
        name             TEXT NOT NULL,
        kind             TEXT NOT NULL CHECK (kind IN ('file', 'folder')),
        hash             TEXT,
        size             INTEGER,
        executable       INTEGER,
        metadata_version INTEGER,
        content_version  INTEGER,
        PRIMARY KEY (tree, id)
      ) WITHOUT ROWID;

      -- What the scanner last saw of each local file, so an unchanged file (size, mtime, inode)
      -- is never read again, and a renamed one is found by inode.
      CREATE TABLE IF NOT EXISTS local_facts (
        id       TEXT PRIMARY KEY,
        size     INTEGER NOT NULL,
        mtime_ms REAL NOT NULL,
        inode    INTEGER NOT NULL,
        hash     TEXT NOT NULL,
        blocks   BLOB NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS local_facts_by_inode ON local_facts (inode);

      -- Selective sync: remote folder ids left out of this device.
      CREATE TABLE IF NOT EXISTS exclusions (
        id TEXT PRIMARY KEY
      ) WITHOUT ROWID;

      -- Questions for the user (the mass-delete pause) and their answers.
      CREATE TABLE IF NOT EXISTS questions (
        batch_key   TEXT PRIMARY KEY,
        question    TEXT NOT NULL,
        asked_at    INTEGER NOT NULL,
        answer      TEXT CHECK (answer IN ('yes', 'no')),
        answered_at INTEGER
      ) WITHOUT ROWID;

      -- Operations in flight: written before the effect starts, removed in the transaction that
      -- advances the trees after it, so a crash anywhere leaves either the entry or the advance.
      CREATE TABLE IF NOT EXISTS journal (
        seq             INTEGER PRIMARY KEY AUTOINCREMENT,
        operation       TEXT NOT NULL,
        idempotency_key TEXT NOT NULL,
        started_at      INTEGER NOT NULL,
        attempts        INTEGER NOT NULL DEFAULT 1
      );
    `,
  },
  {
    version: 2,
    description: 'the latest plan\'s reports, for tandem status',
    sql: `
      -- Conflicts, skipped names and other reports of the latest plan, replaced after each plan,
      -- so \`tandem status\` can show them while (or after) a sync runs.
      CREATE TABLE IF NOT EXISTS reports (
        ord         INTEGER PRIMARY KEY,
        code        TEXT NOT NULL,
        item_id     TEXT NOT NULL,
        path        TEXT NOT NULL,
        message     TEXT NOT NULL,
        reported_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 3,
    description: 'no index of local facts by inode',
    sql: `
      -- The scanner matches inodes in memory (scanner/local-tree.ts); nothing read this index,
      -- and keeping it cost a third B-tree insert per file on every first index.
      DROP INDEX IF EXISTS local_facts_by_inode;
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? 0;

/** Brings the database up to SCHEMA_VERSION; refuses one written by a newer Tandem. */
export function migrate(db: Database, path: string, migrations: readonly Migration[] = MIGRATIONS): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new IndexError(
      'newer_schema',
      `The index in ${path} was written by a newer version of Tandem (schema ${current}, this one knows ${latest}); update Tandem or use another state folder.`,
      path,
    );
  }
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
  return db.pragma('user_version', { simple: true }) as number;
}
