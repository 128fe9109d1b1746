// Numbered, idempotent schema migrations, run by Kysely's Migrator (which records what ran and
// takes a lock). Written with Kysely's schema builder so they hold on SQLite and PostgreSQL.
import { type Kysely, sql } from 'kysely';
import { type Migration, type MigrationProvider, Migrator } from 'kysely/migration';

const migrations: Record<string, Migration> = {
  '0001_core': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('accounts')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('name_key', 'text', (c) => c.notNull().unique())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('namespace_id', 'text', (c) => c.notNull())
        .addColumn('root_item_id', 'text', (c) => c.notNull())
        .addColumn('quota_bytes', 'bigint')
        .addColumn('used_bytes', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('devices')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema.createIndex('devices_account').ifNotExists().on('devices').column('account_id').execute();

      await db.schema
        .createTable('namespaces')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('last_seq', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('horizon_seq', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();

      await db.schema
        .createTable('items')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('namespace_id', 'text', (c) => c.notNull().references('namespaces.id'))
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('parent_id', 'text')
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('name_key', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('content_hash', 'text')
        .addColumn('client_mtime', 'bigint')
        .addColumn('executable', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('modified_at', 'bigint', (c) => c.notNull())
        .addColumn('metadata_version', 'bigint', (c) => c.notNull())
        .addColumn('content_version', 'bigint', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('trashed_at', 'bigint')
        .addColumn('trash_root_id', 'text')
        .addColumn('trashed_path', 'text')
        .addColumn('change_seq', 'bigint', (c) => c.notNull())
        .execute();
      // Names are unique per folder ignoring case, among live items only (the trash may hold many).
      await db.schema
        .createIndex('items_live_name')
        .ifNotExists()
        .on('items')
        .columns(['parent_id', 'name_key'])
        .unique()
        .where(sql.ref('state'), '=', 'live')
        .execute();
      await db.schema.createIndex('items_feed').ifNotExists().on('items').columns(['namespace_id', 'change_seq']).execute();
      await db.schema.createIndex('items_trash_root').ifNotExists().on('items').column('trash_root_id').execute();

      await db.schema
        .createTable('versions')
        .ifNotExists()
        .addColumn('item_id', 'text', (c) => c.notNull().references('items.id'))
        .addColumn('content_version', 'bigint', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('content_hash', 'text', (c) => c.notNull())
        .addColumn('blocks', 'text', (c) => c.notNull())
        .addColumn('device_id', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('versions_pk', ['item_id', 'content_version'])
        .execute();
      await db.schema.createIndex('versions_created').ifNotExists().on('versions').column('created_at').execute();

      await db.schema
        .createTable('journal')
        .ifNotExists()
        .addColumn('namespace_id', 'text', (c) => c.notNull().references('namespaces.id'))
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('item_id', 'text', (c) => c.notNull())
        .addColumn('change', 'text', (c) => c.notNull())
        .addColumn('parent_id', 'text')
        .addColumn('old_parent_id', 'text')
        .addColumn('tombstone', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('journal_pk', ['namespace_id', 'seq'])
        .execute();
      await db.schema.createIndex('journal_parent').ifNotExists().on('journal').columns(['parent_id', 'seq']).execute();
      await db.schema.createIndex('journal_old_parent').ifNotExists().on('journal').columns(['old_parent_id', 'seq']).execute();
      await db.schema.createIndex('journal_item').ifNotExists().on('journal').column('item_id').execute();

      await db.schema
        .createTable('idempotency')
        .ifNotExists()
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        .addColumn('status', 'integer', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_pk', ['account_id', 'key'])
        .execute();
      await db.schema.createIndex('idempotency_created').ifNotExists().on('idempotency').column('created_at').execute();
    },
  },
  '0002_children_index': {
    // Listing a folder, checking a name and walking a deleted folder all look children up by
    // parent. The partial unique index cannot serve them: a query's "state = ?" parameter does not
    // prove the index's "state = 'live'" condition to SQLite's planner.
    async up(db: Kysely<unknown>) {
      await db.schema.createIndex('items_children').ifNotExists().on('items').columns(['parent_id', 'state', 'name_key']).execute();
    },
  },
  '0003_trash_indexes': {
    // The hourly purge looks for old trash across all accounts; the trash view lists one account's.
    async up(db: Kysely<unknown>) {
      await db.schema.createIndex('items_trash_age').ifNotExists().on('items').columns(['state', 'trashed_at']).execute();
      await db.schema.createIndex('items_account_state').ifNotExists().on('items').columns(['account_id', 'state']).execute();
    },
  },
};

class StaticProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations;
  }
}

/** Brings the schema up to date: Tandem's own tables, then the block store's. Safe to run on every start. */
// Generic over the schema: the migrator and each step only need a connection, not its table types.
export async function migrateToLatest<D>(db: Kysely<D>, extra: ((db: Kysely<D>) => Promise<void>)[] = []): Promise<void> {
  const migrator = new Migrator({ db, provider: new StaticProvider() });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const reason = error instanceof Error ? error.message : failed ? `migration ${failed.migrationName} failed` : String(error);
    throw new Error(`The server database could not be brought up to date: ${reason}`);
  }
  for (const step of extra) await step(db);
}
