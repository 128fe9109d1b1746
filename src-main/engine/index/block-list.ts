// A file's block list as the index stores it: one BLOB of fixed 36-byte records (4-byte size,
// 32-byte BLAKE3 digest), in file order. Offsets are not stored, they are the running sum of
// sizes. A 4,000-block file is 144 KB instead of ~330 KB of JSON, and decoding needs no parser.

import { IndexError } from './index-error.ts';

export interface StoredBlock {
  offset: number;
  size: number;
  /** `blake3:<64 hex>` */
  hash: string;
}

const RECORD = 36;
const PREFIX = 'blake3:';
const HASH = /^blake3:[0-9a-f]{64}$/u;

/** The stored form of an empty block list (most facts: small files and folders), shared by all. */
const NO_BLOCKS = Buffer.alloc(0);

export function encodeBlockList(blocks: readonly { size: number; hash: string }[]): Buffer {
  if (blocks.length === 0) return NO_BLOCKS;
  const out = Buffer.alloc(blocks.length * RECORD);
  blocks.forEach((block, i) => {
    if (!HASH.test(block.hash)) {
      throw new IndexError('bad_input', `Block ${i} has the hash "${String(block.hash).slice(0, 80)}"; expected blake3: and 64 lowercase hex digits.`);
    }
    if (!Number.isInteger(block.size) || block.size < 0 || block.size > 0xffffffff) {
      throw new IndexError('bad_input', `Block ${i} has the size ${block.size}; expected a whole number of bytes below 4 GiB.`);
    }
    out.writeUInt32LE(block.size, i * RECORD);
    out.write(block.hash.slice(PREFIX.length), i * RECORD + 4, 32, 'hex');
  });
  return out;
}

export function decodeBlockList(blob: Uint8Array): StoredBlock[] {
  const buffer = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (buffer.length % RECORD !== 0) {
    throw new IndexError('bad_input', `A stored block list is ${buffer.length} bytes, not a multiple of ${RECORD}: the index is damaged.`);
  }
  const blocks: StoredBlock[] = [];
  let offset = 0;
  for (let at = 0; at < buffer.length; at += RECORD) {
    const size = buffer.readUInt32LE(at);
    blocks.push({ offset, size, hash: PREFIX + buffer.toString('hex', at + 4, at + RECORD) });
    offset += size;
  }
  return blocks;
}
