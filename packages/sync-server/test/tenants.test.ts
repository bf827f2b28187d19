import { describe, expect, it } from 'vitest';
import { call, enrolTill, push, startServer, TillSim, wireItem } from './fixtures';

const A = { merchantId: 'm1', storeId: 'store-a', registerId: 'a1' };
const A2 = { merchantId: 'm1', storeId: 'store-a', registerId: 'a2' };
const B = { merchantId: 'm1', storeId: 'store-b', registerId: 'b1' };
// another merchant that happens to use the same store and register ids
const X = { merchantId: 'm2', storeId: 'store-a', registerId: 'a1' };

describe('tenant isolation', () => {
  it("reads only the token's own store: store A's till never sees store B's or another merchant's records", async () => {
    const server = await startServer();
    const admin = { token: server.adminToken };
    const tillA = await enrolTill(server, A);
    await enrolTill(server, B);
    await enrolTill(server, X);
    const put = (merchant: string, store: string, name: string) =>
      call(
        server.url,
        'PUT',
        `/admin/v1/merchants/${merchant}/stores/${store}/datasets/catalog`,
        { records: [{ id: 'sku-1', name, taxId: 't' }] },
        admin,
      );
    await put('m1', 'store-a', 'A coffee');
    await put('m1', 'store-b', 'B coffee');
    await put('m2', 'store-a', 'X coffee');
    const page = await call(server.url, 'GET', '/v1/sync/pull/catalog', undefined, { token: tillA.token });
    expect((page.body.changes as { data: { name: string } }[]).map((c) => c.data.name)).toEqual(['A coffee']);
  });

  it("pushes only into the token's own register: another register's partition is rejected PARTITION_FORBIDDEN", async () => {
    const server = await startServer();
    const tillA = await enrolTill(server, A);
    const tillA2 = await enrolTill(server, A2);
    const tillB = await enrolTill(server, B);

    const simB = new TillSim('b1');
    const simA2 = new TillSim('a2');
    const intoB = await push(server, tillA.token, [wireItem(simB.openSession())]);
    const intoA2 = await push(server, tillA.token, [wireItem(simA2.openSession())]);
    expect(intoB[0]).toMatchObject({ result: 'rejected', code: 'PARTITION_FORBIDDEN' });
    expect(intoA2[0]).toMatchObject({ result: 'rejected', code: 'PARTITION_FORBIDDEN' });

    // the rightful tills are not affected by the attempts
    expect((await push(server, tillB.token, [wireItem(simB.steps[0]!)]))[0]!.result).toBe('applied');
    expect((await push(server, tillA2.token, [wireItem(simA2.steps[0]!)]))[0]!.result).toBe('applied');
  });

  it('keeps registers of different merchants with the same ids apart', async () => {
    const server = await startServer();
    const tillA = await enrolTill(server, A);
    const tillX = await enrolTill(server, X);
    const simA = new TillSim('a1');
    const simX = new TillSim('a1');
    const open = simA.openSession();
    simX.openSession();
    const sale = simX.coffee(5);
    // the same first entry under the same key: each merchant holds its own copy
    expect((await push(server, tillA.token, [wireItem(open)]))[0]!.result).toBe('applied');
    expect((await push(server, tillX.token, [wireItem(simX.steps[0]!), wireItem(sale)])).map((r) => r.result)).toEqual([
      'applied',
      'applied',
    ]);
    const restoreA = await call(server.url, 'GET', '/v1/restore', undefined, { token: tillA.token });
    expect(restoreA.body.partitions).toEqual([{ partition: 'a1', lastSeq: 1 }]);
    const eventsA = await call(server.url, 'GET', '/admin/v1/merchants/m1/stores/store-a/events', undefined, {
      token: server.adminToken,
    });
    expect(eventsA.body.events).toHaveLength(1);
  });

  it('refuses telemetry a token sends for another device (403 FORBIDDEN)', async () => {
    const server = await startServer();
    const tillA = await enrolTill(server, A);
    const tillB = await enrolTill(server, B);
    const answer = await call(
      server.url,
      'POST',
      '/v1/telemetry/diagnostics',
      { deviceId: tillB.deviceId, createdAt: 1, softwareVersion: '1', logs: [], health: {}, config: {} },
      { token: tillA.token },
    );
    expect(answer).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
  });
});
