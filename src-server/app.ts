// The Tandem sync server as a Fastify plugin (app-as-a-plugin, so tests use inject() on exactly
// what production runs). Order: plugins (validation, errors, OpenAPI, rate limit, WebSocket) →
// services → routes. Everything lives under /v1; only /v1/login and /v1/openapi.json are
// reachable without a device token.
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import websocket from '@fastify/websocket';
import type { FastifyPluginAsync } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { BlockStore } from './blocks/block-store.ts';
import type { Db } from './db/database.ts';
import { currentBlocks, findItem } from './items/item-rows.ts';
import { ItemService } from './items/item-service.ts';
import { Notifier } from './notify/notifier.ts';
import { startMaintenance } from './trash/maintenance.ts';
import { installAuthHook } from './routes/auth-hook.ts';
import { accountRoutes, loginRoutes } from './routes/auth.ts';
import { blockRoutes } from './routes/blocks.ts';
import { changesRoutes } from './routes/changes.ts';
import { contentRoutes } from './routes/content.ts';
import { installErrorHandler } from './routes/error-handler.ts';
import { historyRoutes } from './routes/history.ts';
import { itemRoutes } from './routes/items.ts';
import { notifyRoutes } from './routes/notify.ts';

export interface AppOptions {
  db: Db;
  blockStore: BlockStore;
  version: string;
  now: () => number;
  /** How long deleted items and old versions stay restorable. */
  retentionMs: number;
  loginLimits: { perAddressPerMinute: number; failuresPerAccount: number };
  /** WebSocket ping interval. */
  heartbeatMs: number;
  /** How often expired trash, versions and garbage blocks are cleaned up; 0 = never (tests). */
  maintenanceMs: number;
  notifier?: Notifier;
}

export const tandemApp: FastifyPluginAsync<AppOptions> = async (app, options) => {
  const { db, blockStore, now } = options;

  // Plugins.
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);
  await app.register(swagger, {
    openapi: {
      info: { title: 'Tandem sync server', version: options.version, description: 'The API every Tandem device syncs through.' },
      components: { securitySchemes: { device: { type: 'http', scheme: 'bearer' } } },
      security: [{ device: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(rateLimit, { global: false });
  // Clients only receive on /v1/notify: anything large they send is refused at the frame level.
  await app.register(websocket, { options: { maxPayload: 1024 } });

  // Services.
  const notifier = options.notifier ?? new Notifier();
  const items = new ItemService({ db, notifier, now });
  const getItemContent = async (accountId: string, itemId: string) => {
    const row = await findItem(db, accountId, itemId);
    if (!row || row.state !== 'live' || row.kind !== 'file') return undefined;
    return { size: Number(row.size), hash: row.content_hash ?? '', blocks: await currentBlocks(db, row), name: row.name };
  };

  if (options.maintenanceMs > 0) {
    const maintenance = startMaintenance({ db, blockStore, now, retentionMs: options.retentionMs, everyMs: options.maintenanceMs, log: app.log });
    app.addHook('onClose', async () => maintenance.stop());
  }

  // Routes.
  await app.register(
    async (v1) => {
      v1.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
      await v1.register(loginRoutes, { db, now, limits: options.loginLimits });
      await v1.register(async (authed) => {
        installAuthHook(authed, db, now);
        await authed.register(accountRoutes, { db, now, notifier });
        await authed.register(itemRoutes, { db, items });
        await authed.register(changesRoutes, { db });
        await authed.register(historyRoutes, { db, items, retentionMs: options.retentionMs, now });
        await authed.register(notifyRoutes, { db, notifier, heartbeatMs: options.heartbeatMs });
        await authed.register(blockRoutes, { db, blockStore, now });
        await authed.register(contentRoutes, { blockStore, getItemContent });
      });
    },
    { prefix: '/v1' },
  );
};
