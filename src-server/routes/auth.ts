// Login (the one route without a token) and, for signed-in devices, the account summary and the
// device list with revoke.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TandemError } from '../../src-shared/errors.ts';
import { nameKey } from '../../src-shared/names.ts';
import { accountSchema, deviceListSchema, loginRequestSchema, loginResponseSchema } from '../../src-shared/protocol/auth.ts';
import { errorBodySchema } from '../../src-shared/protocol/common.ts';
import { listDevices, login, revokeDevice } from '../auth/accounts.ts';
import { LoginLimiter } from '../auth/login-limiter.ts';
import { currentCursor } from '../changes/changes-feed.ts';
import type { Db } from '../db/database.ts';
import type { Notifier } from '../notify/notifier.ts';

export interface LoginRouteOptions {
  db: Db;
  now: () => number;
  /** Attempts per address per minute, and failed attempts per account per 15 minutes. */
  limits: { perAddressPerMinute: number; failuresPerAccount: number };
}

export const loginRoutes: FastifyPluginAsync<LoginRouteOptions> = async (app, options) => {
  const limiter = new LoginLimiter({ max: options.limits.failuresPerAccount, windowMs: 15 * 60 * 1000 }, options.now);
  app.withTypeProvider<ZodTypeProvider>().post(
    '/login',
    {
      bodyLimit: 16 * 1024,
      config: { rateLimit: { max: options.limits.perAddressPerMinute, timeWindow: 60_000 } },
      schema: {
        summary: 'Sign in with a password; returns a device token',
        body: loginRequestSchema,
        response: { 200: loginResponseSchema, 401: errorBodySchema, 429: errorBodySchema },
      },
    },
    async (request, reply) => {
      const key = nameKey(request.body.user);
      const wait = limiter.retryAfter(key);
      if (wait > 0) {
        void reply.header('retry-after', Math.ceil(wait / 1000));
        throw new TandemError('rate_limited', `Too many failed sign-ins for this user; try again in ${Math.ceil(wait / 60_000)} minute(s).`);
      }
      try {
        const result = await login(options.db, request.body.user, request.body.password, request.body.device_name, options.now());
        limiter.recordSuccess(key);
        return { token: result.token, device_id: result.deviceId, account_id: result.accountId, root_id: result.rootId };
      } catch (error) {
        if (error instanceof TandemError && error.code === 'unauthorized') limiter.recordFailure(key);
        throw error;
      }
    },
  );
};

export const accountRoutes: FastifyPluginAsync<{ db: Db; now: () => number; notifier: Notifier }> = async (app, options) => {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.get('/account', { schema: { summary: 'Who this token belongs to, usage and quota, current cursor', response: { 200: accountSchema } } }, async (request) => {
    const account = await options.db
      .selectFrom('accounts')
      .select(['name', 'used_bytes', 'quota_bytes'])
      .where('id', '=', request.actor.accountId)
      .executeTakeFirstOrThrow();
    return {
      account_id: request.actor.accountId,
      user: account.name,
      device_id: request.actor.deviceId,
      root_id: request.actor.rootId,
      used_bytes: Number(account.used_bytes),
      quota_bytes: account.quota_bytes === null ? null : Number(account.quota_bytes),
      cursor: await currentCursor(options.db, request.actor.namespaceId),
    };
  });

  typed.get('/devices', { schema: { summary: "The account's signed-in devices", response: { 200: deviceListSchema } } }, async (request) => {
    const devices = await listDevices(options.db, request.actor.accountId);
    return {
      devices: devices.map((d) => ({
        id: d.id,
        name: d.name,
        created_at: Number(d.created_at),
        last_used_at: d.last_used_at === null ? null : Number(d.last_used_at),
        current: d.id === request.actor.deviceId,
      })),
    };
  });

  typed.delete(
    '/devices/:id',
    { schema: { summary: "Revoke a device's token (signs it out)", params: z.object({ id: z.string().max(64) }) } },
    async (request, reply) => {
      await revokeDevice(options.db, request.actor.accountId, request.params.id, options.now());
      options.notifier.revoke(request.params.id);
      return reply.status(204).send();
    },
  );
};
