// The namespace changes feed: GET /v1/changes?cursor=&limit=.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { changesResponseSchema, feedQuerySchema } from '../../src-shared/protocol/changes.ts';
import { errorBodySchema } from '../../src-shared/protocol/common.ts';
import { readChanges } from '../changes/changes-feed.ts';
import type { Db } from '../db/database.ts';

export const changesRoutes: FastifyPluginAsync<{ db: Db }> = async (app, { db }) => {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/changes',
    {
      schema: {
        summary: 'Everything changed since the cursor (tombstones included), paged, with the next cursor',
        querystring: feedQuerySchema,
        response: { 200: changesResponseSchema, 400: errorBodySchema, 410: errorBodySchema },
      },
    },
    async (request) => readChanges(db, request.actor, request.query.cursor, request.query.limit, request.query.blocks === 'true'),
  );
};
