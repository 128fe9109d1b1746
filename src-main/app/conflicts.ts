// Conflicts: the conflicted copies the engine left beside the files they conflict with, shown as
// two labelled sides (which device, when, how big; a text diff or both images), and resolved on
// disk in the synced folder -- the engine then syncs the result like any other change:
//   keep the original's side: the copy is deleted (it stays restorable in Deleted files);
//   keep the copy's side: its bytes become the original's new content, written through a temp
//     file renamed over it (the original's old content stays in its version history), and the
//     copy is deleted;
//   keep both: the copy is renamed to a clear name ("report (Bob's version).txt").
// A choice is only made while both sides are safely on the server, so no choice loses a byte.
//
// Undo (UI.md: "the row disappears with an undo for a few seconds"): the dialog's choices are
// HELD, not applied, for UNDO_WINDOW_MS. The conflict leaves the list at once; Undo in that
// window simply forgets the choice (nothing on disk was touched, so nothing needs putting back).
// When the window ends -- or the dialog closes (applyNow) -- the choice is applied as above, and
// from then on the discarded side is in version history or Deleted files. A choice still held
// when Tandem quits is dropped: the conflict is asked again, never resolved behind its back.
import { randomUUID } from 'node:crypto';
import { copyFile, readFile, rename, rm, stat } from 'node:fs/promises';
import { TandemError } from '../../src-shared/errors.ts';
import type { ConflictChoice, ConflictDefault, ConflictDetail, ConflictPreview, ConflictResolution, ConflictSide, ConflictSummary, IpcHandlers } from '../../src-shared/ipc/contract.ts';
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

/** How long an undoable choice waits before it changes anything on disk ("a few seconds"). */
export const UNDO_WINDOW_MS = 6_000;

/** What a choice does to one conflict, decided when it is made. */
type Plan = { keep: 'copy' } | { keep: 'original' } | { keep: 'both'; newPath: string };

interface HeldChoice {
  id: string;
  entries: Array<{ conflictId: string; located: Located; plan: Plan; kept: string[] }>;
  /** The remembered rule before this choice made itself the default (undo puts it back). */
  defaultBefore: ConflictDefault | undefined;
  until: number;
  timer: NodeJS.Timeout;
}

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

function failureMessage(error: unknown): string {
  return error instanceof TandemError
    ? error.message
    : `Tandem could not change the files on disk (${messageOf(error)}). Close any program that has them open, then try again.`;
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
  /** Undoable choices inside their window, by undo id. */
  readonly #held = new Map<string, HeldChoice>();

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

  /** Every conflict without a choice made for it (a held choice hides its conflicts). */
  #all(): Located[] {
    const held = this.#heldIds();
    const found: Located[] = [];
    for (const runtime of this.#folders.runtimes()) {
      for (const entry of runtime.status?.conflicts ?? []) {
        if (!held.has(conflictId(runtime.record.id, entry.path))) found.push(this.#locate(runtime, entry.path));
      }
    }
    return found;
  }

  #heldIds(): Set<string> {
    const ids = new Set<string>();
    for (const choice of this.#held.values()) for (const entry of choice.entries) ids.add(entry.conflictId);
    return ids;
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
    if (this.#heldIds().has(id)) throw new TandemError('not_found', 'That conflict is already resolved (you can still undo it for a moment). Refresh the list.');
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

  async resolve(ids: readonly string[], choice: ConflictChoice, remember = false, undoable = false): Promise<ConflictResolution> {
    const defaultBefore = remember ? this.#ctx.settings.current.conflictDefault : undefined;
    if (remember) await this.#ctx.settings.update((s) => ({ ...s, conflictDefault: choice }));
    const resolution: ConflictResolution = { resolved: [], failed: [], message: HISTORY_NOTE };
    const decided: HeldChoice['entries'] = [];
    // Names given to "keep both" copies in this one request, so two of them never get the same.
    const claimed = new Set<string>();
    // Held busy from the decision to the change on disk, so the remembered default (which runs
    // on every status change) never picks the same conflict meanwhile.
    const mine: string[] = [];
    for (const id of ids) {
      if (this.#busy.has(id)) continue;
      this.#busy.add(id);
      mine.push(id);
      try {
        const located = this.#find(id);
        if (!this.#resolvable(located)) {
          throw new TandemError('conflict', `Tandem is still syncing a version of ${nameOf(located.originalPath)}; choose again once syncing is done.`);
        }
        const plan = await this.#plan(located, choice, claimed);
        const kept = plan.keep === 'both' ? [located.originalPath, plan.newPath] : [located.originalPath];
        decided.push({ conflictId: id, located, plan, kept });
      } catch (error) {
        resolution.failed.push({ conflictId: id, message: failureMessage(error) });
      }
    }
    try {
      await this.#holdOrApply(decided, undoable, resolution, defaultBefore);
    } finally {
      for (const id of mine) this.#busy.delete(id);
    }
    if (resolution.resolved.length === 0 && resolution.failed.length > 0) resolution.message = resolution.failed[0]!.message;
    return resolution;
  }

  async #holdOrApply(decided: HeldChoice['entries'], undoable: boolean, resolution: ConflictResolution, defaultBefore: ConflictDefault | undefined): Promise<void> {
    if (undoable && decided.length > 0) {
      const undoId = randomUUID();
      const until = this.#ctx.now() + UNDO_WINDOW_MS;
      const timer = setTimeout(() => void this.applyNow(undoId).catch(() => undefined), UNDO_WINDOW_MS);
      // A held choice never keeps a quitting Tandem alive (it is then dropped and asked again).
      timer.unref();
      this.#held.set(undoId, { id: undoId, entries: decided, defaultBefore, until, timer });
      for (const entry of decided) resolution.resolved.push({ conflictId: entry.conflictId, path: entry.located.originalPath, kept: entry.kept });
      resolution.undo = { id: undoId, until };
    } else {
      const applied = await this.#applyAll(decided);
      resolution.resolved.push(...applied.resolved);
      resolution.failed.push(...applied.failed);
    }
  }

  /** Takes back a held choice: its conflicts are listed again; nothing on disk was touched. */
  async undo(undoId: string): Promise<{ undone: number; message: string }> {
    const held = this.#held.get(undoId);
    if (!held) throw new TandemError('not_found', 'That choice was already applied, so it cannot be undone here; the other version is in version history or Deleted files.');
    clearTimeout(held.timer);
    this.#held.delete(undoId);
    // "Remember my choice" is taken back too; otherwise the remembered rule would resolve the
    // very conflicts just brought back, a second later.
    const { defaultBefore } = held;
    if (defaultBefore !== undefined) await this.#ctx.settings.update((s) => ({ ...s, conflictDefault: defaultBefore }));
    const count = held.entries.length;
    return { undone: count, message: count === 1 ? `Undone: ${held.entries[0]!.located.originalPath} still has both versions.` : `Undone: those ${count} files still have both versions.` };
  }

  /** Applies a held choice now (its window ended, or the dialog closed). Applying twice is harmless. */
  async applyNow(undoId: string): Promise<ConflictResolution> {
    const held = this.#held.get(undoId);
    if (!held) return { resolved: [], failed: [], message: `That choice was already applied. ${HISTORY_NOTE}`, undo: null };
    clearTimeout(held.timer);
    this.#held.delete(undoId);
    for (const entry of held.entries) this.#busy.add(entry.conflictId);
    let applied;
    try {
      applied = await this.#applyAll(held.entries);
    } finally {
      for (const entry of held.entries) this.#busy.delete(entry.conflictId);
    }
    const resolution: ConflictResolution = { ...applied, message: HISTORY_NOTE, undo: null };
    if (applied.failed.length > 0) {
      resolution.message = applied.failed[0]!.message;
    }
    if (applied.failed.length > 0 && this.#folders.runtimes().length > 0) {
      // Nobody may be looking at the dialog any more: say it where people see it.
      this.#ctx.events.emit('app.notification', {
        kind: 'error',
        title: applied.failed.length === 1 ? 'A conflict choice could not be applied' : `${applied.failed.length} conflict choices could not be applied`,
        body: `${applied.failed[0]!.message} The conflict is listed again.`,
        at: this.#ctx.now(),
      });
    }
    return resolution;
  }

  /** Applies decided choices; the caller holds their conflicts busy. */
  async #applyAll(entries: HeldChoice['entries']): Promise<Pick<ConflictResolution, 'resolved' | 'failed'>> {
    const out: Pick<ConflictResolution, 'resolved' | 'failed'> = { resolved: [], failed: [] };
    const touched = new Set<FolderRuntime>();
    const open = new Set(this.#folders.runtimes());
    for (const { conflictId: id, located, plan, kept } of entries) {
      try {
        if (!open.has(located.runtime)) throw new TandemError('not_found', `${located.runtime.record.path} is not synced any more, so the choice for ${located.originalPath} was not applied.`);
        if (!(located.runtime.status?.conflicts ?? []).some((entry) => entry.path === located.copyPath)) {
          throw new TandemError('not_found', `The conflict over ${located.originalPath} was already resolved.`);
        }
        if (!this.#resolvable(located)) {
          throw new TandemError('conflict', `Tandem is still syncing a version of ${nameOf(located.originalPath)}; choose again once syncing is done.`);
        }
        await this.#apply(located, plan);
        out.resolved.push({ conflictId: id, path: located.originalPath, kept });
        touched.add(located.runtime);
      } catch (error) {
        out.failed.push({ conflictId: id, message: failureMessage(error) });
      }
    }
    // Let each engine see the change now instead of at its next look.
    for (const runtime of touched) void runtime.engine?.runUntilIdle().catch(() => undefined);
    return out;
  }

  /** Which side a choice keeps (and the clear name a kept-both copy gets), decided now. */
  async #plan(located: Located, choice: ConflictChoice, claimed: Set<string>): Promise<Plan> {
    const folder = located.runtime.record.path;
    const copyIsMine = located.copyDevice === this.#ctx.settings.current.deviceName;
    if (choice === 'newest') {
      const [copyStat, originalStat] = await Promise.all([statOrNull(diskPath(folder, located.copyPath)), statOrNull(diskPath(folder, located.originalPath))]);
      return { keep: !originalStat || (copyStat && copyStat.mtimeMs > originalStat.mtimeMs) ? 'copy' : 'original' };
    }
    if (choice !== 'both') return { keep: (choice === 'mine') === copyIsMine ? 'copy' : 'original' };
    const parent = parentOf(located.originalPath);
    const local = located.runtime.engine?.index.loadTree('local');
    const takenNames = new Set<string>();
    if (local) {
      const parentItem = itemAtPath(local, parent);
      if (parentItem) for (const item of local.items.values()) if (item.parentId === parentItem.id) takenNames.add(item.name.toLowerCase());
    }
    const inParent = (name: string) => (parent ? `${parent}/${name}` : name).toLowerCase();
    const name = keptBothName(nameOf(located.originalPath), located.copyDevice, (candidate) => takenNames.has(candidate.toLowerCase()) || claimed.has(inParent(candidate)));
    claimed.add(inParent(name));
    return { keep: 'both', newPath: parent ? `${parent}/${name}` : name };
  }

  async #apply(located: Located, plan: Plan): Promise<void> {
    const folder = located.runtime.record.path;
    const copyAbs = diskPath(folder, located.copyPath);
    const originalAbs = diskPath(folder, located.originalPath);
    if (plan.keep === 'original') {
      await rm(copyAbs);
      return;
    }
    if (plan.keep === 'copy') {
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
      return;
    }
    if (await statOrNull(diskPath(folder, plan.newPath))) throw new TandemError('conflict', `${plan.newPath} already exists; rename it and try again.`);
    await rename(copyAbs, diskPath(folder, plan.newPath));
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

  readonly handlers: Pick<IpcHandlers, 'conflicts.list' | 'conflicts.get' | 'conflicts.resolve' | 'conflicts.undo' | 'conflicts.applyNow'> = {
    'conflicts.list': () => this.list(),
    'conflicts.get': ({ conflictId: id }) => this.detail(id),
    'conflicts.resolve': ({ conflictIds, choice, remember, undoable }) => this.resolve(conflictIds, choice, remember ?? false, undoable ?? false),
    'conflicts.undo': ({ undoId }) => this.undo(undoId),
    'conflicts.applyNow': ({ undoId }) => this.applyNow(undoId),
  };
}
