// Version history and trash routes.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorBodySchema } from '../../src-shared/protocol/common.ts';
import { itemResponseSchema } from '../../src-shared/protocol/items.ts';
import { trashListSchema, versionListSchema, versionWithBlocksSchema } from '../../src-shared/protocol/versions.ts';
import type { Db } from '../db/database.ts';
import { checkIdempotencyKey } from '../items/idempotency.ts';
import type { ItemService } from '../items/item-service.ts';
import { listTrash, purgeFromTrash, restoreFromTrash } from '../trash/trash.ts';
import { getVersion, listVersions, restoreVersion } from '../versions/versions.ts';

export interface HistoryRouteOptions {
  db: Db;
  items: ItemService;
  retentionMs: number;
  now: () => number;
}

const idParams = z.object({ id: z.string().min(1).max(64) });
const errors = { 400: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema, 412: errorBodySchema, 422: errorBodySchema, 507: errorBodySchema };

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

export const historyRoutes: FastifyPluginAsync<HistoryRouteOptions> = async (app, { db, items, retentionMs, now }) => {
  const typed = app.withTypeProvider<ZodTypeProvider>();

  typed.get(
    '/items/:id/versions',
    { schema: { summary: "A file's versions, newest first", params: idParams, response: { 200: versionListSchema, 404: errorBodySchema } } },
    async (request) => ({ versions: await listVersions(db, request.actor, request.params.id) }),
  );

  typed.get(
    '/items/:id/versions/:version',
    {
      schema: {
        summary: 'One version with its block list (fetch the blocks with POST /blocks/fetch to get its bytes)',
        params: idParams.extend({ version: z.coerce.number().int().min(1) }),
        response: { 200: versionWithBlocksSchema, 400: errorBodySchema, 404: errorBodySchema },
      },
    },
    async (request) => getVersion(db, request.actor, request.params.id, request.params.version),
  );

  typed.post(
    '/items/:id/versions/:version/restore',
    {
      schema: {
        summary: 'Make an old version current again (a new version; no bytes copied); needs If-Match',
        params: idParams.extend({ version: z.coerce.number().int().min(1) }),
        response: { 200: itemResponseSchema, ...errors },
      },
    },
    async (request, reply) => {
      const fingerprint = { restore: request.params, ifMatch: header(request, 'if-match') };
      const result = await items.run(request.actor, checkIdempotencyKey(header(request, 'idempotency-key')), fingerprint, (env) =>
        restoreVersion(env, request.params.id, request.params.version, header(request, 'if-match')),
      );
      return reply.status(result.status).send(result.body as never);
    },
  );

  typed.get('/trash', { schema: { summary: 'What was deleted and can still be restored', response: { 200: trashListSchema } } }, async (request) => ({
    entries: await listTrash(db, request.actor.accountId, retentionMs),
  }));

  typed.post(
    '/trash/:id/restore',
    { schema: { summary: 'Put a deleted item back where it was (recreating folders if needed)', params: idParams, response: { 200: itemResponseSchema, ...errors } } },
    async (request, reply) => {
      const result = await items.run(request.actor, checkIdempotencyKey(header(request, 'idempotency-key')), { trashRestore: request.params.id }, (env) =>
        restoreFromTrash(env, request.params.id),
      );
      return reply.status(result.status).send(result.body as never);
    },
  );

  typed.delete(
    '/trash/:id',
    { schema: { summary: 'Remove a trash entry for good, now', params: idParams } },
    async (request, reply) => {
      await purgeFromTrash(db, request.actor.accountId, request.params.id, now());
      return reply.status(204).send();
    },
  );
};
