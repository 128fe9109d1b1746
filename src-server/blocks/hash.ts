// BLAKE3 for the server's blocks, as raw digests: the native @napi-rs/blake-hash (GB/s), with
// hash-wasm's BLAKE3 as the fallback when the native module cannot load on this platform (loading
// and both backends are src-shared/blake3.ts's, shared with the engine). Both give identical
// digests (a test proves it). The `blake3:<hex>` format check lives in src-shared and is
// re-exported here: it runs before any hash reaches a path or a query.
import { type Blake3, loadBlake3 } from '../../src-shared/blake3.ts';
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

const blake3 = await loadBlake3();

/** The raw 32-byte BLAKE3 digest of `data`. */
export const blockDigest: Blake3Digest = (data) => blake3.digest(data);

/** A BlockHasher, hashing each piece as it is given; `using` is for tests that force a backend. */
export function createBlockHasher(using: Blake3 = blake3): BlockHasher {
  const state = using.createIncremental();
  return {
    update: (piece) => state.update(piece),
    digest: () => {
      const digest = state.digest();
      state.reset();
      return digest;
    },
  };
}

/** Which implementation hashes blocks in this process (shown by benchmarks and diagnostics). */
export const blake3Implementation = blake3.backend;

/** `blake3:<64 hex>` of `data`: the block's address. */
export function hashBlock(data: Uint8Array): string {
  return blockHashFromBytes(blake3.digest(data));
}
