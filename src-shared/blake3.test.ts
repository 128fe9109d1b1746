// The shared BLAKE3 loader and its two backends: both give the official digests one-shot and in
// pieces, wasm hashers sharing one instance do not disturb each other, and the wasm fallback takes
// over when the native module cannot load or cannot hash.
import { describe, expect, it } from 'vitest';
import { type Blake3, type NativeBlake3Module, loadBlake3 } from './blake3.ts';

/** The input of BLAKE3's official test vectors: byte i is i mod 251. */
function vectorInput(length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => i % 251);
}

const VECTORS: [number, string][] = [
  [0, 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262'],
  [1, '2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213'],
  [1025, 'd00278ae47eb27b34faecf67b4fe263f82d5412916c1ffd97c8cb7fb814b8444'],
  [102400, 'bc3e3d41a1146b069abffad3c0d44860cf664390afce4d9661f7902e7943e085'],
];

const hex = (digest: Uint8Array) => Buffer.from(digest).toString('hex');

function inPieces(blake3: Blake3, data: Uint8Array, pieceSize: number): Uint8Array {
  const state = blake3.createIncremental();
  for (let at = 0; at < data.length; at += pieceSize) state.update(data.subarray(at, at + pieceSize));
  return state.digest();
}

const backends = [await loadBlake3({ backend: 'native' }), await loadBlake3({ backend: 'wasm' })];

describe('BLAKE3 (shared by the server and the engine)', () => {
  it('loads the native module on this machine by default', async () => {
    expect((await loadBlake3()).backend).toBe('native');
    expect(backends.map((blake3) => blake3.backend)).toEqual(['native', 'wasm']);
  });

  it.each(VECTORS)('both backends give the official digest of %i bytes, whole and in pieces', (length, expected) => {
    const data = vectorInput(length);
    for (const blake3 of backends) {
      expect(hex(blake3.digest(data)), blake3.backend).toBe(expected);
      for (const piece of [1, 1000, 65_536]) expect(hex(inPieces(blake3, data, piece)), `${blake3.backend} ${piece}`).toBe(expected);
    }
  });

  it('incremental hashers are independent, survive one-shot hashes between their pieces, and reset starts over', () => {
    const abc = hex(backends[0]!.digest(new TextEncoder().encode('abc')));
    for (const blake3 of backends) {
      const a = blake3.createIncremental();
      const b = blake3.createIncremental();
      a.update(new TextEncoder().encode('ab'));
      b.update(new TextEncoder().encode('xyz'));
      const other = blake3.digest(vectorInput(5000));
      a.update(new TextEncoder().encode('c'));
      const first = a.digest();
      expect(hex(b.digest()), blake3.backend).toBe(hex(blake3.digest(new TextEncoder().encode('xyz'))));
      // Digests handed out earlier are the caller's: later hashing does not change them.
      expect(hex(first), blake3.backend).toBe(abc);
      expect(hex(other), blake3.backend).toBe(hex(backends[0]!.digest(vectorInput(5000))));
      a.reset();
      expect(hex(a.digest()), blake3.backend).toBe(VECTORS[0]![1]);
    }
  });

  it('falls back to wasm when the native module cannot load, or loads but cannot hash', async () => {
    const missing = () => {
      throw new Error('Cannot find native binding.');
    };
    const broken = {
      blake3: () => {
        throw new Error('illegal instruction');
      },
      Blake3Hasher: class {},
    } as unknown as NativeBlake3Module;
    for (const loadNative of [missing, () => Promise.resolve(broken)]) {
      const fallback = await loadBlake3({ loadNative });
      expect(fallback.backend).toBe('wasm');
      expect(hex(fallback.digest(new Uint8Array(0)))).toBe(VECTORS[0]![1]);
    }
    await expect(loadBlake3({ backend: 'native', loadNative: missing })).rejects.toThrow('The native BLAKE3 module could not load: Cannot find native binding.');
  });
});
