import { JournalEntrySchema } from '@tillkit/core';
import { z } from 'zod';
import { tenantSchema } from './auth';

/** `POST /v1/telemetry/heartbeat` (bearer token), answered 204: the till is alive and how it is. */
export const heartbeatSchema = z.object({
  deviceId: z.string().min(1).max(128),
  /** the till's clock, ms since the epoch (the server notes the skew) */
  at: z.number().int().nonnegative(),
  softwareVersion: z.string().max(64),
  /** device health by device name, e.g. { printer: 'ok', drawer: 'warning' } */
  devices: z.record(z.string().max(64), z.enum(['ok', 'warning', 'error', 'unknown'])).default({}),
  queue: z.object({
    depth: z.number().int().nonnegative(),
    inFlight: z.number().int().nonnegative(),
    deadLetters: z.number().int().nonnegative(),
    oldestAgeMs: z.number().nonnegative().nullable(),
    bytes: z.number().int().nonnegative(),
    lastSuccessAt: z.number().nullable(),
  }),
  endpoint: z.string().max(128).nullable(),
});
export type Heartbeat = z.infer<typeof heartbeatSchema>;

/** One structured log record in a diagnostic bundle. */
export const logRecordSchema = z.object({
  at: z.number(),
  level: z.enum(['debug', 'info', 'warn', 'error']),
  message: z.string().max(2000),
  data: z.record(z.string(), z.unknown()).optional(),
});
export type LogRecord = z.infer<typeof logRecordSchema>;

/**
 * `POST /v1/telemetry/diagnostics` (bearer token), answered 201 { id }: a bundle for remote support.
 * The client strips secrets (tokens, credentials, anything under a key that names one) before sending.
 */
export const diagnosticBundleSchema = z.object({
  deviceId: z.string().min(1).max(128),
  createdAt: z.number().int().nonnegative(),
  softwareVersion: z.string().max(64),
  logs: z.array(logRecordSchema).max(5000),
  health: z.record(z.string(), z.unknown()),
  config: z.record(z.string(), z.unknown()),
});
export type DiagnosticBundle = z.infer<typeof diagnosticBundleSchema>;
export const diagnosticReceiptSchema = z.object({ id: z.string() });

/**
 * `GET /v1/restore` (bearer token): what a replacement till for the token's register needs to go on
 * without gaps or collisions: the last sequence per partition, the till state after the newest
 * entry (journal head, receipt and Z counters, open session) and the tail of the journal.
 */
export const restoreSnapshotSchema = z.object({
  tenant: tenantSchema,
  partitions: z.array(z.object({ partition: z.string(), lastSeq: z.number().int().nonnegative() })),
  /** the till state the newest entry carried; null for a register that never pushed */
  till: z.record(z.string(), z.unknown()).nullable(),
  /** the newest entries, oldest first (at most `?tail=` of them, default 50) */
  journalTail: z.array(JournalEntrySchema),
});
export type RestoreSnapshot = z.infer<typeof restoreSnapshotSchema>;
