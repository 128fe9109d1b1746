// Wire schemas shared by the sync server and its clients: ids, hashes, items, errors.
// The server validates requests and serializes responses with these; the engine parses with them.
import { z } from 'zod';

/** Content and block hashes: BLAKE3, lowercase hex, with the algorithm named. */
export const HASH_PATTERN = /^blake3:[0-9a-f]{64}$/;
export const hashSchema = z.string().regex(HASH_PATTERN, 'must look like blake3:<64 lowercase hex digits>');

/** Item ids are UUIDv7: a client may propose one so an offline create is idempotent. */
export const itemIdSchema = z.uuid({ version: 'v7', message: 'must be a UUIDv7' });

export const itemKindSchema = z.enum(['file', 'folder']);
export type ItemKind = z.infer<typeof itemKindSchema>;

export const blockRefSchema = z.object({
  hash: hashSchema,
  size: z.number().int().min(1).max(8 * 1024 * 1024),
});
export type BlockRef = z.infer<typeof blockRefSchema>;

/** A file's content as a client commits it: the ordered block list and the hash of the whole file. */
export const contentSchema = z.object({
  hash: hashSchema.describe('BLAKE3 of the whole file'),
  // DESIGN.md's chunk sizes keep every file under about 4,000 blocks; this leaves room to spare.
  blocks: z.array(blockRefSchema).max(10_000),
});
export type Content = z.infer<typeof contentSchema>;

/** An item as the server reports it. Times are milliseconds since the Unix epoch. */
export const itemSchema = z.object({
  id: z.string(),
  parent_id: z.string().nullable().describe('null only for the account root folder'),
  name: z.string(),
  kind: itemKindSchema,
  size: z.number().int(),
  content_hash: z.string().nullable(),
  client_mtime: z.number().int().nullable(),
  executable: z.boolean(),
  created_at: z.number().int(),
  modified_at: z.number().int(),
  metadata_version: z.number().int(),
  content_version: z.number().int(),
  etag: z
    .string()
    .describe('"m<metadata_version>-c<content_version>", the value for If-Match. A move/rename checks only the m part, a content commit only the c part, a delete both'),
  deleted: z.boolean().describe('true while the item is in the trash'),
  seq: z.number().int().describe('the journal sequence of its last change'),
});
export type Item = z.infer<typeof itemSchema>;

/** One GET of an item returns every field, including its current block list. */
export const itemWithBlocksSchema = itemSchema.extend({ blocks: z.array(blockRefSchema) });
export type ItemWithBlocks = z.infer<typeof itemWithBlocksSchema>;

export const errorCodeSchema = z.string();
export const errorBodySchema = z.object({
  code: errorCodeSchema,
  message: z.string(),
  /** Present on 412: the item as it is now, so the client can rebase. */
  item: itemSchema.optional(),
});

export function etagOf(metadataVersion: number, contentVersion: number): string {
  return `"m${metadataVersion}-c${contentVersion}"`;
}
