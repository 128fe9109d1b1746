// BLAKE3 for the server's blocks and the engine's files and blocks: the native @napi-rs/blake-hash
// (GB/s) when it loads on this platform, else hash-wasm's BLAKE3 (identical digests, slower), so
// Tandem still runs where no prebuilt binary exists. Digests are raw 32 bytes; each side writes
// them its own way. Only Node code imports this module (src-server, src-main/engine): the renderer
// never does, so Vite never bundles it. It still keeps src-shared's rules (no Node built-ins, no
// Buffer), since the renderer's type check covers all of src-shared.
import { createBLAKE3 } from 'hash-wasm';

export type Blake3Backend = 'native' | 'wasm';

/** A hash over bytes fed in pieces. After digest(), call reset() before feeding it again. */
export interface IncrementalBlake3 {
  update(data: Uint8Array): void;
  /** The raw 32-byte digest of the bytes fed since it was made or last reset. */
  digest(): Uint8Array;
  reset(): void;
}

export interface Blake3 {
  /** Which implementation runs: for logs and benchmarks. */
  readonly backend: Blake3Backend;
  /** The raw 32-byte digest of one whole buffer. */
  digest(data: Uint8Array): Uint8Array;
  /** A new incremental hasher, independent of every other. */
  createIncremental(): IncrementalBlake3;
}

/** The parts of @napi-rs/blake-hash we use. */
export interface NativeBlake3Module {
  blake3(input: Uint8Array): Uint8Array;
  Blake3Hasher: new () => { update(input: Uint8Array): unknown; digestBuffer(): Uint8Array; reset(): void };
}

export interface LoadBlake3Options {
  /** Force one backend; the default prefers native and falls back to wasm. */
  backend?: Blake3Backend;
  /** How the native module is loaded; tests pass one that fails, to prove the fallback. */
  loadNative?: () => NativeBlake3Module | Promise<NativeBlake3Module>;
}

/**
 * Loads BLAKE3: the native module when it loads and works here, else the WebAssembly one.
 * Forcing `native` when it cannot load is an error.
 */
export async function loadBlake3(options: LoadBlake3Options = {}): Promise<Blake3> {
  if (options.backend === 'wasm') return wasmBlake3();
  try {
    return nativeBlake3(proveNative(await (options.loadNative ?? importNative)()));
  } catch (error) {
    if (options.backend === 'native') {
      throw new Error(`The native BLAKE3 module could not load: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    return wasmBlake3();
  }
}

async function importNative(): Promise<NativeBlake3Module> {
  // A CommonJS package with a platform-specific binary: imported dynamically, so a missing binary
  // is a rejected promise caught by loadBlake3, not a failed static link that takes the process down.
  const module = (await import('@napi-rs/blake-hash')) as unknown as { default: NativeBlake3Module };
  return module.default;
}

/** Some platforms load a binary that then fails: it is used only once it has hashed here. */
function proveNative(native: NativeBlake3Module): NativeBlake3Module {
  native.blake3(new Uint8Array(0));
  const hasher = new native.Blake3Hasher();
  hasher.update(new Uint8Array(1));
  hasher.digestBuffer();
  return native;
}

function nativeBlake3(native: NativeBlake3Module): Blake3 {
  return {
    backend: 'native',
    digest: (data) => native.blake3(data),
    createIncremental: () => {
      const state = new native.Blake3Hasher();
      return {
        update: (data) => void state.update(data),
        digest: () => state.digestBuffer(),
        reset: () => state.reset(),
      };
    },
  };
}

async function wasmBlake3(): Promise<Blake3> {
  // One wasm instance serves every hasher. A one-shot digest runs init/update/digest synchronously,
  // so nothing interleaves with it; an incremental hasher keeps its state outside the instance
  // (save/load, ~2 KB copied per update), so hashers interleave freely and one is made without
  // waiting (the server makes one per upload as the request starts).
  const shared = await createBLAKE3();
  const initial = shared.init().save();
  return {
    backend: 'wasm',
    digest: (data) => shared.init().update(data).digest('binary'),
    createIncremental: () => {
      let state = initial;
      return {
        update: (data) => {
          state = shared.load(state).update(data).save();
        },
        digest: () => shared.load(state).digest('binary'),
        reset: () => {
          state = initial;
        },
      };
    },
  };
}
