// Deterministic pseudo-random bytes for the chunker's tests, fixed vectors and benchmark. Fixed
// vectors depend on this generator, so it must not change: xorshift32 (Marsaglia 2003, shifts
// 13/17/5), each step's 32-bit state written little-endian.

/** `length` bytes from xorshift32 seeded with `seed` (a nonzero 32-bit integer). */
export function pseudoRandomBytes(seed: number, length: number): Uint8Array {
  let state = seed | 0;
  if (state === 0) throw new RangeError('The xorshift32 seed must be a nonzero 32-bit integer.');
  const data = new Uint8Array(length);
  let i = 0;
  while (i < length) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    data[i++] = state & 0xff;
    if (i < length) data[i++] = (state >>> 8) & 0xff;
    if (i < length) data[i++] = (state >>> 16) & 0xff;
    if (i < length) data[i++] = (state >>> 24) & 0xff;
  }
  return data;
}

/**
 * Low-entropy, text-like bytes: words from a small vocabulary chosen by xorshift32. Real files are
 * rarely uniform noise; this checks that cuts still fall by content on repetitive input.
 */
export function pseudoText(seed: number, length: number): Uint8Array {
  const words = ['sync', 'block', 'tandem', 'the', 'of', 'file', 'server', 'version', 'a', 'chunk', '\n', 'and'];
  const encoder = new TextEncoder();
  const encoded = words.map((word) => encoder.encode(word + ' '));
  const picks = pseudoRandomBytes(seed, Math.ceil(length / 2) + 16);
  const data = new Uint8Array(length);
  let i = 0;
  let p = 0;
  while (i < length) {
    const word = encoded[picks[p++ % picks.length]! % encoded.length]!;
    const take = Math.min(word.length, length - i);
    data.set(word.subarray(0, take), i);
    i += take;
  }
  return data;
}
