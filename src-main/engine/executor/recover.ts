// After a crash: tidy the operations the journal says were under way, BEFORE the next scan. The
// engine persists observations, not intentions (Nucleus): it does not try to finish operations
// from the journal, it makes the disk and the base honest and lets the next scan and plan decide
// (SCENARIOS #40: an effect that happened shows up as equal content on both sides and is simply
// marked synced). Two steps need the journal, because a rescan alone would misread them:
//  - a download that had moved the old file to the trash but not yet renamed the new one into
//    place: the verified temp file is renamed into place (else the file would read as deleted
//    here, and the delete would spread); a temp file whose target is still there is removed;
//  - a temporary ("parking") move that reached the disk or the server: the base parks too, as
//    it would have, so the next plan finishes the swap instead of seeing a user's move.
// Every entry is then dropped. The engine must read the server's changes before planning again.

import type { Operation } from '../planner/operations.ts';
import type { Tree } from '../tree/tree.ts';
import { downloadTempPath } from './download.ts';
import type { ExecutorPorts, StateChanges } from './ports.ts';

export interface RecoveryReport {
  /** Journal entries found open. */
  entries: number;
  /** Downloads finished by renaming their verified temp file into place. */
  completedDownloads: string[];
  /** Temp files removed. */
  removedTemps: string[];
}

async function exists(ports: ExecutorPorts, path: string): Promise<boolean> {
  try {
    await ports.fs.lstat(path);
    return true;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'not_found') return false;
    throw error;
  }
}

export async function recover(ports: Pick<ExecutorPorts, 'fs' | 'remote' | 'store'>, synced: Tree): Promise<RecoveryReport> {
  const report: RecoveryReport = { entries: 0, completedDownloads: [], removedTemps: [] };
  for (const entry of ports.store.journalEntries()) {
    report.entries += 1;
    const op: Operation = entry.operation;
    const changes: StateChanges = {};
    if (op.kind === 'download') {
      const temp = downloadTempPath(op.path, entry.idempotencyKey);
      if (await exists(ports as ExecutorPorts, temp)) {
        if (await exists(ports as ExecutorPorts, op.path)) {
          await ports.fs.remove(temp);
          report.removedTemps.push(temp);
        } else {
          await ports.fs.rename(temp, op.path);
          report.completedDownloads.push(op.path);
        }
      }
    } else if ((op.kind === 'moveLocal' || op.kind === 'moveRemote') && op.temporary) {
      const base = synced.items.get(op.id);
      const parked =
        op.kind === 'moveLocal'
          ? (await exists(ports as ExecutorPorts, op.path)) && !(await exists(ports as ExecutorPorts, op.fromPath))
          : await ports.remote.getItem(op.id).then((now) => now?.item.parentId === op.parentId && now.item.name === op.name);
      if (base && parked) changes.synced = { put: [{ ...base, parentId: op.parentId, name: op.name }] };
    }
    if (changes.synced) ports.store.journalComplete(entry.seq, changes);
    else ports.store.journalAbandon(entry.seq);
  }
  return report;
}
