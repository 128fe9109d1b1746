// The stored block list: what is encoded decodes back with offsets, an empty list is one shared
// empty buffer (most facts have no blocks), and bad input is refused before it is stored.
import { describe, expect, it } from 'vitest';
import { decodeBlockList, encodeBlockList } from './block-list.ts';

const hashA = `blake3:${'ab'.repeat(32)}`;
const hashB = `blake3:${'0123456789abcdef'.repeat(4)}`;

describe('block list', () => {
  it('decodes what was encoded, offsets being the running sum of sizes', () => {
    const blob = encodeBlockList([
      { size: 10, hash: hashA },
      { size: 0, hash: hashB },
      { size: 70_000, hash: hashA },
    ]);
    expect(blob.length).toBe(3 * 36);
    expect(decodeBlockList(blob)).toEqual([
      { offset: 0, size: 10, hash: hashA },
      { offset: 10, size: 0, hash: hashB },
      { offset: 10, size: 70_000, hash: hashA },
    ]);
  });

  it('an empty list is the same empty buffer every time, and decodes to no blocks', () => {
    const empty = encodeBlockList([]);
    expect(empty.length).toBe(0);
    expect(encodeBlockList([])).toBe(empty);
    expect(decodeBlockList(empty)).toEqual([]);
  });

  it('refuses a malformed hash or size', () => {
    expect(() => encodeBlockList([{ size: 1, hash: 'blake3:AB' }])).toThrow(/Block 0 has the hash "blake3:AB"/);
    expect(() => encodeBlockList([{ size: -1, hash: hashA }])).toThrow(/Block 0 has the size -1/);
  });
});
