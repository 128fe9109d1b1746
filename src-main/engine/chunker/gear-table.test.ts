// Pins the gear table forever: its bytes hash to a committed digest, and it is exactly what the
// documented generator (SplitMix64, seed "TANDEMCD") gives. A failure here means block boundaries
// would change for every file: restore the table, never update this test.

import { describe, expect, it } from 'vitest';
import { loadHasher } from '../hasher.ts';
import { GEAR } from './gear-table.ts';

/** SplitMix64's reference algorithm, in BigInt: the high 32 bits of its first 256 outputs. */
function splitMix64High32(seed: bigint, count: number): number[] {
  const MASK = (1n << 64n) - 1n;
  let state = seed;
  const words: number[] = [];
  for (let i = 0; i < count; i++) {
    state = (state + 0x9e3779b97f4a7c15n) & MASK;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK;
    z ^= z >> 31n;
    words.push(Number(z >> 32n));
  }
  return words;
}

describe('gear table', () => {
  it('is the documented SplitMix64 output', () => {
    const seed = BigInt('0x' + Buffer.from('TANDEMCD', 'ascii').toString('hex'));
    expect(seed).toBe(0x54414e44454d4344n);
    expect(Array.from(GEAR, (word) => word >>> 0)).toEqual(splitMix64High32(seed, 256));
  });

  it('has the pinned digest (little-endian words)', async () => {
    const bytes = new Uint8Array(GEAR.length * 4);
    const view = new DataView(bytes.buffer);
    GEAR.forEach((word, i) => view.setUint32(i * 4, word >>> 0, true));
    const hasher = await loadHasher();
    expect(GEAR.length).toBe(256);
    expect(hasher.hash(bytes)).toBe('blake3:24ae7a6d200a68ac078efe91feb774758ad75b6a6169a0d3ed480516d5634306');
  });
});
