import type { AddressInfo } from 'node:net';
import { parseInput, systemClock, TillkitError } from '@tillkit/core';
import {
  PROBLEM_CONTENT_TYPE,
  PROTOCOL_HEADER,
  PROTOCOL_MAJOR,
  SyncProblemCode,
  type SyncProblem,
} from '@tillkit/sync-client/protocol';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import { badRequest, ProblemError } from './errors';
import { codeForStatus, REASONS } from './http';
import { listenOptionsSchema, serverOptionsSchema, type StartSyncServerOptions, type SyncServerOptions } from './options';
import { createRouteContext } from './route-context';
import { registerAdminRoutes } from './routes/admin-routes';
import { registerDeviceRoutes } from './routes/device-routes';
import { registerSyncRoutes } from './routes/sync-routes';
import { registerTelemetryRoutes } from './routes/telemetry-routes';
import { randomSecret } from './secrets';
import { createSqliteSyncStorage } from './sqlite/sqlite-storage';
import type { SyncStorage } from './storage';

/** A server built but not listening: for `inject()` tests, or to add routes before it listens. */
export interface SyncServer {
  /** the Fastify instance (routes are registered; `listen` through `SyncServer.listen`) */
  readonly fastify: FastifyInstance;
  readonly storage: SyncStorage;
  /** the admin API's bearer token (the one given, or a generated one) */
  readonly adminToken: string;
  /** starts listening; resolves with the base url ('http://host:port', no trailing slash) */
  listen(options?: { port?: number; host?: string }): Promise<{ url: string; port: number }>;
  /** stops listening, closes open connections and the storage the server opened */
  close(): Promise<void>;
}

/** A listening server. */
export interface RunningSyncServer {
  /** 'http://host:port', no trailing slash */
  readonly url: string;
  readonly port: number;
  readonly storage: SyncStorage;
  readonly adminToken: string;
  readonly fastify: FastifyInstance;
  close(): Promise<void>;
}

const CORS_HEADERS: Readonly<Record<string, string>> = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': `content-type, authorization, ${PROTOCOL_HEADER}`,
  'access-control-allow-methods': 'GET, POST, PUT, DELETE, OPTIONS',
  'access-control-expose-headers': 'retry-after, www-authenticate',
  'access-control-max-age': '600',
};

function sendProblem(reply: FastifyReply, problem: SyncProblem, headers: Readonly<Record<string, string>> = {}): FastifyReply {
  return reply
    .code(problem.status)
    .headers({ ...headers, 'cache-control': 'no-store' })
    .type(PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(problem));
}

function problemOf(status: number, code: string, detail: string): SyncProblem {
  return { type: 'about:blank', title: REASONS[status] ?? `HTTP ${status}`, status, detail, code };
}

/** Reads the major version of a `tillkit-protocol` header value ("1", "1.0"); undefined when it is not one. */
function requestedMajor(value: string): number | undefined {
  const match = /^\s*(\d{1,6})(?:\.\d{1,6})?\s*$/.exec(value);
  return match ? Number(match[1]) : undefined;
}

/**
 * Builds the reference sync server (not yet listening): every route of protocol v1 and the admin
 * API on Fastify, over a SQLite database (`db`, default ':memory:') or a given `storage`.
 * Throws ValidationError (VALIDATION_FAILED) for bad options and StorageError when the database
 * cannot be opened.
 */
export function createSyncServer(options: SyncServerOptions = {}): SyncServer {
  const opts = parseInput(serverOptionsSchema, options, 'sync server options');
  const clock = opts.clock ?? systemClock;
  const ownsStorage = opts.storage === undefined;
  const storage = opts.storage ?? createSqliteSyncStorage({ path: opts.db });
  const adminToken = opts.adminToken ?? randomSecret();
  const limits = opts.limits;

  const logger =
    opts.logger === false
      ? false
      : {
          level: opts.logger === true ? 'info' : opts.logger.level,
          redact: { paths: ['req.headers.authorization', 'headers.authorization'], censor: '[redacted]' },
          serializers: {
            // method and url only: never headers (the Authorization header holds a token)
            req: (req: { method: string; url: string }) => ({ method: req.method, url: req.url }),
          },
        };
  const app = Fastify({
    logger,
    bodyLimit: limits.maxBodyBytes,
    forceCloseConnections: true,
    return503OnClosing: true,
  });

  // JSON bodies only; malformed JSON is a 400 problem, never a 500
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: limits.maxBodyBytes }, (_request, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(badRequest('The body is not valid JSON.'), undefined);
    }
  });

  app.addHook('onRequest', (request, reply, done) => {
    if (opts.cors) reply.headers(CORS_HEADERS);
    const header = request.headers[PROTOCOL_HEADER];
    if (header !== undefined) {
      const value = Array.isArray(header) ? header.join(',') : header;
      const major = requestedMajor(value);
      if (major !== PROTOCOL_MAJOR) {
        done(
          new ProblemError(
            400,
            SyncProblemCode.UNSUPPORTED_VERSION,
            `This server speaks tillkit-sync major version ${PROTOCOL_MAJOR}; the request asked for "${value.slice(0, 20)}". Update the client or the server.`,
          ),
        );
        return;
      }
    }
    done();
  });

  app.setErrorHandler((error: FastifyError | TillkitError, request, reply) => {
    if (error instanceof ProblemError) {
      const problem = problemOf(error.status, error.code, error.message);
      if (error.problemIssues !== undefined) problem.issues = [...error.problemIssues];
      return sendProblem(reply, problem, error.headers);
    }
    const status = 'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : 500;
    if (status >= 400 && status < 500) {
      const code = codeForStatus(status);
      const detail =
        status === 413
          ? `The body is larger than this server takes (${limits.maxBodyBytes} bytes); send less at once.`
          : status === 415
            ? 'Send the body as JSON with "content-type: application/json".'
            : error.message;
      return sendProblem(reply, problemOf(status, code, detail));
    }
    request.log.error({ err: error }, 'request failed');
    const unavailable = TillkitError.isInstance(error) && error.name === 'StorageError';
    return sendProblem(
      reply,
      problemOf(
        unavailable ? 503 : 500,
        SyncProblemCode.INTERNAL,
        unavailable ? 'The server cannot reach its database right now; retry later.' : 'The server failed; retry later.',
      ),
      unavailable ? { 'retry-after': '5' } : {},
    );
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, problemOf(404, SyncProblemCode.NOT_FOUND, `Nothing at ${request.method} ${request.url.split('?')[0]}.`)),
  );

  if (opts.cors) app.options('/*', (_request, reply) => reply.code(204).send());

  const ctx = createRouteContext({ storage, options: opts, clock, adminToken });
  registerDeviceRoutes(app, ctx);
  registerSyncRoutes(app, ctx);
  registerTelemetryRoutes(app, ctx);
  registerAdminRoutes(app, ctx);

  let closing: Promise<void> | undefined;
  return {
    fastify: app,
    storage,
    adminToken,
    async listen(listenOptions = {}) {
      const { port, host } = parseInput(listenOptionsSchema, listenOptions, 'listen options');
      await app.listen({ port, host });
      const bound = (app.server.address() as AddressInfo).port;
      return { url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`, port: bound };
    },
    close() {
      closing ??= (async () => {
        try {
          await app.close();
        } finally {
          if (ownsStorage) await storage.close();
        }
      })();
      return closing;
    },
  };
}

/**
 * Starts the reference sync server on `host:port` (default 127.0.0.1 and a free port) with a
 * SQLite database (`db`, default ':memory:'). Resolves once it listens. The admin token is the
 * one given or a generated one (in the result). Throws ValidationError for bad options.
 */
export async function startSyncServer(options: StartSyncServerOptions = {}): Promise<RunningSyncServer> {
  const { port, host, ...rest } = options;
  const listenOptions = parseInput(listenOptionsSchema, { port, host }, 'sync server options');
  const server = createSyncServer(rest);
  try {
    const { url, port: bound } = await server.listen(listenOptions);
    return {
      url,
      port: bound,
      storage: server.storage,
      adminToken: server.adminToken,
      fastify: server.fastify,
      close: () => server.close(),
    };
  } catch (error) {
    await server.close();
    throw error;
  }
}
