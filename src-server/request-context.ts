// What an authenticated request carries: the account and device behind its token. The auth hook
// sets it before any route under /v1 (except login) runs; routes read it, never the raw token.
export interface RequestAuth {
  accountId: string;
  deviceId: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: RequestAuth;
  }
}
