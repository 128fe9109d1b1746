// The upload effect (SCENARIOS #36, #38). The file must be what the scanner saw (size, mtime,
// inode); it is chunked and hashed again through the FileSystem port (a big file the scanner
// chunked: the block list stored with those facts) and must still have the planned hash; the
// server is asked which blocks it lacks; only those are read again, each checked against its hash
// as it is sent; the file's stat must be unchanged at the end; only then is the block list
// committed (If-Match on the content version, or a create with our proposed id). A file that
// changes anywhere along the way aborts the upload (deferred: rescan, rehash, plan again): we
// never commit a hash that does not match the bytes sent. An interrupted upload costs nothing
// extra next time: the missing check skips what already arrived.

import type { BlockRef } from '../../../src-shared/protocol/common.ts';
import type { Operation } from '../planner/operations.ts';
import { requireUnchanged } from './effect-context.ts';
import type { EffectContext } from './effect-context.ts';
import { Deferred, Refused } from './errors.ts';
import type { CommitTarget } from './ports.ts';
import { chunkContent, readBlocks, withOffsets } from './read-content.ts';
import type { ChunkedContent } from './read-content.ts';
import { idTakenRefusal } from './local-effects.ts';
import { ChangeSet, putFacts } from './change-set.ts';

type UploadOp = Extract<Operation, { kind: 'upload' }>;

/** Block bytes per upload request: small enough that a lost request costs little. */
export const UPLOAD_REQUEST_BYTES = 16 * 1024 * 1024;
/** Upload requests of one file on the wire at once. */
export const UPLOAD_REQUESTS_IN_FLIGHT = 2;
/** Files up to this size are read once and sent from memory. */
export const READ_ONCE_BYTES = 8 * 1024 * 1024;

export async function runUpload(ctx: EffectContext, op: UploadOp): Promise<ChangeSet> {
  const { fs, remote } = ctx.ports;
  // op.path is where the file goes on the SERVER; on this disk it may sit elsewhere (a folder
  // renamed here whose rename the server gets after this upload).
  const path = ctx.trees.localPath(op.id) ?? op.path;
  const changed = () => new Deferred('source_changed', `"${path}" changed while it was being uploaded; it will be read again.`, path);
  const before = await requireUnchanged(ctx, op.id, path, 'source_changed');
  // A big file the scanner chunked has its block list stored with the facts just matched: no
  // second read of the whole file to chunk it (every block sent is still read and checked).
  const stored = before.size > READ_ONCE_BYTES ? storedBlocks(ctx, op) : undefined;
  const content = stored ?? (await chunkContent(fs, path, before.size, ctx.hasher, READ_ONCE_BYTES));
  if (content.hash !== op.hash || content.size !== op.size) throw changed();

  const unique = new Map(content.blocks.map((block) => [block.hash, block]));
  // The server holds every block of the content this commit replaces (its list known here): only
  // the others are asked about (an insert into a 100 MiB file: a few hashes, not ~1,600).
  const base = commitBase(ctx, op);
  const held = new Set(base?.blocks.map((block) => block.hash));
  const sendMissing = async (hashes: readonly string[]) => {
    const missing = new Set(await remote.missingBlocks(hashes));
    const toSend = [...unique.values()].filter((block) => missing.has(block.hash));
    let batch: Array<{ hash: string; data: Uint8Array }> = [];
    let batchBytes = 0;
    // Requests overlap: the next one is read and hashed while the last is on the wire and being
    // stored (one at a time left the disk, the network and the server taking turns).
    const sending: Promise<void>[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const blocks = batch;
      const bytes = batchBytes;
      batch = [];
      batchBytes = 0;
      const sent = remote.uploadBlocks(blocks).then(() => ctx.onBytes(bytes));
      sent.catch(() => undefined); // awaited below; a failure while another is awaited is not "unhandled"
      sending.push(sent);
      if (sending.length >= UPLOAD_REQUESTS_IN_FLIGHT) await sending.shift();
    };
    const source = content.data
      ? toSend.map((block) => ({ block, data: content.data!.subarray(block.offset, block.offset + block.size) }))
      : readBlocks(fs, path, toSend);
    for await (const { block, data } of source) {
      if (data.length !== block.size || ctx.hasher.hash(data) !== block.hash) throw changed();
      batch.push({ hash: block.hash, data });
      batchBytes += data.length;
      if (batchBytes >= UPLOAD_REQUEST_BYTES) await flush();
    }
    await flush();
    await Promise.all(sending);

    const after = await fs.lstat(path);
    if (after.size !== before.size || after.mtimeMs !== before.mtimeMs || after.inode !== before.inode) throw changed();
  };
  await sendMissing([...unique.keys()].filter((hash) => !held.has(hash)));

  const target: CommitTarget =
    op.ifMatchContent === undefined
      ? { kind: 'create', id: op.id, parentId: op.parentId, name: op.name, executable: op.executable }
      : { kind: 'commit', id: op.id, ifMatchContent: op.ifMatchContent, executable: op.executable };
  const blocks = content.blocks.map(({ hash, size }) => ({ hash, size }));
  const file = { hash: content.hash, size: content.size, blocks, ...(base ? { base } : {}) };
  let answer;
  try {
    answer = await remote.commitFile(target, file, ctx.idempotencyKey);
  } catch (error) {
    // A block the server had when asked was purged before the commit, or the base list known here
    // was not the server's (the delta refused): every block is asked about again, and the full
    // list committed once more.
    if (!(errorCode(error) === 'blocks_missing' || (base && errorStatus(error) === 400))) throw error;
    await sendMissing([...unique.keys()]);
    answer = await remote.commitFile(target, { hash: content.hash, size: content.size, blocks }, ctx.idempotencyKey);
  }
  if (!answer.ok && answer.reason === 'id_taken' && target.kind === 'create') throw idTakenRefusal(ctx, op.id, op.path);
  if (!answer.ok) throw new Refused(`The server did not take "${op.path}": ${answer.message}`, op.path);

  const changes = new ChangeSet();
  ctx.trees.putRemote(changes, answer.item);
  putFacts(changes, op.id, { size: before.size, mtimeMs: before.mtimeMs, inode: before.inode, hash: content.hash, blocks });
  ctx.trees.settle(changes, op.id);
  return changes;
}

/** The content a commit replaces, with its block list, when that list is known here. */
function commitBase(ctx: EffectContext, op: UploadOp): { hash: string; blocks: BlockRef[] } | undefined {
  if (op.ifMatchContent === undefined) return undefined;
  const current = ctx.trees.remote.get(op.id);
  if (!current?.hash || current.contentVersion !== op.ifMatchContent) return undefined;
  const blocks = ctx.ports.remote.knownBlocks?.(op.id, current.hash);
  return blocks ? { hash: current.hash, blocks } : undefined;
}

/** A remote failure's code (422 blocks_missing: the commit named blocks the server does not hold). */
function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

function errorStatus(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { status?: unknown }).status : undefined;
}

/** The block list stored with the facts of `op`'s file, when it is one of exactly the planned content. */
function storedBlocks(ctx: EffectContext, op: UploadOp): ChunkedContent | undefined {
  const facts = ctx.ports.store.localFacts(op.id);
  if (!facts?.blocks?.length || facts.hash !== op.hash) return undefined;
  const blocks = withOffsets(facts.blocks);
  const last = blocks.at(-1)!;
  return last.offset + last.size === op.size ? { hash: op.hash, size: op.size, blocks } : undefined;
}
