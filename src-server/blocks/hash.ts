// BLAKE3 for the server's blocks: the native @napi-rs/blake-hash (GB/s), with hash-wasm's BLAKE3
// as the fallback when the native module cannot load on this platform. Both give identical digests
// (a test proves it). The `blake3:<hex>` format check lives in src-shared and is re-exported here:
// it runs before any hash reaches a path or a query.
import { createRequire } from 'node:module';
import { createBLAKE3 } from 'hash-wasm';
import { blockHashFromBytes } from '../../src-shared/protocol/blocks.ts';

export { assertBlockHash, isBlockHash } from '../../src-shared/protocol/blocks.ts';

/** Raw 32-byte BLAKE3 digest of `data`. */
export type Blake3Digest = (data: Uint8Array) => Uint8Array;

function loadNativeBlake3(): Blake3Digest | undefined {
  try {
    // A native module: loaded with require so a missing prebuilt binary is a catchable error.
    const native = createRequire(import.meta.url)('@napi-rs/blake-hash') as {
      blake3(input: Uint8Array): Uint8Array;
    };
    const digest: Blake3Digest = (data) => native.blake3(data);
    // Prove it works here (some platforms load a binary that then fails).
    digest(new Uint8Array(0));
    return digest;
  } catch {
    return undefined;
  }
}

/** hash-wasm's BLAKE3, ready for synchronous use once the promise resolves. */
export async function createWasmBlake3(): Promise<Blake3Digest> {
  const hasher = await createBLAKE3();
  return (data) => hasher.init().update(data).digest('binary');
}

/** The native hasher, or undefined when it cannot load on this platform. */
export const nativeBlake3: Blake3Digest | undefined = loadNativeBlake3();

const blake3: Blake3Digest = nativeBlake3 ?? (await createWasmBlake3());

/** Which implementation hashes blocks in this process (shown by benchmarks and diagnostics). */
export const blake3Implementation: 'native' | 'wasm' = nativeBlake3 ? 'native' : 'wasm';

/** `blake3:<64 hex>` of `data`: the block's address. */
export function hashBlock(data: Uint8Array): string {
  return blockHashFromBytes(blake3(data));
}
