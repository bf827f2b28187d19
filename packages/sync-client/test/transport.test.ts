import type { OutboxItem } from '@tillkit/offline-queue';
import { afterEach, describe, expect, it } from 'vitest';
import { createTokenManager } from '../src/auth';
import { createCompatibilityGuard } from '../src/compatibility';
import { createSyncTransport } from '../src/transport';
import { metaBody, startStub, type StubServer } from './stub-server';

const tenant = { merchantId: 'm1', storeId: 's1', registerId: 'reg-1' };
let stub: StubServer | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

function item(seq: number): OutboxItem {
  return {
    key: `k${seq}`,
    partition: 'reg-1',
    seq,
    type: 'sale',
    payload: { n: seq },
    bytes: 8,
    createdAt: 1,
    state: 'in-flight',
    attempts: 1,
    notBefore: 0,
    lease: undefined,
    ack: undefined,
    dead: undefined,
    lastError: undefined,
  };
}

async function setUp(push: (items: { key: string }[]) => { status: number; body: unknown }, maxBatchItems = 100) {
  stub = await startStub((req) => {
    if (req.path === '/v1/meta') return { status: 200, body: { ...metaBody(), limits: { ...metaBody().limits, maxBatchItems } } };
    if (req.path === '/v1/health') return { status: 200, body: { status: 'ok' } };
    if (req.path === '/v1/auth/token') {
      return {
        status: 200,
        body: { accessToken: 'token-0123456789abcdef', tokenType: 'Bearer', expiresIn: 900, tenant, deviceId: 'd1' },
      };
    }
    return push((req.body as { items: { key: string }[] }).items);
  });
  const guard = createCompatibilityGuard();
  const tokens = createTokenManager({
    credentials: () => Promise.resolve({ clientId: 'c1', clientSecret: 'secret-0123456789abcdef' }),
  });
  const transport = createSyncTransport({ tokens, guard });
  const endpoint = { id: 'primary', url: stub.url, priority: 0 };
  return { transport, guard, endpoint, signal: new AbortController().signal };
}

describe('sync transport', () => {
  it('checks the protocol first, then pushes with the bearer token and the protocol header', async () => {
    const { transport, endpoint, signal } = await setUp((items) => ({
      status: 200,
      body: { results: items.map((i) => ({ key: i.key, result: 'applied' })) },
    }));
    const result = await transport.send({ endpoint, items: [item(1), item(2)], signal });
    expect(result).toEqual({
      kind: 'results',
      results: [
        { key: 'k1', result: 'applied' },
        { key: 'k2', result: 'applied' },
      ],
    });
    expect(stub!.requests.map((r) => r.path)).toEqual(['/v1/meta', '/v1/auth/token', '/v1/sync/push']);
    const push = stub!.requests[2]!;
    expect(push.headers.authorization).toBe('Bearer token-0123456789abcdef');
    expect(push.headers['tillkit-protocol']).toBe('1');
    expect(await transport.probe!({ endpoint, signal })).toBe(true);
  });

  it('splits a batch larger than the server takes', async () => {
    const { transport, endpoint, signal } = await setUp(
      (items) => ({ status: 200, body: { results: items.map((i) => ({ key: i.key, result: 'applied' })) } }),
      2,
    );
    const result = await transport.send({ endpoint, items: [1, 2, 3, 4, 5].map(item), signal });
    expect(result.kind === 'results' && result.results.map((r) => r.key)).toEqual(['k1', 'k2', 'k3', 'k4', 'k5']);
    expect(
      stub!.requests.filter((r) => r.path === '/v1/sync/push').map((r) => (r.body as { items: unknown[] }).items.length),
    ).toEqual([2, 2, 1]);
  });

  it('turns UNSUPPORTED_VERSION into a retried failure (never a dead letter) and checks the version again', async () => {
    const { transport, guard, endpoint, signal } = await setUp(() => ({
      status: 400,
      body: { title: 'Bad Request', status: 400, code: 'UNSUPPORTED_VERSION', detail: 'major 2 only' },
    }));
    const result = await transport.send({ endpoint, items: [item(1)], signal });
    expect(result).toMatchObject({ kind: 'failed', outcome: { kind: 'network', code: 'PROTOCOL_INCOMPATIBLE' } });
    expect(guard.known(endpoint.url)).toBeUndefined();
  });
});
