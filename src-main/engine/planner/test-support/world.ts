// Test support: a pure model of one device and the server, to which planned operations are
// applied the way the executor and the server would apply them. Local operations must always be
// valid (the local side does not change while a plan runs, so an invalid one is a planner bug and
// throws); remote operations may be refused like the server would (stale If-Match, a name taken,
// a cycle, a missing parent, a non-empty folder), and then the next plan sees the new state.

import { checkName, nameKey } from '../../../../src-shared/names.ts';
import { isClutterName } from '../../ignore/built-in-patterns.ts';
import { sameContent, samePlace, sameState } from '../../tree/item.ts';
import type { TreeItem } from '../../tree/item.ts';
import { checkTree } from '../../tree/tree.ts';
import type { Tree } from '../../tree/tree.ts';
import type { Operation } from '../operations.ts';

export const ROOT = 'root';

export class PlannerBug extends Error {}

export interface World {
  local: Map<string, TreeItem>;
  server: Map<string, TreeItem>;
  synced: Map<string, TreeItem>;
  /** Every content hash removed from a side by an operation (what the trash and versions hold). */
  trashed: string[];
  /** Content replaced or deleted although it was not the base (SCENARIOS invariant 3). */
  baseViolations: string[];
  localKey: (name: string) => string;
}

export function rootItem(): TreeItem {
  return { id: ROOT, parentId: null, name: '', kind: 'folder', metadataVersion: 1, contentVersion: 1 };
}

export function newWorld(local: Iterable<TreeItem>, server: Iterable<TreeItem>, synced: Iterable<TreeItem>): World {
  return {
    local: new Map([...local].map((i) => [i.id, i])),
    server: new Map([...server].map((i) => [i.id, i])),
    synced: new Map([...synced].map((i) => [i.id, i])),
    trashed: [],
    baseViolations: [],
    localKey: (name) => name,
  };
}

export function snapshot(map: Map<string, TreeItem>): Tree {
  return { rootId: ROOT, items: new Map(map) };
}

type Result = 'ok' | 'refused';

/** Invariant 3: bytes are only deleted or overwritten where they equal the base (or are kept elsewhere on that side). */
function checkBase(world: World, side: Map<string, TreeItem>, item: TreeItem, op: Operation): void {
  if (item.kind !== 'file') return;
  if (world.synced.get(item.id)?.hash === item.hash) return;
  for (const other of side.values()) if (other.id !== item.id && other.hash === item.hash) return;
  world.baseViolations.push(`${op.kind} ${item.id} removed ${item.hash}, base ${world.synced.get(item.id)?.hash}`);
}

function childOf(map: Map<string, TreeItem>, parentId: string, name: string, key: (n: string) => string): TreeItem | undefined {
  const wanted = key(name);
  for (const item of map.values()) if (item.parentId === parentId && key(item.name) === wanted) return item;
  return undefined;
}

function hasChildren(map: Map<string, TreeItem>, id: string): boolean {
  for (const item of map.values()) if (item.parentId === id) return true;
  return false;
}

function inside(map: Map<string, TreeItem>, id: string, folderId: string): boolean {
  let current: string | null = folderId;
  for (let guard = 0; current !== null && guard <= map.size; guard++) {
    if (current === id) return true;
    current = map.get(current)?.parentId ?? null;
  }
  return false;
}

function placeable(map: Map<string, TreeItem>, id: string, parentId: string, name: string, key: (n: string) => string): string | undefined {
  const parent = map.get(parentId);
  if (!parent || parent.kind !== 'folder') return `no folder ${parentId}`;
  const holder = childOf(map, parentId, name, key);
  if (holder && holder.id !== id) return `name "${name}" taken by ${holder.id}`;
  if (map.has(id) && inside(map, id, parentId)) return 'cycle';
  return undefined;
}

function local(world: World, condition: unknown, op: Operation): void {
  if (typeof condition === 'string') throw new PlannerBug(`invalid local operation ${JSON.stringify(op)}: ${condition}`);
}

function bump(item: TreeItem, which: 'metadataVersion' | 'contentVersion'): TreeItem {
  return { ...item, [which]: (item[which] ?? 0) + 1 };
}

/** Applies one operation; 'refused' when the server would refuse it. Throws PlannerBug for invalid local ones. */
export function apply(world: World, op: Operation): Result {
  const L = world.local;
  const S = world.server;
  switch (op.kind) {
    case 'report':
    case 'ask':
      return 'ok';
    case 'markSynced':
      if (op.item === null) world.synced.delete(op.id);
      else world.synced.set(op.id, op.item);
      return 'ok';
    case 'rekeyLocal': {
      const item = L.get(op.fromId);
      local(world, !item ? 'missing' : L.has(op.toId) ? 'target id exists' : undefined, op);
      L.delete(op.fromId);
      L.set(op.toId, { ...(item as TreeItem), id: op.toId });
      for (const [id, child] of L) if (child.parentId === op.fromId) L.set(id, { ...child, parentId: op.toId });
      settle(world, op.fromId, op.toId);
      return 'ok';
    }
    case 'conflictCopy': {
      const item = L.get(op.fromId);
      local(world, !item ? 'missing' : op.id !== op.fromId && L.has(op.id) ? 'copy id exists' : placeable(L, op.fromId, op.parentId, op.name, world.localKey), op);
      L.delete(op.fromId);
      L.set(op.id, { ...(item as TreeItem), id: op.id, parentId: op.parentId, name: op.name });
      settle(world, op.fromId, op.id);
      return 'ok';
    }
    case 'createLocalFolder':
      local(world, L.has(op.id) ? 'exists' : placeable(L, op.id, op.parentId, op.name, world.localKey), op);
      L.set(op.id, { id: op.id, parentId: op.parentId, name: op.name, kind: 'folder' });
      settle(world, op.id);
      return 'ok';
    case 'download': {
      const source = S.get(op.id);
      if (!source || source.hash !== op.hash || (source.executable ?? false) !== op.executable) return 'refused';
      const current = L.get(op.id);
      if (current) {
        local(world, current.hash !== op.replacesHash ? `target changed (${current.hash} vs ${op.replacesHash})` : undefined, op);
        if (current.hash !== op.hash) {
          checkBase(world, L, current, op);
          world.trashed.push(current.hash as string);
        }
        L.set(op.id, { ...current, hash: op.hash, size: op.size, executable: op.executable });
      } else {
        local(world, op.replacesHash !== undefined ? 'replaces a missing file' : placeable(L, op.id, op.parentId, op.name, world.localKey), op);
        L.set(op.id, { id: op.id, parentId: op.parentId, name: op.name, kind: 'file', hash: op.hash, size: op.size, executable: op.executable });
      }
      settle(world, op.id);
      return 'ok';
    }
    case 'moveLocal': {
      const item = L.get(op.id);
      local(world, !item ? 'missing' : placeable(L, op.id, op.parentId, op.name, world.localKey), op);
      L.set(op.id, { ...(item as TreeItem), parentId: op.parentId, name: op.name });
      if (op.temporary) parkBase(world, op.id, op.parentId, op.name);
      settle(world, op.id);
      return 'ok';
    }
    case 'trashLocal': {
      const item = L.get(op.id);
      // Like the executor: a folder's OS clutter files (re-checked by name) go with it (#35).
      const clutter = item?.kind === 'folder' ? [...L.values()].filter((c) => c.parentId === op.id && c.kind === 'file' && isClutterName(c.name)) : [];
      for (const c of clutter) L.delete(c.id);
      local(world, !item ? 'missing' : item.kind === 'file' && item.hash !== op.hash ? 'content changed' : hasChildren(L, op.id) ? 'folder not empty' : undefined, op);
      if (item?.hash) world.trashed.push(item.hash);
      if (item) checkBase(world, L, item, op);
      L.delete(op.id);
      settle(world, op.id);
      return 'ok';
    }
    case 'createRemoteFolder':
    case 'upload': {
      const existing = S.get(op.id);
      const content = op.kind === 'upload' ? { hash: op.hash, size: op.size, executable: op.executable } : {};
      if (op.kind === 'upload' && op.ifMatchContent !== undefined) {
        if (!existing || existing.contentVersion !== op.ifMatchContent) return 'refused';
        if (existing.hash !== op.hash) {
          checkBase(world, S, existing, op);
          world.trashed.push(existing.hash as string);
        }
        S.set(op.id, bump({ ...existing, ...content }, 'contentVersion'));
      } else {
        if (existing || !checkName(op.name).ok || placeable(S, op.id, op.parentId, op.name, nameKey) !== undefined) return 'refused';
        const kind = op.kind === 'upload' ? 'file' : 'folder';
        S.set(op.id, { id: op.id, parentId: op.parentId, name: op.name, kind, ...content, metadataVersion: 1, contentVersion: 1 });
      }
      settle(world, op.id);
      return 'ok';
    }
    case 'moveRemote': {
      const item = S.get(op.id);
      if (!item || (op.ifMatchMetadata !== undefined && item.metadataVersion !== op.ifMatchMetadata)) return 'refused';
      if (placeable(S, op.id, op.parentId, op.name, nameKey) !== undefined || !checkName(op.name).ok) return 'refused';
      S.set(op.id, bump({ ...item, parentId: op.parentId, name: op.name }, 'metadataVersion'));
      if (op.temporary) parkBase(world, op.id, op.parentId, op.name);
      settle(world, op.id);
      return 'ok';
    }
    case 'deleteRemote': {
      const item = S.get(op.id);
      if (!item || item.metadataVersion !== op.ifMatchMetadata || item.contentVersion !== op.ifMatchContent) return 'refused';
      if (hasChildren(S, op.id)) return 'refused';
      if (item.hash) world.trashed.push(item.hash);
      checkBase(world, S, item, op);
      S.delete(op.id);
      settle(world, op.id);
      return 'ok';
    }
  }
}

/**
 * The executor's rule: what both sides agree on becomes the base, aspect by aspect. Same content
 * -> the base takes that content; same place -> the base takes that place (an item new to the
 * base enters it only when both sides agree on everything); both gone -> forget it.
 */
function settle(world: World, ...ids: string[]): void {
  for (const id of ids) {
    const l = world.local.get(id);
    const s = world.server.get(id);
    const b = world.synced.get(id);
    if (!l && !s) world.synced.delete(id);
    if (!l || !s) continue;
    if (sameState(l, s)) world.synced.set(id, s);
    else if (b && sameContent(l, s)) world.synced.set(id, { ...s, parentId: b.parentId, name: b.name });
    else if (b && samePlace(l, s)) world.synced.set(id, { ...b, parentId: s.parentId, name: s.name });
  }
}

/**
 * A temporary move (parking an item while names are swapped) is the engine's own step, not a
 * user's move: the base moves with it, so if the plan stops there the next plan finishes the job
 * instead of seeing a move on one side.
 */
function parkBase(world: World, id: string, parentId: string, name: string): void {
  const base = world.synced.get(id);
  if (base) world.synced.set(id, { ...base, parentId, name });
}

/** Orphans, cycles, items in files, duplicate names: never allowed on either side. */
export function structuralProblems(world: World): string[] {
  const problems: string[] = [];
  for (const p of checkTree(snapshot(world.local), world.localKey)) problems.push(`local: ${p.message}`);
  for (const p of checkTree(snapshot(world.server), nameKey)) problems.push(`server: ${p.message}`);
  return problems;
}

/** Ids on which local, server and synced disagree (by place, kind and content). */
export function divergence(world: World, ignore: ReadonlySet<string> = new Set()): string[] {
  const out: string[] = [];
  const ids = new Set([...world.local.keys(), ...world.server.keys(), ...world.synced.keys()]);
  for (const id of ids) {
    if (ignore.has(id)) continue;
    const l = world.local.get(id);
    const s = world.server.get(id);
    const b = world.synced.get(id);
    const agree = l && s && b ? sameState(l, s) && sameState(s, b) : !l && !s && !b;
    if (!agree) out.push(`${id}: local ${JSON.stringify(l)} server ${JSON.stringify(s)} synced ${JSON.stringify(b)}`);
  }
  return out;
}
