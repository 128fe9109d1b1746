// Wire schemas for the changes feed (whole namespace) and the per-folder changes listing.
// Cursors are opaque strings; a cursor older than the kept tombstones gets 410 cursor_expired, one
// ahead of the server (its data restored from an older backup) 410 cursor_ahead.
import { z } from 'zod';
import { blockRefSchema, itemSchema } from './common.ts';

export const changesQuerySchema = z.object({
  cursor: z.string().max(200).optional().describe('omit to list everything from the start'),
  limit: z.coerce.number().int().min(1).max(5000).default(1000),
});

export const feedQuerySchema = changesQuerySchema.extend({
  blocks: z.enum(['true', 'false']).default('false').describe('true: each live file carries its current block list (saves a GET per file)'),
});

/**
 * With blocks=true a live file carries its block list, except a list above FULL_LIST_MAX_BLOCKS
 * (block-delta.ts): that is left out and the item says blocks_omitted, so a client that holds an
 * older list asks GET /items/:id/versions/:v/blocks?base= for just the change.
 */
export const changedItemSchema = itemSchema.extend({
  blocks: z.array(blockRefSchema).optional(),
  blocks_omitted: z.boolean().optional().describe('true: a big block list left out; fetch it on its own'),
});

export const changesResponseSchema = z.object({
  changes: z.array(changedItemSchema).describe('current state of every item changed since the cursor, in change order; deleted=true is a tombstone'),
  cursor: z.string(),
  has_more: z.boolean(),
});
export type ChangesResponse = z.infer<typeof changesResponseSchema>;

export const folderChangesResponseSchema = z.object({
  changes: z.array(itemSchema).describe('children that were added or changed'),
  removed: z.array(z.string()).describe('ids that are no longer children (moved away or deleted)'),
  cursor: z.string(),
  has_more: z.boolean(),
});
export type FolderChangesResponse = z.infer<typeof folderChangesResponseSchema>;

/**
 * The server pings every NOTIFY_HEARTBEAT_MS and drops a client that missed a pong; a client that
 * has heard nothing (no message, no ping) for three heartbeats should reconnect, and on every
 * (re)connect it first receives the current cursor.
 */
export const NOTIFY_HEARTBEAT_MS = 5_000;

/** The only message /v1/notify sends: "your namespace's cursor is now this"; never names. */
export const notifyMessageSchema = z.object({ type: z.literal('cursor'), cursor: z.string() });
export type NotifyMessage = z.infer<typeof notifyMessageSchema>;
