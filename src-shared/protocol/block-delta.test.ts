import { describe, expect, it } from 'vitest';
import { TandemError } from '../errors.ts';
import { applyBlockDelta, deltaPays, diffBlockLists, FULL_LIST_MAX_BLOCKS, listCheck } from './block-delta.ts';
import type { BlockRef } from './common.ts';

const block = (n: number, size = 65_536): BlockRef => ({ hash: `blake3:${n.toString(16).padStart(64, '0')}`, size });
const list = (from: number, count: number) => Array.from({ length: count }, (_, i) => block(from + i));
const BASE_HASH = `blake3:${'ab'.repeat(32)}`;

describe('block list deltas', () => {
  const base = list(0, 1600);

  it('an insert in the middle of a 1,600-block list travels as one changed block', () => {
    // FastCDC re-cuts the block holding the insert; the blocks around it are the same.
    const next = [...base.slice(0, 800), block(90_000, 65_537), ...base.slice(801)];
    const delta = diffBlockLists(base, next, BASE_HASH);
    expect(delta).toMatchObject({ base_hash: BASE_HASH, prefix: 800, suffix: 799, middle: [block(90_000, 65_537)] });
    expect(deltaPays(delta, next.length)).toBe(true);
    expect(applyBlockDelta(base, delta)).toEqual(next);
    expect(JSON.stringify(delta).length).toBeLessThan(300);
  });

  it('handles appends, truncations, identical lists and a list made from nothing', () => {
    for (const next of [[...base, block(99_999)], base.slice(0, 1000), base, [], list(5000, 10)]) {
      expect(applyBlockDelta(base, diffBlockLists(base, next, BASE_HASH))).toEqual(next);
    }
    // A repeated block does not make prefix and suffix overlap.
    const same = [block(1), block(1), block(1)];
    const longer = [block(1), block(1), block(1), block(1)];
    expect(applyBlockDelta(same, diffBlockLists(same, longer, BASE_HASH))).toEqual(longer);
  });

  it('sends small or mostly-new lists whole', () => {
    const small = list(0, FULL_LIST_MAX_BLOCKS - 1);
    expect(deltaPays(diffBlockLists(small, [...small, block(9)], BASE_HASH), FULL_LIST_MAX_BLOCKS)).toBe(false);
    const rewritten = list(20_000, 1600);
    expect(deltaPays(diffBlockLists(base, rewritten, BASE_HASH), rewritten.length)).toBe(false);
  });

  it('refuses a delta that does not fit its base, with a one-line message', () => {
    const delta = diffBlockLists(base, base, BASE_HASH);
    const apply = () => applyBlockDelta(base.slice(0, 10), delta);
    expect(apply).toThrow(TandemError);
    expect(apply).toThrow(/keeps 1600 blocks at the start and 0 at the end, but its base has only 10; send the full list\.$/);
  });

  it('refuses a delta applied to another base list of the same length (its check differs)', () => {
    const next = [...base.slice(0, 800), block(90_000), ...base.slice(801)];
    const delta = diffBlockLists(base, next, BASE_HASH);
    const otherBase = [...base.slice(0, 5), block(77_777), ...base.slice(6)];
    expect(() => applyBlockDelta(otherBase, delta)).toThrow(/does not make the list it was made for/);
  });

  it('checks sizes and order, not only the set of hashes', () => {
    expect(listCheck([block(1), block(2)])).not.toBe(listCheck([block(2), block(1)]));
    expect(listCheck([block(1, 10)])).not.toBe(listCheck([block(1, 11)]));
    expect(listCheck(base)).toMatch(/^[0-9a-f]{16}$/);
  });
});
