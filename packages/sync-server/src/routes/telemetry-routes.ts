import { uuidv7 } from '@tillkit/core';
import { diagnosticBundleSchema, heartbeatSchema, SyncPaths } from '@tillkit/sync-client/protocol';
import type { FastifyInstance } from 'fastify';
import { forbidden } from '../errors';
import { parseBody } from '../http';
import { redactSecrets } from '../redact';
import type { RouteContext } from '../route-context';

/** Heartbeats and diagnostic bundles of an authenticated till. */
export function registerTelemetryRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { storage, clock } = ctx;

  app.post(SyncPaths.heartbeat, async (request, reply) => {
    const grant = await ctx.authenticate(request);
    const heartbeat = parseBody(heartbeatSchema, request.body, 'a heartbeat');
    if (heartbeat.deviceId !== grant.deviceId) {
      throw forbidden(`This token belongs to device "${grant.deviceId}"; it cannot report for "${heartbeat.deviceId}".`);
    }
    const receivedAt = clock.now();
    await storage.saveHeartbeat({
      deviceId: grant.deviceId,
      tenant: grant.tenant,
      receivedAt,
      skewMs: receivedAt - heartbeat.at,
      heartbeat: redactSecrets(heartbeat) as Record<string, unknown>,
    });
    return reply.code(204).send();
  });

  app.post(SyncPaths.diagnostics, async (request, reply) => {
    const grant = await ctx.authenticate(request);
    const bundle = parseBody(diagnosticBundleSchema, request.body, 'a diagnostic bundle');
    if (bundle.deviceId !== grant.deviceId) {
      throw forbidden(`This token belongs to device "${grant.deviceId}"; it cannot send diagnostics for "${bundle.deviceId}".`);
    }
    const receivedAt = clock.now();
    const id = uuidv7({ now: receivedAt });
    await storage.saveDiagnostics({
      id,
      deviceId: grant.deviceId,
      tenant: grant.tenant,
      receivedAt,
      bundle: redactSecrets(bundle) as Record<string, unknown>,
    });
    return reply.code(201).send({ id });
  });
}
