// The download effect (SCENARIOS #37, #39, #52, #59). In order:
//  1. the server still has the planned content (else refused: the next plan decides);
//  2. only the exec bit differs -> chmod, no transfer;
//  3. enough free space for the whole file, checked first (else deferred: never a truncated file);
//  4. blocks are streamed into a hidden temp file in the SAME folder (so the final rename is on
//     one volume); the temp name only appears once the whole content is written, fsynced and
//     verified (size and BLAKE3 of the assembled bytes against the remote item);
//  5. the target must be what the scanner last saw (size, mtime, inode) or still absent; if not,
//     the temp file goes and the target is left alone: the next scan sees the local edit and the
//     next plan makes a conflicted copy;
//  6. the old file goes to the local trash (an overwrite is recoverable, promise 1), then the temp
//     file is renamed into place. A crash between the two is repaired by recover.ts, which finds
//     the verified temp file by its journaled name;
//  7. only then do the local tree, the facts and the base advance.

import { TEMP_PREFIX, baseName, joinPath, parentPath } from '../fs/file-system.ts';
import type { TreeItem } from '../tree/item.ts';
import { requireUnchanged, statOrUndefined } from './effect-context.ts';
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

  const file = await remote.getItem(op.id);
  if (!file || file.item.hash !== op.hash) throw new Refused(`The server's copy of "${op.path}" changed since the plan.`, op.path);
  const total = file.blocks.reduce((sum, block) => sum + block.size, 0);
  if (total !== op.size) throw new Refused(`The server's block list for "${op.path}" does not add up to its size.`, op.path);

  const free = await fs.freeSpace();
  if (free < op.size + ctx.freeSpaceReserve) {
    throw new Deferred('no_space', `Not enough disk space to download "${op.path}" (${op.size} bytes); it waits until there is room.`, op.path);
  }

  const temp = downloadTempPath(op.path, ctx.idempotencyKey);
  try {
    await fs.writeFileAtomic(temp, verified(ctx, op, file.blocks), { executable: op.executable });
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
  if (current) await fs.trash(op.path);
  await fs.rename(temp, op.path);
  const stat = await fs.lstat(op.path);
  putFacts(changes, op.id, { size: stat.size, mtimeMs: stat.mtimeMs, inode: stat.inode, hash: op.hash, blocks: file.blocks });
  return finish(ctx, changes, op, current);
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

/** The blocks in order, hashed as they pass; the stream fails at its end unless size and hash match. */
async function* verified(ctx: EffectContext, op: DownloadOp, blocks: Parameters<EffectContext['ports']['remote']['fetchBlocks']>[0]): AsyncGenerator<Uint8Array> {
  const whole = await ctx.hasher.createIncremental();
  let size = 0;
  for await (const data of ctx.ports.remote.fetchBlocks(blocks)) {
    whole.update(data);
    size += data.length;
    ctx.onBytes(data.length);
    yield data;
  }
  const hash = whole.digest();
  if (size !== op.size || hash !== op.hash) {
    throw Object.assign(new Error(`The downloaded content of "${baseName(op.path)}" does not match the server's hash; it was not used.`), {
      retryable: true,
    });
  }
}
