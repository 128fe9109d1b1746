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

/**
 * Hashes one block given in pieces (as its bytes arrive), then starts over for the next block.
 * One per upload stream: pieces of different uploads interleave.
 */
export interface BlockHasher {
  update(piece: Uint8Array): void;
  /** The raw digest of the pieces given since the last digest. */
  digest(): Uint8Array;
}

interface NativeBlake3 {
  blake3(input: Uint8Array): Uint8Array;
  Blake3Hasher: new () => { update(input: Uint8Array): unknown; digestBuffer(): Uint8Array; reset(): void };
}

function loadNativeBlake3(): NativeBlake3 | undefined {
  try {
    // A native module: loaded with require so a missing prebuilt binary is a catchable error.
    const native = createRequire(import.meta.url)('@napi-rs/blake-hash') as NativeBlake3;
    // Prove it works here (some platforms load a binary that then fails).
    native.blake3(new Uint8Array(0));
    const hasher = new native.Blake3Hasher();
    hasher.update(new Uint8Array(1));
    hasher.digestBuffer();
    return native;
  } catch {
    return undefined;
  }
}

/** hash-wasm's BLAKE3, ready for synchronous use once the promise resolves. */
export async function createWasmBlake3(): Promise<Blake3Digest> {
  const hasher = await createBLAKE3();
  return (data) => hasher.init().update(data).digest('binary');
}

const native = loadNativeBlake3();

/** The native hasher, or undefined when it cannot load on this platform. */
export const nativeBlake3: Blake3Digest | undefined = native ? (data) => native.blake3(data) : undefined;

const blake3: Blake3Digest = nativeBlake3 ?? (await createWasmBlake3());

/** The raw 32-byte BLAKE3 digest of `data`. */
export const blockDigest: Blake3Digest = blake3;

/**
 * A BlockHasher: native and incremental; without the native module, the pieces are kept and hashed
 * together by the wasm hasher at digest time (its one instance cannot hold several uploads' states).
 */
export function createBlockHasher(): BlockHasher {
  if (native) {
    const hasher = new native.Blake3Hasher();
    return {
      update: (piece) => void hasher.update(piece),
      digest: () => {
        const digest = hasher.digestBuffer();
        hasher.reset();
        return digest;
      },
    };
  }
  let pieces: Uint8Array[] = [];
  return {
    update: (piece) => void pieces.push(piece),
    digest: () => {
      const whole = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
      pieces = [];
      return blake3(whole);
    },
  };
}

/** Which implementation hashes blocks in this process (shown by benchmarks and diagnostics). */
export const blake3Implementation: 'native' | 'wasm' = nativeBlake3 ? 'native' : 'wasm';

/** `blake3:<64 hex>` of `data`: the block's address. */
export function hashBlock(data: Uint8Array): string {
  return blockHashFromBytes(blake3(data));
}
