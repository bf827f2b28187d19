import { syncProblemSchema, type WireItem } from '@tillkit/sync-client/protocol';
import type { JsonValue } from '@tillkit/offline-queue';
import { describe, expect, it } from 'vitest';
import { call, enrolTill, push, startServer, TillSim, wireItem, type Answer } from './fixtures';

const T = { merchantId: 'm1', storeId: 's1', registerId: 'r1' };

function expectProblem(answer: Answer, status: number, code: string): void {
  expect(answer.status).toBe(status);
  expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(syncProblemSchema.parse(answer.body)).toMatchObject({ status, code });
}

describe('limits and bad input', () => {
  it('answers malformed JSON, wrong types and wrong media types with 4xx problems and keeps serving', async () => {
    const server = await startServer();
    const till = await enrolTill(server, T);
    const auth = { token: till.token };

    expectProblem(
      await call(server.url, 'POST', '/v1/sync/push', undefined, { ...auth, raw: '{"items": [' }),
      400,
      'BAD_REQUEST',
    );
    expectProblem(await call(server.url, 'POST', '/v1/auth/token', undefined, { raw: '' }), 400, 'BAD_REQUEST');
    expectProblem(await call(server.url, 'POST', '/v1/devices/enrol', undefined, { raw: 'null' }), 400, 'BAD_REQUEST');
    expectProblem(await call(server.url, 'POST', '/v1/sync/push', { items: 'all of them' }, auth), 400, 'BAD_REQUEST');
    const wrongTypes = await call(server.url, 'POST', '/v1/sync/push', { items: [{ key: 1, partition: 'r1', seq: '1' }] }, auth);
    expectProblem(wrongTypes, 400, 'BAD_REQUEST');
    expect((wrongTypes.body.issues as { path: string }[]).map((i) => i.path)).toEqual(
      expect.arrayContaining(['items.0.key', 'items.0.seq', 'items.0.payload']),
    );
    expectProblem(await call(server.url, 'POST', '/v1/auth/token', { clientId: ['x'], clientSecret: 5 }), 400, 'BAD_REQUEST');
    const text = await call(server.url, 'POST', '/v1/sync/push', undefined, {
      ...auth,
      raw: 'items=1',
      contentType: 'text/plain',
    });
    expectProblem(text, 415, 'BAD_REQUEST');
    expectProblem(await call(server.url, 'GET', '/v1/restore?tail=many', undefined, auth), 400, 'BAD_REQUEST');
    expectProblem(await call(server.url, 'GET', '/v1/restore?tail=1&tail=2', undefined, auth), 400, 'BAD_REQUEST');

    const sim = new TillSim('r1');
    expect((await push(server, till.token, [wireItem(sim.openSession())]))[0]!.result).toBe('applied');
  });

  it('answers a body over maxBodyBytes with 413 TOO_LARGE and keeps serving', async () => {
    const server = await startServer({ limits: { maxBodyBytes: 64 * 1024 } });
    const till = await enrolTill(server, T);
    const big = JSON.stringify({ items: [], padding: 'x'.repeat(200 * 1024) });
    expectProblem(await call(server.url, 'POST', '/v1/sync/push', undefined, { token: till.token, raw: big }), 413, 'TOO_LARGE');
    // a streamed body without content-length is cut off at the limit too
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 40; i++) controller.enqueue(new TextEncoder().encode(' '.repeat(4096)));
        controller.close();
      },
    });
    const streamed = await fetch(`${server.url}/v1/sync/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${till.token}` },
      body: chunks,
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(((await streamed.json()) as { code: string }).code).toBe('TOO_LARGE');
    expect((await call(server.url, 'GET', '/v1/health')).status).toBe(200);
  });

  it('answers a batch with more than maxBatchItems items with 413 TOO_LARGE and applies none of it', async () => {
    const server = await startServer({ limits: { maxBatchItems: 3 } });
    const till = await enrolTill(server, T);
    const sim = new TillSim('r1');
    const items = [sim.openSession(), sim.coffee(), sim.coffee(), sim.coffee()].map((s) => wireItem(s));
    const answer = await call(server.url, 'POST', '/v1/sync/push', { items }, { token: till.token });
    expectProblem(answer, 413, 'TOO_LARGE');
    expect(answer.body.detail).toMatch(/at most 3/);
    expect((await push(server, till.token, items.slice(0, 3))).map((r) => r.result)).toEqual(['applied', 'applied', 'applied']);
  });

  it('rejects odd but well-formed items one by one without failing the batch; each uses up its sequence', async () => {
    const server = await startServer();
    const till = await enrolTill(server, T);
    const sim = new TillSim('r1');
    const steps = [sim.openSession(), sim.coffee(), sim.coffee(2), sim.coffee(3)];
    const [one, two, , four] = steps.map((s) => wireItem(s)) as [WireItem, WireItem, WireItem, WireItem];
    const payload = two.payload as { entry: Record<string, JsonValue>; till: JsonValue };
    const hostile = [
      { ...one, key: 'k1', payload: { entry: { __proto__: { sequence: 1 } }, till: [] } },
      { ...two, key: 'k2', payload: { entry: { ...payload.entry, total: 1e300 }, till: payload.till } },
      { ...one, key: 'k3', seq: 3, payload: 'a string' },
      four,
    ];
    const results = await push(server, till.token, hostile);
    expect(results.map((r) => r.result)).toEqual(['rejected', 'rejected', 'rejected', 'applied']);
    expect(results.slice(0, 3).map((r) => r.code)).toEqual(['INVALID_EVENT', 'INVALID_EVENT', 'INVALID_EVENT']);
  });

  it('answers 503 INTERNAL with Retry-After when its database is gone, without details of the failure', async () => {
    const server = await startServer();
    const till = await enrolTill(server, T);
    await server.storage.close();
    const answer = await call(server.url, 'GET', '/v1/restore', undefined, { token: till.token });
    expectProblem(answer, 503, 'INTERNAL');
    expect(answer.headers.get('retry-after')).toBe('5');
    expect(answer.text).not.toMatch(/STORAGE_CLOSED|sqlite/i);
    expectProblem(await call(server.url, 'GET', '/v1/health'), 503, 'INTERNAL');
    expect((await call(server.url, 'GET', '/v1/meta')).status).toBe(200);
  });
});
