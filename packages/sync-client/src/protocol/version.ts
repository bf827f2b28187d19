import { z } from 'zod';

// The tillkit sync protocol, version 1. Browser-safe: zod only. Written up in docs/protocol.md.

/** The protocol's name as servers state it in `GET /v1/meta`. */
export const PROTOCOL_NAME = 'tillkit-sync';
/** The major version this client speaks. Within a major version, changes are additive only. */
export const PROTOCOL_MAJOR = 1;
/** The full version this package implements (major.minor). */
export const PROTOCOL_VERSION = '1.0';

/** Request paths, relative to an endpoint's base url. */
export const SyncPaths = {
  meta: '/v1/meta',
  health: '/v1/health',
  enrol: '/v1/devices/enrol',
  token: '/v1/auth/token',
  push: '/v1/sync/push',
  /** followed by `/<dataset>` */
  pull: '/v1/sync/pull',
  heartbeat: '/v1/telemetry/heartbeat',
  diagnostics: '/v1/telemetry/diagnostics',
  restore: '/v1/restore',
} as const;

/** `GET /v1/meta` (no auth): which protocol versions a server speaks. */
export const serverMetaSchema = z.object({
  protocol: z.object({
    name: z.literal(PROTOCOL_NAME),
    /** every major version the server speaks, e.g. [1] */
    majors: z.array(z.number().int().positive()).min(1),
    /** the newest version the server implements, "major.minor" */
    version: z.string().regex(/^\d+\.\d+$/),
  }),
  server: z.object({ name: z.string(), version: z.string() }),
  /** limits a client must respect; larger requests are answered 413 */
  limits: z.object({
    maxBodyBytes: z.number().int().positive(),
    maxBatchItems: z.number().int().positive(),
    maxPageSize: z.number().int().positive(),
  }),
});
export type ServerMeta = z.infer<typeof serverMetaSchema>;

/** The media type of error bodies (RFC 9457 problem details). */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * Every 4xx/5xx answer carries a problem document. `code` is stable (one of SyncProblemCode for the
 * reference server; backends may add their own).
 */
export const syncProblemSchema = z.object({
  type: z.string().optional(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  code: z.string().optional(),
  /** for validation failures: where the input was wrong */
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type SyncProblem = z.infer<typeof syncProblemSchema>;

/** Stable problem and rejection codes of protocol version 1. */
export const SyncProblemCode = {
  /** the body is not JSON, or not the shape the path expects (400) */
  BAD_REQUEST: 'BAD_REQUEST',
  /** missing, expired or unknown bearer token (401): refresh and retry */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** the credentials are wrong or revoked (401 on /v1/auth/token): enrol again */
  INVALID_CREDENTIALS: 'INVALID_CREDENTIALS',
  /** the token is valid but the resource belongs to another store or register (403) */
  FORBIDDEN: 'FORBIDDEN',
  /** unknown path or dataset (404) */
  NOT_FOUND: 'NOT_FOUND',
  /** the enrolment code is unknown, used or expired (400/409) */
  ENROLMENT_CODE_INVALID: 'ENROLMENT_CODE_INVALID',
  /** request body or batch over the server's limits (413) */
  TOO_LARGE: 'TOO_LARGE',
  /** the cursor is malformed or older than the tombstones the server keeps (410): resync */
  CURSOR_EXPIRED: 'CURSOR_EXPIRED',
  /** the server does not speak the protocol version the client asked for (400) */
  UNSUPPORTED_VERSION: 'UNSUPPORTED_VERSION',
  /** too many requests (429), with Retry-After */
  RATE_LIMITED: 'RATE_LIMITED',
  /** the server failed (500/503): retry later */
  INTERNAL: 'INTERNAL',
} as const;
export type SyncProblemCode = (typeof SyncProblemCode)[keyof typeof SyncProblemCode];

/** Header a client sends with every request so a server can refuse an unknown major version. */
export const PROTOCOL_HEADER = 'tillkit-protocol';
