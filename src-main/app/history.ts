// Version history and deleted files, straight from the server: a file's versions (newest first,
// labelled with the device that made each), restoring one (it becomes a new current version; the
// one it replaces stays in history), saving a copy of any version, the folder's deleted
// files, and putting them back where they were. The engine then brings the change to the disk.
import { randomUUID } from 'node:crypto';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute } from 'node:path';
import { TandemError } from '../../src-shared/errors.ts';
import type { DeletedFile, FileVersion, IpcHandlers } from '../../src-shared/ipc/contract.ts';
import { splitExtension } from '../engine/conflict-names.ts';
import { downloadToFile } from '../engine/remote/block-transfer.ts';
import { RemoteError } from '../engine/remote/remote-error.ts';
import type { AccountsService } from './accounts.ts';
import type { ActivityLog } from './activity.ts';
import type { AppContext } from './app-context.ts';
import type { FolderRuntime, FoldersService } from './folders.ts';
import { describeBytes } from './time-left.ts';
import { diskPath, itemAtPath } from './tree-paths.ts';
import { messageOf, serverProblem } from './user-errors.ts';

/** Items trashed this close to their folder were deleted with it. */
const SAME_DELETE_MS = 60_000;

function dateStamp(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}${pad(d.getMinutes())}`;
}

function nameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

export class HistoryService {
  readonly #ctx: AppContext;
  readonly #folders: FoldersService;
  readonly #accounts: AccountsService;
  readonly #activity: ActivityLog;

  constructor(ctx: AppContext, folders: FoldersService, accounts: AccountsService, activity: ActivityLog) {
    this.#ctx = ctx;
    this.#folders = folders;
    this.#accounts = accounts;
    this.#activity = activity;
  }

  /** The file's id on the server, from the folder's copy of the server's tree. */
  #fileId(runtime: FolderRuntime, path: string): string {
    const remote = runtime.engine?.index.loadTree('remote');
    const item = remote ? itemAtPath(remote, path) : undefined;
    if (!item) throw new TandemError('not_found', `${path} is not on the server (yet); history starts once it is synced.`);
    if (item.kind !== 'file') throw new TandemError('bad_request', `${path} is a folder; version history is kept for files.`);
    return item.id;
  }

  async versions(folderId: string, path: string): Promise<{ path: string; versions: FileVersion[] }> {
    const runtime = this.#folders.get(folderId);
    const id = this.#fileId(runtime, path);
    const client = await this.#accounts.clientFor(runtime.record.accountId);
    let versions;
    try {
      versions = await client.versions(id);
    } catch (error) {
      throw serverProblem(error, client.serverUrl, 'reading the version history');
    }
    const out: FileVersion[] = [];
    for (const version of versions) {
      const label = await this.#accounts.deviceLabel(runtime.record.accountId, version.device_id);
      out.push({ version: version.content_version, size: version.size, modifiedAt: version.created_at, ...label, current: version.current });
    }
    return { path, versions: out };
  }

  async restoreVersion(folderId: string, path: string, version: number): Promise<{ path: string; message: string }> {
    const runtime = this.#folders.get(folderId);
    const id = this.#fileId(runtime, path);
    const client = await this.#accounts.clientFor(runtime.record.accountId);
    try {
      const current = await client.getItem(id);
      if (current.content_version === version) return { path, message: 'That version is already the current one.' };
      const outcome = await client.restoreVersion(id, version, current.etag);
      if (!outcome.ok) throw new TandemError('conflict', `${path} changed while restoring; look at its versions again and choose.`);
    } catch (error) {
      throw serverProblem(error, client.serverUrl, 'restoring the version');
    }
    this.#noteRestored(folderId, path);
    void runtime.engine?.runUntilIdle().catch(() => undefined);
    return { path, message: 'Restored. The version it replaced stays in history.' };
  }

  /**
   * Saves a version's bytes (the current one or an older one) as a new file, beside the original
   * by default: "report (version from 2026-11-22 0912).txt", numbered if that name is taken.
   * The server gives the version's block list; every block is checked against its hash as it
   * arrives, and the file appears under its name only once complete.
   */
  async saveCopy(folderId: string, path: string, version: number, destination: string | undefined): Promise<{ savedTo: string; message: string }> {
    const runtime = this.#folders.get(folderId);
    const id = this.#fileId(runtime, path);
    if (destination !== undefined && !isAbsolute(destination)) throw new TandemError('bad_request', `Choose where to save by its full path, not "${destination}".`);
    const client = await this.#accounts.clientFor(runtime.record.accountId);
    const content = await client.version(id, version).catch((error: unknown) => {
      if (error instanceof RemoteError && error.status === 404) {
        throw new TandemError('not_found', `${path} has no such version any more (old versions are kept for a limited time). Look at its versions again.`);
      }
      throw serverProblem(error, client.serverUrl, 'reading the version');
    });
    let target: string;
    if (destination) {
      target = destination;
      if (await exists(target)) throw new TandemError('conflict', `${target} already exists; choose another name.`);
    } else {
      const { stem, ext } = splitExtension(nameOf(path), 'file');
      const parent = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
      const base = `${parent ? `${parent}/` : ''}${stem} (version from ${dateStamp(content.created_at)})`;
      target = diskPath(runtime.record.path, `${base}${ext}`);
      for (let n = 2; await exists(target); n += 1) target = diskPath(runtime.record.path, `${base} ${n}${ext}`);
    }
    const temp = `${dirname(target)}/.tandem-save-${randomUUID()}`;
    try {
      await downloadToFile(client, content, temp);
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      if (error instanceof TandemError) throw error;
      if (error instanceof RemoteError) throw serverProblem(error, client.serverUrl, 'downloading the version');
      throw new TandemError('internal', `The copy could not be saved: ${messageOf(error)}`);
    }
    return { savedTo: target, message: `Saved a copy (${describeBytes(content.size)}) as ${basename(target)}.` };
  }

  async deleted(folderId: string): Promise<DeletedFile[]> {
    const runtime = this.#folders.get(folderId);
    const client = await this.#accounts.clientFor(runtime.record.accountId);
    let entries;
    try {
      entries = await client.trash();
    } catch (error) {
      throw serverProblem(error, client.serverUrl, 'reading the deleted files');
    }
    return entries
      .map((entry) => ({
        id: entry.item.id,
        name: entry.item.name,
        path: entry.original_path,
        kind: entry.item.kind,
        size: entry.item.size,
        deletedAt: entry.trashed_at,
        restorableUntil: entry.purge_at,
      }))
      .sort((a, b) => b.deletedAt - a.deletedAt);
  }

  async restoreDeleted(folderId: string, ids: readonly string[]) {
    const runtime = this.#folders.get(folderId);
    const client = await this.#accounts.clientFor(runtime.record.accountId);
    const all = await this.deleted(folderId);
    const byId = new Map(all.map((entry) => [entry.id, entry]));
    // A deleted folder comes back with what was deleted inside it at the same time (each was
    // trashed on its own), shallowest first.
    const wanted = new Set<string>();
    for (const id of ids) {
      wanted.add(id);
      const entry = byId.get(id);
      if (entry?.kind !== 'folder') continue;
      for (const inner of all) {
        if (inner.path.startsWith(`${entry.path}/`) && Math.abs(inner.deletedAt - entry.deletedAt) <= SAME_DELETE_MS) wanted.add(inner.id);
      }
    }
    const order = [...wanted].sort((a, b) => (byId.get(a)?.path.split('/').length ?? 0) - (byId.get(b)?.path.split('/').length ?? 0));
    const restored: Array<{ id: string; path: string }> = [];
    const failed: Array<{ id: string; message: string }> = [];
    for (const id of order) {
      const entry = byId.get(id);
      if (!entry) {
        failed.push({ id, message: 'It is no longer among the deleted files (already restored, or removed for good).' });
        continue;
      }
      try {
        const outcome = await client.restoreFromTrash(id);
        if (!outcome.ok) throw new TandemError('conflict', `${entry.path} could not be put back: ${outcome.message}`);
        restored.push({ id, path: entry.path });
        this.#noteRestored(folderId, entry.path, entry.kind);
      } catch (error) {
        failed.push({ id, message: messageOf(serverProblem(error, client.serverUrl, `restoring ${entry.path}`)) });
      }
    }
    void runtime.engine?.runUntilIdle().catch(() => undefined);
    const message =
      failed.length === 0
        ? `Restored ${restored.length === 1 ? restored[0]!.path : `${restored.length} items`}; it will be back on this computer in a moment.`
        : `${restored.length} restored, ${failed.length} could not be: ${failed[0]!.message}`;
    return { restored, failed, message };
  }

  #noteRestored(folderId: string, path: string, kind: 'file' | 'folder' = 'file'): void {
    const entry = this.#activity.add({
      folderId,
      path,
      fromPath: null,
      action: 'restored',
      device: this.#accounts.thisComputerLabel(),
      thisComputer: true,
      at: this.#ctx.now(),
      kind,
    });
    this.#ctx.events.emit('app.activity', entry);
  }

  readonly handlers: Pick<IpcHandlers, 'history.versions' | 'history.restoreVersion' | 'history.saveCopy' | 'history.deleted' | 'history.restoreDeleted'> = {
    'history.versions': ({ folderId, path }) => this.versions(folderId, path),
    'history.restoreVersion': ({ folderId, path, version }) => this.restoreVersion(folderId, path, version),
    'history.saveCopy': ({ folderId, path, version, destination }) => this.saveCopy(folderId, path, version, destination),
    'history.deleted': async ({ folderId }) => ({ files: await this.deleted(folderId) }),
    'history.restoreDeleted': ({ folderId, ids }) => this.restoreDeleted(folderId, ids),
  };
}
