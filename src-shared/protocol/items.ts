// Wire schemas for item mutations (create, commit content, move/rename, delete), folder listings
// and the batch endpoint. Mutations on an existing item carry If-Match (the item's ETag);
// non-idempotent ones may carry an Idempotency-Key so that a retry gets the first answer.
import { z } from 'zod';
import { blockDeltaSchema } from './block-delta.ts';
import { blockRefSchema, contentSchema, errorBodySchema, hashSchema, itemIdSchema, itemKindSchema, itemSchema, itemWithBlocksSchema } from './common.ts';

export const createItemRequestSchema = z.object({
  id: itemIdSchema.optional().describe('a client-proposed UUIDv7; re-sending the same create is idempotent'),
  parent_id: z.string().min(1).max(64),
  name: z.string(),
  kind: itemKindSchema,
  client_mtime: z.number().int().nullable().optional(),
  executable: z.boolean().optional(),
  content: contentSchema.optional().describe('files only: the first content, in the same step'),
});
export type CreateItemRequest = z.infer<typeof createItemRequestSchema>;

/**
 * A commit carries the new block list whole (`blocks`) or as a delta against the item's current
 * content (`delta`, block-delta.ts; the version is the one If-Match names, its hash must be
 * delta.base_hash). Either way the server validates the full list the same. A list naming blocks
 * the server does not hold is refused with 422 `blocks_missing` (the message names some of them):
 * the client uploads them and commits again.
 */
export const commitContentRequestSchema = contentSchema
  .extend({
    blocks: contentSchema.shape.blocks.optional(),
    delta: blockDeltaSchema.optional(),
    client_mtime: z.number().int().nullable().optional(),
    executable: z.boolean().optional(),
  })
  .refine((request) => (request.blocks === undefined) !== (request.delta === undefined), {
    message: 'give the new block list either whole (blocks) or as a delta (delta), exactly one of them',
  });
export type CommitContentRequest = z.infer<typeof commitContentRequestSchema>;

export const updateItemRequestSchema = z.object({
  parent_id: z.string().min(1).max(64).optional(),
  name: z.string().optional(),
  client_mtime: z.number().int().nullable().optional(),
  executable: z.boolean().optional(),
});
export type UpdateItemRequest = z.infer<typeof updateItemRequestSchema>;

export const deleteQuerySchema = z.object({
  seen_cursor: z
    .string()
    .max(200)
    .optional()
    .describe("the deleting device's changes cursor: anything inside that changed after it stays (with the folders leading to it)"),
});

export const childrenQuerySchema = z.object({
  after: z.string().max(1024).optional().describe('continue after this name (from the previous page)'),
  limit: z.coerce.number().int().min(1).max(5000).default(1000),
});

export const childrenResponseSchema = z.object({
  items: z.array(itemSchema),
  cursor: z.string().describe("this folder's changes cursor, taken at the first page"),
  next_after: z.string().nullable().describe('pass as ?after= for the next page; null at the end'),
});

export const itemResponseSchema = itemWithBlocksSchema;

/**
 * GET /items/:id/versions/:version/blocks?base=<content hash>: one version's block list, as a
 * delta from a version of the same item with content `base` when the server still has one and the
 * delta pays (block-delta.ts deltaPays), else whole. A client that holds the list of the content
 * it has gets a changed big file's new list for a few hundred bytes; the changes feed leaves such
 * lists out (changes.ts blocks_omitted).
 */
export const blockListQuerySchema = z.object({
  base: hashSchema.optional().describe('the content hash of the version whose list the client holds'),
});
export const blockListResponseSchema = z.object({
  content_version: z.number().int(),
  content_hash: z.string(),
  size: z.number().int(),
  blocks: z.array(blockRefSchema).optional().describe('the whole list (when there is no delta)'),
  delta: blockDeltaSchema.optional().describe('the list as a delta from the base version'),
});
export type BlockListResponse = z.infer<typeof blockListResponseSchema>;

const withPreconditions = {
  idempotency_key: z.string().min(1).max(200).optional(),
};

export const batchOperationSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('create'), ...withPreconditions, item: createItemRequestSchema }),
  z.object({ op: z.literal('commit'), ...withPreconditions, id: z.string(), if_match: z.string(), content: commitContentRequestSchema }),
  z.object({ op: z.literal('update'), ...withPreconditions, id: z.string(), if_match: z.string(), changes: updateItemRequestSchema }),
  z.object({ op: z.literal('delete'), ...withPreconditions, id: z.string(), if_match: z.string(), seen_cursor: z.string().max(200).optional() }),
]);
export type BatchOperation = z.infer<typeof batchOperationSchema>;

export const batchRequestSchema = z.object({ operations: z.array(batchOperationSchema).min(1).max(1000) });
export type BatchRequest = z.infer<typeof batchRequestSchema>;

export const batchResultSchema = z.object({
  status: z.number().int().describe('the HTTP status this operation would have had on its own'),
  item: itemSchema.optional(),
  error: errorBodySchema.optional(),
});
export const batchResponseSchema = z.object({ results: z.array(batchResultSchema), cursor: z.string() });
export type BatchResponse = z.infer<typeof batchResponseSchema>;
