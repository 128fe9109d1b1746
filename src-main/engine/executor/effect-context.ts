// What every operation's effect gets: the ports, the working trees, the hasher, the operation's
// Idempotency-Key (journaled, so a retry or replay sends the same one) and a progress callback.
// Also the one check several effects share: is a local file still what the scanner saw?

import type { EntryStat } from '../fs/file-system.ts';
import type { Hasher } from '../hasher.ts';
import { Deferred } from './errors.ts';
import type { ExecutorPorts, LocalFacts } from './ports.ts';
import type { WorkingTrees } from './working-trees.ts';

export interface EffectContext {
  ports: ExecutorPorts;
  trees: WorkingTrees;
  hasher: Hasher;
  idempotencyKey: string;
  /** Content bytes moved (downloaded or uploaded) since the last call. */
  onBytes: (bytes: number) => void;
  /** Bytes that must stay free on the disk beyond a download's size. */
  freeSpaceReserve: number;
}

/** Size, mtime and inode as the scanner saw them: equal means "not touched since the scan". */
export function sameAsFacts(stat: EntryStat, facts: LocalFacts | undefined): boolean {
  if (!facts) return false;
  // Within a microsecond: the scanner keeps mtimes at microsecond precision, lstat gives a float.
  return stat.kind === 'file' && stat.size === facts.size && Math.abs(stat.mtimeMs - facts.mtimeMs) < 0.001 && stat.inode === facts.inode;
}

/** Lstat, with "not there" as undefined rather than an error. */
export async function statOrUndefined(ctx: EffectContext, path: string): Promise<EntryStat | undefined> {
  try {
    return await ctx.ports.fs.lstat(path);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'not_found') return undefined;
    throw error;
  }
}

/** Throws Deferred unless the file at `path` is the one the scanner saw for item `id`. */
export async function requireUnchanged(ctx: EffectContext, id: string, path: string, reason: 'target_changed' | 'source_changed'): Promise<EntryStat> {
  const stat = await statOrUndefined(ctx, path);
  if (!stat) throw new Deferred('missing', `"${path}" is no longer there; it will be looked at again.`, path);
  if (!sameAsFacts(stat, ctx.ports.store.localFacts(id))) {
    throw new Deferred(reason, `"${path}" changed since it was last scanned; it will be looked at again.`, path);
  }
  return stat;
}

/** Fs errors that mean "the place is taken or gone": the world moved, not a failure. */
export function isPlaceError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'exists' || code === 'not_found' || code === 'not_empty';
}
