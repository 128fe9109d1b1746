// The default BlockStore: blocks appended to pack files under <dataDir>/packs/ (tens of MiB each,
// like restic's packs), indexed in the metadata database. One writer appends; a batch of blocks is
// written to the current pack and fsynced once (and its directory, when the pack is new), THEN
// indexed in one transaction, and only then acknowledged. A crash between the two leaves unindexed
// bytes past the pack's recorded end — harmless: they are cut off when the pack is reopened or
// dropped when it is repacked. The index never points at bytes that are not durable.
//
// Pack file layout: a 16-byte header ("TANDEMPK", u32 version, u32 reserved), then records of
// [32-byte raw hash][u32 big-endian length][bytes]. The index points at the bytes; the per-record
// hash makes a pack self-describing, so it can be checked or re-indexed without the database.
//
// The database is the source of truth: a pack file it does not list (a crash right after creating
// a pack, or before deleting a repacked one) holds nothing reachable and is removed.
import { randomBytes } from 'node:crypto';
import { type FileHandle, mkdir, open, readFile, readdir, stat, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { TandemError } from '../../src-shared/errors.ts';
import { BLOCK_FRAME_HEADER_BYTES, BLOCK_HASH_BYTES, BLOCK_HASH_PREFIX, blockHashToBytes } from '../../src-shared/protocol/blocks.ts';
import {
  type AnyDatabase,
  type AnyTransaction,
  type BlockLocation,
  blocksInPack,
  deletePack,
  dropGarbageBlocks,
  findBlocks,
  garbageBlocks,
  grantBlocks,
  insertBlocks,
  listPacks,
  livePackUsage,
  moveBlocks,
  refreshGracePeriod,
  savePack,
} from './block-index.ts';
import type {
  BlockInput,
  BlockRef,
  BlockStore,
  GarbageCollectionOptions,
  GarbageCollectionReport,
  PackBlockStoreOptions,
  PutBlocksResult,
  VerifiedBlock,
} from './block-store.ts';
import { assertBlockHash, blockDigest, hashBlock } from './hash.ts';

export const PACK_MAGIC = 'TANDEMPK';
export const PACK_HEADER_BYTES = 16;
const PACK_VERSION = 1;
const DEFAULT_TARGET_PACK_SIZE = 32 * 1024 * 1024;
const DEFAULT_GRACE_MS = 24 * 60 * 60 * 1000;
const DEFAULT_REPACK_BELOW = 0.5;
/** Puts waiting together are written as one batch (one fsync) up to about this many bytes. */
const GROUP_COMMIT_BYTES = 64 * 1024 * 1024;
/** readRange reads this many bytes of blocks at a time. */
const READ_AHEAD_BYTES = 4 * 1024 * 1024;
const PACK_FILE_PATTERN = /^[0-9a-z]{9}-[0-9a-f]{12}\.pack$/;

interface OpenPack {
  id: string;
  file: FileHandle;
  /** The durable, indexed end; the next batch is written here. */
  size: number;
  createdAt: number;
}

interface PendingPut {
  blocks: VerifiedBlock[];
  accountId: string;
  bytes: number;
  resolve(result: PutBlocksResult): void;
  reject(error: unknown): void;
}

interface PackToRepack {
  id: string;
  fileSize: number;
  /** Live blocks when chosen. */
  live: number;
}

interface RangePiece {
  ref: BlockRef;
  from: number;
  to: number;
}

interface AppendResult {
  pack: OpenPack;
  locations: BlockLocation[];
  end: number;
  /** The pack that was full and is now sealed, if this append started a new one. */
  sealed: OpenPack | undefined;
}

function newPackId(now: number): string {
  return `${now.toString(36).padStart(9, '0')}-${randomBytes(6).toString('hex')}`;
}

function packHeader(): Buffer {
  const header = Buffer.alloc(PACK_HEADER_BYTES);
  header.write(PACK_MAGIC, 0, 'latin1');
  header.writeUInt32BE(PACK_VERSION, 8);
  return header;
}

async function fsyncDirectory(dir: string): Promise<void> {
  // Windows cannot open a directory to flush it; NTFS makes the new entry durable with the file.
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** At most this many buffers per writev (Linux's IOV_MAX is 1024). */
const MAX_WRITEV_PARTS = 512;

/**
 * Writes `parts` one after another from `position` with writev: the block bytes go to the disk from
 * the request body they arrived in (joining a 16 MiB upload into one buffer first was a copy of
 * every byte and much of the server's GC, profiled).
 */
async function writeAllParts(file: FileHandle, parts: readonly Buffer[], position: number): Promise<void> {
  for (let first = 0; first < parts.length; first += MAX_WRITEV_PARTS) {
    const group = parts.slice(first, first + MAX_WRITEV_PARTS);
    const length = group.reduce((sum, part) => sum + part.length, 0);
    const { bytesWritten } = await file.writev(group, position);
    // A short writev is rare (a full disk, a signal): the rest is joined and written plainly.
    if (bytesWritten < length) await writeFully(file, Buffer.concat(group).subarray(bytesWritten), position + bytesWritten);
    position += length;
  }
}

async function writeFully(file: FileHandle, buffer: Buffer, position: number): Promise<void> {
  let written = 0;
  while (written < buffer.length) {
    const { bytesWritten } = await file.write(buffer, written, buffer.length - written, position + written);
    if (bytesWritten === 0) throw new Error('the disk accepted no bytes');
    written += bytesWritten;
  }
}

function isMissingFile(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

class PackMissingError extends Error {}

/** Pack folders open in this process: a second writer on the same packs would corrupt them. */
const openPackDirs = new Set<string>();

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Claims the packs folder for this process: one writer per folder, also across processes (a
 * `tandem server` and an app hosting the same data folder). The LOCK file holds the owner's pid; a
 * pid that is no longer running (a crash, kill -9) is taken over. Returns the release function.
 */
async function lockPackDir(packsDir: string, dataDir: string): Promise<() => Promise<void>> {
  const key = resolve(packsDir);
  if (openPackDirs.has(key)) {
    throw new TandemError('conflict', `The block store in ${dataDir} is already open in this process; close it first.`);
  }
  const lockPath = join(packsDir, 'LOCK');
  const owner = Number.parseInt(await readFile(lockPath, 'utf8').catch(() => ''), 10);
  if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isProcessAlive(owner)) {
    throw new TandemError('conflict', `Another Tandem server (process ${owner}) is using the data folder ${dataDir}; stop it first.`);
  }
  await writeFile(lockPath, `${process.pid}\n`);
  openPackDirs.add(key);
  return async () => {
    openPackDirs.delete(key);
    const holder = Number.parseInt(await readFile(lockPath, 'utf8').catch(() => ''), 10);
    if (holder === process.pid) await unlink(lockPath).catch(() => undefined);
  };
}

/** The block bytes of a body of `count` frames that readFramesOnce made (views, no copy). */
function framesData(body: Buffer, count: number): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  for (let i = 0; i < count; i += 1) {
    const size = body.readUInt32BE(at + BLOCK_HASH_BYTES);
    out.push(body.subarray(at + BLOCK_FRAME_HEADER_BYTES, at + BLOCK_FRAME_HEADER_BYTES + size));
    at += BLOCK_FRAME_HEADER_BYTES + size;
  }
  return out;
}

function damaged(hash: string, why: string): TandemError {
  return new TandemError('internal', `Block ${hash} is damaged on the server (${why}); restore the data folder from a backup.`);
}

export class PackBlockStore implements BlockStore {
  private readonly packsDir: string;
  private readonly db: AnyDatabase;
  private readonly targetPackSize: number;
  private readonly clock: () => number;
  private current: OpenPack | undefined;
  /** The single writer: puts, garbage collection and close run one at a time in this chain. */
  private tail: Promise<unknown> = Promise.resolve();
  /** Garbage collections, one at a time (each one's steps interleave with uploads on `tail`). */
  private gcTail: Promise<unknown> = Promise.resolve();
  private pending: PendingPut[] = [];
  private drainScheduled = false;
  private closed = false;
  private unlock: () => Promise<void> = async () => undefined;

  private constructor(options: PackBlockStoreOptions) {
    this.packsDir = join(options.dataDir, 'packs');
    this.db = options.db;
    this.targetPackSize = options.targetPackSize ?? DEFAULT_TARGET_PACK_SIZE;
    this.clock = options.clock ?? Date.now;
  }

  static async open(options: PackBlockStoreOptions): Promise<PackBlockStore> {
    const store = new PackBlockStore(options);
    await mkdir(store.packsDir, { recursive: true });
    await fsyncDirectory(options.dataDir);
    store.unlock = await lockPackDir(store.packsDir, options.dataDir);
    try {
      await store.removeUnlistedPacks();
      await store.resumeNewestPack();
    } catch (error) {
      await store.unlock();
      throw error;
    }
    return store;
  }

  // ---- writing ----

  async putBlocks(blocks: readonly BlockInput[], owner: { accountId: string }): Promise<PutBlocksResult> {
    this.assertOpen();
    const verified: VerifiedBlock[] = [];
    for (const block of blocks) {
      const digest = blockHashToBytes(block.hash);
      const actual = hashBlock(block.data);
      if (actual !== block.hash) {
        throw new TandemError('bad_request', `Block ${block.hash} does not match its bytes (they hash to ${actual}); nothing from this upload was stored.`);
      }
      verified.push({ hash: block.hash, digest, size: block.data.length, parts: [block.data] });
    }
    return this.putVerifiedBlocks(verified, owner);
  }

  async putVerifiedBlocks(blocks: readonly VerifiedBlock[], owner: { accountId: string }): Promise<PutBlocksResult> {
    this.assertOpen();
    const distinct = new Map<string, VerifiedBlock>();
    for (const block of blocks) distinct.set(block.hash, block);
    let bytes = 0;
    for (const block of distinct.values()) bytes += block.size;
    if (distinct.size === 0) return { blocks: 0, bytes: 0, written: 0 };
    return new Promise<PutBlocksResult>((resolve, reject) => {
      this.pending.push({ blocks: [...distinct.values()], accountId: owner.accountId, bytes, resolve, reject });
      this.scheduleDrain();
    });
  }

  /** Puts that arrive while a batch is being written wait and then go together: one fsync for all. */
  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    void this.exclusive(async () => {
      this.drainScheduled = false;
      const batch: PendingPut[] = [];
      let bytes = 0;
      while (this.pending.length > 0 && (batch.length === 0 || bytes + this.pending[0]!.bytes <= GROUP_COMMIT_BYTES)) {
        const next = this.pending.shift()!;
        batch.push(next);
        bytes += next.bytes;
      }
      if (this.pending.length > 0) this.scheduleDrain();
      try {
        const results = await this.writeBatch(batch);
        batch.forEach((put, i) => put.resolve(results[i]!));
      } catch (error) {
        for (const put of batch) put.reject(error);
      }
    });
  }

  private async writeBatch(batch: PendingPut[]): Promise<PutBlocksResult[]> {
    const all = new Map<string, VerifiedBlock>();
    for (const put of batch) for (const block of put.blocks) all.set(block.hash, block);
    const known = await findBlocks(this.db, [...all.keys()]);
    const fresh = [...all.values()].filter((block) => !known.has(block.hash));
    const now = this.clock();
    const appended = fresh.length > 0 ? await this.append(fresh, now) : undefined;
    await this.commitIndex(appended, async (trx) => {
      if (appended) await insertBlocks(trx, appended.locations, now);
      await refreshGracePeriod(trx, [...known.keys()], now);
      for (const put of batch) {
        await grantBlocks(
          trx,
          put.accountId,
          put.blocks.map((block) => block.hash),
          now,
        );
      }
    });
    const freshHashes = new Set(fresh.map((block) => block.hash));
    return batch.map((put) => ({
      blocks: put.blocks.length,
      bytes: put.bytes,
      written: put.blocks.filter((block) => freshHashes.delete(block.hash)).length,
    }));
  }

  /**
   * Appends records to the current pack (starting a new one when it is full) and fsyncs: after
   * this the bytes are durable, but nothing points at them until commitIndex commits.
   */
  private async append(blocks: readonly VerifiedBlock[], now: number): Promise<AppendResult> {
    let bytes = 0;
    for (const block of blocks) bytes += BLOCK_FRAME_HEADER_BYTES + block.size;
    let sealed: OpenPack | undefined;
    if (this.current && this.current.size > PACK_HEADER_BYTES && this.current.size + bytes > this.targetPackSize) {
      sealed = this.current;
      this.current = undefined;
      await sealed.file.close();
    }
    let pack = this.current;
    let createdFile = false;
    if (!pack) {
      const id = newPackId(now);
      const file = await open(join(this.packsDir, `${id}.pack`), 'wx');
      pack = { id, file, size: 0, createdAt: now };
      this.current = pack;
      createdFile = true;
    }
    const parts: Buffer[] = [];
    let offset = pack.size;
    if (offset === 0) {
      parts.push(packHeader());
      offset = PACK_HEADER_BYTES;
    }
    const locations: BlockLocation[] = [];
    // One buffer for all the record headers, not one small buffer per block.
    const headers = Buffer.alloc(BLOCK_FRAME_HEADER_BYTES * blocks.length);
    for (const [i, block] of blocks.entries()) {
      const header = headers.subarray(i * BLOCK_FRAME_HEADER_BYTES, (i + 1) * BLOCK_FRAME_HEADER_BYTES);
      header.set(block.digest, 0);
      header.writeUInt32BE(block.size, BLOCK_HASH_BYTES);
      parts.push(header);
      for (const part of block.parts) parts.push(Buffer.from(part.buffer, part.byteOffset, part.byteLength));
      offset += BLOCK_FRAME_HEADER_BYTES;
      locations.push({ hash: block.hash, size: block.size, packId: pack.id, packOffset: offset });
      offset += block.size;
    }
    try {
      await writeAllParts(pack.file, parts, pack.size);
      await pack.file.sync();
      if (createdFile) await fsyncDirectory(this.packsDir);
    } catch (error) {
      // After a failed write or fsync the file's state is unknown: never append to it again.
      // Its indexed part stays readable; an unindexed new file is removed by the next sweep.
      this.current = undefined;
      await pack.file.close().catch(() => undefined);
      throw new TandemError('internal', `The server could not store blocks on disk: ${(error as Error).message}.`);
    }
    return { pack, locations, end: offset, sealed };
  }

  /**
   * One index transaction: the appended pack's new durable end (and the previous pack's seal) plus
   * `work`. Only after it commits does the in-memory end advance; if it fails, the appended bytes
   * stay unindexed and the pack is not appended to again (its state on disk is then ahead of the index).
   */
  private async commitIndex(appended: AppendResult | undefined, work: (trx: AnyTransaction) => Promise<void>): Promise<void> {
    try {
      await this.db.transaction().execute(async (trx) => {
        if (appended?.sealed) {
          const { sealed } = appended;
          await savePack(trx, { id: sealed.id, size: sealed.size, sealed: true, createdAt: sealed.createdAt });
        }
        if (appended) {
          const { pack } = appended;
          await savePack(trx, { id: pack.id, size: appended.end, sealed: false, createdAt: pack.createdAt });
        }
        await work(trx);
      });
    } catch (error) {
      if (appended && this.current === appended.pack) {
        this.current = undefined;
        await appended.pack.file.close().catch(() => undefined);
      }
      throw error;
    }
    if (appended) appended.pack.size = appended.end;
  }

  // ---- reading ----

  async readBlocks(hashes: readonly string[]): Promise<Uint8Array[]> {
    return framesData(await this.readBlockFrames(hashes), hashes.length);
  }

  async readBlockFrames(hashes: readonly string[], allocate: (bytes: number) => Buffer = Buffer.allocUnsafe): Promise<Buffer> {
    this.assertOpen();
    for (const hash of hashes) assertBlockHash(hash);
    try {
      return await this.readFramesOnce(hashes, allocate);
    } catch (error) {
      // Garbage collection may have moved the blocks to a new pack and deleted the old one
      // between our index lookup and opening the file: look them up again, once.
      if (!(error instanceof PackMissingError)) throw error;
      try {
        return await this.readFramesOnce(hashes, allocate);
      } catch (again) {
        if (again instanceof PackMissingError) throw new TandemError('internal', again.message);
        throw again;
      }
    }
  }

  /**
   * A pack record IS a frame ([hash][u32 length][bytes]), so blocks asked in the order they sit in
   * a pack (a file uploaded in one go, downloaded in order) are one read straight into the answer:
   * no buffer per block and no copy into the body (profiled: per-block buffers, the copy and the
   * GC they caused were a third of the server's CPU while serving a 1 GiB download).
   */
  private async readFramesOnce(hashes: readonly string[], allocate: (bytes: number) => Buffer = Buffer.allocUnsafe): Promise<Buffer> {
    const locations = await findBlocks(this.db, hashes);
    const asked = hashes.map((hash) => {
      const location = locations.get(hash);
      if (!location) throw new TandemError('not_found', `Block ${hash} is not on the server.`);
      return location;
    });
    const starts: number[] = [];
    let total = 0;
    for (const location of asked) {
      starts.push(total);
      total += BLOCK_FRAME_HEADER_BYTES + location.size;
    }
    starts.push(total);
    const body = allocate(total);
    const files = new Map<string, FileHandle>();
    try {
      for (let first = 0; first < asked.length; ) {
        const packId = asked[first]!.packId;
        let end = first + 1;
        while (
          end < asked.length &&
          asked[end]!.packId === packId &&
          asked[end]!.packOffset === asked[end - 1]!.packOffset + asked[end - 1]!.size + BLOCK_FRAME_HEADER_BYTES
        ) {
          end += 1;
        }
        const file = await this.openPackForReading(packId, files);
        const length = starts[end]! - starts[first]!;
        const from = asked[first]!.packOffset - BLOCK_FRAME_HEADER_BYTES;
        let read = 0;
        while (read < length) {
          const { bytesRead } = await file.read(body, starts[first]! + read, length - read, from + read);
          if (bytesRead === 0) break;
          read += bytesRead;
        }
        for (let i = first; i < end; i += 1) {
          const location = asked[i]!;
          const dataStart = starts[i]! + BLOCK_FRAME_HEADER_BYTES;
          const got = Math.max(0, Math.min(location.size, starts[first]! + read - dataStart));
          if (got !== location.size) throw damaged(location.hash, `only ${got} of ${location.size} bytes are in its pack`);
          // The header is written from the index, not trusted from the disk; then the bytes are
          // hashed and compared with it as raw digests (no hex string per block).
          const header = body.subarray(starts[i]!, dataStart);
          header.write(location.hash.slice(BLOCK_HASH_PREFIX.length), 0, BLOCK_HASH_BYTES, 'hex');
          header.writeUInt32BE(location.size, BLOCK_HASH_BYTES);
          if (!header.subarray(0, BLOCK_HASH_BYTES).equals(blockDigest(body.subarray(dataStart, dataStart + location.size)))) {
            throw damaged(location.hash, 'its bytes no longer match its hash');
          }
        }
        first = end;
      }
    } finally {
      await Promise.all([...files.values()].map((file) => file.close()));
    }
    return body;
  }

  private async openPackForReading(packId: string, files: Map<string, FileHandle>): Promise<FileHandle> {
    const open_ = files.get(packId);
    if (open_) return open_;
    try {
      const file = await open(join(this.packsDir, `${packId}.pack`), 'r');
      files.set(packId, file);
      return file;
    } catch (error) {
      if (isMissingFile(error)) throw new PackMissingError(`Pack ${packId} is missing from the server's data folder.`);
      throw error;
    }
  }

  async *readRange(blocks: readonly BlockRef[], start: number, end: number): AsyncIterable<Uint8Array> {
    let blockStart = 0;
    let group: RangePiece[] = [];
    let groupBytes = 0;
    for (const ref of blocks) {
      const blockEnd = blockStart + ref.size;
      if (blockEnd > start && blockStart < end) {
        group.push({ ref, from: Math.max(0, start - blockStart), to: Math.min(ref.size, end - blockStart) });
        groupBytes += ref.size;
        if (groupBytes >= READ_AHEAD_BYTES) {
          yield* await this.readPieces(group);
          group = [];
          groupBytes = 0;
        }
      }
      blockStart = blockEnd;
      if (blockStart >= end) break;
    }
    if (group.length > 0) yield* await this.readPieces(group);
  }

  private async readPieces(pieces: readonly RangePiece[]): Promise<Uint8Array[]> {
    const data = await this.readBlocks(pieces.map((piece) => piece.ref.hash));
    return pieces.map((piece, i) => {
      const bytes = data[i]!;
      if (bytes.length !== piece.ref.size) {
        throw damaged(piece.ref.hash, `it is ${bytes.length} bytes, the file's block list says ${piece.ref.size}`);
      }
      return bytes.subarray(piece.from, piece.to);
    });
  }

  // ---- garbage collection ----

  /**
   * Garbage collection runs in short steps on the writer (a chunk of drops, one pack's repack), so
   * uploads wait for one step at most, never for a whole collection. Collections run one at a time.
   */
  collectGarbage(options: GarbageCollectionOptions = {}): Promise<GarbageCollectionReport> {
    this.assertOpen();
    const now = options.now ?? this.clock();
    const cutoff = now - (options.graceMs ?? DEFAULT_GRACE_MS);
    const repackBelow = options.repackBelow ?? DEFAULT_REPACK_BELOW;
    const run = this.gcTail.then(async () => {
      const report: GarbageCollectionReport = {
        blocksFreed: 0,
        bytesFreed: 0,
        packsRepacked: 0,
        packsDeleted: 0,
        diskBytesReclaimed: 0,
        problems: [],
      };
      for (;;) {
        // Candidates referenced again meanwhile are kept (re-checked in the drop's transaction)
        // and no longer match, so the loop ends.
        const dropped = await this.whileOpen(async () => {
          const candidates = await garbageBlocks(this.db, cutoff, 1000);
          if (candidates.length === 0) return undefined;
          return this.db.transaction().execute((trx) => dropGarbageBlocks(trx, candidates, cutoff));
        });
        if (!dropped) break;
        report.blocksFreed += dropped.length;
        for (const block of dropped) report.bytesFreed += block.size;
      }
      const chosen = (await this.whileOpen(() => this.choosePacksToRepack(repackBelow))) ?? [];
      for (const pack of chosen) await this.whileOpen(() => this.repackOne(pack, report));
      await this.whileOpen(() => this.removeUnlistedPacks());
      return report;
    });
    this.gcTail = run.catch(() => undefined);
    return run;
  }

  /** Packs whose live share is below the threshold (or nothing live), from one snapshot. */
  private async choosePacksToRepack(repackBelow: number): Promise<PackToRepack[]> {
    const usage = await livePackUsage(this.db);
    const chosen: PackToRepack[] = [];
    for (const pack of await listPacks(this.db)) {
      const fileSize = await stat(join(this.packsDir, `${pack.id}.pack`)).then(
        (info) => info.size,
        (error: unknown) => {
          if (isMissingFile(error)) return 0;
          throw error;
        },
      );
      const live = usage.get(pack.id);
      const liveRecordBytes = live ? live.bytes + live.blocks * BLOCK_FRAME_HEADER_BYTES : 0;
      const payload = Math.max(fileSize - PACK_HEADER_BYTES, 0);
      if (live && payload > 0 && liveRecordBytes / payload >= repackBelow) continue;
      chosen.push({ id: pack.id, fileSize, live: live?.blocks ?? 0 });
    }
    if (this.current && chosen.some((pack) => pack.id === this.current?.id)) {
      // The pack being filled qualifies: seal it now, so that copies (this collection's and
      // uploads' alike) go to a fresh pack that is not in the list.
      const sealing = this.current;
      this.current = undefined;
      await sealing.file.close();
    }
    return chosen;
  }

  /** Copies a pack's live blocks into the current pack, moves the index, then deletes the pack. */
  private async repackOne(pack: PackToRepack, report: GarbageCollectionReport): Promise<void> {
    let copiedBytes = 0;
    if (pack.live > 0) {
      const blocks = await blocksInPack(this.db, pack.id);
      let data: Uint8Array[];
      try {
        data = framesData(await this.readFramesOnce(blocks.map((block) => block.hash)), blocks.length);
      } catch (error) {
        // A damaged block cannot be copied; keep the pack as it is and say so.
        report.problems.push(error instanceof Error ? error.message : String(error));
        return;
      }
      if (blocks.length > 0) {
        const appended = await this.append(
          blocks.map((block, i) => ({ hash: block.hash, digest: blockHashToBytes(block.hash), size: data[i]!.length, parts: [data[i]!] })),
          this.clock(),
        );
        await this.commitIndex(appended, async (trx) => {
          await moveBlocks(trx, pack.id, appended.locations);
          await deletePack(trx, pack.id);
        });
        copiedBytes = appended.locations.reduce((sum, block) => sum + block.size + BLOCK_FRAME_HEADER_BYTES, 0);
      } else {
        await this.db.transaction().execute((trx) => deletePack(trx, pack.id));
      }
      report.packsRepacked += 1;
    } else {
      await this.db.transaction().execute((trx) => deletePack(trx, pack.id));
      report.packsDeleted += 1;
    }
    // Only after the index moved on. If this fails (Windows: a reader has it open), the sweep retries.
    await unlink(join(this.packsDir, `${pack.id}.pack`)).catch(() => undefined);
    report.diskBytesReclaimed += Math.max(pack.fileSize - copiedBytes, 0);
  }

  /** Deletes pack files the index does not list (see the note at the top). Runs inside the writer. */
  private async removeUnlistedPacks(): Promise<void> {
    const listed = new Set((await listPacks(this.db)).map((pack) => pack.id));
    if (this.current) listed.add(this.current.id);
    for (const name of await readdir(this.packsDir)) {
      if (!PACK_FILE_PATTERN.test(name)) continue;
      if (listed.has(name.slice(0, -'.pack'.length))) continue;
      await unlink(join(this.packsDir, name)).catch(() => undefined);
    }
  }

  /** Continues the newest unsealed pack, cutting off an unfinished write past its indexed end. */
  private async resumeNewestPack(): Promise<void> {
    const open_ = (await listPacks(this.db)).filter((pack) => !pack.sealed);
    const newest = open_.at(-1);
    if (!newest) return;
    const path = join(this.packsDir, `${newest.id}.pack`);
    let file: FileHandle;
    try {
      file = await open(path, 'r+');
    } catch (error) {
      if (isMissingFile(error)) return; // reads of its blocks will say the pack is missing
      throw error;
    }
    const { size } = await file.stat();
    const header = Buffer.alloc(PACK_HEADER_BYTES);
    await file.read(header, 0, PACK_HEADER_BYTES, 0);
    if (size < newest.size || (newest.size > 0 && !header.equals(packHeader()))) {
      // Indexed bytes are gone or overwritten (the disk lied about a flush, or someone edited the
      // file): never append to it. Reads of its blocks verify and report what is damaged.
      await file.close();
      await this.db.transaction().execute((trx) => savePack(trx, { ...newest, sealed: true }));
      return;
    }
    if (size > newest.size) {
      await file.truncate(newest.size);
      await file.sync();
    }
    this.current = { id: newest.id, file, size: newest.size, createdAt: newest.createdAt };
  }

  async diskUsage(): Promise<{ packs: number; bytes: number }> {
    let packs = 0;
    let bytes = 0;
    for (const name of await readdir(this.packsDir)) {
      if (!PACK_FILE_PATTERN.test(name)) continue;
      const info = await stat(join(this.packsDir, name)).catch(() => undefined);
      if (!info) continue;
      packs += 1;
      bytes += info.size;
    }
    return { packs, bytes };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.exclusive(async () => {
      this.closed = true;
      const pack = this.current;
      this.current = undefined;
      await pack?.file.close();
      await this.unlock();
    });
  }

  private assertOpen(): void {
    if (this.closed) throw new TandemError('internal', 'The block store is closed.');
  }

  /** A step on the writer that is skipped once the store has closed (GC steps queued behind close). */
  private whileOpen<T>(task: () => Promise<T>): Promise<T | undefined> {
    return this.exclusive(async () => (this.closed ? undefined : task()));
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task);
    this.tail = run.catch(() => undefined);
    return run;
  }
}

export function openPackBlockStore(options: PackBlockStoreOptions): Promise<BlockStore> {
  return PackBlockStore.open(options);
}
