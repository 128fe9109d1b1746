// A block list sent as a change to another block list: the blocks the two share at the start
// (prefix) and at the end (suffix) are named by count, only the middle travels. An insert or an
// in-place edit in a big file is one such edit, so a 100 MiB file (~1,600 blocks, ~140 KB of JSON)
// costs a few hundred bytes of list instead. Shared by the server (which expands a committed delta
// and answers a list as a delta from a version the client holds) and the engine (which makes them).
// Pure: the expansion is checked here, the server then validates the result as any full list.
import { z } from 'zod';
import { TandemError } from '../errors.ts';
import { type BlockRef, blockRefSchema, hashSchema } from './common.ts';

/** The most blocks one file's list may have (common.ts contentSchema), a delta's expansion included. */
export const MAX_LIST_BLOCKS = 10_000;

/** `blocks` = base[0, prefix) + middle + base[base.length - suffix, base.length). */
export const blockDeltaSchema = z.object({
  base_hash: hashSchema.describe('the content hash of the list this delta is against (a commit: the current version)'),
  prefix: z.number().int().min(0).max(100_000).describe('blocks kept from the start of the base list'),
  suffix: z.number().int().min(0).max(100_000).describe('blocks kept from the end of the base list'),
  middle: z.array(blockRefSchema).max(10_000).describe('the new blocks between them'),
  check: z
    .string()
    .regex(/^[0-9a-f]{16}$/)
    .describe('listCheck() of the full list the delta makes: a base list that differs from the one the delta was made against is caught'),
});
export type BlockDelta = z.infer<typeof blockDeltaSchema>;

/**
 * Lists of at most this many blocks always travel whole (the changes feed carries them, a commit
 * sends them): below it a delta saves too little to be worth a second request or code path.
 */
export const FULL_LIST_MAX_BLOCKS = 256;

/**
 * A 64-bit checksum (two FNV-1a variants) of a block list: sizes and hashes in order. Not a
 * defence against a hostile client (the list is the account's own); it makes sure both sides
 * expanded a delta against the same base list.
 */
export function listCheck(blocks: readonly BlockRef[]): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ blocks.length;
  for (const block of blocks) {
    const text = `${block.size}:${block.hash};`;
    for (let i = 0; i < text.length; i += 1) {
      const code = text.charCodeAt(i);
      a = Math.imul(a ^ code, 0x01000193);
      b = Math.imul(b ^ code, 0x5bd1e995) ^ (b >>> 15);
    }
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

/** The delta that turns `base` into `next` (longest common prefix, then longest common suffix of the rest). */
export function diffBlockLists(base: readonly BlockRef[], next: readonly BlockRef[], baseHash: string): BlockDelta {
  const same = (a: BlockRef, b: BlockRef) => a.hash === b.hash && a.size === b.size;
  let prefix = 0;
  while (prefix < base.length && prefix < next.length && same(base[prefix]!, next[prefix]!)) prefix += 1;
  let suffix = 0;
  while (
    suffix < base.length - prefix &&
    suffix < next.length - prefix &&
    same(base[base.length - 1 - suffix]!, next[next.length - 1 - suffix]!)
  ) {
    suffix += 1;
  }
  return {
    base_hash: baseHash,
    prefix,
    suffix,
    middle: next.slice(prefix, next.length - suffix).map(({ hash, size }) => ({ hash, size })),
    check: listCheck(next),
  };
}

/**
 * True when sending `delta` instead of the full list of `nextLength` blocks clearly pays: the list
 * is big and the delta carries at most half of it (else the full list is the simpler answer).
 */
export function deltaPays(delta: BlockDelta, nextLength: number): boolean {
  return nextLength > FULL_LIST_MAX_BLOCKS && delta.middle.length * 2 <= nextLength;
}

/**
 * The full list `delta` describes against `base`. A delta that does not fit its base, or whose
 * result is not the list it was made for (its check), is refused (bad_request): nothing is guessed.
 */
export function applyBlockDelta(base: readonly BlockRef[], delta: Pick<BlockDelta, 'prefix' | 'suffix' | 'middle' | 'check'>): BlockRef[] {
  if (delta.prefix + delta.suffix > base.length) {
    throw new TandemError(
      'bad_request',
      `The block list delta keeps ${delta.prefix} blocks at the start and ${delta.suffix} at the end, but its base has only ${base.length}; send the full list.`,
    );
  }
  const blocks = [...base.slice(0, delta.prefix), ...delta.middle, ...base.slice(base.length - delta.suffix)];
  if (listCheck(blocks) !== delta.check) {
    throw new TandemError('bad_request', 'The block list delta does not make the list it was made for (the base lists differ); send the full list.');
  }
  return blocks;
}
