// The planner's working state, shared by its phases (pairing, merge, repair, targets, order).
// `merged` is the target tree both sides should reach: one entry per surviving item id.

import type { TreeItem } from '../tree/item.ts';
import type { Tree } from '../tree/tree.ts';
import type { Operation, PlanOptions, ReportCode } from './operations.ts';

/** Which side's parent and name the merged item takes. */
export type MetaSource = 'local' | 'remote' | 'both';

export interface Merged {
  item: TreeItem;
  metaFrom: MetaSource;
  /** The server's version of this id, if the server has it (for If-Match and "revert to remote"). */
  remote: TreeItem | undefined;
  /** Left out by selective sync or ignore rules: the server keeps it as is, this device never touches it. */
  remoteOnly: boolean;
}

export interface DeletedItem {
  base: TreeItem;
  local: TreeItem | undefined;
  remote: TreeItem | undefined;
}

export interface PlanState {
  readonly rootId: string;
  readonly remote: Tree;
  /** The local tree after adopting the server's ids for items created identically on both sides. */
  readonly local: Tree;
  readonly synced: Tree;
  readonly options: PlanOptions;
  /** Ids left out of planning (selective sync, ignore rules, names the server refuses), with all inside. */
  readonly skip: ReadonlySet<string>;
  /** Ignored local files that are OS clutter (in `skip` too): they go with a folder deleted here (#35). */
  readonly clutter: ReadonlySet<string>;
  readonly merged: Map<string, Merged>;
  /** Items deleted in the merge, kept in case they must come back as containers. */
  readonly deleted: Map<string, DeletedItem>;
  /** Local ids that must be re-created on the server under a new id (the server deleted them). */
  readonly recreated: Map<string, string>;
  /** Local id -> id of the conflicted copy its content becomes. */
  readonly copies: Map<string, string>;
  /** Merged ids whose local rename is a conflict rename (shown as conflictCopy). */
  readonly conflictRenamed: Set<string>;
  readonly reports: Operation[];
  readonly bookkeeping: Operation[];
}

export function report(state: PlanState, code: ReportCode, id: string, path: string, message: string): void {
  state.reports.push({ kind: 'report', code, id, path, message });
}

/** A copy of an item without the server's versions (for items this device proposes). */
export function asLocalProposal(item: TreeItem, id: string, parentId: string | null): TreeItem {
  const { metadataVersion: _m, contentVersion: _c, ...rest } = item;
  void _m;
  void _c;
  return { ...rest, id, parentId };
}
