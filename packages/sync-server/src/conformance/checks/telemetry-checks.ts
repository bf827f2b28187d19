import { diagnosticReceiptSchema, SyncPaths, type DiagnosticBundle, type Heartbeat } from '@tillkit/sync-client/protocol';
import { expectStatus, parseWith } from '../assert';
import type { ConformanceCheck } from '../check';

export function heartbeatBody(deviceId: string): Heartbeat {
  return {
    deviceId,
    at: Date.now(),
    softwareVersion: 'conformance-kit',
    devices: { printer: 'ok', drawer: 'warning' },
    queue: { depth: 0, inFlight: 0, deadLetters: 0, oldestAgeMs: null, bytes: 0, lastSuccessAt: null },
    endpoint: null,
  };
}

export const telemetryChecks: ConformanceCheck[] = [
  {
    id: 'telemetry.heartbeat',
    title: `POST ${SyncPaths.heartbeat} is answered 204`,
    async run(ctx) {
      const till = await ctx.enrol();
      const answer = await ctx.http.post(SyncPaths.heartbeat, heartbeatBody(till.deviceId), { token: till.token });
      expectStatus(answer, 204);
    },
  },
  {
    id: 'telemetry.diagnostics',
    title: `POST ${SyncPaths.diagnostics} is answered 201 {id}`,
    async run(ctx) {
      const till = await ctx.enrol();
      const bundle: DiagnosticBundle = {
        deviceId: till.deviceId,
        createdAt: Date.now(),
        softwareVersion: 'conformance-kit',
        logs: [{ at: Date.now(), level: 'warn', message: 'printer paper low', data: { device: 'printer' } }],
        health: { printer: 'warning' },
        config: { locale: 'en' },
      };
      const answer = await ctx.http.post(SyncPaths.diagnostics, bundle, { token: till.token });
      expectStatus(answer, 201);
      parseWith(diagnosticReceiptSchema, answer.json, `${answer.request}'s body`);
    },
  },
];
