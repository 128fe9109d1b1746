// The BlockStore interface: where block bytes live. The default implementation keeps them in pack
// files under the data folder (pack-store.ts); an S3-compatible store can implement the same
// interface later. Every implementation indexes blocks in the metadata database (block-index.ts),
// so reference counting stays in the commit transaction whatever holds the bytes.
import type { AnyDatabase } from './block-index.ts';

export interface BlockInput {
  /** `blake3:<hex>`; the store recomputes it and refuses the whole batch on any mismatch. */
  hash: string;
  data: Uint8Array;
}

/**
 * A block whose bytes were hashed as they arrived and matched (BlockFrameReader makes these): the
 * bytes are kept as the pieces they came in, written to disk without being joined.
 */
export interface VerifiedBlock {
  hash: string;
  /** The raw 32-byte digest of `hash`. */
  digest: Uint8Array;
  size: number;
  parts: readonly Uint8Array[];
}

export interface BlockRef {
  hash: string;
  size: number;
}

export interface PutBlocksResult {
  /** Distinct blocks in the batch. */
  blocks: number;
  /** Bytes of those blocks. */
  bytes: number;
  /** Of those, how many were new to the server (the rest were already stored: deduplicated). */
  written: number;
}

export interface GarbageCollectionOptions {
  /** How long a block stays unreferenced before it may be freed. Default 24 hours. */
  graceMs?: number;
  /** A pack whose live share of bytes falls below this is repacked. Default 0.5. */
  repackBelow?: number;
  /** The current time (tests move it forward). Default: the store's clock. */
  now?: number;
}

export interface GarbageCollectionReport {
  blocksFreed: number;
  bytesFreed: number;
  packsRepacked: number;
  packsDeleted: number;
  /** Bytes on disk given back (old packs minus the copies of their live blocks). */
  diskBytesReclaimed: number;
  /** Packs left as they were because a block in them is damaged (one sentence each). */
  problems: string[];
}

export interface BlockStore {
  /**
   * Stores blocks and lets the account read them. Verifies every hash first (a mismatch refuses the
   * whole batch and stores nothing); resolves only once the bytes are durable AND indexed.
   */
  putBlocks(blocks: readonly BlockInput[], owner: { accountId: string }): Promise<PutBlocksResult>;
  /**
   * putBlocks for blocks an upload's BlockFrameReader has just verified (so they are not hashed
   * again): durable and indexed when it resolves. Only ever pass the reader's output.
   */
  putVerifiedBlocks(blocks: readonly VerifiedBlock[], owner: { accountId: string }): Promise<PutBlocksResult>;
  /** The blocks' bytes in the order asked; length and hash are verified. Unknown → not_found. */
  readBlocks(hashes: readonly string[]): Promise<Uint8Array[]>;
  /**
   * The same, as one body of frames ([hash][u32 BE length][bytes]) ready to send: what /blocks/fetch
   * answers. `allocate` gives the body's memory (the route reuses buffers); default a new Buffer.
   */
  readBlockFrames(hashes: readonly string[], allocate?: (bytes: number) => Buffer): Promise<Uint8Array>;
  /** Bytes [start, end) of the content made of `blocks`, in pieces, reading a few blocks ahead. */
  readRange(blocks: readonly BlockRef[], start: number, end: number): AsyncIterable<Uint8Array>;
  /** Frees blocks unreferenced past the grace period (re-checked in a transaction) and repacks. */
  collectGarbage(options?: GarbageCollectionOptions): Promise<GarbageCollectionReport>;
  /** Disk usage of the store (for diagnostics and tests). */
  diskUsage(): Promise<{ packs: number; bytes: number }>;
  /** Waits for writes in progress, then releases files. */
  close(): Promise<void>;
}

export { openPackBlockStore } from './pack-store.ts';

export interface PackBlockStoreOptions {
  dataDir: string;
  db: AnyDatabase;
  /** A pack is sealed once it reaches this size; default 32 MiB. */
  targetPackSize?: number;
  /** The clock for grace periods (upload times, GC's default "now"); tests move it. Default Date.now. */
  clock?: () => number;
}
