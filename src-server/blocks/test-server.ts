// Test and benchmark support: a small Fastify with only the block and content routes, a pack store
// on a temp folder, and a stand-in for the auth hook (the `x-test-account` header names the
// account). The real app (auth, items, wiring) is SERVER-CORE's app.ts; this mirrors its setup:
// zod compilers, the shared error handler, routes under /v1.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { TandemError } from '../../src-shared/errors.ts';
import { blockRoutes } from '../routes/blocks.ts';
import { type ItemContent, contentRoutes } from '../routes/content.ts';
import { installErrorHandler } from '../routes/error-handler.ts';
import type { BlockTables } from './block-index.ts';
import type { BlockStore } from './block-store.ts';
import { openPackBlockStore } from './pack-store.ts';
import { openBlockTestDatabase } from './test-database.ts';
import '../request-context.ts';

export interface BlockTestServer {
  app: FastifyInstance;
  db: Kysely<BlockTables>;
  store: BlockStore;
  dir: string;
  /** Files the content route serves: itemId → the owning account and its content. */
  files: Map<string, { accountId: string; content: ItemContent }>;
  close(): Promise<void>;
}

export async function startBlockTestServer(options: { dir?: string; logger?: boolean } = {}): Promise<BlockTestServer> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'tandem-block-routes-'));
  const ownDir = options.dir === undefined;
  const db = await openBlockTestDatabase(dir);
  const store = await openPackBlockStore({ dataDir: dir, db });
  const files = new Map<string, { accountId: string; content: ItemContent }>();
  const app = Fastify({ logger: options.logger ?? false });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);
  await app.register(
    async (v1) => {
      v1.decorateRequest('auth', null as never);
      v1.addHook('onRequest', async (request) => {
        const account = request.headers['x-test-account'];
        if (typeof account !== 'string') throw new TandemError('unauthorized', 'Sign in first.');
        request.auth = { accountId: account, deviceId: 'test-device' };
      });
      await v1.register(blockRoutes, { db, blockStore: store });
      await v1.register(contentRoutes, {
        blockStore: store,
        getItemContent: async (accountId, itemId) => {
          const file = files.get(itemId);
          return file && file.accountId === accountId ? file.content : undefined;
        },
      });
    },
    { prefix: '/v1' },
  );
  await app.ready();
  return {
    app,
    db,
    store,
    dir,
    files,
    async close() {
      await app.close();
      await store.close();
      await db.destroy();
      if (ownDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
