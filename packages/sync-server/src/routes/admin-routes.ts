import { CurrencyCodeSchema, verifyChain } from '@tillkit/core';
import { datasetRecordSchemas, datasetSchema, SyncProblemCode, type Dataset } from '@tillkit/sync-client/protocol';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { badRequest, notFound, ProblemError } from '../errors';
import { intParam, parseBody, queryParam } from '../http';
import type { RouteContext } from '../route-context';
import { enrolmentCodeHash, randomEnrolmentCode } from '../secrets';

/** Where the admin API lives. */
export const ADMIN_PREFIX = '/admin/v1';

const idSchema = z.string().min(1).max(128);
const registerSchema = z.object({ merchantId: idSchema, storeId: idSchema, registerId: idSchema, currency: CurrencyCodeSchema });
const enrolmentSchema = z.object({
  merchantId: idSchema,
  storeId: idSchema,
  registerId: idSchema,
  ttlSeconds: z
    .number()
    .int()
    .min(1)
    .max(365 * 24 * 3600)
    .optional(),
});
const putSchema = z.object({ records: z.array(z.record(z.string(), z.unknown())) });
const storeParams = z.object({ merchantId: idSchema, storeId: idSchema });
const eventTypeSchema = z.string().min(1).max(64);
const EVENT_STATUSES = ['applied', 'rejected', 'all'] as const;
const eventStatusSchema = z.enum(EVENT_STATUSES);

const DEFAULT_EVENTS_LIMIT = 100;
const MAX_EVENTS_LIMIT = 1000;

function datasetOf(name: string): Dataset {
  const parsed = datasetSchema.safeParse(name);
  if (!parsed.success) throw notFound(`There is no dataset "${name}"; the datasets are ${datasetSchema.options.join(', ')}.`);
  return parsed.data;
}

function params<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw badRequest('An id in the path is empty or longer than 128 characters.');
  return parsed.data;
}

/**
 * The reference server's admin API (bearer: the server's adminToken): registers, enrolment
 * codes, dataset records, and reads of ingested events, journals and telemetry. A real back
 * office replaces it; the protocol does not depend on it.
 */
export function registerAdminRoutes(root: FastifyInstance, ctx: RouteContext): void {
  // an encapsulated plugin: the admin check runs for these routes, whatever form their url takes
  root.register(
    (app, _options, done) => {
      adminRoutes(app, ctx);
      done();
    },
    { prefix: ADMIN_PREFIX },
  );
}

function adminRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { storage, clock, options } = ctx;

  app.addHook('onRequest', (request, _reply, done) => {
    try {
      if (request.method !== 'OPTIONS') ctx.authenticateAdmin(request);
      done();
    } catch (error) {
      done(error as Error);
    }
  });

  app.post('/registers', async (request, reply) => {
    const body = parseBody(registerSchema, request.body, 'a register ({ merchantId, storeId, registerId, currency })');
    const outcome = await storage.upsertRegister({ ...body, now: clock.now() });
    if (outcome.status === 'conflict') {
      const r = outcome.register;
      throw new ProblemError(
        409,
        SyncProblemCode.BAD_REQUEST,
        outcome.reason === 'store'
          ? `Register "${r.registerId}" of merchant "${r.merchantId}" belongs to store "${r.storeId}"; registers do not move between stores. Use another register id.`
          : `Register "${r.registerId}" has events in ${r.currency}; its currency cannot change. Use another register id.`,
      );
    }
    return reply.code(201).send(outcome.register);
  });

  app.post('/enrolments', async (request, reply) => {
    const body = parseBody(enrolmentSchema, request.body, 'an enrolment ({ merchantId, storeId, registerId, ttlSeconds? })');
    const register = await storage.getRegister(body.merchantId, body.registerId);
    if (register === undefined || register.storeId !== body.storeId) {
      throw notFound(
        `Merchant "${body.merchantId}" has no register "${body.registerId}" in store "${body.storeId}"; create it with POST ${ADMIN_PREFIX}/registers first.`,
      );
    }
    const code = randomEnrolmentCode();
    const now = clock.now();
    const expiresAt = now + (body.ttlSeconds ?? options.enrolmentTtlSeconds) * 1000;
    await storage.createEnrolment({
      codeHash: enrolmentCodeHash(code),
      merchantId: body.merchantId,
      storeId: body.storeId,
      registerId: body.registerId,
      createdAt: now,
      expiresAt,
    });
    return reply.code(201).send({ code, expiresAt });
  });

  app.put<{ Params: { merchantId: string; storeId: string; dataset: string } }>(
    '/merchants/:merchantId/stores/:storeId/datasets/:dataset',
    async (request) => {
      const { merchantId, storeId } = params(storeParams, request.params);
      const dataset = datasetOf(request.params.dataset);
      const body = parseBody(putSchema, request.body, `a list of ${dataset} records ({ records: [...] })`);
      const schema = datasetRecordSchemas[dataset];
      const records = body.records.map((raw, index) => {
        const parsed = schema.safeParse(raw);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          throw badRequest(
            `records.${index} is not a ${dataset} record: ${issue ? `${issue.path.join('.') || '(record)'}: ${issue.message}` : 'invalid'}.`,
            parsed.error.issues.slice(0, 20).map((i) => ({ path: ['records', index, ...i.path].join('.'), message: i.message })),
          );
        }
        return { id: parsed.data.id, data: parsed.data };
      });
      const seen = new Set<string>();
      for (const record of records) {
        if (seen.has(record.id)) throw badRequest(`The record id "${record.id}" is given twice; send each record once.`);
        seen.add(record.id);
      }
      return storage.putRecords({ merchantId, storeId, dataset, records, now: clock.now() });
    },
  );

  app.delete<{ Params: { merchantId: string; storeId: string; dataset: string; id: string } }>(
    '/merchants/:merchantId/stores/:storeId/datasets/:dataset/:id',
    async (request) => {
      const { merchantId, storeId } = params(storeParams, request.params);
      const dataset = datasetOf(request.params.dataset);
      const id = params(idSchema, request.params.id);
      const result = await storage.deleteRecord({ merchantId, storeId, dataset, id, now: clock.now() });
      if (result === undefined) throw notFound(`Store "${storeId}" has no ${dataset} record "${id}".`);
      return { id, deleted: true, updatedAt: result.updatedAt };
    },
  );

  app.get<{ Params: { merchantId: string; storeId: string } }>(
    '/merchants/:merchantId/stores/:storeId/events',
    async (request) => {
      const { merchantId, storeId } = params(storeParams, request.params);
      const typeText = queryParam(request.query, 'type');
      const type = typeText === undefined || typeText === '' ? undefined : params(eventTypeSchema, typeText);
      const after = queryParam(request.query, 'after');
      if (after !== undefined && after !== '' && !/^\d{1,15}$/.test(after)) {
        throw badRequest('The query parameter "after" must be the "next" of a previous page.');
      }
      const statusText = queryParam(request.query, 'status');
      const status = eventStatusSchema.safeParse(statusText === undefined || statusText === '' ? 'applied' : statusText);
      if (!status.success) {
        throw badRequest(`The query parameter "status" must be one of ${EVENT_STATUSES.join(', ')} (default applied).`);
      }
      const limit = intParam(request.query, 'limit', { min: 1, max: MAX_EVENTS_LIMIT, fallback: DEFAULT_EVENTS_LIMIT });
      const page = await storage.listEvents({
        merchantId,
        storeId,
        type,
        status: status.data,
        after: after === '' ? undefined : after,
        limit,
      });
      return {
        events: page.events.map((e) => ({
          partition: e.partition,
          seq: e.seq,
          key: e.key,
          type: e.type,
          receivedAt: e.receivedAt,
          status: e.status,
          ...(e.rejection === null ? {} : { code: e.rejection.code, message: e.rejection.message }),
          payload: e.payload,
        })),
        next: page.next,
      };
    },
  );

  app.get<{ Params: { merchantId: string; registerId: string } }>(
    '/merchants/:merchantId/registers/:registerId/journal',
    async (request) => {
      const { merchantId, registerId } = params(z.object({ merchantId: idSchema, registerId: idSchema }), request.params);
      const register = await storage.getRegister(merchantId, registerId);
      if (register === undefined) throw notFound(`Merchant "${merchantId}" has no register "${registerId}".`);
      const events = await storage.readJournal(merchantId, registerId);
      const entries = events.flatMap((e) => (e.entry === null ? [] : [e.entry]));
      const rejected = events
        .filter((e) => e.rejection !== null)
        .map((e) => ({
          seq: e.seq,
          key: e.key,
          type: e.type,
          code: e.rejection?.code,
          message: e.rejection?.message ?? null,
          inEntries: e.entry !== null,
        }));
      return { entries, rejected, verification: verifyChain(entries) };
    },
  );

  app.get<{ Params: { deviceId: string } }>('/devices/:deviceId/telemetry', async (request) => {
    const deviceId = params(idSchema, request.params.deviceId);
    const device = await storage.getDevice(deviceId);
    if (device === undefined) throw notFound(`No device "${deviceId}" ever enrolled.`);
    const telemetry = await storage.deviceTelemetry(deviceId);
    return {
      heartbeat:
        telemetry.heartbeat === null
          ? null
          : { ...telemetry.heartbeat.heartbeat, receivedAt: telemetry.heartbeat.receivedAt, skewMs: telemetry.heartbeat.skewMs },
      diagnostics: telemetry.diagnostics,
    };
  });
}
