import { ClockSchema, type Clock } from '@tillkit/core';
import { z } from 'zod';
import type { SyncStorage } from './storage';

/** Limits the server enforces and states in `GET /v1/meta`. */
export interface SyncServerLimits {
  /** larger request bodies are answered 413 TOO_LARGE; default 5 MiB */
  maxBodyBytes?: number;
  /** push batches with more items are answered 413 TOO_LARGE; default 500 */
  maxBatchItems?: number;
  /** the largest pull page (a larger `limit` is lowered to it); default 1000 */
  maxPageSize?: number;
}

export interface SyncServerOptions {
  /**
   * The SQLite database file, or ':memory:' (the default: everything is gone when the server closes).
   * Ignored when `storage` is given.
   */
  db?: string;
  /** another storage (for example a PostgreSQL adapter); the server does not close it */
  storage?: SyncStorage;
  /** the bearer token of the admin API; generated (and returned as `adminToken`) when absent */
  adminToken?: string;
  /** lifetime of device bearer tokens, in seconds; default 900 */
  tokenTtlSeconds?: number;
  /** lifetime of enrolment codes when the admin does not say, in seconds; default 86 400 (a day) */
  enrolmentTtlSeconds?: number;
  limits?: SyncServerLimits;
  /** the server's time (token expiry, receivedAt, dataset updatedAt); default the system clock */
  clock?: Clock;
  /**
   * Fastify's request log (pino, JSON lines on stdout); off by default. The Authorization header is
   * never logged. `true` logs at 'info'.
   */
  logger?: boolean | { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' };
  /** answer CORS preflights and allow any origin (clients authenticate with bearer tokens, never cookies); default true */
  cors?: boolean;
}

export interface StartSyncServerOptions extends SyncServerOptions {
  /** default 0: a free port */
  port?: number;
  /** default '127.0.0.1' */
  host?: string;
}

const limitsSchema = z
  .object({
    maxBodyBytes: z
      .number()
      .int()
      .min(1024)
      .max(1024 * 1024 * 1024)
      .default(5 * 1024 * 1024),
    maxBatchItems: z.number().int().min(1).max(100_000).default(500),
    maxPageSize: z.number().int().min(1).max(100_000).default(1000),
  })
  .default({ maxBodyBytes: 5 * 1024 * 1024, maxBatchItems: 500, maxPageSize: 1000 });

export const serverOptionsSchema = z.object({
  db: z.string().min(1, 'must name a file or ":memory:"').default(':memory:'),
  storage: z
    .custom<SyncStorage>(
      (v) => typeof v === 'object' && v !== null && typeof (v as SyncStorage).ingest === 'function',
      'a SyncStorage',
    )
    .optional(),
  adminToken: z.string().min(16, 'must be at least 16 characters').max(512).optional(),
  tokenTtlSeconds: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 3600)
    .default(900),
  enrolmentTtlSeconds: z
    .number()
    .int()
    .min(1)
    .max(365 * 24 * 3600)
    .default(24 * 3600),
  limits: limitsSchema,
  clock: ClockSchema.optional(),
  logger: z
    .union([z.boolean(), z.object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']) })])
    .default(false),
  cors: z.boolean().default(true),
});
export type ParsedServerOptions = z.output<typeof serverOptionsSchema>;

export const listenOptionsSchema = z.object({
  port: z.number().int().min(0).max(65_535).default(0),
  host: z.string().min(1).default('127.0.0.1'),
});
