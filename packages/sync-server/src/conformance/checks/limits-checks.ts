import { SyncPaths, SyncProblemCode } from '@tillkit/sync-client/protocol';
import { check, expectProblem, expectStatus, show } from '../assert';
import type { ConformanceCheck } from '../check';
import type { CheckContext } from '../context';
import type { HttpAnswer } from '../http';

const BAD_REQUEST = SyncProblemCode.BAD_REQUEST;

/** A refusal: a 4xx problem (status and code as given), never a 5xx. */
function expectRefused(answer: HttpAnswer, status: number | readonly number[], code?: string | readonly string[]): void {
  check(answer.status < 500, () => `${answer.request} crashed the server: ${answer.status} ${show(answer.text)}`);
  expectProblem(answer, code === undefined ? { status } : { status, code });
}

/** The server still serves: health and meta answer. */
async function expectAlive(ctx: CheckContext): Promise<void> {
  expectStatus(await ctx.http.get(SyncPaths.health), 200);
  await ctx.meta();
}

export const limitsChecks: ConformanceCheck[] = [
  {
    id: 'limits.malformed-json',
    title: `malformed JSON is refused 400 with a problem (${BAD_REQUEST}) on every path that takes a body; the server still answers`,
    async run(ctx) {
      const till = await ctx.enrol();
      const auth = { token: till.token };
      const broken = ['{"items": [', '{items: []}', 'null x', '\u0000\u0001'];
      for (const body of broken) {
        expectRefused(await ctx.http.send('POST', SyncPaths.push, { ...auth, body }), 400, BAD_REQUEST);
      }
      expectRefused(await ctx.http.send('POST', SyncPaths.enrol, { body: '{"code": "abc' }), 400, BAD_REQUEST);
      expectRefused(await ctx.http.send('POST', SyncPaths.token, { body: '{"clientId"' }), 400, BAD_REQUEST);
      expectRefused(await ctx.http.send('POST', SyncPaths.heartbeat, { ...auth, body: '[1,2' }), 400, BAD_REQUEST);
      await expectAlive(ctx);
    },
  },
  {
    id: 'limits.wrong-types',
    title: `well-formed JSON of the wrong shape is refused 400 with a problem (${BAD_REQUEST}); the server still answers`,
    async run(ctx) {
      const till = await ctx.enrol();
      const auth = { token: till.token };
      const pushBodies: unknown[] = [
        [],
        'items',
        { items: 'nope' },
        {
          items: [
            { key: 1, partition: till.tenant.registerId, seq: '1', type: 'sale', payload: {}, createdAt: 'now', attempt: -1 },
          ],
        },
        { items: [{ key: 'k', partition: till.tenant.registerId, seq: 0, type: 'sale', payload: {}, createdAt: 1, attempt: 1 }] },
        { items: [null] },
      ];
      for (const json of pushBodies) expectRefused(await ctx.http.post(SyncPaths.push, json, auth), 400, BAD_REQUEST);
      expectRefused(await ctx.http.post(SyncPaths.enrol, { code: 12345678, deviceId: ['d'] }), 400, BAD_REQUEST);
      expectRefused(await ctx.http.post(SyncPaths.token, { clientId: 5, clientSecret: null }), 400, BAD_REQUEST);
      expectRefused(
        await ctx.http.post(SyncPaths.heartbeat, { deviceId: till.deviceId, at: 'yesterday' }, auth),
        400,
        BAD_REQUEST,
      );
      expectRefused(await ctx.http.post(SyncPaths.diagnostics, { logs: 'all of them' }, auth), 400, BAD_REQUEST);
      const events = await ctx.events(till.tenant);
      check(events.length === 0, () => `refused pushes left ingested events: ${show(events)}`);
      await expectAlive(ctx);
    },
  },
  {
    id: 'limits.body-too-large',
    title: `a body over limits.maxBodyBytes is refused 413 ${SyncProblemCode.TOO_LARGE}; the server still answers`,
    async run(ctx) {
      const { limits } = await ctx.meta();
      const till = await ctx.enrol();
      const head = '{"items":[],"padding":"';
      const tail = '"}';
      const size = limits.maxBodyBytes + 1024;
      const body = `${head}${'x'.repeat(size - head.length - tail.length)}${tail}`;
      expectRefused(await ctx.http.send('POST', SyncPaths.push, { token: till.token, body }), 413, SyncProblemCode.TOO_LARGE);
      await expectAlive(ctx);
      const results = await till.push([]);
      check(results.length === 0, 'an empty push after the refusal answered results');
    },
  },
  {
    id: 'limits.batch-too-large',
    title:
      'a batch of more than limits.maxBatchItems items is refused 413 or 400 with a problem and applies nothing; the server still answers',
    async run(ctx) {
      const { limits } = await ctx.meta();
      const till = await ctx.enrol();
      const registerId = till.tenant.registerId;
      const items = Array.from({ length: limits.maxBatchItems + 1 }, (_, i) => ({
        key: `${registerId}:${i + 1}:x`,
        partition: registerId,
        seq: i + 1,
        type: 'no_sale',
        payload: {},
        createdAt: 0,
        attempt: 1,
      }));
      expectRefused(await till.pushRequest({ items }), [413, 400], [SyncProblemCode.TOO_LARGE, BAD_REQUEST]);
      const events = await ctx.events(till.tenant);
      check(events.length === 0, () => `the refused batch left ${events.length} ingested events`);
      await expectAlive(ctx);
    },
  },
];
