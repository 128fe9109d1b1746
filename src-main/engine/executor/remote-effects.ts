// The effects that change only the server: create a folder, move/rename, delete (to the server's
// trash). Each sends the operation's Idempotency-Key and its If-Match; a refusal (stale version,
// name taken, cycle, folder not empty) changes nothing here and the next plan decides again.

import type { Operation } from '../planner/operations.ts';
import type { EffectContext } from './effect-context.ts';
import { Refused } from './errors.ts';
import { idTakenRefusal } from './local-effects.ts';
import type { DeleteAnswer, RemoteAnswer } from './ports.ts';
import { ChangeSet } from './change-set.ts';

type Op<K extends Operation['kind']> = Extract<Operation, { kind: K }>;

function accepted<A extends RemoteAnswer | DeleteAnswer>(answer: A, what: string, path: string): Extract<A, { ok: true }> {
  if (!answer.ok) throw new Refused(`The server refused to ${what} "${path}": ${answer.message}`, path);
  return answer as Extract<A, { ok: true }>;
}

export async function runCreateRemoteFolder(ctx: EffectContext, op: Op<'createRemoteFolder'>): Promise<ChangeSet> {
  const created = await ctx.ports.remote.createFolder({ id: op.id, parentId: op.parentId, name: op.name }, ctx.idempotencyKey);
  if (!created.ok && created.reason === 'id_taken') throw idTakenRefusal(ctx, op.id, op.path);
  const answer = accepted(created, 'create the folder', op.path);
  const changes = new ChangeSet();
  ctx.trees.putRemote(changes, answer.item);
  ctx.trees.settle(changes, op.id);
  return changes;
}

export async function runMoveRemote(ctx: EffectContext, op: Op<'moveRemote'>): Promise<ChangeSet> {
  const answer = accepted(
    await ctx.ports.remote.move(op.id, { parentId: op.parentId, name: op.name }, op.ifMatchMetadata, ctx.idempotencyKey),
    'move',
    op.fromPath,
  );
  const changes = new ChangeSet();
  ctx.trees.putRemote(changes, answer.item);
  if (op.temporary) ctx.trees.parkBase(changes, op.id, op.parentId, op.name);
  ctx.trees.settle(changes, op.id);
  return changes;
}

/**
 * A folder delete carries the cursor this device's plan was made from, so the server keeps what
 * another device changed inside since (SCENARIOS #17). A kept folder stays in the remote tree:
 * the changes feed will bring what is new inside it, but not the folder itself, which did not
 * change. The next plan then sees the folder deleted here and new content there, and restores it.
 */
export async function runDeleteRemote(ctx: EffectContext, op: Op<'deleteRemote'>): Promise<ChangeSet> {
  const seenCursor = op.itemKind === 'folder' ? ctx.ports.store.seenCursor() : undefined;
  const answer = accepted(
    await ctx.ports.remote.delete(op.id, { metadata: op.ifMatchMetadata, content: op.ifMatchContent }, seenCursor, ctx.idempotencyKey),
    'delete',
    op.path,
  );
  const changes = new ChangeSet();
  if (answer.kept) ctx.trees.putRemote(changes, answer.item);
  else ctx.trees.removeRemote(changes, op.id);
  ctx.trees.settle(changes, op.id);
  return changes;
}
