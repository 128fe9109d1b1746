// Wire schemas for version history and the trash.
import { z } from 'zod';
import { blockRefSchema, itemSchema } from './common.ts';

export const versionSchema = z.object({
  content_version: z.number().int(),
  size: z.number().int(),
  content_hash: z.string(),
  device_id: z.string().nullable(),
  created_at: z.number().int(),
  current: z.boolean(),
});
export type Version = z.infer<typeof versionSchema>;

export const versionListSchema = z.object({ versions: z.array(versionSchema) });
/** GET /items/:id/versions/:version: one version with its block list (to download its bytes). */
export const versionWithBlocksSchema = versionSchema.extend({ blocks: z.array(blockRefSchema) });
export type VersionWithBlocks = z.infer<typeof versionWithBlocksSchema>;

export const trashEntrySchema = z.object({
  item: itemSchema,
  trashed_at: z.number().int(),
  original_path: z.string().describe('where it was, from the account root, e.g. "Documents/report.txt"'),
  purge_at: z.number().int().describe('when it will be removed for good'),
});
export const trashListSchema = z.object({ entries: z.array(trashEntrySchema) });
