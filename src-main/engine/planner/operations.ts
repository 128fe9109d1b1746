// What the planner takes and what it returns. The planner is pure: these are plain data, and the
// executor gives them their effects (see planner.ts for how each operation changes the trees).

import type { TreeItem, ItemKind } from '../tree/item.ts';
import type { Tree } from '../tree/tree.ts';

export interface PlanInput {
  /** The server's tree as last read from the changes feed (items carry their versions). */
  remote: Tree;
  /** The disk as last observed by the scanner (NFC names; ids kept across renames). */
  local: Tree;
  /** The last state both sides agreed on (the merge base). */
  synced: Tree;
  options: PlanOptions;
}

export interface PlanOptions {
  /** This device's name, for conflicted-copy names. */
  device: string;
  /** The clock value used in conflicted-copy names (passed in so planning stays pure). */
  now: Date;
  /** Mints a fresh item id (a UUIDv7 in the engine). `purpose` says why, for deterministic tests. */
  newId: (purpose: string) => string;
  /** Selective sync: remote folder ids left out of this device, with everything inside them. */
  excludedIds?: ReadonlySet<string>;
  /**
   * Local ids the ignore rules cover: never uploaded, never deleted, never overwritten, and a
   * folder deleted elsewhere that holds one is kept here and reported (#19). Except OS clutter:
   */
  ignoredLocalIds?: ReadonlySet<string>;
  /**
   * Which ignored local ids are OS clutter files (.DS_Store, Thumbs.db, desktop.ini, Icon\r, ._*):
   * still never uploaded, and kept where their folder stays, but they do not keep alive a folder
   * deleted elsewhere: its trashLocal removes them with it (#35). Default: every ignored local
   * file whose name is clutter (isClutterName). Either way only files with a clutter name count,
   * so this set can narrow the default (a scanner that knows one is a link), never widen it.
   */
  clutterLocalIds?: ReadonlySet<string>;
  /** Can this device's filesystem hold `name` inside `parentPath`? (Windows names, path length…) */
  canHoldName?: (parentPath: string, name: string) => boolean;
  /** Why a name cannot be held, for the report (optional). */
  whyCannotHold?: (parentPath: string, name: string) => string;
  /** The key two local names collide on: case-folded on case-insensitive disks. Default: exact. */
  localNameKey?: (name: string) => string;
  /**
   * False when this disk holds no executable bit (Windows): the bit read there is always off and
   * says nothing, so the local side never changes it. A local file has the base's bit (else the
   * server's, else none), and a same-path create pairs with the server's file whatever its bit
   * (#52: one Windows device must not clear +x for every device). Default true.
   */
  localExecBits?: boolean;
  /** The mass-delete guard: ask when deletes exceed BOTH numbers. Defaults 25 and 0.3. */
  massDelete?: { minCount: number; fraction: number };
  /** batchKeys of mass-delete questions the user said yes to (valid for that exact batch only). */
  approvedMassDeletes?: ReadonlySet<string>;
}

export type Side = 'local' | 'remote';

export type ReportCode =
  | 'edit_conflict' // both sides edited a file differently: ours became a conflicted copy
  | 'duplicate_conflict' // as above, but the same bytes were already kept in a conflicted copy
  | 'name_conflict' // a new local item took a name the server already had: ours was renamed
  | 'case_conflict' // as above, names differing only by case or normalization
  | 'move_refused' // our move or rename was undone: the server's won, or it made a cycle, or the name was taken
  | 'edit_beat_delete' // one side deleted what the other edited: the edit was kept
  | 'delete_beat_move' // one side deleted what the other only moved: the delete was applied
  | 'folder_restored' // a deleted folder came back because something new is inside
  | 'skipped_name' // a remote name this disk cannot hold: not created here
  | 'invalid_name' // a local name the server refuses: not uploaded
  | 'kept_ignored' // a folder deleted elsewhere was kept because it holds ignored files (OS clutter alone never keeps one)
  | 'excluded_content' // new local content inside a folder left out by selective sync: not uploaded
  | 'blocked'; // an operation could not be ordered (its name stays taken); retried next pass

export type Operation =
  /**
   * Give a local item another id without touching the disk: adopt the server's id, re-create a
   * deleted item under a new one, or (rarely) make it a conflicted copy that cannot be renamed
   * here (it sits where this disk cannot follow the server).
   */
  | { kind: 'rekeyLocal'; fromId: string; toId: string; reason: 'adopt' | 'recreate' | 'copy'; path: string }
  /** Rename the local item to a conflict name; it becomes item `id` (new unless id === fromId) and is then uploaded. */
  | { kind: 'conflictCopy'; fromId: string; id: string; parentId: string; name: string; fromPath: string; path: string }
  | { kind: 'createLocalFolder'; id: string; parentId: string; name: string; path: string }
  /** Write the remote content to a temp file, check the target still has `replacesHash` (or is absent), rename into place. */
  | {
      kind: 'download';
      id: string;
      parentId: string;
      name: string;
      hash: string;
      size: number;
      executable: boolean;
      contentVersion: number | undefined;
      replacesHash: string | undefined;
      path: string;
    }
  | { kind: 'moveLocal'; id: string; parentId: string; name: string; fromPath: string; path: string; temporary: boolean }
  /**
   * Move the local item to the trash; a file only if it still has `hash`, a folder only when it
   * holds nothing but OS clutter files (re-checked by name on disk; they are removed with it, #35).
   */
  | { kind: 'trashLocal'; id: string; itemKind: ItemKind; hash: string | undefined; path: string }
  | { kind: 'createRemoteFolder'; id: string; parentId: string; name: string; path: string }
  /** New content for item `id`; `ifMatchContent` undefined means a new item with this proposed id. */
  | {
      kind: 'upload';
      id: string;
      parentId: string;
      name: string;
      hash: string;
      size: number;
      executable: boolean;
      ifMatchContent: number | undefined;
      path: string;
    }
  | {
      kind: 'moveRemote';
      id: string;
      parentId: string;
      name: string;
      ifMatchMetadata: number | undefined;
      fromPath: string;
      path: string;
      temporary: boolean;
    }
  | {
      kind: 'deleteRemote';
      id: string;
      itemKind: ItemKind;
      ifMatchMetadata: number | undefined;
      ifMatchContent: number | undefined;
      path: string;
    }
  /** Both sides already agree: advance the base to `item` (null: both deleted it, forget it). */
  | { kind: 'markSynced'; id: string; item: TreeItem | null }
  | { kind: 'report'; code: ReportCode; id: string; path: string; message: string }
  /** The mass-delete question, INSTEAD of the deletes it is about. */
  | {
      kind: 'ask';
      question: 'mass_delete';
      side: Side;
      count: number;
      total: number;
      batchKey: string;
      samplePaths: string[];
      message: string;
    };

export type OperationKind = Operation['kind'];

/** Operations that change a disk or the server (everything but bookkeeping and messages). */
export function isWork(op: Operation): boolean {
  return op.kind !== 'report' && op.kind !== 'ask' && op.kind !== 'markSynced';
}
