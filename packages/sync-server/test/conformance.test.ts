import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TillkitError } from '@tillkit/core';
import {
  describeConformance,
  referenceAdmin,
  runConformance,
  conformanceChecks,
  type ConformanceAdmin,
  type IngestedEvent,
} from '@tillkit/sync-server/conformance';
import type { Tenant, WireItem } from '@tillkit/sync-client/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSqliteSyncStorage,
  startSyncServer,
  type IngestInput,
  type RunningSyncServer,
  type SyncStorage,
} from '../src/index';

// The whole kit against the reference server: one test per check.
let server: RunningSyncServer;
beforeAll(async () => {
  server = await startSyncServer({ port: 0, host: '127.0.0.1', db: ':memory:' });
});
afterAll(async () => {
  await server?.close();
});

describeConformance(
  () => ({ baseUrl: server.url, admin: referenceAdmin({ baseUrl: server.url, adminToken: server.adminToken }) }),
  { describe, it, expect },
  { name: 'the reference server passes the conformance kit' },
);

/**
 * A backend that gets exactly-once wrong: it answers every pushed item "applied", replays and
 * conflicts included, and ingests each one. Everything else it needs to reach the push checks
 * (meta, enrolment, tokens) works.
 */
interface BrokenBackend {
  url: string;
  admin: ConformanceAdmin;
  close(): Promise<void>;
}

async function startBrokenBackend(): Promise<BrokenBackend> {
  const codes = new Map<string, Tenant>();
  const tokens = new Map<string, Tenant>();
  const ingested: (IngestedEvent & { store: string })[] = [];
  let n = 0;
  const send = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const read = async (req: IncomingMessage): Promise<unknown> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
  };
  const http: Server = createServer((req, res) => {
    void (async () => {
      const body = req.method === 'POST' ? await read(req) : undefined;
      const tenant = tokens.get(req.headers.authorization?.slice('Bearer '.length) ?? '');
      switch (`${req.method} ${req.url}`) {
        case 'GET /v1/meta':
          return send(res, 200, {
            protocol: { name: 'tillkit-sync', majors: [1], version: '1.0' },
            server: { name: 'broken', version: '0' },
            limits: { maxBodyBytes: 1 << 20, maxBatchItems: 100, maxPageSize: 100 },
          });
        case 'GET /v1/health':
          return send(res, 200, { status: 'ok' });
        case 'POST /v1/devices/enrol': {
          const { code, deviceId } = body as { code: string; deviceId: string };
          const owner = codes.get(code);
          if (owner === undefined) return send(res, 400, { title: 'bad code', status: 400, code: 'ENROLMENT_CODE_INVALID' });
          return send(res, 201, {
            deviceId,
            tenant: owner,
            currency: 'EUR',
            credentials: { clientId: `client-${++n}`, clientSecret: JSON.stringify(owner) },
          });
        }
        case 'POST /v1/auth/token': {
          const owner = JSON.parse((body as { clientSecret: string }).clientSecret) as Tenant;
          const accessToken = `token-${++n}-0123456789abcdef`;
          tokens.set(accessToken, owner);
          return send(res, 200, { accessToken, tokenType: 'Bearer', expiresIn: 900, tenant: owner, deviceId: 'd' });
        }
        case 'POST /v1/sync/push': {
          if (tenant === undefined) return send(res, 401, { title: 'no', status: 401, code: 'UNAUTHENTICATED' });
          const { items } = body as { items: WireItem[] };
          for (const item of items) ingested.push({ ...item, store: `${tenant.merchantId}/${tenant.storeId}` });
          return send(res, 200, { results: items.map((i) => ({ key: i.key, result: 'applied' })) });
        }
        default:
          return send(res, 404, { title: 'not here', status: 404, code: 'NOT_FOUND' });
      }
    })().catch(() => send(res, 500, { title: 'crashed', status: 500 }));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    admin: {
      createRegister: async () => {},
      createEnrolmentCode: (tenant) => {
        const code = `CODE-${++n}`;
        codes.set(code, tenant);
        return Promise.resolve(code);
      },
      putRecords: async () => {},
      deleteRecord: async () => {},
      listEvents: (merchantId, storeId) => Promise.resolve(ingested.filter((e) => e.store === `${merchantId}/${storeId}`)),
    },
    close: () => new Promise<void>((resolve) => http.close(() => resolve())),
  };
}

describe('the conformance kit', () => {
  it('fails a backend that answers every push "applied": the exactly-once checks fail, saying why', async () => {
    const broken = await startBrokenBackend();
    try {
      const exactlyOnce = ['push.exactly-once', 'push.key-reused', 'push.gap-ahead', 'push.seq-taken', 'push.totals-mismatch'];
      const report = await runConformance({ baseUrl: broken.url, admin: broken.admin, only: ['meta', 'health', ...exactlyOnce] });
      const status = Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
      expect(report.ok).toBe(false);
      expect(status.meta).toBe('passed');
      expect(status.health).toBe('passed');
      for (const id of exactlyOnce) expect(status[id], id).toBe('failed');
      expect(report.checks.filter((c) => c.status === 'skipped')).toHaveLength(conformanceChecks.length - exactlyOnce.length - 2);
      const detail = (id: string): string => report.checks.find((c) => c.id === id)?.detail ?? '';
      expect(detail('push.exactly-once')).toMatch(
        /replay of seq 1 \(attempt 2\): the server answered \{"key":"[^"]+","result":"applied"\}, expected \{"result":"duplicate"\}/,
      );
      expect(detail('push.key-reused')).toContain('KEY_REUSED');
      expect(detail('push.gap-ahead')).toContain('"expectedSeq":1');
      expect(detail('push.totals-mismatch')).toContain('TOTALS_MISMATCH');
      expect(report.counts).toEqual({
        passed: 2,
        failed: exactlyOnce.length,
        skipped: conformanceChecks.length - exactlyOnce.length - 2,
      });
    } finally {
      await broken.close();
    }
  });

  it('fails a backend whose rejections do not use up the sequence: the rejected-event checks fail, the others pass', async () => {
    // the reference server, except that a rejection is answered without storing anything (the
    // rule before protocol v1 settled): the register still expects the rejected sequence
    const inner = createSqliteSyncStorage();
    const ingest = (input: IngestInput) =>
      inner.ingest({
        ...input,
        decide: (item, context) => {
          const decision = input.decide(item, context);
          return decision.kind === 'reject'
            ? { kind: 'answer', result: { key: item.key, result: 'rejected', code: decision.code, message: decision.message } }
            : decision;
        },
      });
    const storage: SyncStorage = new Proxy(inner, {
      get: (target, prop) => (prop === 'ingest' ? ingest : (Reflect.get(target, prop, target) as unknown)),
    });
    const old = await startSyncServer({ port: 0, storage });
    try {
      const failing = ['push.rejected-uses-sequence', 'push.rejected-replay', 'push.invalid-event'];
      const passing = ['push.exactly-once', 'push.totals-mismatch'];
      const report = await runConformance({
        baseUrl: old.url,
        admin: referenceAdmin({ baseUrl: old.url, adminToken: old.adminToken }),
        only: [...failing, ...passing],
      });
      const status = Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
      for (const id of failing) expect(status[id], id).toBe('failed');
      for (const id of passing) expect(status[id], id).toBe('passed');
      expect(report.checks.find((c) => c.id === 'push.rejected-uses-sequence')?.detail).toMatch(
        /the next sale at seq 3, chained to the rejected seq 2: the server answered .*"result":"gap","expectedSeq":2/,
      );
    } finally {
      await old.close();
      await inner.close();
    }
  });

  it('a backend that stops answering fails the check within its time budget', async () => {
    const silent = createServer(() => {
      /* never answers */
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const started = Date.now();
      const report = await runConformance({
        baseUrl: `http://127.0.0.1:${port}`,
        admin: referenceAdmin({ baseUrl: `http://127.0.0.1:${port}`, adminToken: 'unused-admin-token' }),
        only: ['meta'],
        timeoutMs: 300,
      });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(report.checks.find((c) => c.id === 'meta')).toMatchObject({
        status: 'failed',
        detail: expect.stringMatching(/300 ms|time budget/),
      });
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('refuses options it cannot run with, naming what is wrong', async () => {
    const admin = referenceAdmin({ baseUrl: 'http://127.0.0.1:1', adminToken: 'x'.repeat(16) });
    const error = await runConformance({ baseUrl: 'not a url', admin, only: ['push.nope'] }).catch((e: unknown) => e);
    expect(TillkitError.isInstance(error)).toBe(true);
    expect((error as TillkitError).code).toBe('VALIDATION_FAILED');
    expect((error as Error).message).toMatch(/baseUrl "not a url" is not a url; only names unknown checks push\.nope/);
  });

  it('lists its checks with unique ids', () => {
    const ids = conformanceChecks.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(
      expect.arrayContaining(['meta', 'push.exactly-once', 'pull.pages', 'isolation.push', 'limits.body-too-large']),
    );
  });
});
