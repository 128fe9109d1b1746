// The planner: a PURE function of the three trees (remote, local, synced) and options, returning
// the operations that make both sides equal again. No disk, no network, no clock, no randomness
// (the clock value and the id minter come in through the options). Dropbox Nucleus style: the
// engine persists observations, not intentions; after any crash it simply plans again.
//
// How it decides, in phases (one file each):
//  0. focus.ts    narrow the three trees to what changed and what the phases below must read
//                 about it, so a pass costs its changes, not the folder; the plan is the one the
//                 whole trees (in id order) give. Like tree.ts's indexes, what it derives from a
//                 tree is remembered per (immutable) tree: memos, not state.
//  1. skip.ts     leave out excluded (selective sync) and ignored items, and local names the
//                 server refuses (reported), each with everything inside it in any tree.
//  2. pairing.ts  items created on both sides at the same path with the same kind and bytes are
//                 one item: ours adopts the server's id, nothing travels (#7, #54).
//  3. merge.ts    per id, against the base, place and content merged independently:
//                 - one side changed -> that side; both changed identically -> no conflict;
//                 - both edited the bytes differently -> the server's version keeps the item and
//                   path, ours becomes a conflicted copy beside it (not again if those bytes
//                   already sit in a conflicted copy of that file: bounded, #57);
//                 - both moved differently -> the server's place wins, ours is reported;
//                 - edited on one side, deleted on the other -> the edit wins, comes back;
//                 - deleted on one side, only moved/renamed on the other -> the delete wins
//                   (the bytes equal the base and go to the trash), reported;
//                 - folder replaced by a file on one side while the other changed inside it ->
//                   type conflict: the folder survives with all its content (#20).
//  4. repair.ts   make it a tree: a deleted folder holding something new comes back holding
//                 only that (#17, #18); our moves that close a cycle are undone (#12); a name
//                 taken on the server makes our moved item go back and our new item take a
//                 conflicted-copy or "(case conflict)" name (#24).
//  5. targets.ts  per side, what it should look like: the local target leaves out what this disk
//                 cannot hold (reported, never renamed on the server, never deleted here).
//                 Ignored local items stay, and a folder deleted elsewhere that holds one is
//                 kept and reported (kept_ignored, #19) -- EXCEPT OS clutter files (.DS_Store,
//                 Thumbs.db, desktop.ini, Icon\r, ._*): they never keep a folder alive; its
//                 trashLocal removes them with it (#35), and they stay wherever their folder stays.
//  6. mass-delete.ts  too many deletes on one side -> the plan asks INSTEAD of deleting.
//  7. order.ts    per side, a valid order: parents first, names freed before taken, moves out of
//                 a folder before its delete, children deleted before parents.
// Items already equal on both sides but not in the base are marked synced without transfer.
//
// The plan, in order: markSynced; local re-keys; local operations; remote operations; questions;
// reports. Local operations come before remote ones because uploads read what the local side
// holds under its (possibly new) id.
//
// What the executor must do for these plans to converge (test-support/world.ts models it, and the
// property tests prove the pair): after each operation, what the two sides now agree on becomes
// the base, ASPECT BY ASPECT (same bytes -> base bytes; same place -> base place; a new item
// enters the base only when both agree on everything; both gone -> forget it), because a download
// that lands while the server moved the item must not later read as a local edit. A `temporary`
// move also moves the base (it is our own parking step, not a user's move). A remote delete of a
// folder must be refused by the server when the folder is not empty (someone added to it since
// we looked); the next plan then keeps the folder as a container.
//
// Where this departs from a literal reading of DESIGN.md, and why:
//  - "moves before deletes" is a consequence, not a rule: a delete that frees a name runs BEFORE
//    the move that takes that name (delete a, rename b -> a), else the server refuses the move.
//  - A remotely deleted item that must come back (edited here, or a container of new items) is
//    re-created under a NEW id, because the server never reuses ids; the local copy is re-keyed.
//  - A change of kind (file <-> folder) is a new item (delete + create), never the same id; the
//    planner rejects inputs that say otherwise.
//  - DESIGN.md does not say what a pure move against a delete does; we apply the delete (no
//    bytes are lost: they equal the base and sit in the trash) and report it.

import { TandemError } from '../../../src-shared/errors.ts';
import { nameKey } from '../../../src-shared/names.ts';
import { sameState } from '../tree/item.ts';
import type { TreeItem } from '../tree/item.ts';
import { checkTree, patchTree, pathOf } from '../tree/tree.ts';
import type { Tree } from '../tree/tree.ts';
import { focus } from './focus.ts';
import { filesToDelete, massDeleteQuestion } from './mass-delete.ts';
import { mergeItems } from './merge.ts';
import type { Operation, PlanInput, Side } from './operations.ts';
import { sequence } from './order.ts';
import type { Step } from './order.ts';
import { adoptIdenticalCreates } from './pairing.ts';
import { repairStructure } from './repair.ts';
import { computeSkip } from './skip.ts';
import type { PlanState } from './state.ts';
import { buildTargets } from './targets.ts';

export type { Operation, PlanInput, PlanOptions } from './operations.ts';

/** The plan for the three trees, made over only the part of them that changed (focus.ts). */
export function plan(input: PlanInput): Operation[] {
  const focused = focus(input);
  return planWhole(focused.input, focused.settledFiles);
}

/**
 * The same plan made over the whole of the trees: what plan() must equal (planner.focus.test.ts).
 * `settledFiles`: synced files left out of these trees, counted by the mass-delete guard.
 */
export function planWhole(input: PlanInput, settledFiles = 0): Operation[] {
  validate(input);
  const { options } = input;
  const ignored = options.ignoredLocalIds ?? new Set<string>();
  const skip = computeSkip(input, options.excludedIds ?? new Set(), ignored, options.clutterLocalIds ?? ignored);
  const pairing = adoptIdenticalCreates(input.local, input.remote, input.synced, skip.all, options.localExecBits !== false);
  const state: PlanState = {
    rootId: input.remote.rootId,
    remote: input.remote,
    local: options.localExecBits === false ? withKnownExecBits(pairing.local, input.synced, input.remote) : pairing.local,
    synced: input.synced,
    options,
    skip: skip.all,
    clutter: skip.clutter,
    merged: new Map(),
    deleted: new Map(),
    recreated: new Map(),
    copies: new Map(),
    conflictRenamed: new Set(),
    reports: [...skip.reports],
    bookkeeping: [],
  };
  mergeItems(state, skip.excluded);
  repairStructure(state);
  const targets = buildTargets(state);

  // Mass-delete guard, per side: a question instead of the deletes (the items simply stay).
  const totalFiles = countFiles(input.synced, skip.all) + settledFiles;
  const asks: Operation[] = [];
  const guard = (side: Side, start: Tree, target: Map<string, TreeItem>) => {
    const doomed = filesToDelete(start, target);
    const ask = massDeleteQuestion(side, doomed, totalFiles, options, (id) => pathOf(start, id) ?? id);
    if (!ask) return;
    asks.push(ask);
    for (const item of start.items.values()) if (!target.has(item.id)) target.set(item.id, item);
  };
  guard('local', targets.localStart, targets.localTarget);
  guard('remote', input.remote, targets.remoteTarget);

  const localKey = options.localNameKey ?? ((name: string) => name);
  const local = sequence(targets.localStart, targets.localTarget, localKey, state.copies);
  const remote = sequence(input.remote, targets.remoteTarget, nameKey);

  const ops: Operation[] = [...state.bookkeeping];
  for (const [id, entry] of state.merged) {
    if (entry.remoteOnly || targets.notHeldLocally.has(id) || !entry.remote) continue;
    const here = targets.localStart.items.get(id);
    const base = input.synced.items.get(id);
    if (here && sameState(here, entry.remote) && (!base || !sameState(base, entry.remote))) {
      ops.push({ kind: 'markSynced', id, item: entry.remote });
    }
  }
  ops.push(...pairing.ops);
  for (const [fromId, toId] of state.recreated) {
    if (!pairing.local.items.has(fromId)) continue;
    ops.push({ kind: 'rekeyLocal', fromId, toId, reason: 'recreate', path: pathOf(pairing.local, fromId) ?? fromId });
  }
  const copyOf = new Map([...state.copies].map(([from, to]) => [to, from]));
  const localOps = local.steps.map((step) => localOperation(step, state, copyOf));
  // A conflicted copy that is not renamed in this plan still takes its new id, so that its upload
  // finds it and the original can come back under the old one.
  const renamedCopies = new Set(localOps.flatMap((op) => (op.kind === 'conflictCopy' ? [op.id] : [])));
  for (const [fromId, toId] of state.copies) {
    if (renamedCopies.has(toId)) continue;
    ops.push({ kind: 'rekeyLocal', fromId, toId, reason: 'copy', path: pathOf(pairing.local, fromId) ?? fromId });
  }
  ops.push(...localOps);
  for (const step of remote.steps) ops.push(remoteOperation(step));
  ops.push(...asks, ...state.reports);
  for (const item of [...local.blocked, ...remote.blocked]) {
    ops.push({
      kind: 'report',
      code: 'blocked',
      id: item.id,
      path: pathOf(targets.mergedTree, item.id) ?? item.name,
      message: 'Waiting: another item holds the name or the folder this needs; it is retried on the next pass.',
    });
  }
  return ops;
}

function localOperation(step: Step, state: PlanState, copyOf: Map<string, string>): Operation {
  switch (step.type) {
    case 'create': {
      const { item } = step;
      if (item.kind === 'folder') {
        return { kind: 'createLocalFolder', id: item.id, parentId: item.parentId as string, name: item.name, path: step.path };
      }
      return download(item, undefined, state, step.path);
    }
    case 'move': {
      const { after } = step;
      if (!step.temporary && state.conflictRenamed.has(after.id)) {
        return {
          kind: 'conflictCopy',
          fromId: copyOf.get(after.id) ?? after.id,
          id: after.id,
          parentId: after.parentId as string,
          name: after.name,
          fromPath: step.fromPath,
          path: step.path,
        };
      }
      return { kind: 'moveLocal', id: after.id, parentId: after.parentId as string, name: after.name, fromPath: step.fromPath, path: step.path, temporary: step.temporary };
    }
    case 'delete':
      return { kind: 'trashLocal', id: step.item.id, itemKind: step.item.kind, hash: step.item.hash, path: step.path };
    case 'content':
      return download({ ...step.after, parentId: step.before.parentId, name: step.before.name }, step.before.hash, state, step.path);
  }
}

function download(item: TreeItem, replacesHash: string | undefined, state: PlanState, path: string): Operation {
  return {
    kind: 'download',
    id: item.id,
    parentId: item.parentId as string,
    name: item.name,
    hash: item.hash ?? '',
    size: item.size ?? 0,
    executable: item.executable ?? false,
    contentVersion: state.merged.get(item.id)?.remote?.contentVersion,
    replacesHash,
    path,
  };
}

function remoteOperation(step: Step): Operation {
  switch (step.type) {
    case 'create': {
      const { item } = step;
      if (item.kind === 'folder') {
        return { kind: 'createRemoteFolder', id: item.id, parentId: item.parentId as string, name: item.name, path: step.path };
      }
      return upload(item, undefined, step.path);
    }
    case 'move': {
      const { before, after } = step;
      return {
        kind: 'moveRemote',
        id: after.id,
        parentId: after.parentId as string,
        name: after.name,
        ifMatchMetadata: before.metadataVersion,
        fromPath: step.fromPath,
        path: step.path,
        temporary: step.temporary,
      };
    }
    case 'delete':
      return {
        kind: 'deleteRemote',
        id: step.item.id,
        itemKind: step.item.kind,
        ifMatchMetadata: step.item.metadataVersion,
        ifMatchContent: step.item.contentVersion,
        path: step.path,
      };
    case 'content':
      return upload({ ...step.after, parentId: step.before.parentId, name: step.before.name }, step.before.contentVersion, step.path);
  }
}

function upload(item: TreeItem, ifMatchContent: number | undefined, path: string): Operation {
  return {
    kind: 'upload',
    id: item.id,
    parentId: item.parentId as string,
    name: item.name,
    hash: item.hash ?? '',
    size: item.size ?? 0,
    executable: item.executable ?? false,
    ifMatchContent,
    path,
  };
}

/**
 * The local tree of a disk without exec bits, each file given the bit it is known to have: the
 * base's, else the server's (an adopted create), else none. Reading "off" there is not an edit.
 */
function withKnownExecBits(local: Tree, synced: Tree, remote: Tree): Tree {
  const put: TreeItem[] = [];
  for (const item of local.items.values()) {
    if (item.kind !== 'file') continue;
    const known = (synced.items.get(item.id) ?? remote.items.get(item.id))?.executable ?? false;
    if ((item.executable ?? false) === known) continue;
    if (known) put.push({ ...item, executable: true });
    else {
      const { executable: _bit, ...rest } = item;
      put.push(rest);
    }
  }
  return put.length === 0 ? local : patchTree(local, put);
}

function countFiles(tree: Tree, skip: ReadonlySet<string>): number {
  let count = 0;
  for (const item of tree.items.values()) if (item.kind === 'file' && !skip.has(item.id)) count++;
  return count;
}

/** Bad input gets one clear error and plans nothing. */
function validate(input: PlanInput): void {
  const { remote, local, synced } = input;
  if (remote.rootId !== local.rootId || remote.rootId !== synced.rootId) {
    throw new TandemError('bad_request', 'The planner needs the same root id in the remote, local and synced trees.');
  }
  for (const [label, tree] of [['remote', remote], ['local', local]] as const) {
    const problem = checkTree(tree)[0];
    if (problem) throw new TandemError('bad_request', `The planner was given an invalid ${label} tree: ${problem.message}`);
    if (tree.items.get(tree.rootId)?.kind !== 'folder') {
      throw new TandemError('bad_request', `The planner was given an invalid ${label} tree: the root is not a folder.`);
    }
  }
  for (const [id, item] of local.items) {
    const other = remote.items.get(id) ?? synced.items.get(id);
    if (other && other.kind !== item.kind) {
      throw new TandemError('bad_request', `Item ${id} is a ${item.kind} here but a ${other.kind} elsewhere; a change of kind must use a new id.`);
    }
  }
  for (const [id, item] of remote.items) {
    const base = synced.items.get(id);
    if (base && base.kind !== item.kind) {
      throw new TandemError('bad_request', `Item ${id} is a ${item.kind} on the server but a ${base.kind} in the base; a change of kind must use a new id.`);
    }
  }
}
