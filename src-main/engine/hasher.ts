// BLAKE3 for blocks and files, written `blake3:<64 lowercase hex>` (DESIGN.md: content is
// addressed by BLAKE3). The native module @napi-rs/blake-hash is several times faster; hash-wasm's
// BLAKE3 is the fallback when the native module cannot load on a platform (no prebuilt binary),
// so Tandem still syncs there, only slower. Both give identical digests (hasher.test.ts). Loading
// and both backends are src-shared/blake3.ts's, shared with the server; this is the engine's shape.

import { type Blake3, type Blake3Backend, type LoadBlake3Options, loadBlake3 } from '../../src-shared/blake3.ts';

export type HashBackend = Blake3Backend;

/** Our form of a digest: `blake3:` and 64 lowercase hex digits. */
export const BLAKE3_PREFIX = 'blake3:';
const DIGEST_PATTERN = /^blake3:[0-9a-f]{64}$/;

export function isBlake3Digest(value: string): boolean {
  return DIGEST_PATTERN.test(value);
}

/** A hash over bytes fed in pieces. After digest(), call reset() before feeding it again. */
export interface IncrementalHasher {
  update(data: Uint8Array): void;
  digest(): string;
  reset(): void;
}

export interface Hasher {
  /** Which implementation runs: for logs and benchmarks. */
  readonly backend: HashBackend;
  /** The digest of one whole buffer. */
  hash(data: Uint8Array): string;
  /** A new incremental hasher, independent of every other. */
  createIncremental(): Promise<IncrementalHasher>;
}

/** `blake3:<hex>` of a raw digest, by Node's native hex encoder. */
function written(digest: Uint8Array): string {
  return BLAKE3_PREFIX + Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength).toString('hex');
}

function hasherOf(blake3: Blake3): Hasher {
  return {
    backend: blake3.backend,
    hash: (data) => written(blake3.digest(data)),
    createIncremental: () => {
      const state = blake3.createIncremental();
      return Promise.resolve({
        update: (data: Uint8Array) => state.update(data),
        digest: () => written(state.digest()),
        reset: () => state.reset(),
      });
    },
  };
}

export type LoadHasherOptions = LoadBlake3Options;

/**
 * Loads a BLAKE3 hasher (src-shared/blake3.ts): the native one when it loads, else the
 * WebAssembly one. Forcing `native` when it cannot load is an error; the environment variable
 * TANDEM_HASH_BACKEND=wasm forces the fallback everywhere (to compare speeds, or to dodge a broken
 * native module).
 */
export async function loadHasher(options: LoadHasherOptions = {}): Promise<Hasher> {
  const backend = options.backend ?? backendFromEnvironment();
  return hasherOf(await loadBlake3({ ...options, backend }));
}

function backendFromEnvironment(): HashBackend | undefined {
  const value = process.env.TANDEM_HASH_BACKEND;
  if (value === undefined || value === '') return undefined;
  if (value === 'native' || value === 'wasm') return value;
  throw new Error(`TANDEM_HASH_BACKEND must be "native" or "wasm", not "${value}".`);
}

let defaultHasher: Promise<Hasher> | undefined;

/** The process-wide hasher (loaded once). */
export function getHasher(): Promise<Hasher> {
  // A failed load is not cached, so a corrected environment is picked up on the next call.
  defaultHasher ??= loadHasher().catch((error: unknown) => {
    defaultHasher = undefined;
    throw error;
  });
  return defaultHasher;
}
