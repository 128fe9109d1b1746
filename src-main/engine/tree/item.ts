// One item of a synced folder's tree (a file or a folder), as the engine's three trees hold it.
// Identity is the stable item id (the server's UUIDv7, or a client-proposed one for new local
// items); a rename or move changes parentId/name, never the id. A change of kind (file <-> folder)
// is always a NEW id: the scanner and the server both express it as delete + create.

export type ItemKind = 'file' | 'folder';

export interface TreeItem {
  readonly id: string;
  /** null only for the root of the synced folder. */
  readonly parentId: string | null;
  readonly name: string;
  readonly kind: ItemKind;
  /** Files only: `blake3:<hex>` of the whole content. */
  readonly hash?: string;
  /** Files only: bytes. */
  readonly size?: number;
  /** Files only: the POSIX executable bit (absent means not executable). */
  readonly executable?: boolean;
  /** Remote tree only: the versions the server gave, sent back as If-Match. */
  readonly metadataVersion?: number;
  readonly contentVersion?: number;
}

/** Same kind and, for files, the same bytes and executable bit. Names and places are ignored. */
export function sameContent(a: TreeItem, b: TreeItem): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'folder') return true;
  return a.hash === b.hash && (a.executable ?? false) === (b.executable ?? false);
}

/**
 * Same content as a disk WITHOUT exec bits can tell: same kind and, for files, the same bytes (it
 * reads every file as not executable, which says nothing).
 */
export function sameBytes(a: TreeItem, b: TreeItem): boolean {
  return a.kind === b.kind && (a.kind === 'folder' || a.hash === b.hash);
}

/** The content test for the local side: with exec bits, or (Windows) the bytes alone. */
export function localContentTest(execBits: boolean): (a: TreeItem, b: TreeItem) => boolean {
  return execBits ? sameContent : sameBytes;
}

/** Same parent and exactly the same name (a case-only rename is a change). */
export function samePlace(a: TreeItem, b: TreeItem): boolean {
  return a.parentId === b.parentId && a.name === b.name;
}

/** Both sides agree on everything the user can see: place, kind and content. */
export function sameState(a: TreeItem, b: TreeItem): boolean {
  return samePlace(a, b) && sameContent(a, b);
}
