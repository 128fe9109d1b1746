// What a simulated user does to one device's folder between syncs, with plain node:fs calls:
// create, edit (fresh bytes or a small insertion, so most blocks are reused), rename, move (files
// and folders, across folders), delete (files, and folders with everything inside), make folders
// (sometimes with files in them), flip the exec bit. Names come from small pools so devices
// collide often (same new path on two devices, edits of one file on two devices). Every write is
// recorded in the ledger; every overwrite or delete tells the ledger what this device let go of.
import { readFile } from 'node:fs/promises';
import type { Prng } from './prng.ts';
import type { SimDevice } from './sim-device.ts';
import type { WriteLedger } from './ledger.ts';

// Some differ only by case: two devices creating `a.txt` and `A.txt` collide on the server, whose
// names are unique case-insensitively (one gets a "(case conflict)" name, SCENARIOS #24).
export const FILE_NAMES = ['a.txt', 'b.txt', 'notes.md', 'photo.jpg', 'data.bin', 'readme', 'A.txt', 'Notes.md'];
export const FOLDER_NAMES = ['docs', 'pics', 'x', 'y', 'archive', 'Docs', 'X'];
/** Deepest folder level the simulation creates (root children are level 1). */
const MAX_DEPTH = 3;

export type UserActionKind = 'create' | 'edit' | 'mkdir' | 'rename' | 'move' | 'deleteFile' | 'deleteFolder' | 'chmod';

export interface ActionContext {
  seed: number;
  step: number;
  rng: Prng;
  ledger: WriteLedger;
}

type Disk = Map<string, string>;

function isFolder(value: string | undefined): boolean {
  return value === 'folder';
}

function parentOf(path: string): string {
  const at = path.lastIndexOf('/');
  return at < 0 ? '' : path.slice(0, at);
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function join(parent: string, name: string): string {
  return parent ? `${parent}/${name}` : name;
}

function depth(path: string): number {
  return path === '' ? 0 : path.split('/').length;
}

function hashOf(value: string): string {
  return value.replace(/\+x$/, '');
}

function files(disk: Disk): string[] {
  return [...disk].filter(([, v]) => v !== 'folder' && v !== 'other').map(([p]) => p).sort();
}

function folders(disk: Disk): string[] {
  return [...disk].filter(([, v]) => v === 'folder').map(([p]) => p).sort();
}

/** Is `name` free in `parent` (names are unique per folder case-insensitively on the server)? */
function nameFree(disk: Disk, parent: string, name: string): boolean {
  const wanted = join(parent, name).toLowerCase();
  for (const path of disk.keys()) if (path.toLowerCase() === wanted) return false;
  return true;
}

/** Hashes of the files at `path` and below, as the disk holds them now. */
function hashesUnder(disk: Disk, path: string): string[] {
  const out: string[] = [];
  for (const [p, v] of disk) if ((p === path || p.startsWith(`${path}/`)) && v !== 'folder' && v !== 'other') out.push(hashOf(v));
  return out;
}

/** New bytes, unique to this write: mostly small text, sometimes a few hundred KiB, rarely empty. */
function freshContent(ctx: ActionContext, device: string, old: Uint8Array | undefined): Uint8Array {
  const rng = ctx.rng;
  const header = new TextEncoder().encode(`sim ${ctx.seed} step ${ctx.step} ${device} ${rng.uint32()}\n`);
  if (old && old.length > 0 && rng.chance(0.5)) {
    // A small insertion into what is there: FastCDC keeps the other blocks.
    const at = rng.int(0, old.length);
    return concat(old.subarray(0, at), header, old.subarray(at));
  }
  const size = rng.weighted({ small: 80, medium: 14, empty: 6 });
  if (size === 'empty') return new Uint8Array();
  if (size === 'medium') return concat(header, rng.bytes(rng.int(20_000, 300_000)));
  return concat(header, new TextEncoder().encode('x'.repeat(rng.int(0, 200))));
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Writes a file (new or over an old one), keeping the ledger. */
async function writeFile(ctx: ActionContext, sim: SimDevice, disk: Disk, path: string): Promise<string> {
  const old = disk.get(path);
  const before = old !== undefined && old !== 'folder' ? await readFile(sim.device.path(path)) : undefined;
  const bytes = freshContent(ctx, sim.name, before);
  if (old !== undefined) ctx.ledger.discard(sim.name, [hashOf(old)]);
  await sim.device.write(path, bytes);
  if (bytes.length > 0) ctx.ledger.wrote(sim.name, sim.device.world.hasher.hash(bytes), ctx.step, path);
  return `${old === undefined ? 'create' : 'edit'} ${path} (${bytes.length} B)`;
}

/** Applies one user action to the device's folder; returns what it did, for the log. */
export async function userAction(ctx: ActionContext, sim: SimDevice, kind: UserActionKind): Promise<string> {
  const rng = ctx.rng;
  const disk = await sim.device.contents();
  const fileList = files(disk);
  const folderList = folders(disk);
  const parents = ['', ...folderList.filter((f) => depth(f) < MAX_DEPTH)];

  switch (kind) {
    case 'create': {
      const parent = rng.pick(parents);
      const path = join(parent, rng.pick(FILE_NAMES));
      if (isFolder(disk.get(path))) return `create ${path}: a folder has that name; nothing done`;
      if (!disk.has(path) && !nameFree(disk, parent, baseName(path))) return `create ${path}: name taken; nothing done`;
      return writeFile(ctx, sim, disk, path);
    }
    case 'edit': {
      if (fileList.length === 0) return userAction(ctx, sim, 'create');
      return writeFile(ctx, sim, disk, rng.pick(fileList));
    }
    case 'mkdir': {
      const parent = rng.pick(parents.filter((p) => depth(p) < MAX_DEPTH - 1));
      const name = rng.pick(FOLDER_NAMES);
      const path = join(parent, name);
      if (!nameFree(disk, parent, name)) return `mkdir ${path}: name taken; nothing done`;
      await sim.device.mkdir(path);
      const inside = rng.chance(0.6) ? rng.int(1, 3) : 0;
      const made = new Set<string>();
      const done: string[] = [];
      for (let i = 0; i < inside; i++) {
        const child = join(path, rng.pick(FILE_NAMES));
        // Names are unique per folder case-insensitively: one user on one disk never makes both.
        if (made.has(child.toLowerCase())) continue;
        made.add(child.toLowerCase());
        done.push(await writeFile(ctx, sim, new Map(), child));
      }
      return `mkdir ${path}${done.length > 0 ? ` with ${done.join(', ')}` : ''}`;
    }
    case 'rename':
    case 'move': {
      const entries = [...fileList, ...folderList];
      if (entries.length === 0) return `${kind}: nothing to ${kind}`;
      const from = rng.pick(entries);
      const folder = isFolder(disk.get(from));
      let parent = parentOf(from);
      if (kind === 'move') {
        const targets = parents.filter((p) => p !== parent && p !== from && !p.startsWith(`${from}/`) && (!folder || depth(p) + 1 <= MAX_DEPTH));
        if (targets.length === 0) return `move ${from}: nowhere to go`;
        parent = rng.pick(targets);
      }
      const rename = kind === 'rename' || rng.chance(0.3);
      const name = rename ? rng.pick(folder ? FOLDER_NAMES : FILE_NAMES) : baseName(from);
      const to = join(parent, name);
      if (to === from) return `${kind} ${from}: already there`;
      if (!nameFree(disk, parent, name)) return `${kind} ${from} -> ${to}: name taken; nothing done`;
      await sim.device.rename(from, to);
      return `${kind} ${from} -> ${to}`;
    }
    case 'deleteFile': {
      if (fileList.length === 0) return 'delete: no file';
      const path = rng.pick(fileList);
      ctx.ledger.discard(sim.name, hashesUnder(disk, path));
      await sim.device.remove(path);
      return `delete ${path}`;
    }
    case 'deleteFolder': {
      if (folderList.length === 0) return 'delete folder: no folder';
      const path = rng.pick(folderList);
      ctx.ledger.discard(sim.name, hashesUnder(disk, path));
      await sim.device.remove(path);
      return `delete folder ${path} (${hashesUnder(disk, path).length} files)`;
    }
    case 'chmod': {
      if (fileList.length === 0) return 'chmod: no file';
      const path = rng.pick(fileList);
      const executable = disk.get(path)!.endsWith('+x');
      await sim.device.chmod(path, executable ? 0o644 : 0o755);
      return `chmod ${path} ${executable ? '-x' : '+x'}`;
    }
  }
}

/**
 * The same file edited on two devices before either syncs (SCENARIOS #1): a path both disks hold
 * as a file, with different new bytes on each. Falls back to an ordinary edit when none is shared.
 */
export async function twinEdit(ctx: ActionContext, first: SimDevice, second: SimDevice): Promise<string> {
  const a = await first.device.contents();
  const b = await second.device.contents();
  const shared = files(a).filter((p) => b.has(p) && !isFolder(b.get(p)));
  if (shared.length === 0) return `twin edit: nothing shared; ${await userAction(ctx, first, 'edit')}`;
  const path = ctx.rng.pick(shared);
  const one = await writeFile(ctx, first, a, path);
  const two = await writeFile(ctx, second, b, path);
  return `twin edit ${path}: ${first.name} ${one}; ${second.name} ${two}`;
}

/** The file a boundary name mentions ("before write docs/a.txt", "after rename a -> b"), if any. */
function pathInBoundary(boundary: string): string | undefined {
  const match = /^(?:before|after) (?:write|chmod|trash|remove|rename) (.+?)(?: -> .*)?$/.exec(boundary);
  return match?.[1];
}

/**
 * What the user does while the engine is in the middle of its work (an interlude at an executor
 * boundary): usually edits the very file the engine is touching, or another; sometimes creates,
 * moves, renames or deletes something.
 */
export async function midSyncAction(ctx: ActionContext, sim: SimDevice, boundary: string): Promise<string> {
  const kind = ctx.rng.weighted({ edit: 55, create: 10, deleteFile: 10, move: 10, rename: 10, deleteFolder: 5 });
  const named = pathInBoundary(boundary);
  if (kind === 'edit' && named !== undefined && !named.includes('.tandem') && ctx.rng.chance(0.7)) {
    const disk = await sim.device.contents();
    const value = disk.get(named);
    if (value !== undefined && value !== 'folder' && value !== 'other') return writeFile(ctx, sim, disk, named);
  }
  return userAction(ctx, sim, kind);
}
