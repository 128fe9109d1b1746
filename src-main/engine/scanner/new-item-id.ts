// Fresh UUIDv7 ids for new local items, fast enough for a first scan of 100k files: the `uuid`
// package asks the OS for 16 random bytes per id, which cost a third of the tree-building time,
// so random bytes are drawn 64 KiB at a time here and handed to it.

import { randomFillSync } from 'node:crypto';
import { v7 } from 'uuid';

const POOL_BYTES = 64 * 1024;
const pool = new Uint8Array(POOL_BYTES);
let used = POOL_BYTES;

export function newItemId(): string {
  if (used + 16 > POOL_BYTES) {
    randomFillSync(pool);
    used = 0;
  }
  const random = pool.subarray(used, used + 16);
  used += 16;
  return v7({ random });
}
