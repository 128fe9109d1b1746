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
import { LayeredMap } from '../tree/layered-map.ts';
import { childrenOf, makeTree, patchTree, pathOf } from '../tree/tree.ts';
import { IGNORE_FILE_NAME } from '../ignore/built-in-patterns.ts';
import type { Tree } from '../tree/tree.ts';
import type { Observation } from './observation.ts';

/** What the engine remembers per local item between scans (persisted beside the local tree). */
export interface FileFacts {
  size: number;
  mtimeMs: number;
  inode: number;
  /** Files only (and not for ignored ones). */
  hash?: string;
  /**
   * The block list of exactly these bytes, when this scan chunked the file (big files, through
   * the chunk pool): stored with the facts, so an upload need not read and chunk the file again.
   */
  blockList?: readonly FactBlock[];
}

/** One block of a file: where it starts, its size and its `blake3:<hex>`. */
export interface FactBlock {
  readonly offset: number;
  readonly size: number;
  readonly hash: string;
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
  /**
   * A partial scan (watcher hints): the previous items, by path, that the observations replace.
   * Everything else of the previous tree is kept as it was, and the result shares it (patchTree):
   * the cost is the size of the region, not of the tree. Absent: the observations are everything.
   */
  region?: ReadonlyMap<string, TreeItem>;
  /** Ids whose facts must not stand in for reading the file (see LocalObserver's racy facts). */
  distrustedFacts?: ReadonlySet<string>;
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
  /** The block list, when the hasher chunked the file (the chunk pool does; small files have none). */
  blocks?: readonly FactBlock[];
  /** Given for files the walk did not lstat (`unstatted`): their facts are what the hasher saw. */
  inode?: number;
  executable?: boolean;
}

export interface LocalTreeResult {
  tree: Tree;
  /** Shares structure with the previous facts after a partial scan: treat it as a value. */
  facts: ReadonlyMap<string, FileFacts>;
  /** After a partial scan that changed none, the previous set itself: treat it as a value. */
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
  /**
   * What changed against the previous tree and facts (items added or replaced, ids gone; ids
   * whose facts are new (see `facts`), ids without facts now), so a caller can store a rescan
   * without comparing 100k rows.
   */
  delta: { put: TreeItem[]; removed: string[]; factsPut: string[]; factsRemoved: string[] };
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

const ignoreFileIndexes = new WeakMap<Tree, readonly string[]>();

/** The paths of the tree's .tandemignore files. Cached per tree, carried over by partial scans. */
export function ignoreFilePaths(tree: Tree): readonly string[] {
  const cached = ignoreFileIndexes.get(tree);
  if (cached) return cached;
  const paths: string[] = [];
  for (const [path, item] of pathIndex(tree)) if (item.name === IGNORE_FILE_NAME && item.kind === 'file') paths.push(path);
  ignoreFileIndexes.set(tree, paths);
  return paths;
}

/** Inode -> the id with it, or the ids (hard links, a reused inode): one string in nearly all cases. */
export type InodeIndex = ReadonlyMap<number, string | readonly string[]>;

const inodeIndexes = new WeakMap<ReadonlyMap<string, FileFacts>, InodeIndex>();

/** The ids with an inode in an InodeIndex. */
export function idsWithInode(index: InodeIndex, inode: number): readonly string[] {
  const found = index.get(inode);
  return found === undefined ? [] : typeof found === 'string' ? [found] : found;
}

/** Ids by inode over a facts map. Cached per facts map; partial scans keep it up to date. */
export function idsByInode(facts: ReadonlyMap<string, FileFacts>): InodeIndex {
  const cached = inodeIndexes.get(facts);
  if (cached) return cached;
  const index = new Map<number, string | string[]>();
  for (const [id, fact] of facts) {
    if (fact.inode === 0) continue;
    const found = index.get(fact.inode);
    if (found === undefined) index.set(fact.inode, id);
    else if (typeof found === 'string') index.set(fact.inode, [found, id]);
    else found.push(id);
  }
  inodeIndexes.set(facts, index);
  return index;
}

export function matchIdentities(input: MatchInput): Matching {
  const { observations, previous, previousFacts } = input;
  const unreadable = input.unreadable ?? [];
  const previousIgnored = input.previousIgnored ?? NO_IDS;
  const byPath = input.previousPaths ?? pathIndex(previous);
  // What the observations replace: everything, or (partial scans) the region.
  const scope = input.region ?? byPath;

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
    for (const [path, item] of scope) {
      if (used.has(item.id)) continue;
      if (unreadable.some((folder) => under(path, folder))) {
        carried.push(item);
        used.add(item.id);
      }
    }
  }

  // 3. Gone from its path, and its inode turns up at a new path: moved.
  const vanishedByInode = new Map<number, { item: TreeItem; path: string } | null>();
  const vanished = new Set<string>();
  let observedPaths: Set<string> | undefined;
  for (const [path, item] of scope) {
    if (used.has(item.id)) continue;
    if (item.kind === 'file') vanished.add(item.id);
    const inode = previousFacts.get(item.id)?.inode;
    if (inode === undefined || inode === 0) continue;
    // Its own path now holds something of the other kind: it was replaced there (file <-> folder),
    // and the inode it freed is often handed straight to a new file (ext4 reuses inodes at once),
    // which would read as the old item moving. A replaced item is gone, not moved.
    observedPaths ??= new Set(observations.map((observation) => observation.path));
    if (observedPaths.has(path)) continue;
    // Two vanished items with one inode (hard links): ambiguous, so neither is matched by inode.
    vanishedByInode.set(inode, vanishedByInode.has(inode) ? null : { item, path });
  }
  let movedByInode = 0;
  if (vanishedByInode.size > 0) {
    for (let i = 0; i < observations.length; i++) {
      if (ids[i] !== undefined) continue;
      const observation = observations[i]!;
      const vanishedEntry = vanishedByInode.get(observation.inode);
      if (!vanishedEntry) continue;
      const candidate = vanishedEntry.item;
      if (candidate.kind !== treeKind(observation)) continue;
      // The same reuse one level up: a folder replaced by a file whose inode was freed by a file
      // inside that folder. Moving a file onto the path of a folder it was in is all but unheard of.
      if (vanishedEntry.path.startsWith(`${observation.path}/`)) continue;
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
    if (input.distrustedFacts?.has(id)) continue;
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
  const { observations, previous, previousFacts, region } = matching.input;
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

  const items: TreeItem[] = [];
  const facts = new Map<string, FileFacts>();
  const ignoredIds = new Set<string>();
  const retry: string[] = [];
  // Path -> the new item there (the root left out): parents are found here, and it becomes the
  // new tree's path index.
  const itemByPath = new Map<string, TreeItem>();
  // A partial scan's observations may sit in folders it did not look at again: those keep their ids.
  const parentOutside = (path: string): string | undefined => {
    if (region === undefined || region.has(path)) return undefined;
    const item = matching.previousPaths.get(path);
    return item?.kind === 'folder' ? item.id : undefined;
  };
  const ignoreFiles: string[] = [];
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
    const parentPath = slash < 0 ? '' : observation.path.slice(0, slash);
    const parentId = parentPath === '' ? previous.rootId : (itemByPath.get(parentPath)?.id ?? parentOutside(parentPath));
    // The parent was left out (it could not be hashed, or is not a folder we keep): so is this.
    if (parentId === undefined) continue;
    const name = observation.path.slice(slash + 1);
    const kind = treeKind(observation);
    let id = ids[i];
    const hashable = kind === 'file' && !observation.ignored;

    let hash: string | undefined;
    let size = observation.size;
    // What the walk saw, or for a file it did not lstat, what the hasher saw.
    let seenSize = observation.size;
    let seenMtime = observation.mtimeMs;
    let seenInode = observation.inode;
    let seenExecutable = observation.executable;
    let blocks: readonly FactBlock[] | undefined;
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
          if (observation.unstatted) {
            seenSize = result.size;
            seenMtime = result.mtimeMs;
            seenInode = result.inode ?? 0;
            seenExecutable = result.executable ?? false;
          }
          // Kept only when they describe the bytes these facts stand for: same size and mtime (the
          // walk's mtimeMs is a float of the nanoseconds, the chunker's is cut to microseconds).
          if (result.blocks && result.size === seenSize && Math.abs(result.mtimeMs - seenMtime) < 0.001) blocks = result.blocks;
        } else {
          // Not readable right now (being written, or gone since the walk): keep what we knew,
          // and forget the facts so the next scan reads it again.
          retry.push(observation.path);
          const before = id === undefined ? undefined : previous.items.get(id);
          if (!before || before.kind !== 'file' || before.hash === undefined) continue;
          const kept = before.parentId === parentId && before.name === name ? before : { ...before, parentId, name };
          items.push(kept);
          itemByPath.set(observation.path, kept);
          if (name === IGNORE_FILE_NAME) ignoreFiles.push(observation.path);
          continue;
        }
      }
    }

    if (id === undefined) {
      id = newId();
      created++;
    }
    if (name === IGNORE_FILE_NAME && kind === 'file') ignoreFiles.push(observation.path);
    const executable = hashable && seenExecutable;
    // Unchanged items keep their objects: a rescan of 100k files then allocates almost nothing.
    const before = previous.items.get(id);
    const item: TreeItem =
      before !== undefined &&
      before.parentId === parentId &&
      before.name === name &&
      before.kind === kind &&
      before.hash === hash &&
      (kind === 'folder' || before.size === size) &&
      (before.executable ?? false) === executable
        ? before
        : kind === 'folder'
          ? { id, parentId, name, kind }
          : hashable
            ? executable
              ? { id, parentId, name, kind, hash: hash!, size, executable: true }
              : { id, parentId, name, kind, hash: hash!, size }
            : { id, parentId, name, kind, size };
    items.push(item);
    itemByPath.set(observation.path, item);
    if (observation.ignored) ignoredIds.add(id);
    const known = previousFacts.get(id);
    if (known !== undefined && known.size === seenSize && known.mtimeMs === seenMtime && known.inode === seenInode && known.hash === hash) {
      facts.set(id, known);
    } else {
      // Whole literals, not properties added afterwards: an added property costs every one of
      // 100k facts a separate out-of-object property array (~4 MB at 100k files).
      facts.set(
        id,
        hash === undefined
          ? { size: seenSize, mtimeMs: seenMtime, inode: seenInode }
          : blocks
            ? { size: seenSize, mtimeMs: seenMtime, inode: seenInode, hash, blockList: blocks }
            : { size: seenSize, mtimeMs: seenMtime, inode: seenInode, hash },
      );
    }
  }

  const stats = { hashed, reused, moved, created };
  return region === undefined
    ? wholeResult(matching, items, facts, ignoredIds, itemByPath, retry, stats, ignoreFiles)
    : patchedResult(matching, region, items, facts, ignoredIds, itemByPath, retry, stats);
}

type Counts = Omit<LocalTreeResult['stats'], 'items'>;

/** A full scan: the observations are the whole new tree. */
function wholeResult(
  matching: Matching,
  items: TreeItem[],
  facts: Map<string, FileFacts>,
  ignoredIds: Set<string>,
  itemByPath: ReadonlyMap<string, TreeItem>,
  retry: string[],
  counts: Counts,
  ignoreFiles: string[],
): LocalTreeResult {
  const { previous, previousFacts } = matching.input;
  const root = previous.items.get(previous.rootId) ?? { id: previous.rootId, parentId: null, name: '', kind: 'folder' };
  items.unshift(root);
  const tree = makeTree(previous.rootId, items);
  // The next scan starts from this tree: hand it the paths already known (all of them, unless
  // items were carried over from unreadable folders, whose paths were not walked).
  if (matching.carried.length === 0) {
    pathIndexes.set(tree, itemByPath);
    ignoreFileIndexes.set(tree, ignoreFiles);
  }
  const vanished: string[] = [];
  for (const [path, item] of matching.previousPaths) {
    if (!tree.items.has(item.id) && !matching.previousIgnored.has(item.id)) vanished.push(path);
  }
  const delta: LocalTreeResult['delta'] = { put: [], removed: [], factsPut: [], factsRemoved: [] };
  for (const item of items) if (previous.items.get(item.id) !== item) delta.put.push(item);
  for (const id of previous.items.keys()) if (!tree.items.has(id)) delta.removed.push(id);
  for (const [id, fact] of facts) if (previousFacts.get(id) !== fact) delta.factsPut.push(id);
  for (const id of previousFacts.keys()) if (!facts.has(id)) delta.factsRemoved.push(id);
  // Hinted scans after this one look up inodes (the other end of a move); partial scans keep
  // this index up to date from here on.
  idsByInode(facts);
  return { tree, facts, ignoredIds, retry, vanished, stats: { items: items.length - 1, ...counts }, delta };
}

/**
 * A partial scan: the region's previous items are replaced by what was observed there; the rest
 * of the tree, its facts, paths and ignore files are shared with the previous ones, not copied.
 */
function patchedResult(
  matching: Matching,
  region: ReadonlyMap<string, TreeItem>,
  items: TreeItem[],
  facts: Map<string, FileFacts>,
  ignoredIds: Set<string>,
  itemByPath: ReadonlyMap<string, TreeItem>,
  retry: string[],
  counts: Counts,
): LocalTreeResult {
  const { previous, previousFacts } = matching.input;
  const previousIgnored = matching.previousIgnored;
  const kept = new Map<string, TreeItem>();
  for (const item of items) kept.set(item.id, item);
  const removed: string[] = [];
  for (const item of region.values()) if (!kept.has(item.id)) removed.push(item.id);
  const put = items.filter((item) => previous.items.get(item.id) !== item);
  const tree = patchTree(previous, put, removed);

  // Facts: the region's ids get what was seen now (or nothing: being written, or gone).
  const factsPut: Array<[string, FileFacts]> = [];
  for (const [id, fact] of facts) if (previousFacts.get(id) !== fact) factsPut.push([id, fact]);
  const factsRemoved: string[] = [];
  for (const item of region.values()) if (!facts.has(item.id) && previousFacts.has(item.id)) factsRemoved.push(item.id);
  const nextFacts = LayeredMap.patch(previousFacts, factsPut, factsRemoved);
  const previousInodes = inodeIndexes.get(previousFacts);
  if (previousInodes) inodeIndexes.set(nextFacts, patchInodes(previousInodes, previousFacts, factsPut, factsRemoved));

  // Ignored ids: the region's are decided again; a set that did not change is shared.
  let nextIgnored = previousIgnored instanceof Set ? previousIgnored : new Set(previousIgnored);
  const regionIgnored = [...region.values()].filter((item) => previousIgnored.has(item.id) && !ignoredIds.has(item.id));
  if (regionIgnored.length > 0 || [...ignoredIds].some((id) => !previousIgnored.has(id))) {
    const next = new Set(previousIgnored);
    for (const item of regionIgnored) next.delete(item.id);
    for (const id of ignoredIds) next.add(id);
    nextIgnored = next;
  }

  // The path index: the region's paths out, the observed ones in (unless carried items, whose
  // paths were not walked, make it simpler to let the next scan compute it).
  if (matching.carried.length === 0) {
    const paths: Array<[string, TreeItem]> = [];
    for (const [path, item] of itemByPath) if (region.get(path) !== item) paths.push([path, item]);
    const gone = [...region.keys()].filter((path) => !itemByPath.has(path));
    pathIndexes.set(tree, LayeredMap.patch(matching.previousPaths, paths, gone));
    const ignoreFiles = ignoreFileIndexes.get(previous);
    if (ignoreFiles) {
      const next = ignoreFiles.filter((path) => !region.has(path));
      for (const [path, item] of itemByPath) if (item.name === IGNORE_FILE_NAME && item.kind === 'file') next.push(path);
      ignoreFileIndexes.set(tree, next);
    }
  }

  const vanished: string[] = [];
  for (const [path, item] of region) {
    if (!tree.items.has(item.id) && !previousIgnored.has(item.id)) vanished.push(path);
  }
  return {
    tree,
    facts: nextFacts,
    ignoredIds: nextIgnored,
    retry,
    vanished,
    stats: { items: tree.items.size - 1, ...counts },
    delta: { put, removed, factsPut: factsPut.map(([id]) => id), factsRemoved },
  };
}

/** The inode index of the next facts, from the previous one and what changed (no full rebuild). */
function patchInodes(
  index: InodeIndex,
  previousFacts: ReadonlyMap<string, FileFacts>,
  factsPut: ReadonlyArray<readonly [string, FileFacts]>,
  factsRemoved: readonly string[],
): InodeIndex {
  const changedIds = new Set<string>();
  const arrived = new Map<number, string[]>();
  const touched = new Set<number>();
  for (const [id, fact] of factsPut) {
    changedIds.add(id);
    touched.add(fact.inode);
    const list = arrived.get(fact.inode);
    if (list) list.push(id);
    else arrived.set(fact.inode, [id]);
    const before = previousFacts.get(id);
    if (before) touched.add(before.inode);
  }
  for (const id of factsRemoved) {
    changedIds.add(id);
    const before = previousFacts.get(id);
    if (before) touched.add(before.inode);
  }
  touched.delete(0);
  const lists: Array<[number, string | string[]]> = [];
  const empty: number[] = [];
  for (const inode of touched) {
    const ids = idsWithInode(index, inode).filter((id) => !changedIds.has(id));
    ids.push(...(arrived.get(inode) ?? []));
    if (ids.length > 0) lists.push([inode, ids.length === 1 ? ids[0]! : ids]);
    else empty.push(inode);
  }
  return LayeredMap.patch(index, lists, empty);
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

/**
 * The state to scan from after someone else changed the local tree (the executor's downloads and
 * moves, handed over by LocalObserver.rebase): equal in value to `next`, but built as a patch of
 * `current` when only a small part differs, so the next hinted scan finds its path index, inode
 * index and .tandemignore list already derived instead of rebuilding them over the whole tree.
 * Items are compared by object (the executor keeps the objects it did not change), facts by value.
 */
export function rebasedState<S extends { tree: Tree; facts: ReadonlyMap<string, FileFacts> }>(current: S, next: S): S {
  if (current.tree === next.tree && current.facts === next.facts) return next;
  if (current.tree.rootId !== next.tree.rootId) return next;
  const limit = Math.max(64, current.tree.items.size / 8);
  const put: TreeItem[] = [];
  for (const item of next.tree.items.values()) {
    if (current.tree.items.get(item.id) !== item && put.push(item) > limit) return next;
  }
  const removed: string[] = [];
  for (const id of current.tree.items.keys()) if (!next.tree.items.has(id) && removed.push(id) > limit) return next;
  const factsPut: Array<[string, FileFacts]> = [];
  for (const [id, fact] of next.facts) {
    if (!sameFacts(current.facts.get(id), fact) && factsPut.push([id, fact]) > limit) return next;
  }
  const factsRemoved: string[] = [];
  for (const id of current.facts.keys()) if (!next.facts.has(id)) factsRemoved.push(id);
  return patchedState(current, next, { put, removed, factsPut, factsRemoved });
}

/** What changed between two local states: items and facts put (new or different) and removed. */
export interface LocalStateDelta {
  put: readonly TreeItem[];
  removed: readonly string[];
  factsPut: ReadonlyArray<readonly [string, FileFacts]>;
  factsRemoved: readonly string[];
}

/** Same facts by value (the scanner's summary: size, mtime, inode, hash). */
export function sameFacts(known: FileFacts | undefined, fact: FileFacts): boolean {
  return known === fact || (known !== undefined && known.size === fact.size && known.mtimeMs === fact.mtimeMs && known.inode === fact.inode && known.hash === fact.hash);
}

/**
 * `current` with `delta` applied, as rebasedState builds it (a patch, with the derived path,
 * inode and .tandemignore indexes carried over), and `next`'s other fields: for a caller that
 * already knows what changed, so nothing is compared over the whole tree.
 */
export function patchedState<S extends { tree: Tree; facts: ReadonlyMap<string, FileFacts> }>(current: S, next: Omit<S, 'tree' | 'facts'>, delta: LocalStateDelta): S {
  const { put, removed, factsPut, factsRemoved } = delta;
  const tree = put.length === 0 && removed.length === 0 ? current.tree : patchTree(current.tree, put, removed);
  const facts = factsPut.length === 0 && factsRemoved.length === 0 ? current.facts : LayeredMap.patch(current.facts, factsPut, factsRemoved);
  const previousInodes = inodeIndexes.get(current.facts);
  if (previousInodes && facts !== current.facts) inodeIndexes.set(facts, patchInodes(previousInodes, current.facts, factsPut, factsRemoved));
  const previousPaths = pathIndexes.get(current.tree);
  if (previousPaths && tree !== current.tree) {
    // Paths out: where changed items (and, when they moved, everything below them) were. Paths
    // in: where they are now.
    const gone = new Set<string>();
    const set = new Map<string, TreeItem>();
    const below = (within: Tree, id: string, path: string, visit: (path: string, item: TreeItem) => void) => {
      for (const child of childrenOf(within, id)) {
        const childPath = `${path}/${child.name}`;
        visit(childPath, child);
        if (child.kind === 'folder') below(within, child.id, childPath, visit);
      }
    };
    for (const id of [...put.map((item) => item.id), ...removed]) {
      const oldPath = current.tree.items.has(id) ? pathOf(current.tree, id) : undefined;
      const after = tree.items.get(id);
      const newPath = after ? pathOf(tree, id) : undefined;
      if (oldPath !== undefined && oldPath !== '') {
        gone.add(oldPath);
        if (oldPath !== newPath) below(current.tree, id, oldPath, (path) => gone.add(path));
      }
      if (after && newPath !== undefined && newPath !== '') {
        set.set(newPath, after);
        if (oldPath !== newPath) below(tree, id, newPath, (path, item) => set.set(path, item));
      }
    }
    for (const path of set.keys()) gone.delete(path);
    pathIndexes.set(tree, LayeredMap.patch(previousPaths, set, gone));
    const ignoreFiles = ignoreFileIndexes.get(current.tree);
    if (ignoreFiles) {
      const paths = ignoreFiles.filter((path) => !gone.has(path) && !set.has(path));
      for (const [path, item] of set) if (item.name === IGNORE_FILE_NAME && item.kind === 'file') paths.push(path);
      ignoreFileIndexes.set(tree, paths);
    }
  }
  return { ...next, tree, facts } as S;
}
