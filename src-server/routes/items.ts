// Item routes: create, read, list a folder (and its changes), commit content, move/rename/update,
// delete to trash, and the batch endpoint. Mutations of an existing item need If-Match; every
// mutation may carry an Idempotency-Key (a retry gets the first answer).
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { changesQuerySchema, folderChangesResponseSchema } from '../../src-shared/protocol/changes.ts';
import { errorBodySchema } from '../../src-shared/protocol/common.ts';
import {
  blockListQuerySchema,
  blockListResponseSchema,
  batchRequestSchema,
  batchResponseSchema,
  childrenQuerySchema,
  childrenResponseSchema,
  commitContentRequestSchema,
  createItemRequestSchema,
  deleteQuerySchema,
  itemResponseSchema,
  updateItemRequestSchema,
} from '../../src-shared/protocol/items.ts';
import { listChildren, readFolderChanges } from '../changes/changes-feed.ts';
import { decodeCursor } from '../changes/cursor.ts';
import type { Db } from '../db/database.ts';
import { checkIdempotencyKey, commitFingerprint, fingerprintOf, KnownFingerprint, type MutationResult } from '../items/idempotency.ts';
import { commitContent, createItem, deleteItem, updateItem } from '../items/item-operations.ts';
import { requireLiveItem, toItemWithBlocks } from '../items/item-rows.ts';
import type { ItemService } from '../items/item-service.ts';
import { versionBlocks } from '../versions/versions.ts';

export interface ItemRouteOptions {
  db: Db;
  items: ItemService;
}

const idParams = z.object({ id: z.string().min(1).max(64) });
const mutationHeaders = z.object({
  'if-match': z.string().max(100).optional().describe('the ETag the change is based on'),
  'idempotency-key': z.string().max(200).optional().describe('a retry with the same key gets the first answer'),
});
/** A 10,000-block list is about 1 MB of JSON. */
const BLOCK_LIST_BODY_LIMIT = 2 * 1024 * 1024;
const errors = { 400: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema, 412: errorBodySchema, 422: errorBodySchema, 507: errorBodySchema };

/** What makes two requests "the same" for Idempotency-Key purposes. */
function fingerprint(request: FastifyRequest): unknown {
  return { method: request.method, route: request.routeOptions.url, params: request.params, body: request.body, ifMatch: request.headers['if-match'] };
}

function idempotencyKey(request: FastifyRequest): string | undefined {
  const key = request.headers['idempotency-key'];
  return checkIdempotencyKey(typeof key === 'string' ? key : undefined);
}

function ifMatch(request: FastifyRequest): string | undefined {
  const value = request.headers['if-match'];
  return typeof value === 'string' ? value : undefined;
}

/** Sends a mutation's answer with the item's ETag as a header too, ready for the next If-Match. */
function sendResult(reply: FastifyReply, result: MutationResult) {
  const etag = (result.body as { etag?: unknown } | undefined)?.etag;
  if (typeof etag === 'string') void reply.header('etag', etag);
  return reply.status(result.status).send(result.body);
}

export const itemRoutes: FastifyPluginAsync<ItemRouteOptions> = async (app, { db, items }) => {
  const typed = app.withTypeProvider<ZodTypeProvider>();

  typed.post(
    '/items',
    { bodyLimit: BLOCK_LIST_BODY_LIMIT, schema: { summary: 'Create a file or folder', headers: mutationHeaders, body: createItemRequestSchema, response: { 200: itemResponseSchema, 201: itemResponseSchema, ...errors } } },
    async (request, reply) => {
      const result = await items.run(request.actor, idempotencyKey(request), fingerprint(request), (env) => createItem(env, request.body));
      return sendResult(reply, result);
    },
  );

  typed.get(
    '/items/:id',
    { schema: { summary: 'One item, every field, with its current block list', params: idParams, response: { 200: itemResponseSchema, 404: errorBodySchema } } },
    async (request, reply) => {
      const row = await requireLiveItem(db, request.actor.accountId, request.params.id);
      const item = await toItemWithBlocks(db, row);
      void reply.header('etag', item.etag);
      return item;
    },
  );

  typed.get(
    '/items/:id/versions/:version/blocks',
    {
      schema: {
        summary: "One version's block list, as a delta from the version whose content hash is ?base= when the server still has it",
        params: idParams.extend({ version: z.coerce.number().int().min(1) }),
        querystring: blockListQuerySchema,
        response: { 200: blockListResponseSchema, 400: errorBodySchema, 404: errorBodySchema },
      },
    },
    async (request) => versionBlocks(db, request.actor, request.params.id, request.params.version, request.query.base),
  );

  typed.get(
    '/items/:id/children',
    { schema: { summary: "A folder's live children, by name, paged; with the folder's cursor", params: idParams, querystring: childrenQuerySchema, response: { 200: childrenResponseSchema, 404: errorBodySchema } } },
    async (request) => listChildren(db, request.actor, request.params.id, request.query.after, request.query.limit),
  );

  typed.get(
    '/items/:id/changes',
    { schema: { summary: 'What entered, changed in or left one folder since its cursor', params: idParams, querystring: changesQuerySchema, response: { 200: folderChangesResponseSchema, 404: errorBodySchema, 410: errorBodySchema } } },
    async (request) => readFolderChanges(db, request.actor, request.params.id, request.query.cursor, request.query.limit),
  );

  typed.put(
    '/items/:id/content',
    { bodyLimit: BLOCK_LIST_BODY_LIMIT, schema: { summary: "Commit a file's new content (a block list); needs If-Match", params: idParams, headers: mutationHeaders, body: commitContentRequestSchema, response: { 200: itemResponseSchema, ...errors } } },
    async (request, reply) => {
      const key = idempotencyKey(request);
      // Fingerprinted by what the commit means (a delta and its full list are one commit); the body digest still replays keys recorded before.
      const meaning = key === undefined ? undefined : new KnownFingerprint(commitFingerprint(request.params.id, ifMatch(request), request.body), fingerprintOf(fingerprint(request)));
      const result = await items.run(request.actor, key, meaning, (env) =>
        commitContent(env, request.params.id, ifMatch(request), request.body),
      );
      return sendResult(reply, result);
    },
  );

  typed.patch(
    '/items/:id',
    { schema: { summary: 'Move and/or rename (one atomic step), or change mtime/executable; needs If-Match', params: idParams, headers: mutationHeaders, body: updateItemRequestSchema, response: { 200: itemResponseSchema, ...errors } } },
    async (request, reply) => {
      const result = await items.run(request.actor, idempotencyKey(request), fingerprint(request), (env) =>
        updateItem(env, request.params.id, ifMatch(request), request.body),
      );
      return sendResult(reply, result);
    },
  );

  typed.delete(
    '/items/:id',
    {
      schema: {
        summary: 'Move an item (and what is inside it) to the trash; needs If-Match',
        params: idParams,
        querystring: deleteQuerySchema,
        headers: mutationHeaders,
        response: { 200: itemResponseSchema, ...errors },
      },
    },
    async (request, reply) => {
      const seen = request.query.seen_cursor;
      const result = await items.run(request.actor, idempotencyKey(request), { ...(fingerprint(request) as object), seen }, (env) =>
        deleteItem(env, request.params.id, ifMatch(request), seen === undefined ? undefined : decodeCursor(seen, env.actor.namespaceId)),
      );
      return sendResult(reply, result);
    },
  );

  typed.post(
    '/batch',
    {
      bodyLimit: 32 * 1024 * 1024,
      schema: {
        summary: 'Many mutations in one request; a result per operation',
        headers: mutationHeaders.pick({ 'idempotency-key': true }),
        body: batchRequestSchema,
        response: { 200: batchResponseSchema, 400: errorBodySchema, 422: errorBodySchema },
      },
    },
    async (request) => items.batch(request.actor, request.body.operations, idempotencyKey(request)),
  );
};
