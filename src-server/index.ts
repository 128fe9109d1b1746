// The sync server's public entry: the only file outside src-server may import. buildServer makes
// a ready Fastify instance over a data folder (tests inject() into it); startServer also listens;
// addUser creates an account (what `tandem server add-user` does).
import Fastify, { type FastifyInstance } from 'fastify';
import { type AppOptions, tandemApp } from './app.ts';
import { createAccount } from './auth/accounts.ts';
import { migrateBlockTables } from './blocks/block-index.ts';
import { openPackBlockStore } from './blocks/block-store.ts';
import { type Db, openDatabase } from './db/database.ts';
import { migrateToLatest } from './db/migrations.ts';
import { DEFAULT_RETENTION_MS } from './trash/trash.ts';
import { NOTIFY_HEARTBEAT_MS } from '../src-shared/protocol/changes.ts';

export interface ServerOptions {
  /** Where the database and pack files live. */
  dataDir: string;
  /** The version string reported in the OpenAPI document. */
  version?: string;
  /** Log (pino, JSON lines on stdout) at this level and above; default silent. */
  logLevel?: 'info' | 'warn' | 'error' | 'silent';
  /** The clock (tests move it). */
  now?: () => number;
  retentionMs?: number;
  loginLimits?: AppOptions['loginLimits'];
  heartbeatMs?: number;
  maintenanceMs?: number;
  /** Pack size for the block store (tests make it small). */
  targetPackSize?: number;
}

export interface StartOptions extends ServerOptions {
  host?: string;
  port?: number;
}

export interface RunningServer {
  url: string;
  app: FastifyInstance;
  close: () => Promise<void>;
}

async function openMigrated(dataDir: string): Promise<Db> {
  let db: Db;
  try {
    db = openDatabase(dataDir);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Cannot open the server database in ${dataDir} (${reason}); check that the folder exists and is writable.`, { cause: error });
  }
  try {
    await migrateToLatest(db, [migrateBlockTables]);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
}

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const db = await openMigrated(options.dataDir);
  const now = options.now ?? Date.now;
  const blockStore = await openPackBlockStore({
    dataDir: options.dataDir,
    db,
    clock: now,
    ...(options.targetPackSize ? { targetPackSize: options.targetPackSize } : {}),
  });
  const app = Fastify({
    logger: options.logLevel && options.logLevel !== 'silent' ? { level: options.logLevel } : false,
    // JSON bodies are small; the routes that take more (block uploads, batches) raise it themselves.
    bodyLimit: 1024 * 1024,
    // A client that stops sending mid-request is cut off instead of holding a socket forever
    // (5 minutes: a 64 MiB block batch over a slow uplink must still fit).
    requestTimeout: 300_000,
    connectionTimeout: 0,
    keepAliveTimeout: 65_000,
    return503OnClosing: true,
  });
  app.addHook('onClose', async () => {
    await blockStore.close();
    await db.destroy();
  });
  await app.register(tandemApp, {
    db,
    blockStore,
    version: options.version ?? '0.0.0',
    now,
    retentionMs: options.retentionMs ?? DEFAULT_RETENTION_MS,
    loginLimits: options.loginLimits ?? { perAddressPerMinute: 30, failuresPerAccount: 10 },
    heartbeatMs: options.heartbeatMs ?? NOTIFY_HEARTBEAT_MS,
    maintenanceMs: options.maintenanceMs ?? 60 * 60 * 1000,
  });
  await app.ready();
  return app;
}

export async function startServer(options: StartOptions): Promise<RunningServer> {
  const app = await buildServer(options);
  const host = options.host ?? '127.0.0.1';
  try {
    await app.listen({ host, port: options.port ?? 8750 });
  } catch (error) {
    await app.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new Error(`Port ${options.port ?? 8750} on ${host} is already in use; pick another with --port.`, { cause: error });
    if (code === 'EADDRNOTAVAIL') throw new Error(`This computer has no address ${host}; check --host.`, { cause: error });
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return { url: `http://${shownHost}:${port}`, app, close: () => app.close() };
}

export interface NewUser {
  dataDir: string;
  name: string;
  password: string;
  quotaBytes?: number | null;
}

/** Creates an account in the server's data folder (works while the server runs). */
export async function addUser(user: NewUser): Promise<{ accountId: string }> {
  const db = await openMigrated(user.dataDir);
  try {
    const { accountId } = await createAccount(db, { name: user.name, password: user.password, quotaBytes: user.quotaBytes ?? null });
    return { accountId };
  } finally {
    await db.destroy();
  }
}
