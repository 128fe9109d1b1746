// The pure step of a scan: observations of the disk + the previous local Tree + the previous
// per-item file facts → the new local Tree, keeping ids (Dropbox Nucleus: the local tree is what
// was observed, with stable identities). In two phases, because hashing sits in between:
//
//   matchIdentities   same path and kind → same id, so an ATOMIC SAVE (temp written, renamed over
//                     the original: new inode, same path) is a content update of the same item
//                     (SCENARIOS #30, #31, #33); then a path that vanished + a new path with the
//                     vanished item's inode → a MOVE (same id; #15, #22 case-only rename),
//                     unless it crossed between a synced and an ignored name. Files whose
//                     size, mtime and inode are unchanged keep their hash: never re-read.
//   finishLocalTree   after the other files are hashed: a vanished file + a new file with the
//                     same size and hash (and no inode match: copied across disks) → a move too;
//                     everything else gets a fresh UUIDv7.
//
// Ignored entries (and links) are in the tree, flagged in `ignoredIds`, without hashes: the
// planner never uploads, deletes or overwrites them (#19, #56). Folders that could not be read
// keep what was known inside them, so an unreadable folder never reads as "all deleted".

import { newItemId } from './new-item-id.ts';
import type { ItemKind, TreeItem } from '../tree/item.ts';
import { makeTree, pathOf } from '../tree/tree.ts';
import type { Tree } from '../tree/tree.ts';
import type { Observation } from './observation.ts';

/** What the engine remembers per local item between scans (persisted beside the local tree). */
export interface FileFacts {
  size: number;
  mtimeMs: number;
  inode: number;
  /** Files only (and not for ignored ones). */
  hash?: string;
}

export interface MatchInput {
  observations: readonly Observation[];
  unreadable?: readonly string[];
  previous: Tree;
  previousFacts: ReadonlyMap<string, FileFacts>;
  /** The ignored ids of the previous scan, so their disappearance is not reported as vanished. */
  previousIgnored?: ReadonlySet<string>;
  /** pathIndex(previous), when the caller has it already. */
  previousPaths?: ReadonlyMap<string, TreeItem>;
}

export interface Matching {
  readonly input: MatchInput;
  /** observation index → id kept from the previous tree. */
  readonly ids: Array<string | undefined>;
  /** observation index → hash still valid (facts unchanged). */
  readonly knownHashes: Array<string | undefined>;
  /** Items carried over unchanged from inside unreadable folders. */
  readonly carried: TreeItem[];
  /** Previous file ids not seen again (candidates for a size+hash move). */
  readonly vanished: Set<string>;
  movedByInode: number;
  readonly previousPaths: ReadonlyMap<string, TreeItem>;
  /** Ids that were ignored last time (their disappearance is no news). */
  readonly previousIgnored: ReadonlySet<string>;
}

export interface HashResult {
  hash: string;
  size: number;
  mtimeMs: number;
}

export interface LocalTreeResult {
  tree: Tree;
  facts: Map<string, FileFacts>;
  ignoredIds: Set<string>;
  /** Paths whose file could not be hashed this time (changing, vanished): scan them again soon. */
  retry: string[];
  /**
   * Previous paths of syncable items that are gone (not moved). Apps save by delete + create or by
   * renaming the original away first (Office, macOS safe-save): a scan in the middle of such a save
   * sees the file missing. The engine should let the folder settle and scan again FROM THE SAME
   * previous tree before it plans deletes; the finished save then reads as one content update.
   */
  vanished: string[];
  stats: { items: number; hashed: number; reused: number; moved: number; created: number };
}

const NO_IDS: ReadonlySet<string> = new Set();

function treeKind(observation: Observation): ItemKind {
  return observation.kind === 'folder' ? 'folder' : 'file';
}

function under(path: string, folder: string): boolean {
  return path.startsWith(`${folder}/`);
}

const pathIndexes = new WeakMap<Tree, ReadonlyMap<string, TreeItem>>();

/** Every item of a tree by its path (the root left out). Cached per tree (trees are immutable). */
export function pathIndex(tree: Tree): ReadonlyMap<string, TreeItem> {
  const cached = pathIndexes.get(tree);
  if (cached) return cached;
  const byPath = new Map<string, TreeItem>();
  for (const item of tree.items.values()) {
    if (item.id === tree.rootId) continue;
    const path = pathOf(tree, item.id);
    if (path !== undefined) byPath.set(path, item);
  }
  pathIndexes.set(tree, byPath);
  return byPath;
}

export function matchIdentities(input: MatchInput): Matching {
  const { observations, previous, previousFacts } = input;
  const unreadable = input.unreadable ?? [];
  const previousIgnored = input.previousIgnored ?? NO_IDS;
  const byPath = input.previousPaths ?? pathIndex(previous);

  const used = new Set<string>();
  const ids: Array<string | undefined> = new Array<string | undefined>(observations.length);
  const knownHashes: Array<string | undefined> = new Array<string | undefined>(observations.length);

  // 1. Same path, same kind: the same item, whatever happened to its bytes or inode.
  for (let i = 0; i < observations.length; i++) {
    const observation = observations[i]!;
    const before = byPath.get(observation.path);
    if (before && before.kind === treeKind(observation)) {
      ids[i] = before.id;
      used.add(before.id);
    }
  }

  // 2. Inside folders that could not be read: keep what was known.
  const carried: TreeItem[] = [];
  if (unreadable.length > 0) {
    for (const [path, item] of byPath) {
      if (used.has(item.id)) continue;
      if (unreadable.some((folder) => under(path, folder))) {
        carried.push(item);
        used.add(item.id);
      }
    }
  }

  // 3. Gone from its path, and its inode turns up at a new path: moved.
  const vanishedByInode = new Map<number, TreeItem | null>();
  const vanished = new Set<string>();
  for (const item of byPath.values()) {
    if (used.has(item.id)) continue;
    if (item.kind === 'file') vanished.add(item.id);
    const inode = previousFacts.get(item.id)?.inode;
    if (inode === undefined || inode === 0) continue;
    // Two vanished items with one inode (hard links): ambiguous, so neither is matched by inode.
    vanishedByInode.set(inode, vanishedByInode.has(inode) ? null : item);
  }
  let movedByInode = 0;
  if (vanishedByInode.size > 0) {
    for (let i = 0; i < observations.length; i++) {
      if (ids[i] !== undefined) continue;
      const observation = observations[i]!;
      const candidate = vanishedByInode.get(observation.inode);
      if (!candidate || candidate.kind !== treeKind(observation)) continue;
      // A file renamed to an ignored name (Office's ~WRL….tmp, vim's name~, macOS's .sb-…) has
      // left sync: it vanished, it did not move. Carrying its id into an ignored entry would hide
      // the original from the planner and turn the finished save into delete + create.
      if (previousIgnored.has(candidate.id) !== observation.ignored) continue;
      ids[i] = candidate.id;
      used.add(candidate.id);
      vanished.delete(candidate.id);
      vanishedByInode.delete(observation.inode);
      movedByInode++;
    }
  }

  // 4. Unchanged size, mtime and inode: the previous hash still describes the bytes.
  for (let i = 0; i < observations.length; i++) {
    const id = ids[i];
    const observation = observations[i]!;
    if (id === undefined || observation.kind !== 'file' || observation.ignored) continue;
    const facts = previousFacts.get(id);
    if (facts?.hash !== undefined && facts.size === observation.size && facts.mtimeMs === observation.mtimeMs && facts.inode === observation.inode) {
      knownHashes[i] = facts.hash;
    }
  }

  return { input, ids, knownHashes, carried, vanished, movedByInode, previousPaths: byPath, previousIgnored };
}

/** Indexes of the observations whose files must be read and hashed. */
export function observationsToHash(matching: Matching): number[] {
  const wanted: number[] = [];
  const { observations } = matching.input;
  for (let i = 0; i < observations.length; i++) {
    const observation = observations[i]!;
    if (observation.kind === 'file' && !observation.ignored && matching.knownHashes[i] === undefined) wanted.push(i);
  }
  return wanted;
}

export function finishLocalTree(
  matching: Matching,
  hashes: ReadonlyMap<number, HashResult | undefined>,
  newId: () => string = newItemId,
): LocalTreeResult {
  const { observations, previous, previousFacts } = matching.input;
  const ids = matching.ids.slice();
  let moved = matching.movedByInode;

  // A vanished file whose exact bytes appear at exactly one new path: moved (no inode match, e.g.
  // copied then deleted by a tool). Ambiguous matches stay new items: a wrong move is worse.
  if (matching.vanished.size > 0) {
    const vanishedByContent = new Map<string, string | null>();
    for (const id of matching.vanished) {
      const hash = previousFacts.get(id)?.hash ?? previous.items.get(id)?.hash;
      const size = previousFacts.get(id)?.size ?? previous.items.get(id)?.size;
      if (hash === undefined || size === undefined) continue;
      const key = `${size}:${hash}`;
      vanishedByContent.set(key, vanishedByContent.has(key) ? null : id);
    }
    const claims = new Map<string, number[]>();
    for (const [index, result] of hashes) {
      if (ids[index] !== undefined || !result) continue;
      const key = `${result.size}:${result.hash}`;
      if (vanishedByContent.get(key)) claims.set(key, [...(claims.get(key) ?? []), index]);
    }
    for (const [key, indexes] of claims) {
      if (indexes.length !== 1) continue;
      ids[indexes[0]!] = vanishedByContent.get(key)!;
      moved++;
    }
  }

  const items: TreeItem[] = [previous.items.get(previous.rootId) ?? { id: previous.rootId, parentId: null, name: '', kind: 'folder' }];
  const facts = new Map<string, FileFacts>();
  const ignoredIds = new Set<string>();
  const retry: string[] = [];
  const idByPath = new Map<string, string>([['', previous.rootId]]);
  let hashed = 0;
  let reused = 0;
  let created = 0;

  for (const item of matching.carried) {
    items.push(item);
    const known = previousFacts.get(item.id);
    if (known) facts.set(item.id, known);
  }

  for (let i = 0; i < observations.length; i++) {
    const observation = observations[i]!;
    const slash = observation.path.lastIndexOf('/');
    const parentId = idByPath.get(slash < 0 ? '' : observation.path.slice(0, slash));
    // The parent was left out (it could not be hashed, or is not a folder we keep): so is this.
    if (parentId === undefined) continue;
    const name = observation.path.slice(slash + 1);
    const kind = treeKind(observation);
    let id = ids[i];
    const hashable = kind === 'file' && !observation.ignored;

    let hash: string | undefined;
    let size = observation.size;
    if (hashable) {
      hash = matching.knownHashes[i];
      if (hash !== undefined) reused++;
      else {
        const result = hashes.get(i);
        if (result) {
          // The size of the bytes hashed; the facts keep what the walk saw, so if the file
          // changed in between, the next scan sees a difference and reads it again.
          hash = result.hash;
          size = result.size;
          hashed++;
        } else {
          // Not readable right now (being written, or gone since the walk): keep what we knew,
          // and forget the facts so the next scan reads it again.
          retry.push(observation.path);
          const before = id === undefined ? undefined : previous.items.get(id);
          if (!before || before.kind !== 'file' || before.hash === undefined) continue;
          items.push({ ...before, parentId, name });
          idByPath.set(observation.path, before.id);
          continue;
        }
      }
    }

    if (id === undefined) {
      id = newId();
      created++;
    }
    idByPath.set(observation.path, id);
    const executable = hashable && observation.executable;
    // Unchanged items keep their objects: a rescan of 100k files then allocates almost nothing.
    const before = previous.items.get(id);
    if (
      before !== undefined &&
      before.parentId === parentId &&
      before.name === name &&
      before.kind === kind &&
      before.hash === hash &&
      (kind === 'folder' || before.size === size) &&
      (before.executable ?? false) === executable
    ) {
      items.push(before);
    } else {
      items.push(
        kind === 'folder'
          ? { id, parentId, name, kind }
          : hashable
            ? executable
              ? { id, parentId, name, kind, hash: hash!, size, executable: true }
              : { id, parentId, name, kind, hash: hash!, size }
            : { id, parentId, name, kind, size },
      );
    }
    if (observation.ignored) ignoredIds.add(id);
    const known = previousFacts.get(id);
    if (known !== undefined && known.size === observation.size && known.mtimeMs === observation.mtimeMs && known.inode === observation.inode && known.hash === hash) {
      facts.set(id, known);
    } else {
      const itemFacts: FileFacts = { size: observation.size, mtimeMs: observation.mtimeMs, inode: observation.inode };
      if (hash !== undefined) itemFacts.hash = hash;
      facts.set(id, itemFacts);
    }
  }

  const tree = makeTree(previous.rootId, items);
  // The next scan starts from this tree: hand it the paths already known (all of them, unless
  // items were carried over from unreadable folders, whose paths were not walked).
  if (matching.carried.length === 0) {
    const byPath = new Map<string, TreeItem>();
    for (const [path, id] of idByPath) if (id !== previous.rootId) byPath.set(path, tree.items.get(id)!);
    pathIndexes.set(tree, byPath);
  }
  const vanished: string[] = [];
  for (const [path, item] of matching.previousPaths) {
    if (!tree.items.has(item.id) && !matching.previousIgnored.has(item.id)) vanished.push(path);
  }
  return {
    tree,
    facts,
    ignoredIds,
    retry,
    vanished,
    stats: { items: items.length - 1, hashed, reused, moved, created },
  };
}

/** Both phases at once, for callers that already have every hash (tests, tools). */
export function buildLocalTree(
  input: MatchInput,
  hashFor: (observation: Observation) => HashResult | undefined,
  newId?: () => string,
): LocalTreeResult {
  const matching = matchIdentities(input);
  const hashes = new Map<number, HashResult | undefined>();
  for (const index of observationsToHash(matching)) hashes.set(index, hashFor(input.observations[index]!));
  return finishLocalTree(matching, hashes, newId);
}
