// Invariant 2 (no lost write) for the simulation: every content a device wrote is, at the end,
// somewhere the user can get it back — current on the server (so on every disk, conflicted copies
// included), in a version of any file the server ever held, or in the server's trash — unless the
// device that wrote it later overwrote or deleted it itself while its disk still held it (the
// user chose to lose it). Every write carries a unique header, so a content hash names one write.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { RemoteClient } from '../../../src-main/engine/remote/remote-client.ts';
import type { Hasher } from '../../../src-main/engine/hasher.ts';
import { folderContents } from '../sync-harness.ts';
import { LOCAL_TRASH_FOLDER } from '../../../src-main/engine/fs/file-system.ts';

export interface Write {
  hash: string;
  device: string;
  step: number;
  path: string;
  /** The writing device itself overwrote or deleted it later (a choice, not a loss). */
  discarded: boolean;
}

export class WriteLedger {
  readonly #writes = new Map<string, Write[]>();
  count = 0;

  wrote(device: string, hash: string, step: number, path: string): void {
    this.count += 1;
    const list = this.#writes.get(hash) ?? [];
    list.push({ hash, device, step, path, discarded: false });
    this.#writes.set(hash, list);
  }

  /** `device` is about to overwrite or delete files holding these hashes, as its disk shows them. */
  discard(device: string, hashes: Iterable<string>): void {
    for (const hash of hashes) for (const write of this.#writes.get(hash) ?? []) if (write.device === device) write.discarded = true;
  }

  /** Writes that must still be somewhere. */
  required(): Write[] {
    return [...this.#writes.values()].flat().filter((write) => !write.discarded);
  }
}

/** Every content hash the server can give back: current files, every version of every file, the trash. */
export async function serverKeeps(client: RemoteClient): Promise<Set<string>> {
  const hashes = new Set<string>();
  const files = new Set<string>();
  let cursor: string | undefined;
  for (;;) {
    const answer = await client.changes(cursor, { limit: 1000 });
    if (!answer.ok) throw new Error(`Listing the server's changes from the start failed: ${answer.message}`);
    for (const item of answer.page.changes) {
      if (item.kind === 'file') files.add(item.id);
      if (item.content_hash) hashes.add(item.content_hash);
    }
    cursor = answer.page.cursor;
    if (!answer.page.has_more) break;
  }
  for (const entry of await client.trash()) {
    if (entry.item.kind === 'file') files.add(entry.item.id);
    if (entry.item.content_hash) hashes.add(entry.item.content_hash);
  }
  for (const id of files) for (const version of await client.versions(id)) hashes.add(version.content_hash);
  return hashes;
}

/** Hashes of what sits in a device's local trash (`.tandem/trash`). */
export async function localTrashKeeps(dir: string, hasher: Hasher): Promise<Set<string>> {
  const trash = join(dir, ...LOCAL_TRASH_FOLDER.split('/'));
  try {
    await readdir(trash);
  } catch {
    return new Set();
  }
  const hashes = new Set<string>();
  for (const value of (await folderContents(trash, hasher)).values()) if (value !== 'folder' && value !== 'other') hashes.add(value.replace(/\+x$/, ''));
  return hashes;
}
