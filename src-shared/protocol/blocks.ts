// The block wire protocol shared by the server and the engine: the `blake3:<hex>` hash format,
// the binary framing that carries many blocks in one request or response, and the zod schemas of
// the JSON block routes. Pure TypeScript (Uint8Array and DataView, no Node Buffer) so the engine
// and any other client can use it as is.
import { z } from 'zod';
import { TandemError } from '../errors.ts';

/** A block is at most 8 MiB; FastCDC's largest block is far smaller, this is the hard wall. */
export const MAX_BLOCK_SIZE = 8 * 1024 * 1024;
/** The most block bytes one upload or fetch carries (frames add 36 bytes of header per block). */
export const MAX_BLOCK_BATCH_BYTES = 64 * 1024 * 1024;
/** The most hashes one JSON request may name: a 1 GiB file is about 4,000 blocks. */
export const MAX_HASHES_PER_REQUEST = 10_000;
/** The most blocks one upload or fetch carries. */
export const MAX_BLOCKS_PER_BATCH = 10_000;

export const BLOCK_HASH_PREFIX = 'blake3:';
/** Raw BLAKE3 digests are 32 bytes. */
export const BLOCK_HASH_BYTES = 32;
/** Each frame is [32-byte raw hash][u32 big-endian length][length bytes]. */
export const BLOCK_FRAME_HEADER_BYTES = BLOCK_HASH_BYTES + 4;

const BLOCK_HASH_PATTERN = /^blake3:[0-9a-f]{64}$/;

/** True when `value` is exactly `blake3:` and 64 lowercase hex digits. */
export function isBlockHash(value: unknown): value is string {
  return typeof value === 'string' && value.length === 71 && BLOCK_HASH_PATTERN.test(value);
}

/** Shortens a (possibly hostile) value for an error message, so a huge string never floods a log. */
export function describeHashForError(value: unknown): string {
  if (typeof value !== 'string') return `A value of type ${typeof value}`;
  const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value;
  return JSON.stringify(shown);
}

/** Returns `value` if it is a well-formed block hash, else throws bad_request. */
export function assertBlockHash(value: unknown): string {
  if (!isBlockHash(value)) {
    throw new TandemError(
      'bad_request',
      `${describeHashForError(value)} is not a block hash; expected "blake3:" followed by 64 lowercase hex digits.`,
    );
  }
  return value;
}

const HEX = '0123456789abcdef';

/** The 32 raw digest bytes of a `blake3:<hex>` hash (the hash is validated first). */
export function blockHashToBytes(hash: string): Uint8Array {
  assertBlockHash(hash);
  const bytes = new Uint8Array(BLOCK_HASH_BYTES);
  for (let i = 0; i < BLOCK_HASH_BYTES; i += 1) {
    const offset = BLOCK_HASH_PREFIX.length + i * 2;
    bytes[i] = (HEX.indexOf(hash[offset] as string) << 4) | HEX.indexOf(hash[offset + 1] as string);
  }
  return bytes;
}

/** `blake3:<hex>` of 32 raw digest bytes. */
export function blockHashFromBytes(bytes: Uint8Array): string {
  if (bytes.length !== BLOCK_HASH_BYTES) {
    throw new TandemError('bad_request', `A BLAKE3 digest is ${BLOCK_HASH_BYTES} bytes, not ${bytes.length}.`);
  }
  let hex = BLOCK_HASH_PREFIX;
  for (const byte of bytes) hex += HEX[byte >> 4]! + HEX[byte & 15]!;
  return hex;
}

export interface BlockFrame {
  hash: string;
  data: Uint8Array;
}

export interface BlockFrameLimits {
  /** Largest block accepted; default MAX_BLOCK_SIZE. */
  maxBlockSize?: number;
  /** Most frames accepted; default MAX_BLOCKS_PER_BATCH. */
  maxBlocks?: number;
}

/** The number of bytes encodeBlockFrames produces for blocks of these sizes. */
export function blockFramesLength(sizes: Iterable<number>): number {
  let total = 0;
  for (const size of sizes) total += BLOCK_FRAME_HEADER_BYTES + size;
  return total;
}

/** One frame's header: the raw hash, then the block's length (big-endian u32). */
export function encodeBlockFrameHeader(hash: string, size: number): Uint8Array {
  if (size > 0xffff_ffff) {
    throw new TandemError('too_large', `Block ${hash} is too large to frame.`);
  }
  const header = new Uint8Array(BLOCK_FRAME_HEADER_BYTES);
  header.set(blockHashToBytes(hash), 0);
  new DataView(header.buffer).setUint32(BLOCK_HASH_BYTES, size, false);
  return header;
}

/** Packs blocks into one body: repeated [32-byte hash][u32 BE length][bytes]. */
export function encodeBlockFrames(blocks: readonly BlockFrame[]): Uint8Array {
  const out = new Uint8Array(blockFramesLength(blocks.map((block) => block.data.length)));
  let offset = 0;
  for (const block of blocks) {
    out.set(encodeBlockFrameHeader(block.hash, block.data.length), offset);
    out.set(block.data, offset + BLOCK_FRAME_HEADER_BYTES);
    offset += BLOCK_FRAME_HEADER_BYTES + block.data.length;
  }
  return out;
}

/**
 * Splits a body made by encodeBlockFrames back into blocks. The data are views into `body` (no
 * copy). A cut-off frame, a length over the limit or too many frames is a clear error; the caller
 * still has to check that each hash matches its bytes.
 */
export function decodeBlockFrames(body: Uint8Array, limits: BlockFrameLimits = {}): BlockFrame[] {
  const maxBlockSize = limits.maxBlockSize ?? MAX_BLOCK_SIZE;
  const maxBlocks = limits.maxBlocks ?? MAX_BLOCKS_PER_BATCH;
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const frames: BlockFrame[] = [];
  let offset = 0;
  while (offset < body.length) {
    const index = frames.length;
    if (index >= maxBlocks) {
      throw new TandemError('too_large', `The body carries more than ${maxBlocks} blocks; send fewer per request.`);
    }
    if (body.length - offset < BLOCK_FRAME_HEADER_BYTES) {
      throw new TandemError(
        'bad_request',
        `Block frame ${index + 1} is cut off: its header needs ${BLOCK_FRAME_HEADER_BYTES} bytes but only ${body.length - offset} remain.`,
      );
    }
    const hash = blockHashFromBytes(body.subarray(offset, offset + BLOCK_HASH_BYTES));
    const length = view.getUint32(offset + BLOCK_HASH_BYTES, false);
    if (length > maxBlockSize) {
      throw new TandemError(
        'too_large',
        `Block ${hash} is ${length} bytes; a block may be at most ${maxBlockSize} bytes.`,
      );
    }
    const start = offset + BLOCK_FRAME_HEADER_BYTES;
    if (body.length - start < length) {
      throw new TandemError(
        'bad_request',
        `Block frame ${index + 1} (${hash}) is cut off: it declares ${length} bytes but only ${body.length - start} remain.`,
      );
    }
    frames.push({ hash, data: body.subarray(start, start + length) });
    offset = start + length;
  }
  return frames;
}

/** What a BlockFrameSplitter tells its owner as a body of frames streams through it. */
export interface BlockFrameHandler {
  /**
   * A frame's header is complete: `digest` is the raw hash, a view of a header buffer of its own
   * (it stays valid: the owner may keep it); `frame` counts from 1. A handler that throws stops
   * the split; its owner then pushes no more.
   */
  header(digest: Uint8Array, size: number, frame: number): void;
  /** The next bytes of the current block: a view of the pushed chunk, not a copy. */
  bytes(piece: Uint8Array): void;
  /** The current block's bytes are all in (straight after `header` for an empty block). */
  blockEnd(): void;
}

/** Where a body stopped inside a frame: `received` bytes of its header, or of its block. */
export type BlockFrameCut =
  | { in: 'header'; frame: number; received: number }
  | { in: 'block'; frame: number; size: number; received: number };

/**
 * Splits a body of frames as it streams in, chunk by chunk: gathers each header (it may span
 * chunks), then hands on the block's bytes as views of the chunks. What to do with the bytes,
 * which limits apply and how errors are worded are the owner's (the server's upload reader, the
 * engine's download reader); decodeBlockFrames is the same format for a body held whole.
 */
export class BlockFrameSplitter {
  readonly #handler: BlockFrameHandler;
  #header = new Uint8Array(BLOCK_FRAME_HEADER_BYTES);
  #headerFill = 0;
  #frames = 0;
  #inBlock = false;
  #size = 0;
  #remaining = 0;

  constructor(handler: BlockFrameHandler) {
    this.#handler = handler;
  }

  /** Takes the next chunk of the body. */
  push(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.#inBlock) {
        const take = Math.min(this.#remaining, chunk.length - at);
        this.#remaining -= take;
        this.#handler.bytes(chunk.subarray(at, at + take));
        at += take;
        if (this.#remaining === 0) this.#endBlock();
        continue;
      }
      const take = Math.min(BLOCK_FRAME_HEADER_BYTES - this.#headerFill, chunk.length - at);
      this.#header.set(chunk.subarray(at, at + take), this.#headerFill);
      this.#headerFill += take;
      at += take;
      if (this.#headerFill === BLOCK_FRAME_HEADER_BYTES) this.#startBlock();
    }
  }

  /** After the last chunk: where the body stopped inside a frame, or undefined if between frames. */
  cutOff(): BlockFrameCut | undefined {
    if (this.#inBlock) return { in: 'block', frame: this.#frames, size: this.#size, received: this.#size - this.#remaining };
    if (this.#headerFill > 0) return { in: 'header', frame: this.#frames + 1, received: this.#headerFill };
    return undefined;
  }

  #startBlock(): void {
    const header = this.#header;
    // A new buffer gathers the next header, so the digest handed on stays valid (the server keeps
    // it with the block): 36 bytes a block.
    this.#header = new Uint8Array(BLOCK_FRAME_HEADER_BYTES);
    this.#headerFill = 0;
    const size = new DataView(header.buffer, header.byteOffset, header.byteLength).getUint32(BLOCK_HASH_BYTES, false);
    this.#frames += 1;
    this.#handler.header(header.subarray(0, BLOCK_HASH_BYTES), size, this.#frames);
    this.#inBlock = true;
    this.#size = size;
    this.#remaining = size;
    if (size === 0) this.#endBlock();
  }

  #endBlock(): void {
    this.#inBlock = false;
    this.#handler.blockEnd();
  }
}

export const BlockHashSchema = z
  .string()
  .regex(BLOCK_HASH_PATTERN, { message: 'expected "blake3:" followed by 64 lowercase hex digits' });

const HashListSchema = z.array(BlockHashSchema).max(MAX_HASHES_PER_REQUEST);

/** POST /v1/blocks/missing: which of these blocks must I upload? */
export const MissingBlocksRequestSchema = z.object({ hashes: HashListSchema }).strict();
export type MissingBlocksRequest = z.infer<typeof MissingBlocksRequestSchema>;

/** Only blocks this account can already read count as present; duplicates are listed once. */
export const MissingBlocksResponseSchema = z.object({ missing: z.array(BlockHashSchema) });
export type MissingBlocksResponse = z.infer<typeof MissingBlocksResponseSchema>;

/** POST /v1/blocks (body: frames) answers, once every block is durable: */
export const UploadBlocksResponseSchema = z.object({
  /** Blocks in the body (duplicates counted once). */
  blocks: z.number().int().nonnegative(),
  /** Bytes of those blocks. */
  bytes: z.number().int().nonnegative(),
});
export type UploadBlocksResponse = z.infer<typeof UploadBlocksResponseSchema>;

/** POST /v1/blocks/fetch: the answer is frames in the order asked (duplicates sent once). */
export const FetchBlocksRequestSchema = z
  .object({ hashes: z.array(BlockHashSchema).min(1).max(MAX_BLOCKS_PER_BATCH) })
  .strict();
export type FetchBlocksRequest = z.infer<typeof FetchBlocksRequestSchema>;

export const BLOCK_FRAMES_CONTENT_TYPE = 'application/octet-stream';
