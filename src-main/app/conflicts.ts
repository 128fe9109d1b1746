// Conflicts: the conflicted copies the engine left beside the files they conflict with, shown as
// two labelled sides (which device, when, how big; a text diff or both images), and resolved on
// disk in the synced folder -- the engine then syncs the result like any other change:
//   keep the original's side: the copy is deleted (it stays restorable in Deleted files);
//   keep the copy's side: its bytes become the original's new content, written through a temp
//     file renamed over it (the original's old content stays in its version history), and the
//     copy is deleted;
//   keep both: the copy is renamed to a clear name ("report (Bob's version).txt").
// A choice is only made while both sides are safely on the server, so no choice loses a byte.
import { randomUUID } from 'node:crypto';
import { copyFile, readFile, rename, rm, stat } from 'node:fs/promises';
import { TandemError } from '../../src-shared/errors.ts';
import type { ConflictChoice, ConflictDetail, ConflictPreview, ConflictResolution, ConflictSide, ConflictSummary, IpcHandlers } from '../../src-shared/ipc/contract.ts';
import { originalName, originalStem, splitExtension } from '../engine/conflict-names.ts';
import type { AccountsService } from './accounts.ts';
import type { AppContext } from './app-context.ts';
import type { FolderRuntime, FoldersService } from './folders.ts';
import type { Tree } from '../engine/tree/tree.ts';
import { diffLines, looksLikeText } from './text-diff.ts';
import { diskPath, fullySynced, itemAtPath } from './tree-paths.ts';
import { messageOf } from './user-errors.ts';

const COPY_PATTERN = /\(conflicted copy from (.*) (\d{4})-(\d{2})-(\d{2}) (\d{2})(\d{2})(\d{2})\)(?: \(\d+\))?$/u;
const TEXT_PREVIEW_BYTES = 1024 * 1024;
/** Each image at most this big in the preview: both must fit one IPC message (1 MiB) as base64. */
const IMAGE_PREVIEW_BYTES = 340 * 1024;
const IMAGE_TYPES: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.webp': 'image/webp', '.bmp': 'image/bmp' };

/** Conflicts in one answer at most (the rest follow as these are resolved). */
const MAX_LISTED = 500;

export const HISTORY_NOTE = 'You can get the other version back from version history or Deleted files.';

interface Trees {
  local: Tree;
  synced: Tree;
  remote: Tree;
}

interface Located {
  runtime: FolderRuntime;
  copyPath: string;
  originalPath: string;
  copyDevice: string;
  detectedAt: number | null;
}

export function conflictId(folderId: string, copyPath: string): string {
  return Buffer.from(JSON.stringify([folderId, copyPath]), 'utf8').toString('base64url');
}

function parseConflictId(id: string): { folderId: string; copyPath: string } {
  try {
    const [folderId, copyPath] = JSON.parse(Buffer.from(id, 'base64url').toString('utf8')) as unknown[];
    if (typeof folderId === 'string' && typeof copyPath === 'string') return { folderId, copyPath };
  } catch {
    // Falls through to the error below.
  }
  throw new TandemError('bad_request', 'That conflict is not known. Refresh the list.');
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

function nameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Who made the copy and when, from its name: "a (conflicted copy from Bob 2026-11-22 031500).txt". */
export function parseCopyName(name: string): { device: string; at: number } | undefined {
  const match = COPY_PATTERN.exec(splitExtension(name, 'file').stem);
  if (!match) return undefined;
  const [, device, y, mo, d, h, mi, s] = match;
  return { device: device!, at: Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) };
}

/** "report (Bob's version).txt", or with " 2", " 3"… when that is taken. */
export function keptBothName(originalFileName: string, device: string, taken: (name: string) => boolean): string {
  const { stem, ext } = splitExtension(originalFileName, 'file');
  const base = `${originalStem(stem)} (${device}'s version)`;
  for (let n = 1; ; n++) {
    const name = `${base}${n === 1 ? '' : ` ${n}`}${ext}`;
    if (!taken(name)) return name;
  }
}

async function statOrNull(path: string): Promise<{ size: number; mtimeMs: number } | null> {
  try {
    const info = await stat(path);
    return info.isFile() ? { size: info.size, mtimeMs: info.mtimeMs } : null;
  } catch {
    return null;
  }
}

export class ConflictsService {
  readonly #ctx: AppContext;
  readonly #folders: FoldersService;
  readonly #accounts: AccountsService;
  /** Conflicts being resolved right now (the remembered default must not pick them twice). */
  readonly #busy = new Set<string>();
  #applying: Promise<void> | undefined;
  #appliedAt = 0;
  #trailing: NodeJS.Timeout | undefined;

  constructor(ctx: AppContext, folders: FoldersService, accounts: AccountsService) {
    this.#ctx = ctx;
    this.#folders = folders;
    this.#accounts = accounts;
  }

  #locate(runtime: FolderRuntime, copyPath: string): Located {
    const parent = parentOf(copyPath);
    const name = nameOf(copyPath);
    const original = originalName(name, 'file');
    const parsed = parseCopyName(name);
    return {
      runtime,
      copyPath,
      originalPath: parent ? `${parent}/${original}` : original,
      copyDevice: parsed?.device ?? 'Another computer',
      detectedAt: parsed?.at ?? null,
    };
  }

  #all(): Located[] {
    const found: Located[] = [];
    for (const runtime of this.#folders.runtimes()) {
      for (const entry of runtime.status?.conflicts ?? []) found.push(this.#locate(runtime, entry.path));
    }
    return found;
  }

  async #summary(located: Located, cache: Map<FolderRuntime, Trees | undefined> = new Map()): Promise<ConflictSummary> {
    const { runtime } = located;
    const folder = runtime.record.path;
    const deviceName = this.#ctx.settings.current.deviceName;
    const [copyStat, originalStat] = await Promise.all([statOrNull(diskPath(folder, located.copyPath)), statOrNull(diskPath(folder, located.originalPath))]);
    const copyIsMine = located.copyDevice === deviceName;
    const copy: ConflictSide = {
      role: 'copy',
      path: located.copyPath,
      device: copyIsMine ? this.#accounts.thisComputerLabel() : located.copyDevice,
      thisComputer: copyIsMine,
      modifiedAt: copyStat?.mtimeMs ?? null,
      size: copyStat?.size ?? 0,
    };
    const originalLabel = await this.#originalDevice(runtime, located.originalPath);
    const original: ConflictSide = {
      role: 'original',
      path: located.originalPath,
      device: originalLabel.device,
      thisComputer: originalLabel.thisComputer,
      modifiedAt: originalStat?.mtimeMs ?? null,
      size: originalStat?.size ?? 0,
    };
    const resolvable = this.#resolvable(located, cache);
    return {
      id: conflictId(runtime.record.id, located.copyPath),
      folderId: runtime.record.id,
      path: located.originalPath,
      name: nameOf(located.originalPath),
      parent: parentOf(located.originalPath),
      detectedAt: located.detectedAt,
      mine: copyIsMine ? copy : original,
      theirs: copyIsMine ? original : copy,
      resolvable,
      message: resolvable
        ? `Two computers changed ${nameOf(located.originalPath)} at the same time. Both versions are kept until you choose.`
        : 'Tandem is still syncing one of the two versions; you can choose once it is done.',
    };
  }

  /** The device that wrote the original's current version, from the server's history. */
  async #originalDevice(runtime: FolderRuntime, path: string): Promise<{ device: string; thisComputer: boolean }> {
    const remote = runtime.engine?.index.loadTree('remote');
    const item = remote ? itemAtPath(remote, path) : undefined;
    if (!item) return { device: 'Another computer', thisComputer: false };
    try {
      const client = await this.#accounts.clientFor(runtime.record.accountId);
      const current = (await client.versions(item.id)).find((version) => version.current);
      return await this.#accounts.deviceLabel(runtime.record.accountId, current?.device_id ?? null);
    } catch {
      return { device: 'Another computer', thisComputer: false };
    }
  }

  /** The folder's three trees, read once per request however many conflicts it has. */
  #treesOf(runtime: FolderRuntime, cache: Map<FolderRuntime, Trees | undefined>): Trees | undefined {
    if (cache.has(runtime)) return cache.get(runtime);
    const index = runtime.engine?.index;
    const local = index?.loadTree('local');
    const synced = index?.loadTree('synced');
    const remote = index?.loadTree('remote');
    const trees = local && synced && remote ? { local, synced, remote } : undefined;
    cache.set(runtime, trees);
    return trees;
  }

  #resolvable(located: Located, cache: Map<FolderRuntime, Trees | undefined> = new Map()): boolean {
    const all = this.#treesOf(located.runtime, cache);
    if (!all) return false;
    const copy = itemAtPath(all.local, located.copyPath);
    if (!copy || !fullySynced(all, copy.id)) return false;
    const original = itemAtPath(all.local, located.originalPath);
    // A missing original (deleted meanwhile) is fine: keeping the copy puts it back.
    return !original || fullySynced(all, original.id);
  }

  async list(): Promise<{ conflicts: ConflictSummary[]; more: number }> {
    const all = this.#all();
    const cache = new Map<FolderRuntime, Trees | undefined>();
    const conflicts = [];
    for (const located of all.slice(0, MAX_LISTED)) conflicts.push(await this.#summary(located, cache));
    return { conflicts, more: Math.max(0, all.length - MAX_LISTED) };
  }

  #find(id: string): Located {
    const { folderId, copyPath } = parseConflictId(id);
    const runtime = this.#folders.get(folderId);
    if (!(runtime.status?.conflicts ?? []).some((entry) => entry.path === copyPath)) {
      throw new TandemError('not_found', 'That conflict is already resolved. Refresh the list.');
    }
    return this.#locate(runtime, copyPath);
  }

  async detail(id: string): Promise<ConflictDetail> {
    const located = this.#find(id);
    const summary = await this.#summary(located);
    return { ...summary, preview: await this.#preview(located.runtime.record.path, summary) };
  }

  async #preview(folder: string, summary: ConflictSummary): Promise<ConflictPreview> {
    const ext = splitExtension(summary.name, 'file').ext.toLowerCase();
    const mime = IMAGE_TYPES[ext];
    const read = async (side: ConflictSide, max: number) => (side.size <= max ? readFile(diskPath(folder, side.path)).catch(() => null) : null);
    if (mime) {
      const [mine, theirs] = await Promise.all([read(summary.mine, IMAGE_PREVIEW_BYTES), read(summary.theirs, IMAGE_PREVIEW_BYTES)]);
      const url = (bytes: Buffer | null) => (bytes ? `data:${mime};base64,${bytes.toString('base64')}` : null);
      return { kind: 'image', mine: url(mine), theirs: url(theirs), message: mine && theirs ? null : 'One of the pictures is too large to preview here; open it to compare.' };
    }
    const [mine, theirs] = await Promise.all([read(summary.mine, TEXT_PREVIEW_BYTES), read(summary.theirs, TEXT_PREVIEW_BYTES)]);
    if (mine && theirs && looksLikeText(mine) && looksLikeText(theirs)) {
      return { kind: 'text', ...diffLines(mine.toString('utf8'), theirs.toString('utf8')) };
    }
    const fileType = ext ? `${ext.slice(1).toUpperCase()} file` : 'File';
    return { kind: 'other', fileType, message: `${fileType}s can't be previewed here; compare the sizes and times, or open both to look.` };
  }

  async resolve(ids: readonly string[], choice: ConflictChoice, remember = false): Promise<ConflictResolution> {
    if (remember) await this.#ctx.settings.update((s) => ({ ...s, conflictDefault: choice }));
    const resolution: ConflictResolution = { resolved: [], failed: [], message: HISTORY_NOTE };
    const touched = new Set<FolderRuntime>();
    for (const id of ids) {
      if (this.#busy.has(id)) continue;
      this.#busy.add(id);
      try {
        const located = this.#find(id);
        const kept = await this.#resolveOne(located, choice);
        resolution.resolved.push({ conflictId: id, path: located.originalPath, kept });
        touched.add(located.runtime);
      } catch (error) {
        const message =
          error instanceof TandemError
            ? error.message
            : `Tandem could not change the files on disk (${messageOf(error)}). Close any program that has them open, then try again.`;
        resolution.failed.push({ conflictId: id, message });
      } finally {
        this.#busy.delete(id);
      }
    }
    // Let each engine see the change now instead of at its next look.
    for (const runtime of touched) void runtime.engine?.runUntilIdle().catch(() => undefined);
    if (resolution.resolved.length === 0 && resolution.failed.length > 0) resolution.message = resolution.failed[0]!.message;
    return resolution;
  }

  async #resolveOne(located: Located, choice: ConflictChoice): Promise<string[]> {
    if (!this.#resolvable(located)) {
      throw new TandemError('conflict', `Tandem is still syncing a version of ${nameOf(located.originalPath)}; choose again once syncing is done.`);
    }
    const folder = located.runtime.record.path;
    const copyAbs = diskPath(folder, located.copyPath);
    const originalAbs = diskPath(folder, located.originalPath);
    const copyIsMine = located.copyDevice === this.#ctx.settings.current.deviceName;
    let keep: 'copy' | 'original' | 'both';
    if (choice === 'both') keep = 'both';
    else if (choice === 'newest') {
      const [copyStat, originalStat] = await Promise.all([statOrNull(copyAbs), statOrNull(originalAbs)]);
      keep = !originalStat || (copyStat && copyStat.mtimeMs > originalStat.mtimeMs) ? 'copy' : 'original';
    } else keep = (choice === 'mine') === copyIsMine ? 'copy' : 'original';

    if (keep === 'original') {
      await rm(copyAbs);
      return [located.originalPath];
    }
    if (keep === 'copy') {
      // Through a temp file Tandem ignores (".tandem…"): the rename is an atomic save of the
      // original, so the engine uploads it as the original's new version.
      const temp = diskPath(folder, `${parentOf(located.originalPath) ? `${parentOf(located.originalPath)}/` : ''}.tandem-resolve-${randomUUID()}`);
      try {
        await copyFile(copyAbs, temp);
        await rename(temp, originalAbs);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
      await rm(copyAbs);
      return [located.originalPath];
    }
    const parent = parentOf(located.originalPath);
    const runtime = located.runtime;
    const local = runtime.engine?.index.loadTree('local');
    const takenNames = new Set<string>();
    if (local) {
      const parentItem = itemAtPath(local, parent);
      if (parentItem) for (const item of local.items.values()) if (item.parentId === parentItem.id) takenNames.add(item.name.toLowerCase());
    }
    const name = keptBothName(nameOf(located.originalPath), located.copyDevice, (candidate) => takenNames.has(candidate.toLowerCase()));
    const newPath = parent ? `${parent}/${name}` : name;
    if (await statOrNull(diskPath(folder, newPath))) throw new TandemError('conflict', `${newPath} already exists; rename it and try again.`);
    await rename(copyAbs, diskPath(folder, newPath));
    return [located.originalPath, newPath];
  }

  /**
   * Applies the remembered choice to conflicts that can be resolved now. Called on status
   * changes (several a second while syncing), so one run at a time, at most once a second.
   */
  applyDefault(): Promise<void> {
    const now = this.#ctx.now();
    if (this.#applying || now - this.#appliedAt < 1_000) {
      // Come back once the second is over, so the last change is never left unhandled.
      this.#trailing ??= setTimeout(() => {
        this.#trailing = undefined;
        void this.applyDefault().catch(() => undefined);
      }, 1_000);
      this.#trailing.unref();
      return this.#applying ?? Promise.resolve();
    }
    this.#appliedAt = now;
    this.#applying = this.#applyDefault().finally(() => (this.#applying = undefined));
    return this.#applying;
  }

  async #applyDefault(): Promise<void> {
    const rule = this.#ctx.settings.current.conflictDefault;
    if (rule === 'ask') return;
    const cache = new Map<FolderRuntime, Trees | undefined>();
    const ids = this.#all()
      .filter((located) => this.#resolvable(located, cache))
      .map((located) => conflictId(located.runtime.record.id, located.copyPath))
      .filter((id) => !this.#busy.has(id));
    if (ids.length > 0) await this.resolve(ids, rule);
  }

  readonly handlers: Pick<IpcHandlers, 'conflicts.list' | 'conflicts.get' | 'conflicts.resolve'> = {
    'conflicts.list': () => this.list(),
    'conflicts.get': ({ conflictId: id }) => this.detail(id),
    'conflicts.resolve': ({ conflictIds, choice, remember }) => this.resolve(conflictIds, choice, remember ?? false),
  };
}
