// The download effect (SCENARIOS #37, #39, #52, #59). In order:
//  1. the server still has the planned content (else refused: the next plan decides);
//  2. only the exec bit differs -> chmod, no transfer;
//  3. enough free space for the whole file, checked first (else deferred: never a truncated file);
//  4. the new content is assembled in a hidden temp file in the SAME folder (so the final rename is
//     on one volume): every block this device already holds (in the old version of the file, or
//     in any other local file, by the index's block lists) is read from there and re-hashed, and
//     only the rest comes from the server (DESIGN.md: only changed blocks travel). The temp name
//     only appears once the whole content is written, fsynced and verified (size and BLAKE3 of
//     the assembled bytes against the remote item);
//  5. the target must be what the scanner last saw (size, mtime, inode) or still absent; if not,
//     the temp file goes and the target is left alone: the next scan sees the local edit and the
//     next plan makes a conflicted copy;
//  6. the old file goes to the local trash (an overwrite is recoverable, promise 1), then the temp
//     file is renamed into place. A crash between the two is repaired by recover.ts, which finds
//     the verified temp file by its journaled name;
//  7. only then do the local tree, the facts (with the block list, for the next download to
//     reuse) and the base advance.

import { TEMP_PREFIX, baseName, joinPath, parentPath } from '../fs/file-system.ts';
import type { BlockRef } from '../../../src-shared/protocol/common.ts';
import type { FileSystem } from '../fs/file-system.ts';
import type { TreeItem } from '../tree/item.ts';
import { requireUnchanged, sameAsFacts, statOrUndefined } from './effect-context.ts';
import type { EffectContext } from './effect-context.ts';
import { Deferred, Refused } from './errors.ts';
import { ChangeSet, putFacts } from './change-set.ts';
import type { Operation } from '../planner/operations.ts';

type DownloadOp = Extract<Operation, { kind: 'download' }>;

/** The temp file of one download: hidden, ignored (`.tandem*`), named after the operation's key. */
export function downloadTempPath(path: string, idempotencyKey: string): string {
  return joinPath(parentPath(path), `${TEMP_PREFIX}dl-${idempotencyKey}`);
}

export async function runDownload(ctx: EffectContext, op: DownloadOp): Promise<ChangeSet> {
  const { fs, remote } = ctx.ports;
  const known = ctx.trees.remote.get(op.id);
  if (!known || known.hash !== op.hash) throw new Refused(`The server's copy of "${op.path}" changed since the plan.`, op.path);
  const current = ctx.trees.local.get(op.id);
  const changes = new ChangeSet();

  if (current && current.hash === op.hash) {
    // Same bytes, other exec bit (#52): no transfer. setExecutable never sets setuid/setgid.
    await requireUnchanged(ctx, op.id, op.path, 'target_changed');
    await fs.setExecutable(op.path, op.executable);
    const stat = await fs.lstat(op.path);
    const facts = ctx.ports.store.localFacts(op.id);
    putFacts(changes, op.id, { ...facts, size: stat.size, mtimeMs: stat.mtimeMs, inode: stat.inode, hash: op.hash });
    return finish(ctx, changes, op, current);
  }

  // The block list as the feed carried it, when it did (one request less per file); else, for a
  // file held here with its list, asked as a change from that list (a big file's list is ~140 KB
  // whole, a few hundred bytes as a delta); else asked whole.
  const listed = remote.knownBlocks?.(op.id, op.hash) ?? (await listSince(ctx, op, known.contentVersion));
  const file = listed ? { item: known, blocks: listed } : await remote.getItem(op.id);
  if (!file || file.item.hash !== op.hash) throw new Refused(`The server's copy of "${op.path}" changed since the plan.`, op.path);
  const total = file.blocks.reduce((sum, block) => sum + block.size, 0);
  if (total !== op.size) throw new Refused(`The server's block list for "${op.path}" does not add up to its size.`, op.path);

  const free = await freeSpace(fs, op.size + ctx.freeSpaceReserve);
  if (free < op.size + ctx.freeSpaceReserve) {
    throw new Deferred('no_space', `Not enough disk space to download "${op.path}" (${op.size} bytes); it waits until there is room.`, op.path);
  }

  const temp = downloadTempPath(op.path, ctx.idempotencyKey);
  let written;
  try {
    const sources = localSources(ctx, op, file.blocks);
    written = await fs.writeFileAtomic(temp, assemble(ctx, op, file.blocks, sources), { executable: op.executable });
  } catch (error) {
    await fs.remove(temp).catch(() => undefined);
    throw error;
  }

  // The target must be untouched since the scan (or still absent) — else leave it (#37).
  try {
    if (current) await requireUnchanged(ctx, op.id, op.path, 'target_changed');
    else if (await statOrUndefined(ctx, op.path)) {
      throw new Deferred('target_changed', `Something new appeared at "${op.path}"; it will be looked at again.`, op.path);
    }
  } catch (error) {
    await fs.remove(temp).catch(() => undefined);
    throw error;
  }
  try {
    if (current) {
      const trashed = await fs.trash(op.path);
      // Checked again where it went, as a local delete is (local-effects.ts): a save between the
      // check above and the move to the trash goes back, and the next pass sees a conflict.
      const moved = await statOrUndefined(ctx, trashed);
      if (moved && !sameAsFacts(moved, ctx.ports.store.localFacts(op.id))) {
        await fs.rename(trashed, op.path);
        throw new Deferred('target_changed', `"${op.path}" changed while it was being replaced; it is back and will be looked at again.`, op.path);
      }
    }
    await fs.rename(temp, op.path);
  } catch (error) {
    // Something took the name at the last moment (the user saving a new file there): the
    // operation waits for the next pass, and its temp file must not stay behind for ever.
    await fs.remove(temp).catch(() => undefined);
    throw error;
  }
  // The facts of the file WE wrote (a rename keeps inode and mtime), not a stat taken now: a save
  // by the user right after the rename would otherwise be recorded as the server's bytes, and
  // never be uploaded (simulation seed 371).
  putFacts(changes, op.id, { size: written.size, mtimeMs: written.mtimeMs, inode: written.inode, hash: op.hash, blocks: file.blocks });
  return finish(ctx, changes, op, current);
}

/** The new content's block list as a change from the list of the content this device holds, if the port can. */
async function listSince(ctx: EffectContext, op: DownloadOp, contentVersion: number | undefined): Promise<BlockRef[] | undefined> {
  const { remote, store } = ctx.ports;
  if (!remote.blocksSince || contentVersion === undefined || ctx.trees.local.get(op.id)?.kind !== 'file') return undefined;
  const facts = store.localFacts(op.id);
  if (!facts?.hash || !facts.blocks?.length) return undefined;
  return remote.blocksSince(op.id, contentVersion, op.hash, { hash: facts.hash, blocks: facts.blocks });
}

/** How long a free-space reading is reused (minus what downloads took since) when it leaves room. */
const FREE_SPACE_READING_MS = 1000;
const freeSpaceReadings = new WeakMap<FileSystem, { at: number; free: number }>();

/**
 * The free space, for a download that needs `needed` bytes. Asking the disk (statfs) for each of
 * thousands of small downloads was a tenth of their CPU time; a recent reading is used instead
 * when, after what was promised since, it still leaves room. A reading that does not is taken
 * again: a full disk is never judged from memory.
 */
async function freeSpace(fs: FileSystem, needed: number): Promise<number> {
  const now = performance.now();
  const last = freeSpaceReadings.get(fs);
  if (last && now - last.at < FREE_SPACE_READING_MS && last.free >= needed) {
    last.free -= needed;
    return last.free + needed;
  }
  const free = await fs.freeSpace();
  freeSpaceReadings.set(fs, { at: now, free: free - needed });
  return free;
}

function finish(ctx: EffectContext, changes: ChangeSet, op: DownloadOp, current: TreeItem | undefined): ChangeSet {
  const item: TreeItem = current
    ? { ...current, hash: op.hash, size: op.size, executable: op.executable }
    : { id: op.id, parentId: op.parentId, name: op.name, kind: 'file', hash: op.hash, size: op.size, executable: op.executable };
  ctx.trees.putLocal(changes, stripVersions(item));
  ctx.trees.settle(changes, op.id);
  return changes;
}

/** Local items carry no server versions. */
function stripVersions(item: TreeItem): TreeItem {
  const { metadataVersion: _m, contentVersion: _c, ...rest } = item;
  return rest;
}

/** File bytes assembled per window: one server request's worth at most, and the memory held. */
export const ASSEMBLY_WINDOW_BYTES = 16 * 1024 * 1024;
/** Contiguous local blocks are read in one go, up to this many bytes. */
const LOCAL_RUN_BYTES = 4 * 1024 * 1024;
/**
 * Other local files are searched for blocks only when at least this much would otherwise come
 * from the server: the search reads every file's block list (about 0.4 s for 100k files, measured
 * on the SQLite index), which costs more than fetching a small file on a LAN, and an initial sync
 * downloads thousands of small files.
 */
export const SEARCH_OTHER_FILES_BYTES = 8 * 1024 * 1024;
/** Places tried per block before it is fetched from the server. */
const SOURCES_PER_BLOCK = 2;

/** Where a block might be read locally: a file (its path now) and an offset in it. */
interface LocalSource {
  path: string;
  offset: number;
}

/**
 * Where this device may already hold the new content's blocks: first the old version of the same
 * file (an edit changes few blocks), then, when much is still missing, any other local file. The
 * lists come from the index and may be stale; every block read from them is re-hashed.
 */
export function localSources(ctx: EffectContext, op: DownloadOp, blocks: readonly BlockRef[]): Map<string, LocalSource[]> {
  const wanted = new Set(blocks.map((block) => block.hash));
  const sources = new Map<string, LocalSource[]>();
  const add = (hash: string, source: LocalSource) => {
    const list = sources.get(hash);
    if (!list) sources.set(hash, [source]);
    else if (list.length < SOURCES_PER_BLOCK && !list.some((s) => s.path === source.path && s.offset === source.offset)) list.push(source);
  };

  const ownPath = ctx.trees.local.get(op.id)?.kind === 'file' ? ctx.trees.localPath(op.id) : undefined;
  const own = ownPath === undefined ? undefined : ctx.ports.store.localFacts(op.id)?.blocks;
  if (ownPath !== undefined && own) {
    let offset = 0;
    for (const block of own) {
      if (wanted.has(block.hash)) add(block.hash, { path: ownPath, offset });
      offset += block.size;
    }
  }

  const missingBytes = blocks.reduce((sum, block) => (sources.has(block.hash) ? sum : sum + block.size), 0);
  if (missingBytes < SEARCH_OTHER_FILES_BYTES) return sources;
  const missing = new Set([...wanted].filter((hash) => !sources.has(hash)));
  for (const [hash, places] of ctx.ports.store.blockLocations(missing)) {
    for (const place of places) {
      if (place.id === op.id || ctx.trees.local.get(place.id)?.kind !== 'file') continue;
      const path = ctx.trees.localPath(place.id);
      if (path !== undefined) add(hash, { path, offset: place.offset });
    }
  }
  return sources;
}

/**
 * The new content's bytes in order, window by window: the blocks found locally are read (runs
 * of neighbours in one read) and kept only if they still hash right; the rest of the window is
 * fetched from the server in one call. The stream fails at its end unless size and hash match.
 */
async function* assemble(ctx: EffectContext, op: DownloadOp, blocks: readonly BlockRef[], sources: Map<string, LocalSource[]>): AsyncGenerator<Uint8Array> {
  const { hasher } = ctx;
  const whole = await hasher.createIncremental();
  let size = 0;
  const fill = async (window: readonly BlockRef[]): Promise<Array<Uint8Array | undefined>> => {
    const slots = await readLocalBlocks(ctx, window, sources);
    const fromServer = window.filter((_, at) => !slots[at]);
    if (fromServer.length > 0) {
      let at = 0;
      for await (const data of ctx.ports.remote.fetchBlocks(fromServer)) {
        while (slots[at]) at += 1;
        slots[at] = data;
        ctx.onBytes(data.length);
      }
    }
    return slots;
  };
  // The next window is fetched while this one is written (two windows in memory at most): one at
  // a time left the network idle during every write and the disk idle during every fetch.
  const all = [...windows(blocks, ASSEMBLY_WINDOW_BYTES)];
  const prefetch = (at: number) => {
    if (at >= all.length) return undefined;
    const filled = fill(all[at]!);
    filled.catch(() => undefined); // awaited in turn; an early end must not leave it "unhandled"
    return filled;
  };
  let next = prefetch(0);
  for (let at = 0; at < all.length; at += 1) {
    const slots = await next!;
    next = prefetch(at + 1);
    let windowBytes = 0;
    for (const data of slots) {
      if (!data) throw Object.assign(new Error(`The server sent too few blocks for "${baseName(op.path)}"; it was not used.`), { retryable: true });
      whole.update(data);
      windowBytes += data.length;
    }
    size += windowBytes;
    // Few writes per window, not one per block: hundreds of small awaited writes per 16 MiB
    // made writing the file the slowest step of a big download (~50 ms per window, profiled).
    // Blocks read locally in one run are neighbours in one buffer and are written as it is
    // (copying all 100 MiB of an edited file into window buffers was ~100 ms and most of its GC).
    const runs = contiguousRuns(slots as Uint8Array[]);
    if (runs.length <= MAX_WRITES_PER_WINDOW) yield* runs;
    else yield joined(slots as Uint8Array[], windowBytes);
  }
  const hash = whole.digest();
  if (size !== op.size || hash !== op.hash) {
    throw Object.assign(new Error(`The downloaded content of "${baseName(op.path)}" does not match the server's hash; it was not used.`), {
      retryable: true,
    });
  }
}

/** Above this many separate pieces a window is copied into one buffer and written once. */
const MAX_WRITES_PER_WINDOW = 8;

/** The pieces in order, neighbours that are adjacent views of one buffer merged (no copy). */
function contiguousRuns(pieces: readonly Uint8Array[]): Uint8Array[] {
  const runs: Uint8Array[] = [];
  let current: Uint8Array | undefined;
  for (const piece of pieces) {
    if (current && current.buffer === piece.buffer && current.byteOffset + current.byteLength === piece.byteOffset) {
      current = new Uint8Array(current.buffer, current.byteOffset, current.byteLength + piece.byteLength);
    } else {
      if (current) runs.push(current);
      current = piece;
    }
  }
  if (current) runs.push(current);
  return runs;
}

function joined(pieces: readonly Uint8Array[], bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}

/** The blocks, cut into consecutive windows of at most `bytes` (at least one block each). */
function* windows(blocks: readonly BlockRef[], bytes: number): Generator<BlockRef[]> {
  let current: BlockRef[] = [];
  let size = 0;
  for (const block of blocks) {
    if (current.length > 0 && size + block.size > bytes) {
      yield current;
      current = [];
      size = 0;
    }
    current.push(block);
    size += block.size;
  }
  if (current.length > 0) yield current;
}

/**
 * One window's blocks that could be read locally and still match their hash (undefined where
 * not). A block the window repeats is read once. A place that cannot be read (gone, changed,
 * unreadable) is just not used: the server has the block.
 */
async function readLocalBlocks(ctx: EffectContext, window: readonly BlockRef[], sources: Map<string, LocalSource[]>): Promise<Array<Uint8Array | undefined>> {
  const slots: Array<Uint8Array | undefined> = new Array(window.length);
  const good = new Map<string, Uint8Array>();
  const accept = (block: BlockRef, data: Uint8Array | undefined): boolean => {
    if (!data || data.length !== block.size || ctx.hasher.hash(data) !== block.hash) return false;
    good.set(block.hash, data);
    return true;
  };

  // First choice of each block, neighbours in one file read together.
  for (let at = 0; at < window.length; ) {
    const block = window[at]!;
    const first = sources.get(block.hash)?.[0];
    if (!first || good.has(block.hash)) {
      at += 1;
      continue;
    }
    let end = at + 1;
    let runBytes = block.size;
    for (; end < window.length; end += 1) {
      const next = window[end]!;
      const place = sources.get(next.hash)?.[0];
      if (!place || place.path !== first.path || place.offset !== first.offset + runBytes || runBytes + next.size > LOCAL_RUN_BYTES) break;
      runBytes += next.size;
    }
    const data = await readOrUndefined(ctx, first.path, first.offset, runBytes);
    let within = 0;
    for (let k = at; k < end; k += 1) {
      const piece = window[k]!;
      if (!good.has(piece.hash)) accept(piece, data?.subarray(within, within + piece.size));
      within += piece.size;
    }
    at = end;
  }
  // Second choices, one by one, for blocks whose first place did not hold them any more.
  for (const block of window) {
    if (good.has(block.hash)) continue;
    for (const place of sources.get(block.hash)?.slice(1) ?? []) {
      if (accept(block, await readOrUndefined(ctx, place.path, place.offset, block.size))) break;
    }
  }
  window.forEach((block, at) => {
    slots[at] = good.get(block.hash);
  });
  return slots;
}

async function readOrUndefined(ctx: EffectContext, path: string, offset: number, length: number): Promise<Uint8Array | undefined> {
  try {
    return await ctx.ports.fs.readRange(path, offset, length);
  } catch {
    return undefined;
  }
}
