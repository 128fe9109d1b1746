// The effects that change only this disk (and the local tree): re-key, conflicted copy, create a
// folder, move/rename, move to the local trash. A local delete never unlinks user data: files and
// folders go to the local trash (.tandem/trash), and a file only if it is still exactly what the
// scanner saw (invariant 3: a delete only ever removes content equal to the base). A place that is
// taken or gone means the disk moved on since the scan: deferred, the next pass decides.
// A folder goes only when it holds nothing but OS clutter FILES (.DS_Store, Thumbs.db, desktop.ini,
// Icon\r, ._*; SCENARIOS #35): those, re-checked by name and kind on disk right then, go to the
// trash first. Anything else inside (a new file, a temp or lock file, a file the user ignores, a
// link or folder with a clutter name) keeps the folder (#19).

import { isClutterName } from '../ignore/built-in-patterns.ts';
import { joinPath } from '../fs/file-system.ts';
import type { Operation } from '../planner/operations.ts';
import type { TreeItem } from '../tree/item.ts';
import { isPlaceError, requireUnchanged, sameAsFacts, statOrUndefined } from './effect-context.ts';
import type { EffectContext } from './effect-context.ts';
import { Deferred, Refused } from './errors.ts';
import { ChangeSet, putFacts, removeFacts } from './change-set.ts';

type Op<K extends Operation['kind']> = Extract<Operation, { kind: K }>;

/** An fs call whose "taken/gone" failures mean the disk changed since the scan. */
async function onDisk(path: string, effect: () => Promise<unknown>): Promise<void> {
  try {
    await effect();
  } catch (error) {
    if (isPlaceError(error)) {
      throw new Deferred('target_changed', `"${path}" changed on disk since the last scan; it will be looked at again.`, path);
    }
    throw error;
  }
}

/** Gives item `fromId` the id `toId` in the local tree (children follow), with its facts. */
export function rekey(ctx: Pick<EffectContext, 'ports' | 'trees'>, changes: ChangeSet, fromId: string, toId: string, place?: { parentId: string; name: string }): void {
  const item = ctx.trees.local.get(fromId);
  if (!item) throw new Deferred('missing', `Item ${fromId} is no longer in the local tree.`, '');
  const moved: TreeItem = { ...item, id: toId, ...(place ?? {}) };
  if (fromId !== toId) {
    ctx.trees.removeLocal(changes, fromId);
    for (const child of ctx.trees.localChildren(fromId)) ctx.trees.putLocal(changes, { ...child, parentId: toId });
    const facts = ctx.ports.store.localFacts(fromId);
    removeFacts(changes, fromId);
    if (facts) putFacts(changes, toId, facts);
  }
  ctx.trees.putLocal(changes, moved);
}

/**
 * The server refused to create item `id` because it gave that id out before: the create landed
 * once (its answer lost to a crash), and the item was deleted on another device before this one
 * heard of it. Ids are never reused, so the local item takes a fresh one and the next pass
 * uploads it as new (edit beats delete); without this the same create was refused forever.
 */
export function idTakenRefusal(ctx: Pick<EffectContext, 'ports' | 'trees'>, id: string, path: string): Refused {
  const changes = new ChangeSet();
  rekey(ctx, changes, id, ctx.ports.newKey());
  return new Refused(`"${path}" was deleted on another device before this one finished sending it; it is sent again as a new item.`, path, changes);
}

/** No disk: the caller batches re-keys into one transaction, so `changes` may be shared. */
export function runRekeyLocal(ctx: EffectContext, op: Op<'rekeyLocal'>, changes: ChangeSet = new ChangeSet()): ChangeSet {
  rekey(ctx, changes, op.fromId, op.toId);
  ctx.trees.settle(changes, op.fromId, op.toId);
  return changes;
}

export async function runConflictCopy(ctx: EffectContext, op: Op<'conflictCopy'>): Promise<ChangeSet> {
  if (!(await statOrUndefined(ctx, op.fromPath))) throw new Deferred('missing', `"${op.fromPath}" is no longer there.`, op.fromPath);
  // A rename keeps every byte whatever happened to the file since the scan; the upload that
  // follows checks the content again.
  await onDisk(op.path, () => ctx.ports.fs.rename(op.fromPath, op.path));
  const changes = new ChangeSet();
  rekey(ctx, changes, op.fromId, op.id, { parentId: op.parentId, name: op.name });
  ctx.trees.settle(changes, op.fromId, op.id);
  return changes;
}

export async function runCreateLocalFolder(ctx: EffectContext, op: Op<'createLocalFolder'>): Promise<ChangeSet> {
  await onDisk(op.path, () => ctx.ports.fs.mkdir(op.path));
  const changes = new ChangeSet();
  ctx.trees.putLocal(changes, { id: op.id, parentId: op.parentId, name: op.name, kind: 'folder' });
  ctx.trees.settle(changes, op.id);
  return changes;
}

export async function runMoveLocal(ctx: EffectContext, op: Op<'moveLocal'>): Promise<ChangeSet> {
  const item = ctx.trees.local.get(op.id);
  if (!item) throw new Deferred('missing', `"${op.fromPath}" is no longer in the local tree.`, op.fromPath);
  await onDisk(op.fromPath, () => ctx.ports.fs.rename(op.fromPath, op.path));
  const changes = new ChangeSet();
  ctx.trees.putLocal(changes, { ...item, parentId: op.parentId, name: op.name });
  if (op.temporary) ctx.trees.parkBase(changes, op.id, op.parentId, op.name);
  ctx.trees.settle(changes, op.id);
  return changes;
}

export async function runTrashLocal(ctx: EffectContext, op: Op<'trashLocal'>): Promise<ChangeSet> {
  const { fs } = ctx.ports;
  const changes = new ChangeSet();
  if (op.itemKind === 'file') {
    await requireUnchanged(ctx, op.id, op.path, 'target_changed');
    let trashed = '';
    await onDisk(op.path, async () => {
      trashed = await fs.trash(op.path);
    });
    // Checked again where it went: a save between the check and the move (the user's editor
    // writing right then) must not be deleted with it (invariant 3). The move keeps the inode and
    // times, so the trashed file still tells whether it is what the scanner saw; if not, it goes
    // back, and the next pass sees an edit against a delete (the edit wins).
    const moved = await statOrUndefined(ctx, trashed);
    if (moved && !sameAsFacts(moved, ctx.ports.store.localFacts(op.id))) {
      await onDisk(op.path, () => fs.rename(trashed, op.path));
      throw new Deferred('target_changed', `"${op.path}" changed while it was being deleted; it is back and will be looked at again.`, op.path);
    }
  } else {
    const stat = await statOrUndefined(ctx, op.path);
    if (!stat || stat.kind !== 'folder') throw new Deferred('missing', `"${op.path}" is no longer a folder here.`, op.path);
    const entries = await fs.readdir(op.path);
    const keeper = entries.find((entry) => entry.kind !== 'file' || !isClutterName(entry.name));
    if (keeper) {
      throw new Deferred('not_empty', `"${op.path}" holds "${keeper.name}", so it is kept; it will be looked at again.`, op.path);
    }
    for (const entry of entries) await onDisk(op.path, () => fs.trash(joinPath(op.path, entry.name)));
    // Removed, not moved to the trash: an empty folder holds nothing to keep, and removing fails
    // if something arrived since the listing, where a move would have taken it along.
    await onDisk(op.path, () => fs.remove(op.path));
    // The clutter the scanner saw inside (ignored items of the local tree) went with the folder.
    for (const child of ctx.trees.localChildren(op.id)) {
      ctx.trees.removeLocal(changes, child.id);
      removeFacts(changes, child.id);
    }
  }
  ctx.trees.removeLocal(changes, op.id);
  removeFacts(changes, op.id);
  ctx.trees.settle(changes, op.id);
  return changes;
}
