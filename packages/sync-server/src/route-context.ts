import type { Clock } from '@tillkit/core';
import type { FastifyRequest } from 'fastify';
import { unauthenticated } from './errors';
import { bearerToken } from './http';
import type { ParsedServerOptions } from './options';
import { sameSecret, tokenHash } from './secrets';
import type { SyncStorage, TokenGrant } from './storage';

/** What every route module gets: the storage, the options and the two ways to authenticate. */
export interface RouteContext {
  storage: SyncStorage;
  options: ParsedServerOptions;
  clock: Clock;
  /** the device behind the request's bearer token (401 UNAUTHENTICATED when missing, unknown or expired) */
  authenticate(request: FastifyRequest): Promise<TokenGrant>;
  /** checks the admin bearer token (401 UNAUTHENTICATED otherwise) */
  authenticateAdmin(request: FastifyRequest): void;
}

export function createRouteContext(input: {
  storage: SyncStorage;
  options: ParsedServerOptions;
  clock: Clock;
  adminToken: string;
}): RouteContext {
  const { storage, clock, adminToken } = input;
  return {
    storage,
    options: input.options,
    clock,
    async authenticate(request) {
      const token = bearerToken(request.headers.authorization);
      if (token === undefined) {
        throw unauthenticated('This request needs "Authorization: Bearer <token>"; get a token at POST /v1/auth/token.');
      }
      const grant = await storage.findToken(tokenHash(token));
      if (grant === undefined) {
        throw unauthenticated('The bearer token is unknown or its device was replaced; get a new one at POST /v1/auth/token.');
      }
      if (grant.expiresAt <= clock.now()) {
        throw unauthenticated('The bearer token expired; get a new one at POST /v1/auth/token.');
      }
      return grant;
    },
    authenticateAdmin(request) {
      const token = bearerToken(request.headers.authorization);
      if (token === undefined || !sameSecret(token, adminToken)) {
        throw unauthenticated(
          'The admin API needs "Authorization: Bearer <admin token>" (the adminToken the server was started with).',
        );
      }
    },
  };
}
