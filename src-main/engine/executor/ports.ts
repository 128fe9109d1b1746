// The executor's ports: the narrow interfaces it runs plans through, so the same executor runs on
// a real disk, the real server and the SQLite index, or on in-memory fakes in tests. The disk is
// the engine's FileSystem port (fs/file-system.ts); the rest are defined here. The real ones:
// remote/remote-ops.ts (the HTTP client) and index-store.ts (the SQLite index); the fakes are in
// test-support/.

import type { BlockRef } from '../../../src-shared/protocol/common.ts';
import type { FileSystem } from '../fs/file-system.ts';
import type { Operation } from '../planner/operations.ts';
import type { TreeItem } from '../tree/item.ts';

export type { FileSystem } from '../fs/file-system.ts';

/** An item as the server reports it, in tree form (versions included). */
export type RemoteItem = TreeItem;

/** A mutation's answer: applied (with the item as it is now) or refused (412/409/404, with the current item when known). */
export type RemoteAnswer =
  | { ok: true; item: RemoteItem }
  | { ok: false; reason: 'precondition_failed' | 'refused'; current: RemoteItem | undefined; message: string }
  // A create whose proposed id the server gave out before (that item may be in the trash now).
  | { ok: false; reason: 'id_taken'; current: undefined; message: string };

/** A delete's answer: `kept` when the item is still there (a folder holding changes not yet seen here). */
export type DeleteAnswer = Exclude<RemoteAnswer, { ok: true }> | { ok: true; item: RemoteItem; kept: boolean };

/** A file's content as committed: the hash of the whole and the ordered block list. */
export interface FileContent {
  hash: string;
  size: number;
  blocks: BlockRef[];
  /**
   * A commit only: the content it replaces (the item's current version) and that content's block
   * list, when known here: the port may then send the list as a delta (block-delta.ts).
   */
  base?: { hash: string; blocks: readonly BlockRef[] };
}

export type CommitTarget =
  | { kind: 'create'; id: string; parentId: string; name: string; executable: boolean }
  | { kind: 'commit'; id: string; ifMatchContent: number; executable: boolean };

/**
 * The server, as the executor needs it. Every mutation carries the operation's Idempotency-Key
 * (the same on every retry and replay). Transient failures throw an error that isRetryable()
 * (errors.ts) recognises; refusals are answers, not errors.
 */
export interface RemoteOps {
  createFolder(request: { id: string; parentId: string; name: string }, idempotencyKey: string): Promise<RemoteAnswer>;
  /** Which of these block hashes the server lacks. */
  missingBlocks(hashes: readonly string[]): Promise<string[]>;
  /** Stores blocks (the server re-checks each hash). */
  uploadBlocks(blocks: readonly { hash: string; data: Uint8Array }[]): Promise<void>;
  /** Creates a file with its first content, or commits new content with If-Match on the content version. */
  commitFile(target: CommitTarget, content: FileContent, idempotencyKey: string): Promise<RemoteAnswer>;
  /** Moves and/or renames, If-Match on the metadata version (undefined: no precondition). */
  move(id: string, to: { parentId: string; name: string }, ifMatchMetadata: number | undefined, idempotencyKey: string): Promise<RemoteAnswer>;
  /**
   * Moves the item to the server's trash, If-Match on both versions (undefined: the current one).
   * A folder goes with everything inside EXCEPT what changed after `seenCursor` (this device's
   * changes cursor, which its plan was made from): that stays, with the folders leading to it,
   * and the answer says `kept` (SCENARIOS #17: another device's new file inside is not trashed
   * by a delete that never saw it). Without a cursor, the whole subtree goes.
   */
  delete(
    id: string,
    ifMatch: { metadata: number | undefined; content: number | undefined },
    seenCursor: string | undefined,
    idempotencyKey: string,
  ): Promise<DeleteAnswer>;
  /** The item as it is now (files with their block list), or undefined when it is gone (deleted or never there). */
  getItem(id: string): Promise<{ item: RemoteItem; blocks: BlockRef[] } | undefined>;
  /**
   * The block list of this content of this item when it is already known here (the changes feed
   * carries them), else undefined: a download then needs no getItem. Optional.
   */
  knownBlocks?(id: string, hash: string): BlockRef[] | undefined;
  /**
   * The block list of version `contentVersion` of a file, learned as a change from `base` (content
   * this device holds, with its list) when the server can answer so; checked to be of content
   * `hash`. Undefined when the version is gone or is other content. Optional.
   */
  blocksSince?(id: string, contentVersion: number, hash: string, base: { hash: string; blocks: readonly BlockRef[] }): Promise<BlockRef[] | undefined>;
  /** Yields the bytes of every block of the list, in order (repeats included), each checked against its hash and size. */
  fetchBlocks(blocks: readonly BlockRef[]): AsyncIterable<Uint8Array>;
}

/** What the scanner last saw of a local file: enough to tell "unchanged since the scan". */
export interface LocalFacts {
  size: number;
  mtimeMs: number;
  inode: number;
  hash?: string;
  blocks?: BlockRef[];
}

export interface TreeChange {
  put?: TreeItem[];
  remove?: string[];
}

/** Everything one finished operation changes in the state, written in one transaction. */
export interface StateChanges {
  local?: TreeChange;
  remote?: TreeChange;
  synced?: TreeChange;
  facts?: { put?: Array<[string, LocalFacts]>; remove?: string[] };
}

export interface JournalRecord {
  seq: number;
  operation: Operation;
  idempotencyKey: string;
}

/**
 * The persistent state: the three trees, the scanner's facts and the operation journal. An entry
 * is durable when journalBegin returns; journalComplete applies the changes and drops the entry
 * atomically (a crash leaves both or neither).
 */
export interface StateStore {
  journalBegin(operation: Operation, idempotencyKey: string): JournalRecord;
  journalComplete(seq: number, changes: StateChanges): void;
  /** The operation will not happen (refused, deferred, failed): drop it, change nothing. */
  journalAbandon(seq: number): void;
  /** Begun and never completed nor abandoned, oldest first. */
  journalEntries(): JournalRecord[];
  /**
   * Runs `fn` (journal writes) as ONE transaction: one disk flush for many entries
   * (group-journal.ts). Optional: without it the writes are made one by one.
   */
  transaction?<T>(fn: () => T): T;
  /** Changes without an operation (markSynced bookkeeping), in one transaction. */
  advance(changes: StateChanges): void;
  localFacts(id: string): LocalFacts | undefined;
  /** The changes-feed cursor the remote tree was last read at (undefined: never read). */
  seenCursor(): string | undefined;
  /**
   * Where local files hold blocks with these hashes, by the facts' block lists (item id and byte
   * offset; a few places per hash at most). The lists may be stale: a reader re-hashes the bytes.
   */
  blockLocations(hashes: ReadonlySet<string>): Map<string, BlockLocation[]>;
}

/** One place a block sits in a local file, as the facts last recorded it. */
export interface BlockLocation {
  id: string;
  offset: number;
}

/** Time for backoff waits, and the random source for jitter and keys (tests pin both). */
export interface ExecutorClock {
  now(): number;
  sleep(ms: number): Promise<void>;
  random(): number;
}

export const systemExecutorClock: ExecutorClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

export interface ExecutorPorts {
  fs: FileSystem;
  remote: RemoteOps;
  store: StateStore;
  clock: ExecutorClock;
  /** Fresh UUIDv7s: Idempotency-Keys, and new ids for local items whose id the server refused. */
  newKey: () => string;
}
