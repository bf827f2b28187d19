import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TillkitError } from '@tillkit/core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createHttpTransport } from './http-transport';
import type { OutboxItem } from './item';
import { createOutbox, type Outbox, type OutboxEvent, type OutboxMetrics, type StorageHealth } from './outbox';
import type { OutboxOptions } from './outbox-options';
import { createSqliteStore, type SqliteStore } from './sqlite/sqlite-store';
import { startFaultProxy, type FaultProxy } from './testing/fault-proxy';
import { startTestServer, type TestServer, type TestServerOptions } from './testing/test-server';

const dir = mkdtempSync(join(tmpdir(), 'tillkit-outbox-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshPath = () => join(dir, `outbox-${++files}.db`);

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(options: TestServerOptions = {}): Promise<TestServer> {
  const s = await startTestServer(options);
  cleanups.push(() => s.close());
  return s;
}

async function store(path = freshPath()): Promise<SqliteStore> {
  const s = await createSqliteStore({ path });
  cleanups.push(() => s.close());
  return s;
}

/** Fast timings so failures, backoff and failover play out in milliseconds. */
async function outbox(
  overrides: Partial<OutboxOptions> & { url?: string } = {},
): Promise<{ outbox: Outbox; events: OutboxEvent[] }> {
  const { url, ...rest } = overrides;
  const o = createOutbox({
    store: rest.store ?? (await store()),
    transport: createHttpTransport({ timeoutMs: 2000 }),
    endpoints: [{ id: 'primary', url: url ?? 'http://127.0.0.1:9', priority: 0 }],
    deviceId: 'till-1',
    backoff: { baseMs: 5, capMs: 40 },
    sendTimeoutMs: 2000,
    leaseMs: 5000,
    probeIntervalMs: 0,
    pollIntervalMs: 20,
    failover: {
      breaker: { failureThreshold: 2, openMs: 200, closeAfterSuccesses: 1 },
      minSwitchIntervalMs: 0,
      failBackAfterMs: 300,
    },
    ...rest,
  });
  const events: OutboxEvent[] = [];
  o.events$.subscribe((e) => events.push(e));
  cleanups.push(() => o.close());
  return { outbox: o, events };
}

async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!(await condition())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sale = (n: number, partition?: string) => ({
  key: `sale-${partition ?? 'till-1'}-${n}`,
  type: 'sale',
  payload: { n, total: 100 * n },
  ...(partition === undefined ? {} : { partition }),
});

async function states(o: Outbox): Promise<[string, string, number | null][]> {
  return (await o.items({ state: 'all' })).map((i) => [i.key, i.state, i.seq]);
}

async function drained(o: Outbox): Promise<void> {
  await until('the outbox to drain', async () => (await o.items()).length === 0);
}

describe('enqueue', () => {
  it('writes the item with its companion records durably, with defaults for key, partition and type', async () => {
    const { outbox: o } = await outbox();
    const item = await o.enqueue(
      { payload: { total: 1250 } },
      {
        records: [
          { collection: 'transactions', key: 'tx-1', value: { id: 'tx-1' } },
          { collection: 'journal', key: '000001', value: { index: 1 }, mode: 'insert' },
        ],
      },
    );
    expect(item).toMatchObject({ partition: 'till-1', seq: 1, type: 'item', state: 'pending', payload: { total: 1250 } });
    expect(item.key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    const again = await o.enqueue({ key: item.key, type: 'item', payload: { total: 1250 } });
    expect(again).toEqual(item);
  });

  it('refuses bad input with a typed error and writes nothing', async () => {
    const s = await store();
    const { outbox: o } = await outbox({ store: s });
    const codes: string[] = [];
    for (const bad of [
      () => o.enqueue({ payload: { total: Number.NaN } }),
      () => o.enqueue({ payload: 1, key: '' }),
      () => o.enqueueAll([]),
      () => o.enqueue({ payload: 1, partition: ' padded ' }),
      // a misspelt field is refused, not silently replaced by a default
      () => o.enqueue({ payload: 1, typ: 'sale' } as Parameters<typeof o.enqueue>[0]),
    ]) {
      try {
        await bad();
        codes.push('resolved');
      } catch (error) {
        codes.push(TillkitError.isInstance(error) ? error.code : String(error));
      }
    }
    expect(codes).toEqual(Array.from({ length: 5 }, () => 'VALIDATION_FAILED'));
    expect(await s.listItems({ state: 'all' })).toEqual([]);
  });

  it('refuses new items with STORAGE_FULL above the block threshold, before writing', async () => {
    const s = await store();
    const { outbox: o } = await outbox({ store: s, storage: { warnRatio: 1e-12, blockRatio: 1e-12 } });
    const error = await o.enqueue({ payload: 1 }).catch((e: unknown) => e);
    expect(TillkitError.hasCode(error, 'STORAGE_FULL')).toBe(true);
    expect((error as Error).message).toMatch(/above the block threshold/);
    expect(await s.listItems({ state: 'all' })).toEqual([]);
  });

  it('refuses to work once closed', async () => {
    const { outbox: o } = await outbox();
    await o.close();
    expect(() => o.start()).toThrow(/closed/);
    await expect(o.enqueue({ payload: 1 })).rejects.toMatchObject({ code: 'INVALID_STATE' });
  });
});

describe('delivery over real HTTP', () => {
  it('delivers every item once, in order, and the queue empties', async () => {
    const srv = await server();
    const { outbox: o, events } = await outbox({ url: srv.url });
    for (let n = 1; n <= 25; n++) await o.enqueue(sale(n));
    await o.enqueue(sale(1, 'till-2'));
    const report = await o.flush();
    expect(report).toMatchObject({ flusher: true, delivered: 26, deadLettered: 0, remaining: 0 });
    expect(srv.keys().filter((k) => k.includes('till-1-'))).toEqual(Array.from({ length: 25 }, (_, i) => `sale-till-1-${i + 1}`));
    expect(
      srv
        .applied()
        .map((i) => i.seq)
        .slice(0, 3),
    ).toEqual([1, 2, 3]);
    for (const key of srv.keys()) expect(srv.appliedCount(key)).toBe(1);
    expect((await o.items({ state: 'acked' })).every((i) => i.ack?.result === 'applied' && i.ack.endpointId === 'primary')).toBe(
      true,
    );
    expect(events.filter((e) => e.type === 'delivered').length).toBeGreaterThan(0);
  });

  it('sends in batches of at most batch.maxItems', async () => {
    const srv = await server();
    const { outbox: o } = await outbox({ url: srv.url, batch: { maxItems: 4 } });
    await o.enqueueAll(Array.from({ length: 10 }, (_, i) => sale(i + 1)));
    await o.flush();
    expect(srv.requests).toBe(3);
    expect(srv.keys()).toHaveLength(10);
  });

  it('keeps items that arrive while offline and delivers them when the server is back', async () => {
    const srv = await server();
    await srv.stop();
    const { outbox: o } = await outbox({ url: srv.url });
    o.start();
    for (let n = 1; n <= 5; n++) await o.enqueue(sale(n));
    await until('a few failed attempts', async () => (await o.items()).some((i) => i.attempts >= 2));
    expect(srv.keys()).toEqual([]);
    await srv.start();
    await drained(o);
    expect(srv.keys()).toEqual([1, 2, 3, 4, 5].map((n) => `sale-till-1-${n}`));
  });
});

describe('every answer leaves each item in the right final state', () => {
  const retryable: [string, { status: number; retryAfter?: number; body?: string; contentType?: string }][] = [
    ['500', { status: 500 }],
    ['502', { status: 502 }],
    ['503 with Retry-After', { status: 503, retryAfter: 0 }],
    ['504', { status: 504 }],
    ['408', { status: 408 }],
    ['425', { status: 425 }],
    ['429 with Retry-After', { status: 429, retryAfter: 0 }],
    ['302 (a captive portal)', { status: 302 }],
    [
      '200 with a body that is not JSON',
      { status: 200, body: '<html>Welcome to the hotel wifi</html>', contentType: 'text/html' },
    ],
    ['200 with JSON of the wrong shape', { status: 200, body: '{"ok":true}', contentType: 'application/json' }],
  ];
  for (const [name, failure] of retryable) {
    it(`${name}: retried, then applied once`, async () => {
      const srv = await server();
      srv.failNext(2, failure);
      const { outbox: o, events } = await outbox({ url: srv.url });
      await o.enqueueAll([sale(1), sale(2)]);
      o.start();
      await drained(o);
      expect(await states(o)).toEqual([
        ['sale-till-1-1', 'acked', 1],
        ['sale-till-1-2', 'acked', 2],
      ]);
      expect(srv.keys()).toEqual(['sale-till-1-1', 'sale-till-1-2']);
      expect(events.filter((e) => e.type === 'retry-scheduled')).toHaveLength(2);
      expect((await o.items({ state: 'acked' }))[0]!.attempts).toBe(3);
    });
  }

  it('429 with Retry-After: the wait is never shorter than the server asked', async () => {
    const srv = await server();
    srv.failNext(1, { status: 429, retryAfter: 1 });
    const { outbox: o, events } = await outbox({ url: srv.url });
    await o.enqueue(sale(1));
    o.start();
    await drained(o);
    const retry = events.find((e) => e.type === 'retry-scheduled');
    expect(retry).toMatchObject({ reason: 'HTTP 429' });
    expect((retry as { delayMs: number }).delayMs).toBeGreaterThanOrEqual(1000);
  });

  for (const [status, code] of [
    [400, 'HTTP_BAD_REQUEST'],
    [404, 'HTTP_NOT_FOUND'],
    [409, 'HTTP_CONFLICT'],
    [410, 'HTTP_GONE'],
    [413, 'HTTP_PAYLOAD_TOO_LARGE'],
    [415, 'HTTP_UNSUPPORTED_MEDIA_TYPE'],
    [422, 'HTTP_UNPROCESSABLE'],
    [418, 'HTTP_CLIENT_ERROR'],
  ] as const) {
    it(`${status}: the batch is split, the refused item is dead-lettered, the rest is applied`, async () => {
      const srv = await server();
      // the batch of three is refused, then the first item alone: it is the culprit
      srv.failNext(2, { status });
      const { outbox: o, events } = await outbox({ url: srv.url });
      await o.enqueueAll([sale(1), sale(2), sale(3)]);
      o.start();
      await drained(o);
      expect(await states(o)).toEqual([
        ['sale-till-1-1', 'dead', null],
        ['sale-till-1-2', 'acked', 1],
        ['sale-till-1-3', 'acked', 2],
      ]);
      const [dead] = await o.deadLetters.list();
      expect(dead!.dead).toMatchObject({ code, source: 'request', seq: 1 });
      expect(srv.applied().map((i) => [i.key, i.seq])).toEqual([
        ['sale-till-1-2', 1],
        ['sale-till-1-3', 2],
      ]);
      expect(events.filter((e) => e.type === 'dead-lettered')).toHaveLength(1);
    });
  }

  for (const status of [401, 403]) {
    it(`${status}: credentials are refreshed through the hook, then the batch is applied`, async () => {
      const srv = await server({ token: 'old' });
      let token = 'stale';
      const refreshed: string[] = [];
      const { outbox: o, events } = await outbox({
        url: srv.url,
        transport: createHttpTransport({ headers: () => ({ authorization: `Bearer ${token}` }) }),
        auth: {
          refresh: (endpoint) => {
            refreshed.push(endpoint.id);
            token = 'fresh';
            srv.setToken('fresh');
            return Promise.resolve();
          },
        },
      });
      if (status === 403) srv.failNext(1, { status: 403 });
      await o.enqueue(sale(1));
      o.start();
      await drained(o);
      expect(refreshed).toEqual(['primary']);
      expect(srv.keys()).toEqual(['sale-till-1-1']);
      expect(events.some((e) => e.type === 'auth-refreshed')).toBe(true);
    });
  }

  it('401 that a refresh does not cure: kept and retried with backoff, never dropped', async () => {
    const srv = await server({ token: 'secret' });
    let refreshes = 0;
    const { outbox: o } = await outbox({
      url: srv.url,
      auth: { refresh: () => Promise.resolve(void refreshes++) },
    });
    await o.enqueue(sale(1));
    o.start();
    await until('several refreshes', () => refreshes >= 3);
    const metrics = await firstMetrics(o, (m) => m.auth === 'failing');
    expect(metrics.auth).toBe('failing');
    const [kept] = await o.items({ state: 'all' });
    expect([kept!.key, kept!.seq, ['pending', 'in-flight'].includes(kept!.state)]).toEqual(['sale-till-1-1', 1, true]);
    srv.setToken(undefined);
    await drained(o);
    expect(srv.keys()).toEqual(['sale-till-1-1']);
  });

  it('per item: rejected is dead-lettered with the server code; the partition goes on', async () => {
    const srv = await server({
      onItem: (item) =>
        item.key === 'sale-till-1-2' ? { result: 'rejected', code: 'TOTAL_MISMATCH', message: 'recomputed 190' } : undefined,
    });
    const { outbox: o } = await outbox({ url: srv.url });
    await o.enqueueAll([sale(1), sale(2), sale(3)]);
    await o.flush();
    expect(await states(o)).toEqual([
      ['sale-till-1-1', 'acked', 1],
      ['sale-till-1-2', 'dead', 2],
      ['sale-till-1-3', 'acked', 3],
    ]);
    expect((await o.deadLetters.list())[0]!.dead).toMatchObject({
      code: 'TOTAL_MISMATCH',
      message: 'recomputed 190',
      source: 'item',
    });
  });

  it('per item: retry-after holds back its partition only (a poison item blocks nothing else)', async () => {
    const srv = await server({ onItem: (item) => (item.key === 'sale-till-1-1' ? { result: 'retry-after', ms: 0 } : undefined) });
    const { outbox: o } = await outbox({ url: srv.url });
    await o.enqueueAll([sale(1), sale(2), sale(1, 'till-2'), sale(2, 'till-2')]);
    o.start();
    await until('till-2 delivered', () => srv.keys().length === 2);
    await until('till-1 retried a few times', async () => (await o.items())[0]!.attempts >= 3);
    expect(srv.keys()).toEqual(['sale-till-2-1', 'sale-till-2-2']);
    expect((await o.items()).map((i) => [i.key, i.state === 'acked'])).toEqual([
      ['sale-till-1-1', false],
      ['sale-till-1-2', false],
    ]);
  });

  it('a lost answer after the server committed: sent again, answered duplicate, applied once', async () => {
    const srv = await server();
    srv.loseNextResponses(1);
    const { outbox: o } = await outbox({ url: srv.url });
    await o.enqueueAll([sale(1), sale(2)]);
    o.start();
    await drained(o);
    expect(srv.appliedCount('sale-till-1-1')).toBe(1);
    expect((await o.items({ state: 'acked' })).map((i) => i.ack?.result)).toEqual(['duplicate', 'duplicate']);
  });

  it('connection refused, reset, truncated answer, lost answer and timeout: all applied exactly once', async () => {
    const srv = await server();
    const proxy: FaultProxy = await startFaultProxy({ target: { host: srv.host, port: srv.port } });
    cleanups.push(() => proxy.close());
    const { outbox: o } = await outbox({
      url: proxy.url,
      sendTimeoutMs: 300,
      leaseMs: 1000,
      transport: createHttpTransport({ timeoutMs: 300 }),
    });
    let n = 0;
    for (const fault of ['reset', 'drop', 'truncate', 'loseResponse', 'blackhole'] as const) {
      proxy.setFaults({ [fault]: 1 });
      proxy.setMode('faulty');
      await o.enqueue(sale(++n));
      o.start();
      await until(`an attempt under ${fault}`, async () =>
        (await o.items()).some((i) => i.attempts >= 1 && i.lastError !== undefined),
      );
      proxy.setMode('pass');
      await drained(o);
      await o.stop();
    }
    proxy.setMode('down');
    await o.enqueue(sale(6));
    o.start();
    await until('an attempt while the port refuses', async () => (await o.items()).some((i) => i.lastError !== undefined));
    proxy.setMode('pass');
    await drained(o);
    expect(srv.keys()).toEqual([1, 2, 3, 4, 5, 6].map((k) => `sale-till-1-${k}`));
    for (const key of srv.keys()) expect(srv.appliedCount(key)).toBe(1);
    expect(new Set(proxy.history())).toEqual(new Set(['reset', 'drop', 'truncate', 'loseResponse', 'blackhole', 'down', 'pass']));
  });
});

async function firstMetrics(o: Outbox, predicate: (m: OutboxMetrics) => boolean): Promise<OutboxMetrics> {
  return new Promise((resolve) => {
    const sub = o.metrics$.subscribe((m) => {
      if (predicate(m)) {
        queueMicrotask(() => sub.unsubscribe());
        resolve(m);
      }
    });
  });
}

describe('sequence gaps', () => {
  it('the server lost items: the partition is rewound and sent again, nothing applied twice', async () => {
    const srv = await server();
    const { outbox: o, events } = await outbox({ url: srv.url });
    await o.enqueueAll([sale(1), sale(2), sale(3)]);
    await o.flush();
    // the server was restored from a backup taken after item 1
    srv.setExpectedSeq('till-1', 2);
    await o.enqueue(sale(4));
    o.start();
    await until('item 4 applied', () => srv.keys().includes('sale-till-1-4'));
    expect(events.find((e) => e.type === 'rewound')).toMatchObject({ partition: 'till-1', fromSeq: 2, rewound: 2 });
    expect(srv.expectedSeq('till-1')).toBe(5);
    for (const key of srv.keys()) expect(srv.appliedCount(key)).toBe(1);
  });

  it('the server holds numbers this store issued again (a wiped till): the partition waits for rebasePartition', async () => {
    const srv = await server();
    srv.setExpectedSeq('till-1', 501);
    const { outbox: o, events } = await outbox({ url: srv.url });
    const health: StorageHealth[] = [];
    o.storage$.subscribe((h) => health.push(h));
    await o.enqueueAll([sale(1), sale(2), sale(1, 'till-2')]);
    o.start();
    await until('the block', () => events.some((e) => e.type === 'partition-blocked'));
    await until('till-2 delivered', () => srv.keys().includes('sale-till-2-1'));
    expect(events.find((e) => e.type === 'partition-blocked')).toMatchObject({
      partition: 'till-1',
      code: 'SEQUENCE_BEHIND_SERVER',
    });
    await until('storage health to say so', () => health.some((h) => h.sequenceBehindServer.length === 1));
    expect(health.at(-1)!.sequenceBehindServer).toEqual([{ partition: 'till-1', serverExpects: 501, localSeq: 1 }]);
    await o.rebasePartition('till-1', 501);
    await drained(o);
    expect(
      srv
        .applied()
        .filter((i) => i.partition === 'till-1')
        .map((i) => [i.key, i.seq]),
    ).toEqual([
      ['sale-till-1-1', 501],
      ['sale-till-1-2', 502],
    ]);
  });
});

describe('failover', () => {
  it('fails over when the primary dies, fails back after it has been healthy long enough', async () => {
    // two independent backends (say, the cloud and an in-store hub): each sees every item of the
    // partition once, since each asks for the numbers it misses (a gap answer) and gets them again
    const primary = await server();
    const secondary = await server();
    const { outbox: o, events } = await outbox({
      endpoints: [
        { id: 'primary', url: primary.url, priority: 0 },
        { id: 'secondary', url: secondary.url, priority: 1 },
      ],
      probeIntervalMs: 50,
    });
    const all = (n: number) => Array.from({ length: n }, (_, i) => `sale-till-1-${i + 1}`);
    o.start();
    await o.enqueue(sale(1));
    await until('sale 1 on the primary', () => primary.keys().length === 1);
    await primary.stop();
    for (let n = 2; n <= 6; n++) await o.enqueue(sale(n));
    await until('everything on the secondary', () => secondary.keys().length === 6);
    expect(events.find((e) => e.type === 'endpoint-switched')).toMatchObject({
      from: 'primary',
      to: 'secondary',
      reason: 'failover',
    });
    expect(secondary.keys()).toEqual(all(6));
    await primary.start();
    await until('fail-back', () => events.some((e) => e.type === 'endpoint-switched' && e.reason === 'fail-back'));
    await o.enqueue(sale(7));
    await until('the primary has caught up', () => primary.keys().length === 7);
    expect(primary.keys()).toEqual(all(7));
    for (const key of all(7)) expect(primary.appliedCount(key)).toBe(1);
    for (const key of all(6)) expect(secondary.appliedCount(key)).toBe(1);
  });

  it('a captive portal (online, but the probe fails) moves delivery to the next endpoint without traffic', async () => {
    const primary = await server();
    const secondary = await server();
    primary.setHealthy(false);
    const { outbox: o, events } = await outbox({
      endpoints: [
        { id: 'primary', url: primary.url, priority: 0 },
        { id: 'secondary', url: secondary.url, priority: 1 },
      ],
      probeIntervalMs: 20,
    });
    o.start();
    await until('failover on probes alone', () => events.some((e) => e.type === 'endpoint-switched'));
    expect(primary.requests).toBe(0);
    await o.enqueue(sale(1));
    await until('delivered to the secondary', () => secondary.keys().length === 1);
  });

  it('a positive probe ends a long backoff at once', async () => {
    const srv = await server();
    srv.failNext(1, { status: 503 });
    const { outbox: o, events } = await outbox({
      url: srv.url,
      backoff: { baseMs: 60_000, capMs: 60_000 },
      random: () => 0.99,
      probeIntervalMs: 30,
    });
    await o.enqueue(sale(1));
    o.start();
    await until('the retry to be scheduled', () => events.some((e) => e.type === 'retry-scheduled'));
    expect((events.find((e) => e.type === 'retry-scheduled') as { delayMs: number }).delayMs).toBeGreaterThan(50_000);
    await drained(o);
    expect(srv.keys()).toEqual(['sale-till-1-1']);
  });
});

describe('dead letters', () => {
  it('are listed, exported as JSON lines, survive a restart and can be retried', async () => {
    let reject = true;
    const srv = await server({
      onItem: (item) => (reject && item.key === 'sale-till-1-1' ? { result: 'rejected', code: 'UNKNOWN_SKU' } : undefined),
    });
    const path = freshPath();
    const first = await outbox({ url: srv.url, store: await store(path) });
    await first.outbox.enqueueAll([sale(1), sale(2)]);
    await first.outbox.flush();
    await first.outbox.close();
    const { outbox: o } = await outbox({ url: srv.url, store: await store(path) });
    const dead = await o.deadLetters.list();
    expect(dead.map((i) => [i.key, i.dead?.code])).toEqual([['sale-till-1-1', 'UNKNOWN_SKU']]);
    const exported = (await o.deadLetters.export())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as OutboxItem);
    expect(exported.map((i) => [i.key, i.payload])).toEqual([['sale-till-1-1', { n: 1, total: 100 }]]);
    reject = false;
    expect(await o.deadLetters.retry('all')).toBe(1);
    await o.flush();
    expect(srv.keys()).toEqual(['sale-till-1-2', 'sale-till-1-1']);
    expect(await o.deadLetters.list()).toEqual([]);
  });

  it('cannot be retried when the outbox was created with deadLetterRetry: false, and stay listed', async () => {
    const srv = await server({
      onItem: (item) => (item.key === 'sale-till-1-1' ? { result: 'rejected', code: 'UNKNOWN_SKU' } : undefined),
    });
    const { outbox: o } = await outbox({ url: srv.url, store: await store(), deadLetterRetry: false });
    await o.enqueueAll([sale(1), sale(2)]);
    await o.flush();
    const error = await o.deadLetters.retry('all').catch((e: unknown) => e);
    expect(TillkitError.hasCode(error, 'RETRY_NOT_ALLOWED')).toBe(true);
    expect((await o.deadLetters.list()).map((i) => i.key)).toEqual(['sale-till-1-1']);
    expect(srv.keys()).toEqual(['sale-till-1-2']);
  });
});

describe('one flusher per store', () => {
  it('two outboxes on one file: one flushes, the other enqueues; handover when the flusher stops', async () => {
    const srv = await server();
    const path = freshPath();
    const a = await outbox({ url: srv.url, store: await store(path), instanceId: 'a' });
    const b = await outbox({ url: srv.url, store: await store(path), instanceId: 'b' });
    const roles: string[] = [];
    a.outbox.role$.subscribe((r) => roles.push(`a:${r}`));
    b.outbox.role$.subscribe((r) => roles.push(`b:${r}`));
    a.outbox.start();
    await until('a flushes', () => roles.includes('a:flusher'));
    b.outbox.start();
    await b.outbox.enqueue(sale(1));
    await until('a delivers what b enqueued', () => srv.keys().length === 1);
    expect(roles).not.toContain('b:flusher');
    await a.outbox.stop();
    await until('b takes over', () => roles.includes('b:flusher'));
    await b.outbox.enqueue(sale(2));
    await until('b delivers', () => srv.keys().length === 2);
    expect(srv.keys()).toEqual(['sale-till-1-1', 'sale-till-1-2']);
  });

  it('a new flusher sends at once what a dead flusher had in flight, without waiting out its lease', async () => {
    const srv = await server();
    const path = freshPath();
    const crashed = await store(path);
    await crashed.commit({ items: [1, 2, 3].map((n) => ({ ...sale(n), partition: 'till-1' })), now: Date.now() });
    // the dead flusher leased the batch for an hour and was killed mid-send
    const lost = await crashed.claim({
      owner: 'killed-flusher',
      now: Date.now(),
      leaseMs: 3_600_000,
      maxItems: 10,
      maxBytes: 1_000_000,
    });
    expect(lost.items).toHaveLength(3);
    const { outbox: o } = await outbox({ url: srv.url, store: await store(path), leaseMs: 3_600_000 });
    o.start();
    await drained(o);
    expect(srv.keys()).toEqual(['sale-till-1-1', 'sale-till-1-2', 'sale-till-1-3']);
    expect((await o.items({ state: 'acked' })).map((i) => i.attempts)).toEqual([2, 2, 2]);
  });

  it('a flusher that stops renewing (frozen) is replaced after its lease runs out', async () => {
    const srv = await server();
    const path = freshPath();
    const frozenStore = await store(path);
    // a flusher that took the lease and then froze: it never renews
    await frozenStore.acquireLease({ name: 'flusher', owner: 'frozen', ttlMs: 300, now: Date.now(), meta: { pid: process.pid } });
    const { outbox: o } = await outbox({ url: srv.url, store: await store(path) });
    const roles: string[] = [];
    o.role$.subscribe((r) => roles.push(r));
    await o.enqueue(sale(1));
    o.start();
    await until('the new flusher', () => roles.includes('flusher'));
    await drained(o);
    expect(srv.keys()).toEqual(['sale-till-1-1']);
  });
});

describe('metrics', () => {
  it('depth, oldest item age, bytes, dead letters and last success', async () => {
    const srv = await server({
      onItem: (item) => (item.key === 'sale-till-1-3' ? { result: 'rejected', code: 'NO' } : undefined),
    });
    const { outbox: o } = await outbox({ url: srv.url });
    await o.enqueueAll([sale(1), sale(2), sale(3)]);
    const before = await firstMetrics(o, (m) => m.depth === 3);
    expect(before).toMatchObject({ depth: 3, pending: 3, inFlight: 0, deadLetters: 0, lastSuccessAt: undefined });
    expect(before.bytes).toBeGreaterThan(0);
    expect(before.oldestItemAgeMs).toBeGreaterThanOrEqual(0);
    await o.flush();
    const after = await firstMetrics(o, (m) => m.depth === 0 && m.deadLetters === 1);
    expect(after).toMatchObject({ depth: 0, bytes: 0, oldestItemAgeMs: undefined, role: 'flusher', endpoint: 'primary' });
    expect(after.lastSuccessAt).toBeGreaterThan(0);
  });
});
