// BLAKE3 digests and the hash format check: the native and WebAssembly hashers agree with the
// published test vectors and with each other, and malformed hashes are refused before use.
import { describe, expect, it } from 'vitest';
import { loadBlake3 } from '../../src-shared/blake3.ts';
import { blockHashFromBytes } from '../../src-shared/protocol/blocks.ts';
import { assertBlockHash, blake3Implementation, blockDigest, createBlockHasher, hashBlock, isBlockHash } from './hash.ts';

// From the official BLAKE3 test vectors (input byte i = i % 251).
function vectorInput(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i += 1) bytes[i] = i % 251;
  return bytes;
}
const VECTORS: [number, string][] = [
  [0, 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262'],
  [1, '2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213'],
  [1024, '42214739f095a406f3fc83deb889744ac00df831c10daa55189b5d121c855af7'],
  [1025, 'd00278ae47eb27b34faecf67b4fe263f82d5412916c1ffd97c8cb7fb814b8444'],
];

const native = await loadBlake3({ backend: 'native' });
const wasm = await loadBlake3({ backend: 'wasm' });

describe('BLAKE3 hashing', () => {
  it('loads the native hasher on this machine', () => {
    expect(blake3Implementation).toBe('native');
  });

  it.each(VECTORS)('native and wasm agree with the test vector for %i bytes', (length, hex) => {
    const input = vectorInput(length);
    expect(blockHashFromBytes(wasm.digest(input))).toBe(`blake3:${hex}`);
    expect(blockHashFromBytes(native.digest(input))).toBe(`blake3:${hex}`);
    expect(hashBlock(input)).toBe(`blake3:${hex}`);
  });

  it('native and wasm agree on a large random block, and the wasm hasher can be reused', () => {
    const data = new Uint8Array(3 * 1024 * 1024 + 17);
    for (let i = 0; i < data.length; i += 1) data[i] = (i * 2654435761) >>> 24;
    expect(blockHashFromBytes(wasm.digest(data))).toBe(blockHashFromBytes(native.digest(data)));
    expect(blockHashFromBytes(wasm.digest(new Uint8Array(0)))).toBe(`blake3:${VECTORS[0]![1]}`);
  });
});

describe('block hash format', () => {
  const good = `blake3:${VECTORS[0]![1]}`;

  it('accepts blake3: and 64 lowercase hex digits', () => {
    expect(isBlockHash(good)).toBe(true);
    expect(assertBlockHash(good)).toBe(good);
  });

  it.each([
    ['uppercase hex', good.toUpperCase()],
    ['uppercase digits only', `blake3:${VECTORS[0]![1].toUpperCase()}`],
    ['another algorithm', `sha256:${VECTORS[0]![1]}`],
    ['too short', good.slice(0, -1)],
    ['too long', `${good}0`],
    ['a path', 'blake3:../../../../etc/passwd'],
    ['a trailing newline', `${good}\n`],
    ['empty', ''],
  ])('refuses %s with a clear error', (_label, value) => {
    expect(isBlockHash(value)).toBe(false);
    expect(() => assertBlockHash(value)).toThrow(/is not a block hash; expected "blake3:" followed by 64 lowercase hex digits/);
  });

  it('refuses non-strings', () => {
    expect(isBlockHash(42)).toBe(false);
    expect(() => assertBlockHash(undefined)).toThrow(/A value of type undefined is not a block hash/);
  });
});

describe('BlockHasher (a block hashed in pieces as it arrives)', () => {
  it('gives the one-shot digest for pieces at any cut, views included, and starts over after each digest', () => {
    const hasher = createBlockHasher();
    const data = vectorInput(5000);
    const whole = Buffer.from(blockDigest(data));
    for (const cuts of [[], [1], [1023, 1024, 1025], [17, 2048, 4999]]) {
      let from = 0;
      for (const cut of [...cuts, data.length]) {
        hasher.update(data.subarray(from, cut));
        from = cut;
      }
      expect(Buffer.from(hasher.digest()).equals(whole)).toBe(true);
    }
    expect(blockHashFromBytes(hasher.digest())).toBe(`blake3:${VECTORS[0]![1]}`);
  });

  it('on the wasm fallback gives the native digests: empty, small and in many pieces, block after block', () => {
    const onWasm = createBlockHasher(wasm);
    const onNative = createBlockHasher(native);
    const data = vectorInput(300_001);
    // Each block: its pieces. Two hashers of one backend interleave, as two uploads do.
    const blocks = [[], [data.subarray(0, 1)], [data.subarray(0, 1025)], [data.subarray(0, 65_536), data.subarray(65_536, 65_537), data.subarray(65_537)]];
    const other = createBlockHasher(wasm);
    for (const pieces of blocks) {
      for (const piece of pieces) {
        onWasm.update(piece);
        other.update(data.subarray(7, 1000));
        onNative.update(piece);
      }
      const fromWasm = onWasm.digest();
      expect(blockHashFromBytes(fromWasm)).toBe(blockHashFromBytes(onNative.digest()));
      expect(blockHashFromBytes(fromWasm)).toBe(blockHashFromBytes(native.digest(Buffer.concat(pieces))));
    }
    expect(blockHashFromBytes(createBlockHasher(wasm).digest())).toBe(`blake3:${VECTORS[0]![1]}`);
  });
});
