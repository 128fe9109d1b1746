// The BLAKE3 hasher: both backends give the official digests and agree with each other on every
// size and however the input is fed, and the wasm fallback takes over when the native module fails.

import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { isBlake3Digest, loadHasher } from './hasher.ts';
import type { Hasher } from './hasher.ts';

/** The input of BLAKE3's official test_vectors.json: byte i is i mod 251. */
function officialInput(length: number): Uint8Array {
  const data = new Uint8Array(length);
  for (let i = 0; i < length; i++) data[i] = i % 251;
  return data;
}

// Digests from BLAKE3's official test_vectors.json (the unkeyed `hash`, first 32 bytes).
const OFFICIAL_VECTORS: ReadonlyArray<readonly [number, string]> = [
  [0, 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262'],
  [1, '2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213'],
  [1023, '10108970eeda3eb932baac1428c7a2163b0e924c9a9e25b35bba72b28f70bd11'],
  [1024, '42214739f095a406f3fc83deb889744ac00df831c10daa55189b5d121c855af7'],
  [1025, 'd00278ae47eb27b34faecf67b4fe263f82d5412916c1ffd97c8cb7fb814b8444'],
  [2048, 'e776b6028c7cd22a4d0ba182a8bf62205d2ef576467e838ed6f2529b85fba24a'],
  [8193, 'bab6c09cb8ce8cf459261398d2e7aef35700bf488116ceb94a36d0f5f1b7bc3b'],
  [102400, 'bc3e3d41a1146b069abffad3c0d44860cf664390afce4d9661f7902e7943e085'],
];

const backends = async (): Promise<Hasher[]> => [await loadHasher({ backend: 'native' }), await loadHasher({ backend: 'wasm' })];

async function incrementalDigest(hasher: Hasher, data: Uint8Array, pieceSize: number): Promise<string> {
  const state = await hasher.createIncremental();
  for (let offset = 0; offset < data.length; offset += pieceSize) state.update(data.subarray(offset, offset + pieceSize));
  return state.digest();
}

describe('hasher', () => {
  const savedBackend = process.env.TANDEM_HASH_BACKEND;
  afterEach(() => {
    if (savedBackend === undefined) delete process.env.TANDEM_HASH_BACKEND;
    else process.env.TANDEM_HASH_BACKEND = savedBackend;
  });

  it('gives the official BLAKE3 digests with both backends, one-shot and incremental', async () => {
    for (const hasher of await backends()) {
      for (const [length, hex] of OFFICIAL_VECTORS) {
        const data = officialInput(length);
        expect(hasher.hash(data), `${hasher.backend} ${length}`).toBe(`blake3:${hex}`);
        expect(await incrementalDigest(hasher, data, 1000), `${hasher.backend} ${length} incremental`).toBe(`blake3:${hex}`);
      }
    }
  });

  it('native and wasm agree on random data of many sizes, however it is fed', async () => {
    const [native, wasm] = await backends();
    const sizes = [2, 63, 64, 65, 1000, 4095, 4096, 4097, 65_536, 65_537, 262_144, 1_000_003, 4 * 1024 * 1024 + 7];
    for (const size of sizes) {
      const data = randomBytes(size);
      const expected = native!.hash(data);
      expect(isBlake3Digest(expected)).toBe(true);
      expect(wasm!.hash(data), `wasm one-shot ${size}`).toBe(expected);
      for (const piece of [1, 977, 65_536]) {
        if (piece === 1 && size > 70_000) continue; // byte-by-byte is slow and adds nothing past a few chunks
        expect(await incrementalDigest(native!, data, piece), `native ${size}/${piece}`).toBe(expected);
        expect(await incrementalDigest(wasm!, data, piece), `wasm ${size}/${piece}`).toBe(expected);
      }
    }
  });

  it('reset starts a fresh digest, and hashers do not share state', async () => {
    for (const hasher of await backends()) {
      const a = await hasher.createIncremental();
      const b = await hasher.createIncremental();
      a.update(new TextEncoder().encode('ab'));
      b.update(new TextEncoder().encode('xyz'));
      a.update(new TextEncoder().encode('c'));
      expect(a.digest()).toBe('blake3:6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85');
      a.reset();
      expect(a.digest()).toBe(`blake3:${OFFICIAL_VECTORS[0]![1]}`);
      // A one-shot hash in between must not disturb an incremental one (the wasm backend shares an instance).
      const c = await hasher.createIncremental();
      c.update(new TextEncoder().encode('a'));
      hasher.hash(new TextEncoder().encode('something else'));
      c.update(new TextEncoder().encode('bc'));
      expect(c.digest()).toBe('blake3:6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85');
    }
  });

  it('prefers native, and falls back to wasm when the native module cannot load', async () => {
    delete process.env.TANDEM_HASH_BACKEND;
    expect((await loadHasher()).backend).toBe('native');
    const broken = () => {
      throw new Error('Cannot find native binding.');
    };
    const fallback = await loadHasher({ loadNative: broken });
    expect(fallback.backend).toBe('wasm');
    expect(fallback.hash(new Uint8Array(0))).toBe(`blake3:${OFFICIAL_VECTORS[0]![1]}`);
    await expect(loadHasher({ backend: 'native', loadNative: broken })).rejects.toThrow(/native BLAKE3 module could not load/);
  });

  it('TANDEM_HASH_BACKEND forces a backend, and a bad value is a clear error', async () => {
    process.env.TANDEM_HASH_BACKEND = 'wasm';
    expect((await loadHasher()).backend).toBe('wasm');
    process.env.TANDEM_HASH_BACKEND = 'sha1';
    await expect(loadHasher()).rejects.toThrow('TANDEM_HASH_BACKEND must be "native" or "wasm", not "sha1".');
  });
});
