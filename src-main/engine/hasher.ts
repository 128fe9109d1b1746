// BLAKE3 for blocks and files, written `blake3:<64 lowercase hex>` (DESIGN.md: content is
// addressed by BLAKE3). The native module @napi-rs/blake-hash is several times faster; hash-wasm's
// BLAKE3 is the fallback when the native module cannot load on a platform (no prebuilt binary),
// so Tandem still syncs there, only slower. Both give identical digests (hasher.test.ts).

import { createRequire } from 'node:module';
import { createBLAKE3 } from 'hash-wasm';
import type { IHasher } from 'hash-wasm';

export type HashBackend = 'native' | 'wasm';

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

/** The parts of @napi-rs/blake-hash we use. */
interface NativeBlake {
  blake3(input: Uint8Array): Buffer;
  Blake3Hasher: new () => { update(input: Uint8Array): unknown; digest(format: 'hex'): string; reset(): void };
}

function loadNativeModule(): NativeBlake {
  // A CommonJS package with a platform-specific binary: require() it so that a missing binary is
  // an exception we catch here, not a failed ESM link that takes the whole engine down.
  return createRequire(import.meta.url)('@napi-rs/blake-hash') as NativeBlake;
}

function nativeHasher(native: NativeBlake): Hasher {
  return {
    backend: 'native',
    hash: (data) => BLAKE3_PREFIX + native.blake3(data).toString('hex'),
    createIncremental: () => {
      const state = new native.Blake3Hasher();
      return Promise.resolve({
        update: (data: Uint8Array) => void state.update(data),
        digest: () => BLAKE3_PREFIX + state.digest('hex'),
        reset: () => state.reset(),
      });
    },
  };
}

async function wasmHasher(): Promise<Hasher> {
  // One instance serves every one-shot hash: init/update/digest runs synchronously, so no other
  // caller can interleave with it. Incremental hashers span awaits, so each gets its own.
  const shared = await createBLAKE3();
  const wrap = (state: IHasher): IncrementalHasher => ({
    update: (data) => void state.update(data),
    digest: () => BLAKE3_PREFIX + state.digest('hex'),
    reset: () => void state.init(),
  });
  return {
    backend: 'wasm',
    hash: (data) => {
      shared.init();
      shared.update(data);
      return BLAKE3_PREFIX + shared.digest('hex');
    },
    createIncremental: async () => {
      const state = await createBLAKE3();
      state.init();
      return wrap(state);
    },
  };
}

export interface LoadHasherOptions {
  /** Force one backend; the default prefers native and falls back to wasm. */
  backend?: HashBackend;
  /** How the native module is loaded; tests pass one that fails, to prove the fallback. */
  loadNative?: () => NativeBlake;
}

/**
 * Loads a BLAKE3 hasher: the native one when it loads, else the WebAssembly one. Forcing
 * `native` when it cannot load is an error; the environment variable TANDEM_HASH_BACKEND=wasm
 * forces the fallback everywhere (to compare speeds, or to dodge a broken native module).
 */
export async function loadHasher(options: LoadHasherOptions = {}): Promise<Hasher> {
  const forced = options.backend ?? backendFromEnvironment();
  if (forced === 'wasm') return wasmHasher();
  try {
    return nativeHasher((options.loadNative ?? loadNativeModule)());
  } catch (error) {
    if (forced === 'native') {
      throw new Error(`The native BLAKE3 module could not load: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
    return wasmHasher();
  }
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
