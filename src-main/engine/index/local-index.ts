// The engine's local index for one synced folder: a better-sqlite3 database in the STATE folder
// holding the remote, local and synced trees, what the scanner knows of each local file, the
// remote cursor, selective-sync exclusions, questions for the user, and the journal of operations
// in flight (DESIGN.md "The engine"; issue 4).
//
// Durability: WAL with synchronous=FULL. The journal's promise is that an operation is on disk
// BEFORE its effect starts; with synchronous=NORMAL a power cut could drop that record while the
// effect (an upload, a rename) already happened. FULL costs one fsync of the WAL per commit, which
// the bulk calls (a whole tree, a scan's facts) share in one transaction; bench/index.ts measures
// both settings. A process crash loses nothing in either mode.
//
// Synchronous on purpose: better-sqlite3 answers in microseconds and one engine owns its index,
// so there is nothing to wait for; every multi-row change is one transaction, all or nothing.
//
// The writer keeps each tree it has loaded or saved in memory, patched with every change it
// writes (issue 6): the sync loop asks for the remote and synced trees on every pass, and reading
// 100k rows back cost 150-200 ms each time. Only this object writes the index (one engine owns
// it), every write goes through the methods below, and a transaction that fails puts the cached
// trees back as they were, so the cache always equals what is stored. A read-only index (another
// process's `tandem status`) never caches: the writer changes the rows under it.

import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import type { Database, Statement } from 'better-sqlite3';
import type { Operation } from '../planner/operations.ts';
import type { TreeItem } from '../tree/item.ts';
import { LayeredMap } from '../tree/layered-map.ts';
import { makeTree, patchTree } from '../tree/tree.ts';
import type { Tree } from '../tree/tree.ts';
import { decodeBlockList, encodeBlockList } from './block-list.ts';
import type { StoredBlock } from './block-list.ts';
import { IndexError } from './index-error.ts';
import { migrate, SCHEMA_VERSION } from './schema.ts';
import { checkStateFolder } from './state-folder.ts';

export const INDEX_FILE = 'index.sqlite';
/** The running sync's status, beside the index (see statusJson). */
export const STATUS_FILE = 'status.json';

export type TreeName = 'remote' | 'local' | 'synced';
export const TREE_NAMES: readonly TreeName[] = ['remote', 'local', 'synced'];

export interface TreeChange {
  put?: Iterable<TreeItem>;
  remove?: Iterable<string>;
}

/** What the scanner last saw of one local file (the local tree's item id). */
export interface LocalFacts {
  id: string;
  size: number;
  mtimeMs: number;
  inode: number;
  hash: string;
  blocks: StoredBlock[];
}

/** A file's facts without its block list, shaped as the scanner's facts (hash absent when none). */
export interface FactsSummary {
  readonly size: number;
  readonly mtimeMs: number;
  readonly inode: number;
  /** Absent for items without a hash (folders, ignored files). */
  readonly hash?: string;
}

function summaryOf(size: number, mtimeMs: number, inode: number, hash: string): FactsSummary {
  return hash === '' ? { size, mtimeMs, inode } : { size, mtimeMs, inode, hash };
}

export type AskOperation = Extract<Operation, { kind: 'ask' }>;

export type ReportOperation = Extract<Operation, { kind: 'report' }>;

export interface StoredReport {
  report: ReportOperation;
  reportedAt: number;
}

export interface StoredQuestion {
  ask: AskOperation;
  askedAt: number;
  answer: 'yes' | 'no' | undefined;
}

export interface JournalEntry {
  seq: number;
  operation: Operation;
  /** Sent with the operation's request, and again on a replay, so the server answers it once. */
  idempotencyKey: string;
  startedAt: number;
  attempts: number;
}

export interface OpenIndexOptions {
  /** Where the index lives; created if missing (owner-only). */
  stateDir: string;
  /** The synced folder this index belongs to; the state folder must be outside it. */
  syncedFolder: string;
  /** 'FULL' unless a benchmark says otherwise. */
  synchronous?: 'FULL' | 'NORMAL';
}

/** The cache log is applied at this length even when little is cached. */
const MIN_CACHE_LOG_LIMIT = 4096;
/** Where a cached write goes: a tree, or the facts summaries. */
const FACTS = 'facts';
/** One write to a cached value: its target, the id, and the new value (undefined: removed). */
type CacheWrite = readonly [target: TreeName | typeof FACTS, id: string, value: TreeItem | FactsSummary | undefined];

type ItemRow = [string, string | null, string, string, string | null, number | null, number | null, number | null, number | null];

export class LocalIndex {
  readonly path: string;
  readonly syncedFolder: string;
  private readonly db: Database;
  private readonly statements: ReturnType<typeof prepare>;
  /** The trees as stored, for the writer (undefined for a read-only index: nothing is cached). */
  private cachedTrees: Map<TreeName, Tree> | undefined;
  /** Every file's facts without block lists, once asked for (writer only); a value, patched on writes. */
  private cachedSummaries: ReadonlyMap<string, FactsSummary> | undefined;
  /**
   * Writes made to the rows and not yet to the cached values, applied together when a cached value
   * is next read: a group of journal completions patched each tree and the summaries once per
   * operation (a copy of the patch layer each time, ~0.5 of a client's 10 CPU-s at 10k files).
   * Only ever appended to or replaced, so a transaction can note where it started and undo to it.
   */
  private cacheLog: CacheWrite[] = [];
  /**
   * The log is applied once this long, read or not: a pass uploading 100k files wrote ~400k
   * entries before the next read. A quarter of what is cached keeps the log small and each
   * application (a copy of the cached maps at most) cheap per write.
   */
  private cacheLogLimit = MIN_CACHE_LOG_LIMIT;
  private readonly caching: boolean;

  private constructor(db: Database, path: string, syncedFolder: string, options: { cache: boolean }) {
    this.db = db;
    this.path = path;
    this.syncedFolder = syncedFolder;
    this.statements = prepare(db);
    this.caching = options.cache;
    this.cachedTrees = options.cache ? new Map() : undefined;
  }

  /** Opens (creating and migrating as needed) the index of `syncedFolder` in `stateDir`. */
  static open(options: OpenIndexOptions): LocalIndex {
    const folders = checkStateFolder(options.stateDir, options.syncedFolder);
    const path = join(folders.stateDir, INDEX_FILE);
    let db: Database;
    try {
      mkdirSync(folders.stateDir, { recursive: true, mode: 0o700 });
      db = new SqliteDatabase(path);
      db.pragma('journal_mode = WAL');
    } catch (error) {
      throw new IndexError('cannot_open', `Cannot open the index in ${options.stateDir}: ${oneLine(error)}.`, options.stateDir, { cause: error });
    }
    try {
      db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
      db.pragma('busy_timeout = 5000');
      migrate(db, options.stateDir);
      const index = new LocalIndex(db, path, folders.syncedFolder, { cache: true });
      index.claimFolder(options.stateDir);
      return index;
    } catch (error) {
      db.close();
      if (error instanceof IndexError) throw error;
      throw new IndexError('cannot_open', `Cannot read the index in ${options.stateDir}: ${oneLine(error)}.`, options.stateDir, { cause: error });
    }
  }

  /**
   * Opens an existing index only to read it (`tandem status --state DIR` while a sync runs: WAL
   * lets it read a consistent snapshot without waiting). Never creates, migrates or writes.
   */
  static openReadOnly(stateDir: string): LocalIndex {
    const path = join(resolve(stateDir), INDEX_FILE);
    if (!existsSync(path)) {
      throw new IndexError('not_found', `There is no Tandem index in ${stateDir}; run tandem sync with --state ${stateDir} first.`, stateDir);
    }
    let db: Database;
    try {
      db = new SqliteDatabase(path, { readonly: true, fileMustExist: true });
    } catch (error) {
      throw new IndexError('cannot_open', `Cannot open the index in ${stateDir}: ${oneLine(error)}.`, stateDir, { cause: error });
    }
    try {
      db.pragma('busy_timeout = 5000');
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) migrate(db, stateDir); // throws the "newer Tandem" sentence
      if (version < SCHEMA_VERSION) {
        throw new IndexError('newer_schema', `The index in ${stateDir} is from an older Tandem; run tandem sync once to upgrade it.`, stateDir);
      }
      const owner = db.prepare("SELECT value FROM meta WHERE key = 'synced_folder'").pluck().get() as string | undefined;
      return new LocalIndex(db, path, owner ?? '', { cache: false });
    } catch (error) {
      db.close();
      if (error instanceof IndexError) throw error;
      throw new IndexError('cannot_open', `Cannot read the index in ${stateDir}: ${oneLine(error)}.`, stateDir, { cause: error });
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Runs `fn` in one transaction (nested calls become savepoints): all of it or none of it. */
  transaction<T>(fn: () => T): T {
    // Trees and summaries are values, and the log only grows or is replaced: keeping the
    // references (and the log's length) is enough to undo the cache with the rows.
    const before = this.cachedTrees && new Map(this.cachedTrees);
    const summariesBefore = this.cachedSummaries;
    const logBefore = this.cacheLog;
    const logLength = logBefore.length;
    try {
      return this.db.transaction(fn).immediate();
    } catch (error) {
      if (before) this.cachedTrees = before;
      this.cachedSummaries = summariesBefore;
      logBefore.length = logLength;
      this.cacheLog = logBefore;
      throw error;
    }
  }

  // --- trees -------------------------------------------------------------------------------

  /** Whether the tree was ever saved (without loading it). */
  hasTree(tree: TreeName): boolean {
    return this.cachedTrees?.has(tree) === true || this.statements.treeRoot.get(tree) !== undefined;
  }

  /**
   * The saved tree, or undefined if it was never saved. A value: the same object may be handed
   * out again until the tree changes, so treat it as immutable (as every Tree is).
   */
  loadTree(tree: TreeName): Tree | undefined {
    this.applyCacheLog();
    const cached = this.cachedTrees?.get(tree);
    if (cached) return cached;
    const root = this.statements.treeRoot.get(tree) as { root_id: string } | undefined;
    if (!root) return undefined;
    const rows = this.statements.treeItems.all(tree) as ItemRow[];
    const items: TreeItem[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) items[i] = rowToItem(rows[i] as ItemRow);
    const loaded = makeTree(root.root_id, items);
    this.cachedTrees?.set(tree, loaded);
    return loaded;
  }

  /**
   * Replaces a whole tree, in one transaction. Only rows that differ are written: the stored rows
   * are read first (a fast range scan) and compared, so saving a rescan in which little changed
   * costs a read, not 100k writes. Correct whatever was stored before, since it compares with the
   * database itself rather than with a cache.
   */
  saveTree(tree: TreeName, value: Tree): void {
    if (!value.items.has(value.rootId)) {
      throw new IndexError('bad_input', `The ${tree} tree to save has no root item ${value.rootId}.`);
    }
    const { treeItems, setRoot, insertItem, insertItems, deleteItem } = this.statements;
    this.applyCacheLog();
    this.transaction(() => {
      const stored = new Map<string, ItemRow>();
      for (const row of treeItems.all(tree) as ItemRow[]) stored.set(row[0], row);
      setRoot.run(tree, value.rootId);
      const rows = new BulkRows(insertItems, insertItem, ITEM_PARAMS);
      for (const item of value.items.values()) {
        const row = itemToRow(item);
        const before = stored.get(row[0]);
        stored.delete(row[0]);
        if (before === undefined || !sameRow(before, row)) rows.add(tree, ...row);
      }
      rows.flush();
      for (const id of stored.keys()) deleteItem.run(tree, id);
      this.cachedTrees?.set(tree, storedForm(value));
    });
  }

  /** Adds, replaces and removes items of a saved tree, in one transaction. */
  updateTree(tree: TreeName, change: TreeChange): void {
    this.transaction(() => this.applyChange(tree, change));
  }

  // --- local facts -------------------------------------------------------------------------

  getFacts(id: string): LocalFacts | undefined {
    const row = this.statements.factsById.get(id) as FactsRow | undefined;
    return row ? rowToFacts(row) : undefined;
  }

  allFacts(): Map<string, LocalFacts> {
    const facts = new Map<string, LocalFacts>();
    for (const row of this.statements.allFacts.iterate() as IterableIterator<FactsRow>) facts.set(row.id, rowToFacts(row));
    return facts;
  }

  /**
   * Every file's size, mtime, inode and hash (no block lists), by item id: what the scanner starts
   * from after the engine changed the disk. Read once, then kept in memory and patched with every
   * write (the sync loop asked after every pass: reading and decoding 100k rows each time). A
   * value: do not change it.
   */
  factsSummaries(): ReadonlyMap<string, FactsSummary> {
    this.applyCacheLog();
    if (this.cachedSummaries) return this.cachedSummaries;
    const summaries = new Map<string, FactsSummary>();
    for (const row of this.statements.allSummaries.iterate() as IterableIterator<Omit<FactsRow, 'blocks'>>) {
      summaries.set(row.id, summaryOf(row.size, row.mtime_ms, row.inode, row.hash));
    }
    if (this.caching) this.cachedSummaries = summaries;
    return summaries;
  }

  /** Records what the scanner saw, replacing earlier facts of the same ids; one transaction. */
  putFacts(facts: Iterable<LocalFacts>): void {
    const { putFacts, putManyFacts } = this.statements;
    this.transaction(() => {
      const rows = new BulkRows(putManyFacts, putFacts, FACTS_PARAMS);
      const log = this.cachedSummaries ? this.cacheLog : undefined;
      for (const fact of facts) {
        checkFacts(fact);
        rows.add(fact.id, fact.size, fact.mtimeMs, fact.inode, fact.hash, encodeBlockList(fact.blocks));
        log?.push([FACTS, fact.id, summaryOf(fact.size, fact.mtimeMs, fact.inode, fact.hash)]);
      }
      rows.flush();
      this.boundCacheLog();
    });
  }

  removeFacts(ids: Iterable<string>): void {
    const { removeFacts } = this.statements;
    this.transaction(() => {
      const log = this.cachedSummaries ? this.cacheLog : undefined;
      for (const id of ids) {
        removeFacts.run(id);
        log?.push([FACTS, id, undefined]);
      }
      this.boundCacheLog();
    });
  }

  // --- remote cursor and exclusions ----------------------------------------------------------

  /** The changes-feed cursor last applied to the remote tree (undefined: list from scratch). */
  get cursor(): string | undefined {
    return this.getMeta('remote_cursor');
  }

  setCursor(cursor: string | undefined): void {
    this.setMeta('remote_cursor', cursor);
  }

  /**
   * Applies a page of the changes feed: the remote tree's changes and the new cursor in ONE
   * transaction, so the cursor never runs ahead of the tree it describes.
   */
  applyRemoteChanges(change: TreeChange, cursor: string): void {
    this.transaction(() => {
      this.applyChange('remote', change);
      this.setMeta('remote_cursor', cursor);
    });
  }

  /** A full re-listing (the cursor expired, 410): the whole remote tree and its cursor, together. */
  replaceRemoteTree(tree: Tree, cursor: string): void {
    this.transaction(() => {
      this.saveTree('remote', tree);
      this.setMeta('remote_cursor', cursor);
    });
  }

  /** The id written in the folder's marker file (undefined until the folder is first set up). */
  get folderId(): string | undefined {
    return this.getMeta('folder_id');
  }

  setFolderId(folderId: string): void {
    this.setMeta('folder_id', folderId);
  }

  /**
   * The running sync's latest status, as JSON, for `tandem status` in another process (which
   * opens the index read-only). The index only stores it; the sync loop says what it means.
   *
   * Kept in a file beside the database (written to a temp name, then renamed over: a reader sees
   * the old or the new one whole), not in it: the loop saves it up to four times a second while
   * it transfers, and as a durable SQLite commit each save waited for an fsync on the main
   * thread (1.8 s of 56 while a 1 GiB file was written, profiled). It is advisory: a power cut
   * may lose the latest one, never the index. Indexes from before keep theirs in the meta table.
   */
  get statusJson(): string | undefined {
    try {
      return readFileSync(join(dirname(this.path), STATUS_FILE), 'utf8');
    } catch {
      return this.getMeta('status');
    }
  }

  saveStatusJson(json: string): void {
    const target = join(dirname(this.path), STATUS_FILE);
    const temp = `${target}.${process.pid}.tmp`;
    writeFileSync(temp, json, { mode: 0o600 });
    renameSync(temp, target);
  }

  excludedIds(): Set<string> {
    return new Set((this.statements.exclusions.all() as { id: string }[]).map((row) => row.id));
  }

  setExcludedIds(ids: Iterable<string>): void {
    this.transaction(() => {
      this.statements.clearExclusions.run();
      for (const id of ids) this.statements.addExclusion.run(id);
    });
  }

  // --- questions (the mass-delete pause) -----------------------------------------------------

  /**
   * The planner's current questions: new ones are stored, ones it no longer asks and nobody has
   * answered are dropped; answered ones stay until forgotten (a "yes" approves that batch only).
   */
  recordQuestions(asks: readonly AskOperation[], now: number = Date.now()): void {
    this.transaction(() => {
      const keep = new Set(asks.map((ask) => ask.batchKey));
      for (const row of this.statements.unansweredKeys.all() as { batch_key: string }[]) {
        if (!keep.has(row.batch_key)) this.statements.deleteQuestion.run(row.batch_key);
      }
      for (const ask of asks) this.statements.insertQuestion.run(ask.batchKey, JSON.stringify(ask), now);
    });
  }

  questions(): StoredQuestion[] {
    return (this.statements.allQuestions.all() as QuestionRow[]).map((row) => ({
      ask: JSON.parse(row.question) as AskOperation,
      askedAt: row.asked_at,
      answer: row.answer ?? undefined,
    }));
  }

  pendingQuestions(): AskOperation[] {
    return this.questions().flatMap((q) => (q.answer === undefined ? [q.ask] : []));
  }

  answerQuestion(batchKey: string, answer: 'yes' | 'no', now: number = Date.now()): void {
    if (answer !== 'yes' && answer !== 'no') throw new IndexError('bad_input', `An answer is "yes" or "no", not "${String(answer)}".`);
    const result = this.statements.answerQuestion.run(answer, now, batchKey);
    if (result.changes === 0) throw new IndexError('not_found', 'That question is no longer waiting for an answer; check the status again.');
  }

  /** Batch keys the user said yes to, for PlanOptions.approvedMassDeletes. */
  approvedMassDeletes(): Set<string> {
    return new Set(this.questions().flatMap((q) => (q.answer === 'yes' ? [q.ask.batchKey] : [])));
  }

  forgetQuestions(batchKeys: Iterable<string>): void {
    this.transaction(() => {
      for (const key of batchKeys) this.statements.deleteQuestion.run(key);
    });
  }

  // --- what the last plan reported ----------------------------------------------------------

  /** Replaces the stored reports (conflicts, skipped names…) with the latest plan's, for status. */
  saveReports(reports: readonly ReportOperation[], now: number = Date.now()): void {
    this.transaction(() => {
      this.statements.clearReports.run();
      reports.forEach((report, order) => {
        if (report.kind !== 'report') throw new IndexError('bad_input', `Only report operations are stored as reports, not "${String(report.kind)}".`);
        this.statements.insertReport.run(order, report.code, report.id, report.path, report.message, now);
      });
    });
  }

  /** The latest plan's reports, in the order the planner gave them. */
  reports(): StoredReport[] {
    return (this.statements.allReports.all() as ReportRow[]).map((row) => ({
      report: { kind: 'report', code: row.code as ReportOperation['code'], id: row.item_id, path: row.path, message: row.message },
      reportedAt: row.reported_at,
    }));
  }

  // --- journal -------------------------------------------------------------------------------

  /** Records an operation BEFORE its effect starts (durable when this returns). */
  journalBegin(operation: Operation, options: { idempotencyKey?: string; now?: number } = {}): JournalEntry {
    const idempotencyKey = options.idempotencyKey ?? randomUUID();
    const startedAt = options.now ?? Date.now();
    const result = this.statements.journalInsert.run(JSON.stringify(operation), idempotencyKey, startedAt);
    return { seq: Number(result.lastInsertRowid), operation, idempotencyKey, startedAt, attempts: 1 };
  }

  /** Operations begun and not completed, oldest first: what a restart replays. */
  journalEntries(): JournalEntry[] {
    return (this.statements.journalAll.all() as JournalRow[]).map((row) => ({
      seq: row.seq,
      operation: JSON.parse(row.operation) as Operation,
      idempotencyKey: row.idempotency_key,
      startedAt: row.started_at,
      attempts: row.attempts,
    }));
  }

  /** A replay is starting: count the attempt (the idempotency key stays the same). */
  journalRetry(seq: number): void {
    if (this.statements.journalRetry.run(seq).changes === 0) throw missingEntry(seq);
  }

  /**
   * The effect is done: advance the trees and drop the entry in ONE transaction, so a crash
   * leaves either both or neither. Returns false when the entry was already completed.
   */
  journalComplete(seq: number, changes: Partial<Record<TreeName, TreeChange>> = {}): boolean {
    return this.transaction(() => {
      if (this.statements.journalDelete.run(seq).changes === 0) return false;
      for (const tree of TREE_NAMES) {
        const change = changes[tree];
        if (change) this.applyChange(tree, change);
      }
      return true;
    });
  }

  /** The operation will not happen (refused, or replanned): drop it without advancing anything. */
  journalAbandon(seq: number): void {
    if (this.statements.journalDelete.run(seq).changes === 0) throw missingEntry(seq);
  }

  // --- internals -----------------------------------------------------------------------------

  private applyChange(tree: TreeName, change: TreeChange): void {
    if (!this.statements.treeRoot.get(tree)) {
      throw new IndexError('not_found', `The ${tree} tree has not been saved yet, so it cannot be changed item by item.`);
    }
    const remove = [...(change.remove ?? [])];
    const put = [...(change.put ?? [])];
    for (const id of remove) this.statements.deleteItem.run(tree, id);
    const rows = new BulkRows(this.statements.insertItems, this.statements.insertItem, ITEM_PARAMS);
    for (const item of put) rows.add(tree, ...itemToRow(item));
    rows.flush();
    if (this.cachedTrees?.has(tree)) {
      // As the rows: removes first, then puts (an id in both stays, with the put item).
      const log = this.cacheLog;
      for (const id of remove) log.push([tree, id, undefined]);
      for (const item of put) log.push([tree, item.id, storedItem(item)]);
      this.boundCacheLog();
    }
  }

  private boundCacheLog(): void {
    if (this.cacheLog.length > this.cacheLogLimit) this.applyCacheLog();
  }

  /** Brings the cached trees and summaries up to the rows: the log's writes, the last for an id winning. */
  private applyCacheLog(): void {
    const log = this.cacheLog;
    if (log.length === 0) return;
    this.cacheLog = [];
    const byTarget = new Map<CacheWrite[0], Map<string, CacheWrite[2]>>();
    for (const [target, id, value] of log) {
      let writes = byTarget.get(target);
      if (!writes) byTarget.set(target, (writes = new Map()));
      writes.set(id, value);
    }
    for (const [target, writes] of byTarget) {
      const removed: string[] = [];
      const put: Array<[string, TreeItem | FactsSummary]> = [];
      for (const [id, value] of writes) {
        if (value === undefined) removed.push(id);
        else put.push([id, value]);
      }
      if (target === FACTS) {
        if (this.cachedSummaries) this.cachedSummaries = LayeredMap.patch(this.cachedSummaries, put as Array<[string, FactsSummary]>, removed);
        continue;
      }
      const cached = this.cachedTrees?.get(target);
      if (cached) this.cachedTrees!.set(target, patchTree(cached, put.map(([, item]) => item as TreeItem), removed));
    }
    let cachedEntries = this.cachedSummaries?.size ?? 0;
    for (const tree of this.cachedTrees?.values() ?? []) cachedEntries += tree.items.size;
    this.cacheLogLimit = Math.max(MIN_CACHE_LOG_LIMIT, cachedEntries / 4);
  }

  private getMeta(key: string): string | undefined {
    return (this.statements.getMeta.get(key) as { value: string } | undefined)?.value;
  }

  private setMeta(key: string, value: string | undefined): void {
    if (value === undefined) this.statements.deleteMeta.run(key);
    else this.statements.setMeta.run(key, value);
  }

  /** The first open records the synced folder; a later open for another folder is refused. */
  private claimFolder(stateDir: string): void {
    const owner = this.getMeta('synced_folder');
    if (owner === undefined) this.setMeta('synced_folder', this.syncedFolder);
    else if (owner !== this.syncedFolder) {
      throw new IndexError(
        'wrong_folder',
        `The state folder ${stateDir} belongs to the synced folder ${owner}, not ${this.syncedFolder}; use another state folder.`,
        stateDir,
      );
    }
  }
}

/**
 * Rows per multi-row INSERT: a bulk write (a first index: 100k items and 100k facts) pays the
 * per-run cost once per 256 rows. Storing a first index of 100k files took 0.85-0.9 s instead of
 * 1.0-1.2 s with 64 rows (the rest is SQLite's own B-tree work); 2,560 parameters a statement stay
 * far under SQLite's limit of 32,766.
 */
const ROWS_PER_INSERT = 256;
const ITEM_PARAMS = 10;
const FACTS_PARAMS = 6;

/** Parameters of rows gathered for one multi-row INSERT; what is left at flush() goes row by row. */
class BulkRows {
  readonly #many: Statement;
  readonly #one: Statement;
  readonly #width: number;
  readonly #params: unknown[] = [];

  constructor(many: Statement, one: Statement, width: number) {
    this.#many = many;
    this.#one = one;
    this.#width = width;
  }

  add(...row: unknown[]): void {
    for (const value of row) this.#params.push(value);
    if (this.#params.length === this.#width * ROWS_PER_INSERT) this.#runMany();
  }

  flush(): void {
    const params = this.#params;
    for (let at = 0; at < params.length; at += this.#width) this.#one.run(params.slice(at, at + this.#width));
    params.length = 0;
  }

  #runMany(): void {
    this.#many.run(this.#params);
    this.#params.length = 0;
  }
}

function prepare(db: Database) {
  const items = 'id, parent_id, name, kind, hash, size, executable, metadata_version, content_version';
  const raw = (sql: string): Statement => db.prepare(sql).raw(true);
  const values = (width: number, rows: number) => Array.from({ length: rows }, () => `(${Array.from({ length: width }, () => '?').join(', ')})`).join(', ');
  return {
    insertItems: db.prepare(`INSERT OR REPLACE INTO items (tree, ${items}) VALUES ${values(ITEM_PARAMS, ROWS_PER_INSERT)}`),
    putManyFacts: db.prepare(`INSERT OR REPLACE INTO local_facts (id, size, mtime_ms, inode, hash, blocks) VALUES ${values(FACTS_PARAMS, ROWS_PER_INSERT)}`),
    treeRoot: db.prepare('SELECT root_id FROM trees WHERE tree = ?'),
    treeItems: raw(`SELECT ${items} FROM items WHERE tree = ?`),
    setRoot: db.prepare('INSERT OR REPLACE INTO trees (tree, root_id) VALUES (?, ?)'),
    insertItem: db.prepare(`INSERT OR REPLACE INTO items (tree, ${items}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    deleteItem: db.prepare('DELETE FROM items WHERE tree = ? AND id = ?'),
    factsById: db.prepare('SELECT * FROM local_facts WHERE id = ?'),
    allFacts: db.prepare('SELECT * FROM local_facts'),
    allSummaries: db.prepare('SELECT id, size, mtime_ms, inode, hash FROM local_facts'),
    putFacts: db.prepare('INSERT OR REPLACE INTO local_facts (id, size, mtime_ms, inode, hash, blocks) VALUES (?, ?, ?, ?, ?, ?)'),
    removeFacts: db.prepare('DELETE FROM local_facts WHERE id = ?'),
    getMeta: db.prepare('SELECT value FROM meta WHERE key = ?'),
    setMeta: db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
    deleteMeta: db.prepare('DELETE FROM meta WHERE key = ?'),
    exclusions: db.prepare('SELECT id FROM exclusions ORDER BY id'),
    clearExclusions: db.prepare('DELETE FROM exclusions'),
    addExclusion: db.prepare('INSERT OR IGNORE INTO exclusions (id) VALUES (?)'),
    unansweredKeys: db.prepare('SELECT batch_key FROM questions WHERE answer IS NULL'),
    insertQuestion: db.prepare('INSERT OR IGNORE INTO questions (batch_key, question, asked_at) VALUES (?, ?, ?)'),
    allQuestions: db.prepare('SELECT * FROM questions ORDER BY asked_at, batch_key'),
    answerQuestion: db.prepare('UPDATE questions SET answer = ?, answered_at = ? WHERE batch_key = ? AND answer IS NULL'),
    deleteQuestion: db.prepare('DELETE FROM questions WHERE batch_key = ?'),
    clearReports: db.prepare('DELETE FROM reports'),
    insertReport: db.prepare('INSERT INTO reports (ord, code, item_id, path, message, reported_at) VALUES (?, ?, ?, ?, ?, ?)'),
    allReports: db.prepare('SELECT * FROM reports ORDER BY ord'),
    journalInsert: db.prepare('INSERT INTO journal (operation, idempotency_key, started_at) VALUES (?, ?, ?)'),
    journalAll: db.prepare('SELECT * FROM journal ORDER BY seq'),
    journalRetry: db.prepare('UPDATE journal SET attempts = attempts + 1 WHERE seq = ?'),
    journalDelete: db.prepare('DELETE FROM journal WHERE seq = ?'),
  };
}

function itemToRow(item: TreeItem): ItemRow {
  if (typeof item.id !== 'string' || item.id === '') throw new IndexError('bad_input', 'An item to store has no id.');
  if (item.kind !== 'file' && item.kind !== 'folder') {
    throw new IndexError('bad_input', `Item ${item.id} has the kind "${String(item.kind)}"; only file and folder are stored.`);
  }
  if (typeof item.name !== 'string') throw new IndexError('bad_input', `Item ${item.id} has no name.`);
  return [
    item.id,
    item.parentId,
    item.name,
    item.kind,
    item.hash ?? null,
    item.size ?? null,
    item.executable === undefined ? null : item.executable ? 1 : 0,
    item.metadataVersion ?? null,
    item.contentVersion ?? null,
  ];
}

const STORED_KEYS = new Set(['id', 'parentId', 'name', 'kind', 'hash', 'size', 'executable', 'metadataVersion', 'contentVersion']);

/**
 * The item as loadTree would give it back (optional fields absent rather than undefined, nothing
 * else): the item itself when it already is, as nearly every item is, so the cache shares objects
 * with the caller's tree instead of copying 100k of them.
 */
function storedItem(item: TreeItem): TreeItem {
  for (const key in item) {
    if (!STORED_KEYS.has(key) || (item as unknown as Record<string, unknown>)[key] === undefined) return rowToItem(itemToRow(item));
  }
  return item;
}

function storedForm(tree: Tree): Tree {
  for (const item of tree.items.values()) {
    if (storedItem(item) !== item) return makeTree(tree.rootId, [...tree.items.values()].map(storedItem));
  }
  return tree;
}

function sameRow(a: ItemRow, b: ItemRow): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Optional fields stay ABSENT when they were absent, so a loaded item equals the saved one. */
function rowToItem(row: ItemRow): TreeItem {
  const [id, parentId, name, kind, hash, size, executable, metadataVersion, contentVersion] = row;
  // The shapes nearly every row has, as whole literals: properties added one by one go to a
  // separate property array per item (~5 MB more per 100k-item tree, and slower to read).
  if (executable === null && contentVersion === null) {
    if (kind === 'folder' && hash === null && size === null) {
      return metadataVersion === null ? { id, parentId, name, kind } : { id, parentId, name, kind, metadataVersion };
    }
    if (kind === 'file' && hash !== null && size !== null && metadataVersion === null) return { id, parentId, name, kind, hash, size };
  }
  if (kind === 'file' && hash !== null && size !== null && metadataVersion !== null && contentVersion !== null) {
    return executable === null
      ? { id, parentId, name, kind, hash, size, metadataVersion, contentVersion }
      : { id, parentId, name, kind, hash, size, executable: executable === 1, metadataVersion, contentVersion };
  }
  const item: { -readonly [K in keyof TreeItem]: TreeItem[K] } = { id, parentId, name, kind: kind as TreeItem['kind'] };
  if (hash !== null) item.hash = hash;
  if (size !== null) item.size = size;
  if (executable !== null) item.executable = executable === 1;
  if (metadataVersion !== null) item.metadataVersion = metadataVersion;
  if (contentVersion !== null) item.contentVersion = contentVersion;
  return item;
}

interface FactsRow {
  id: string;
  size: number;
  mtime_ms: number;
  inode: number;
  hash: string;
  blocks: Buffer;
}

function rowToFacts(row: FactsRow): LocalFacts {
  return { id: row.id, size: row.size, mtimeMs: row.mtime_ms, inode: row.inode, hash: row.hash, blocks: decodeBlockList(row.blocks) };
}

function checkFacts(fact: LocalFacts): void {
  const numbers: [string, number][] = [['size', fact.size], ['mtimeMs', fact.mtimeMs], ['inode', fact.inode]];
  for (const [field, value] of numbers) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new IndexError('bad_input', `The facts of ${String(fact.id)} have ${field} ${String(value)}; expected a number of at least 0.`);
    }
  }
  if (typeof fact.id !== 'string' || fact.id === '') throw new IndexError('bad_input', 'Local facts to store have no item id.');
}

interface QuestionRow {
  batch_key: string;
  question: string;
  asked_at: number;
  answer: 'yes' | 'no' | null;
}

interface ReportRow {
  ord: number;
  code: string;
  item_id: string;
  path: string;
  message: string;
  reported_at: number;
}

interface JournalRow {
  seq: number;
  operation: string;
  idempotency_key: string;
  started_at: number;
  attempts: number;
}

function missingEntry(seq: number): IndexError {
  return new IndexError('not_found', `Journal entry ${seq} is not there (already completed or abandoned).`);
}

function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split('\n')[0] ?? text).replace(/\.$/u, '');
}
