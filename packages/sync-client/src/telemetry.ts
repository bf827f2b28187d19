import { parseInput, systemClock, type Clock } from '@tillkit/core';
import type { Endpoint, OutboxMetrics } from '@tillkit/offline-queue';
import { authorizedRequest, type TokenManager } from './auth';
import { stateError, SyncErrorCode } from './errors';
import { serverKey, type FetchFunction } from './http';
import {
  diagnosticBundleSchema,
  diagnosticReceiptSchema,
  heartbeatSchema,
  SyncPaths,
  type DiagnosticBundle,
  type Heartbeat,
  type LogRecord,
} from './protocol/index';
import { redactSecrets, redactText } from './redact';

/** Health of one device of the till, as a heartbeat reports it. */
export type DeviceHealthLevel = 'ok' | 'warning' | 'error' | 'unknown';

/** Supplies device health for heartbeats, e.g. `() => ({ printer: 'ok', drawer: 'warning' })`. */
export type DeviceHealthSource = () => Record<string, DeviceHealthLevel> | Promise<Record<string, DeviceHealthLevel>>;

/** Builds a heartbeat body from the latest queue metrics (pure). */
export function buildHeartbeat(input: {
  deviceId: string;
  softwareVersion: string;
  at: number;
  metrics: OutboxMetrics | undefined;
  endpoint: string | null;
  devices: Record<string, DeviceHealthLevel>;
}): Heartbeat {
  const m = input.metrics;
  return parseInput(
    heartbeatSchema,
    {
      deviceId: input.deviceId,
      at: Math.max(0, Math.round(input.at)),
      softwareVersion: input.softwareVersion,
      devices: input.devices,
      queue: {
        depth: m?.depth ?? 0,
        inFlight: m?.inFlight ?? 0,
        deadLetters: m?.deadLetters ?? 0,
        oldestAgeMs: m?.oldestItemAgeMs ?? null,
        bytes: m?.bytes ?? 0,
        lastSuccessAt: m?.lastSuccessAt ?? null,
      },
      endpoint: input.endpoint,
    },
    'heartbeat',
  );
}

/** What a diagnostic upload carries; everything is stripped of secrets before it leaves. */
export interface DiagnosticsInput {
  /** recent structured log records; the newest 5 000 are sent, messages cut at 2 000 characters */
  logs?: readonly LogRecord[];
  /** health of devices, queue and storage, as the application sees it */
  health?: Record<string, unknown>;
  /** the till's configuration */
  config?: Record<string, unknown>;
}

const MAX_LOGS = 5000;
const MAX_MESSAGE = 2000;

/**
 * The diagnostic bundle for `input` (pure): every value under a key that names a secret (token,
 * secret, password, authorization, credential, at any depth) is replaced by "[redacted]", and
 * `secrets` (the live token, the client secret) and bearer tokens are cut out of every string.
 */
export function buildDiagnosticBundle(
  input: DiagnosticsInput,
  context: { deviceId: string; softwareVersion: string; createdAt: number; secrets?: readonly (string | undefined)[] },
): DiagnosticBundle {
  const secrets = context.secrets ?? [];
  const logs = (input.logs ?? []).slice(-MAX_LOGS).map((record) => {
    const message = redactText(String(record.message), secrets);
    return {
      at: record.at,
      level: record.level,
      message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 3)}...` : message,
      ...(record.data === undefined ? {} : { data: redactSecrets(record.data, secrets) as Record<string, unknown> }),
    };
  });
  const parsed = diagnosticBundleSchema.safeParse({
    deviceId: context.deviceId,
    createdAt: Math.max(0, Math.round(context.createdAt)),
    softwareVersion: context.softwareVersion,
    logs,
    health: redactSecrets(input.health ?? {}, secrets),
    config: redactSecrets(input.config ?? {}, secrets),
  });
  if (!parsed.success) {
    const where = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(bundle)'}: ${i.message}`)
      .join('; ');
    throw stateError(
      SyncErrorCode.INVALID_STATE,
      `The diagnostic bundle is not valid (${where}); fix the logs, health or config given.`,
    );
  }
  return parsed.data;
}

export interface TelemetryOptions {
  tokens: TokenManager;
  deviceId: string;
  softwareVersion: string;
  /** the endpoint to report to now */
  endpoint: () => Endpoint;
  /** the latest queue metrics */
  metrics: () => OutboxMetrics | undefined;
  devices?: DeviceHealthSource | undefined;
  fetch?: FetchFunction | undefined;
  timeoutMs?: number | undefined;
  clock?: Clock | undefined;
}

export interface Telemetry {
  /** Sends one heartbeat (`POST /v1/telemetry/heartbeat`) now. */
  heartbeat(): Promise<Heartbeat>;
  /** Uploads a diagnostic bundle without secrets (`POST /v1/telemetry/diagnostics`); resolves with its id. */
  uploadDiagnostics(input: DiagnosticsInput): Promise<{ id: string }>;
}

export function createTelemetry(options: TelemetryOptions): Telemetry {
  const clock = options.clock ?? systemClock;
  return {
    async heartbeat() {
      const endpoint = options.endpoint();
      let devices: Record<string, DeviceHealthLevel> = {};
      if (options.devices !== undefined) {
        try {
          devices = await options.devices();
        } catch {
          devices = { 'device-health': 'unknown' };
        }
      }
      const body = buildHeartbeat({
        deviceId: options.deviceId,
        softwareVersion: options.softwareVersion,
        at: clock.now(),
        metrics: options.metrics(),
        endpoint: endpoint.id,
        devices,
      });
      await authorizedRequest(options.tokens, {
        baseUrl: serverKey(endpoint.url),
        path: SyncPaths.heartbeat,
        body,
        fetch: options.fetch,
        timeoutMs: options.timeoutMs,
      });
      return body;
    },
    async uploadDiagnostics(input) {
      const endpoint = options.endpoint();
      const bundle = buildDiagnosticBundle(input, {
        deviceId: options.deviceId,
        softwareVersion: options.softwareVersion,
        createdAt: clock.now(),
        secrets: options.tokens.secrets(),
      });
      const { body } = await authorizedRequest(options.tokens, {
        baseUrl: serverKey(endpoint.url),
        path: SyncPaths.diagnostics,
        body: bundle,
        schema: diagnosticReceiptSchema,
        fetch: options.fetch,
        timeoutMs: options.timeoutMs,
      });
      return body;
    },
  };
}
