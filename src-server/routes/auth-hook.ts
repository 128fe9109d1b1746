// The auth hook: every route in the authenticated scope needs "Authorization: Bearer <token>".
// It sets request.auth (read by every route, including the block routes) and the actor (which
// also knows the account's namespace and root folder).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TandemError } from '../../src-shared/errors.ts';
import { authenticate, touchDevice } from '../auth/accounts.ts';
import type { Db } from '../db/database.ts';
import type { Actor } from '../items/item-operations.ts';
import '../request-context.ts';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor;
  }
}

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

export function installAuthHook(scope: FastifyInstance, db: Db, now: () => number): void {
  scope.decorateRequest('auth', null as never);
  scope.decorateRequest('actor', null as never);
  scope.addHook('onRequest', async (request) => {
    const token = bearerToken(request);
    if (!token) throw new TandemError('unauthorized', 'Sign in first: this needs an "Authorization: Bearer <token>" header.');
    const owner = await authenticate(db, token);
    if (!owner) throw new TandemError('unauthorized', 'This device token is not valid (it may have been revoked); sign in again.');
    await touchDevice(db, owner, now());
    request.auth = { accountId: owner.accountId, deviceId: owner.deviceId };
    request.actor = { accountId: owner.accountId, deviceId: owner.deviceId, namespaceId: owner.namespaceId, rootId: owner.rootId };
  });
}
