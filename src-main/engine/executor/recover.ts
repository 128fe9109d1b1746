// After a crash: tidy the operations the journal says were under way, BEFORE the next scan. The
// engine persists observations, not intentions (Nucleus): it does not try to finish operations
// from the journal, it makes the disk and the base honest and lets the next scan and plan decide
// (SCENARIOS #40: an effect that happened shows up as equal content on both sides and is simply
// marked synced; crash.test.ts crashes at every step boundary to prove it). Two steps use the
// journal to save work, not for safety:
//  - a download whose verified temp file was written but not renamed into place, with the target
//    free (the old file already in the trash, or a new file): the temp file is renamed into place;
//    and a download whose target now holds exactly the server's bytes: either way it is recorded
//    in the local tree and facts as the executor would have (a file alone would make the next
//    scan see an unknown new file there, and a needless conflicted copy); a temp file whose
//    target is still there is removed;
//  - a temporary ("parking") move that reached the disk or the server: the base parks too, as
//    it would have, so the next plan finishes the swap instead of seeing a user's move;
//  - a conflicted copy renamed on disk but not recorded: the local tree takes the rename under
//    the copy's new id, as it would have — a rescan alone would read the rename as the user's
//    move of the original and make a second conflicted copy (found by crash.test.ts).
// After downloads were cut short, every Tandem temp file in the folder is an orphan and goes,
// wherever the user moved it meanwhile (found by the multi-client simulation).
// Every entry is then dropped. The engine must read the server's changes before planning again.

import type { Operation } from '../planner/operations.ts';
import { TEMP_PREFIX, joinPath, parentPath } from '../fs/file-system.ts';
import type { EntryStat } from '../fs/file-system.ts';
import { getHasher } from '../hasher.ts';
import type { Hasher } from '../hasher.ts';
import type { TreeItem } from '../tree/item.ts';
import { downloadTempPath } from './download.ts';
import { rekey } from './local-effects.ts';
import type { ExecutorPorts } from './ports.ts';
import { ChangeSet, putFacts } from './change-set.ts';
import { WorkingTrees } from './working-trees.ts';
import type { TreeSet } from './working-trees.ts';

export interface RecoveryReport {
  /** Journal entries found open. */
  entries: number;
  /** Downloads finished by renaming their verified temp file into place. */
  completedDownloads: string[];
  /** Temp files removed. */
  removedTemps: string[];
}

async function statIfThere(ports: ExecutorPorts, path: string): Promise<EntryStat | undefined> {
  try {
    return await ports.fs.lstat(path);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'not_found') return undefined;
    throw error;
  }
}

async function exists(ports: ExecutorPorts, path: string): Promise<boolean> {
  return (await statIfThere(ports, path)) !== undefined;
}

/** Removes a file; false when it was already gone. */
async function removeIfThere(ports: ExecutorPorts, path: string): Promise<boolean> {
  try {
    await ports.fs.remove(path);
    return true;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'not_found') return false;
    throw error;
  }
}

async function strayTemps(ports: ExecutorPorts, folder: string): Promise<string[]> {
  try {
    const entries = await ports.fs.readdir(folder);
    return entries.filter((entry) => entry.kind === 'file' && entry.name.startsWith(TEMP_PREFIX)).map((entry) => joinPath(folder, entry.name));
  } catch (error) {
    if ((error as { code?: unknown }).code === 'not_found') return [];
    throw error;
  }
}

/**
 * Every Tandem temp file anywhere in the folder (Tandem's own `.tandem` folder left out). Used
 * after a crash that cut downloads short: the user may have moved or renamed their folder before
 * the restart, taking the temp files along, where no journaled path finds them.
 */
async function tempsAnywhere(ports: ExecutorPorts, folder = ''): Promise<string[]> {
  const out: string[] = [];
  let entries;
  try {
    entries = await ports.fs.readdir(folder);
  } catch {
    // A folder that cannot be read (gone, no permission) holds nothing we could remove anyway;
    // tidying must never keep the folder from syncing.
    return out;
  }
  for (const entry of entries) {
    const path = joinPath(folder, entry.name);
    if (entry.kind === 'file' && entry.name.startsWith(TEMP_PREFIX)) out.push(path);
    else if (entry.kind === 'folder' && !(folder === '' && entry.name === '.tandem')) out.push(...(await tempsAnywhere(ports, path)));
  }
  return out;
}

async function hashOf(ports: ExecutorPorts, hasher: Hasher, path: string): Promise<string | undefined> {
  const stat = await ports.fs.lstat(path);
  if (stat.kind !== 'file') return undefined;
  const state = await hasher.createIncremental();
  for await (const piece of ports.fs.openRead(path, stat.size)) state.update(piece);
  return state.digest();
}

/** `trees`: the three trees as the store holds them now. */
export async function recover(ports: ExecutorPorts, trees: TreeSet, hasher?: Hasher): Promise<RecoveryReport> {
  hasher ??= await getHasher();
  const report: RecoveryReport = { entries: 0, completedDownloads: [], removedTemps: [] };
  const working = new WorkingTrees(trees);
  let downloads = 0;
  for (const entry of ports.store.journalEntries()) {
    report.entries += 1;
    const op: Operation = entry.operation;
    const changes = new ChangeSet();
    // Finished AND recorded, as the executor would have: a file alone would make the next scan
    // see an unknown new file where the server's item belongs (and a needless conflicted copy).
    const record = async (op: Extract<Operation, { kind: 'download' }>) => {
      for (const other of working.local.values()) {
        if (other.id !== op.id && other.parentId === op.parentId && other.name.toLowerCase() === op.name.toLowerCase()) return;
      }
      const stat = await ports.fs.lstat(op.path);
      const current = working.local.get(op.id);
      const item: TreeItem = current
        ? { ...current, hash: op.hash, size: op.size, executable: op.executable }
        : { id: op.id, parentId: op.parentId, name: op.name, kind: 'file', hash: op.hash, size: op.size, executable: op.executable };
      working.putLocal(changes, item);
      putFacts(changes, op.id, { size: stat.size, mtimeMs: stat.mtimeMs, inode: stat.inode, hash: op.hash });
      working.settle(changes, op.id);
    };
    const moved = async (from: string, to: string) => (await exists(ports, to)) && (from.toLowerCase() === to.toLowerCase() || !(await exists(ports, from)));
    // A file is moved by link + unlink (never replacing a file saved at the target meanwhile): a
    // crash between the two leaves one file under both names, and the move is finished here.
    if ((op.kind === 'moveLocal' || op.kind === 'conflictCopy') && op.fromPath.toLowerCase() !== op.path.toLowerCase()) {
      const [from, to] = await Promise.all([statIfThere(ports, op.fromPath), statIfThere(ports, op.path)]);
      if (from?.kind === 'file' && to?.kind === 'file' && from.inode === to.inode) await ports.fs.remove(op.fromPath);
    }
    if (op.kind === 'download') {
      downloads += 1;
      const temp = downloadTempPath(op.path, entry.idempotencyKey);
      const hasTemp = await exists(ports, temp);
      if (await exists(ports, op.path)) {
        if (hasTemp && (await removeIfThere(ports, temp))) report.removedTemps.push(temp);
        // The rename may have happened just before the crash: the server's bytes at the server's
        // path are the download, whoever put them there.
        if ((await hashOf(ports, hasher, op.path)) === op.hash) await record(op);
      } else if (hasTemp && (await exists(ports, parentPath(op.path)))) {
        await ports.fs.rename(temp, op.path);
        await record(op);
        report.completedDownloads.push(op.path);
      }
      // A write cut short leaves the file system's own temp file beside it: nothing runs during
      // recovery, so every temp file in that folder is an orphan.
      for (const stray of await strayTemps(ports, parentPath(op.path))) {
        if (await removeIfThere(ports, stray)) report.removedTemps.push(stray);
      }
    } else if ((op.kind === 'moveLocal' || op.kind === 'moveRemote') && op.temporary) {
      const parked =
        op.kind === 'moveLocal'
          ? await moved(op.fromPath, op.path)
          : await ports.remote.getItem(op.id).then((now) => now?.item.parentId === op.parentId && now.item.name === op.name);
      if (parked) working.parkBase(changes, op.id, op.parentId, op.name);
    } else if (op.kind === 'conflictCopy' && working.local.has(op.fromId) && (await moved(op.fromPath, op.path))) {
      rekey({ ports, trees: working }, changes, op.fromId, op.id, { parentId: op.parentId, name: op.name });
    }
    if (!changes.isEmpty()) ports.store.journalComplete(entry.seq, changes.build());
    else ports.store.journalAbandon(entry.seq);
  }
  // Downloads were cut short: their temp files are orphans wherever they are now (one walk of the
  // folder, only after such a crash).
  if (downloads > 0) {
    for (const stray of await tempsAnywhere(ports)) if (await removeIfThere(ports, stray)) report.removedTemps.push(stray);
  }
  return report;
}
