// The activity feed: each operation the engine finished, as a person would say it ("report.docx
// added by Office desktop, 2 min ago"). Bookkeeping (marking synced, temporary moves, re-keying)
// never shows. Kept in memory, newest first, the last few hundred.
import type { ActivityEntry } from '../../src-shared/ipc/contract.ts';
import type { ExecutedOperation } from '../engine/executor/executor.ts';

const MAX_ENTRIES = 300;

type Described = Pick<ActivityEntry, 'action' | 'path' | 'fromPath' | 'thisComputer' | 'kind'>;

/** What an operation meant to a person, or undefined for bookkeeping. */
export function describeOperation(entry: ExecutedOperation): Described | undefined {
  if (entry.outcome.status !== 'done') return undefined;
  const op = entry.operation;
  switch (op.kind) {
    case 'upload':
      return { action: op.ifMatchContent === undefined ? 'added' : 'changed', path: op.path, fromPath: null, thisComputer: true, kind: 'file' };
    case 'download':
      return { action: op.replacesHash === undefined ? 'added' : 'changed', path: op.path, fromPath: null, thisComputer: false, kind: 'file' };
    case 'createRemoteFolder':
      return { action: 'added', path: op.path, fromPath: null, thisComputer: true, kind: 'folder' };
    case 'createLocalFolder':
      return { action: 'added', path: op.path, fromPath: null, thisComputer: false, kind: 'folder' };
    case 'moveRemote':
      return op.temporary ? undefined : { action: 'moved', path: op.path, fromPath: op.fromPath, thisComputer: true, kind: 'file' };
    case 'moveLocal':
      return op.temporary ? undefined : { action: 'moved', path: op.path, fromPath: op.fromPath, thisComputer: false, kind: 'file' };
    case 'deleteRemote':
      return { action: 'deleted', path: op.path, fromPath: null, thisComputer: true, kind: op.itemKind };
    case 'trashLocal':
      return { action: 'deleted', path: op.path, fromPath: null, thisComputer: false, kind: op.itemKind };
    case 'conflictCopy':
      return { action: 'conflict', path: op.path, fromPath: op.fromPath, thisComputer: true, kind: 'file' };
    default:
      return undefined;
  }
}

export class ActivityLog {
  #entries: ActivityEntry[] = [];
  #next = 0;

  /** Adds an entry; returns it (to push to renderers) or undefined for bookkeeping. */
  record(folderId: string, executed: ExecutedOperation, at: number, thisComputerLabel: string): ActivityEntry | undefined {
    const described = describeOperation(executed);
    if (!described) return undefined;
    return this.add({ ...described, folderId, at, device: described.thisComputer ? thisComputerLabel : 'Another computer' });
  }

  /** Adds something the app itself did (a restore). */
  add(entry: Omit<ActivityEntry, 'id'>): ActivityEntry {
    this.#next += 1;
    const full: ActivityEntry = { ...entry, id: `${entry.at}-${this.#next}` };
    this.#entries.unshift(full);
    if (this.#entries.length > MAX_ENTRIES) this.#entries.length = MAX_ENTRIES;
    return full;
  }

  list(limit = 20): ActivityEntry[] {
    return this.#entries.slice(0, limit);
  }
}
