// The guards that run BEFORE any batch of deletes (SCENARIOS invariant 7).
//  - The folder marker (#41): a small file in the synced folder's root naming the folder. A
//    missing root (unmounted disk), a missing marker (emptied or replaced folder) or a marker
//    naming another folder stops the folder with a clear error: an empty disk must never read as
//    "the user deleted everything".
//  - The mass-delete question (#42): the planner puts an `ask` INSTEAD of the deletes; the
//    executor then stops before any work and surfaces the question (the CLI exits 3, the UI asks).
//    The answer goes to the planner as approvedMassDeletes for that exact batch.
//  - The all-files-changed check (#43) does not belong here: same bytes with new mtimes are
//    re-hashed by the scanner and equal content plans nothing, so there is nothing to stop.

import { FsError } from '../fs/file-system.ts';
import type { FileSystem } from '../fs/file-system.ts';
import type { Operation } from '../planner/operations.ts';
import { FolderStopped } from './errors.ts';

/** The marker's place: in the root, hidden, covered by the built-in `.tandem*` ignore rule. */
export const FOLDER_MARKER = '.tandem-folder';

interface MarkerContent {
  folderId: string;
}

/** Writes the marker when a folder is first set up to sync (atomically, fsynced). */
export async function writeFolderMarker(fs: FileSystem, folderId: string): Promise<void> {
  const content: MarkerContent = { folderId };
  await fs.writeFileAtomic(FOLDER_MARKER, new TextEncoder().encode(`${JSON.stringify(content)}\n`));
}

async function readText(fs: FileSystem, path: string): Promise<string> {
  const pieces: Uint8Array[] = [];
  for await (const piece of fs.openRead(path)) pieces.push(piece);
  return Buffer.concat(pieces).toString('utf8');
}

/** Throws FolderStopped unless the root is there and its marker names `folderId`. */
export async function checkFolderMarker(fs: FileSystem, folderId: string): Promise<void> {
  try {
    const root = await fs.lstat('');
    if (root.kind !== 'folder') throw new FolderStopped(`The synced folder ${fs.description} is not a folder any more; syncing stopped.`);
  } catch (error) {
    if (error instanceof FsError && error.code === 'not_found') {
      throw new FolderStopped(`The synced folder ${fs.description} is missing (a disk not mounted?); syncing stopped and nothing was deleted.`);
    }
    throw error;
  }
  let text: string;
  try {
    text = await readText(fs, FOLDER_MARKER);
  } catch (error) {
    if (error instanceof FsError && error.code === 'not_found') {
      throw new FolderStopped(
        `The synced folder ${fs.description} has lost its ${FOLDER_MARKER} marker (emptied or replaced?); syncing stopped and nothing was deleted.`,
      );
    }
    throw error;
  }
  let content: Partial<MarkerContent> | undefined;
  try {
    content = JSON.parse(text) as Partial<MarkerContent>;
  } catch {
    content = undefined;
  }
  if (content?.folderId !== folderId) {
    throw new FolderStopped(`The synced folder ${fs.description} holds another folder's marker (replaced?); syncing stopped and nothing was deleted.`);
  }
}

export type AskOperation = Extract<Operation, { kind: 'ask' }>;

export function questionsIn(plan: readonly Operation[]): AskOperation[] {
  return plan.filter((op): op is AskOperation => op.kind === 'ask');
}

export function isDelete(op: Operation): boolean {
  return op.kind === 'trashLocal' || op.kind === 'deleteRemote';
}
