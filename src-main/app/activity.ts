// The activity feed: each operation the engine finished, as a person would say it ("report.docx
// added by Office desktop, 2 min ago"). Bookkeeping (marking synced, temporary moves, re-keying)
// never shows. Newest first, the last few hundred, saved in the state folder a moment after each
// change (and on close) so the popover still shows recent activity after a restart.
import { randomUUID } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { ActivityEntry } from '../../src-shared/ipc/contract.ts';
import type { ExecutedOperation } from '../engine/executor/executor.ts';

const MAX_ENTRIES = 300;
const SAVE_DELAY_MS = 2_000;

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
  readonly #file: string | undefined;
  #saveTimer: NodeJS.Timeout | undefined;

  /** `file`: where to keep the feed; without one it lives in memory only. */
  constructor(file?: string) {
    this.#file = file;
  }

  /** Reads the saved feed; a missing or unreadable one starts empty. */
  async load(): Promise<void> {
    if (!this.#file) return;
    try {
      const parsed = z.array(ActivityEntry).safeParse(JSON.parse(await readFile(this.#file, 'utf8')));
      if (parsed.success) this.#entries = parsed.data.slice(0, MAX_ENTRIES);
    } catch {
      // Nothing saved yet.
    }
  }

  /** Writes the feed now (on close), and stops waiting to. */
  async flush(): Promise<void> {
    if (this.#saveTimer) clearTimeout(this.#saveTimer);
    this.#saveTimer = undefined;
    if (!this.#file) return;
    const temp = `${this.#file}.tmp`;
    await writeFile(temp, JSON.stringify(this.#entries), { mode: 0o600 });
    await rename(temp, this.#file);
  }

  #scheduleSave(): void {
    if (!this.#file || this.#saveTimer) return;
    this.#saveTimer = setTimeout(() => {
      this.#saveTimer = undefined;
      void this.flush().catch(() => undefined);
    }, SAVE_DELAY_MS);
    this.#saveTimer.unref();
  }

  /** Adds an entry; returns it (to push to renderers) or undefined for bookkeeping. */
  record(folderId: string, executed: ExecutedOperation, at: number, thisComputerLabel: string): ActivityEntry | undefined {
    const described = describeOperation(executed);
    if (!described) return undefined;
    return this.add({ ...described, folderId, at, device: described.thisComputer ? thisComputerLabel : 'Another computer' });
  }

  /** Adds something the app itself did (a restore). */
  add(entry: Omit<ActivityEntry, 'id'>): ActivityEntry {
    const full: ActivityEntry = { ...entry, id: randomUUID() };
    this.#entries.unshift(full);
    if (this.#entries.length > MAX_ENTRIES) this.#entries.length = MAX_ENTRIES;
    this.#scheduleSave();
    return full;
  }

  list(limit = 20): ActivityEntry[] {
    return this.#entries.slice(0, limit);
  }
}
