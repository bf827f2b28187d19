import { TillkitError } from '@tillkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createTokenManager, enrolDevice, type AuthState } from '../src/auth';
import { SyncErrorCode } from '../src/errors';
import { startStub, type StubServer } from './stub-server';

const SECRET = 'client-secret-0123456789abcdef';
const tenant = { merchantId: 'm1', storeId: 's1', registerId: 'r1' };
let stub: StubServer | undefined;

afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

function clock(start = 1_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

/** A token endpoint handing out tok-1, tok-2, ... valid `ttl` seconds, after an optional delay. */
async function tokenServer(options: { ttl?: number; delayMs?: number; refuse?: boolean } = {}) {
  let n = 0;
  stub = await startStub(async (req) => {
    if (req.path !== '/v1/auth/token') return { status: 404, body: { title: 'Not Found', status: 404, code: 'NOT_FOUND' } };
    if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
    const body = req.body as { clientId: string; clientSecret: string };
    if (options.refuse || body.clientSecret !== SECRET) {
      return {
        status: 401,
        body: { title: 'Unauthorized', status: 401, code: 'INVALID_CREDENTIALS', detail: `bad secret ${body.clientSecret}` },
      };
    }
    n++;
    return {
      status: 200,
      body: {
        accessToken: `tok-${n}-padding-padding-padding`,
        tokenType: 'Bearer',
        expiresIn: options.ttl ?? 900,
        tenant,
        deviceId: 'd1',
      },
    };
  });
  return stub;
}

const credentials = () => Promise.resolve({ clientId: 'c1', clientSecret: SECRET });

describe('token manager', () => {
  it('caches a token until shortly before it expires, then asks for a new one', async () => {
    const server = await tokenServer({ ttl: 900 });
    const c = clock();
    const tokens = createTokenManager({ credentials, clock: c });
    const first = await tokens.token(server.url);
    expect(await tokens.token(server.url)).toBe(first);
    c.t += 839_000; // 61 s before expiry: still good (margin 60 s)
    expect(await tokens.token(server.url)).toBe(first);
    c.t += 2_000; // 59 s before expiry: renewed
    const second = await tokens.token(server.url);
    expect(second).not.toBe(first);
    expect(server.requests.filter((r) => r.path === '/v1/auth/token')).toHaveLength(2);
    expect(tokens.state()).toBe('ok');
  });

  it('sends the protocol header and the credentials, and shares one request between concurrent refreshes', async () => {
    const server = await tokenServer({ delayMs: 50 });
    const c = clock();
    const tokens = createTokenManager({ credentials, clock: c });
    const first = await tokens.token(server.url);
    c.t += 5_000;
    const states: AuthState[] = [];
    tokens.state$.subscribe((s) => states.push(s));
    const refreshed = await Promise.all([
      tokens.refresh(server.url),
      tokens.refresh(server.url),
      tokens.refresh(`${server.url}/`),
    ]);
    expect(new Set(refreshed).size).toBe(1);
    expect(refreshed[0]).not.toBe(first);
    // a refresh for the token already replaced hands out the new one without asking
    expect(await tokens.refresh(server.url, first)).toBe(refreshed[0]);
    expect(server.requests).toHaveLength(2);
    expect(server.requests[0]!.headers['tillkit-protocol']).toBe('1');
    expect(server.requests[0]!.body).toEqual({ clientId: 'c1', clientSecret: SECRET });
    expect(states).toEqual(['ok', 'refreshing', 'ok']);
  });

  it('says failing when the credentials are refused, without the secret in the error or state', async () => {
    const server = await tokenServer({ refuse: true });
    const tokens = createTokenManager({ credentials });
    const error = await tokens.token(server.url).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(TillkitError.hasCode(error, 'INVALID_CREDENTIALS')).toBe(true);
    expect((error as Error).message).toMatch(/Enrol the till again/);
    expect(JSON.stringify({ m: (error as Error).message, c: String((error as Error).cause) })).not.toContain(SECRET);
    expect(tokens.state()).toBe('failing');
    expect(tokens.lastError()).not.toContain(SECRET);
    expect(tokens.lastError()).toContain('[redacted]');
  });

  it('keeps its state on a network failure and says not-enrolled without credentials', async () => {
    const server = await tokenServer();
    const url = server.url;
    await server.close();
    stub = undefined;
    const tokens = createTokenManager({ credentials, timeoutMs: 2000 });
    await expect(tokens.token(url)).rejects.toMatchObject({ code: SyncErrorCode.NETWORK_ERROR, isRetryable: true });
    expect(tokens.state()).toBe('enrolled');

    const none = createTokenManager({ credentials: () => Promise.resolve(undefined) });
    await expect(none.token(url)).rejects.toMatchObject({ code: SyncErrorCode.NOT_ENROLLED });
    expect(none.state()).toBe('not-enrolled');
  });

  it('never puts a token into an error of a request made with it', async () => {
    stub = await startStub((req) =>
      req.path === '/v1/auth/token'
        ? {
            status: 200,
            body: { accessToken: 'tok-visible-0123456789', tokenType: 'Bearer', expiresIn: 900, tenant, deviceId: 'd1' },
          }
        : { status: 500, body: { title: 'Oops', status: 500, detail: `echo ${String(req.headers.authorization)}` } },
    );
    const { authorizedRequest } = await import('../src/auth');
    const tokens = createTokenManager({ credentials });
    const error = await authorizedRequest(tokens, { baseUrl: stub.url, path: '/v1/restore' }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toContain('Oops');
    expect(error?.message).not.toContain('tok-visible-0123456789');
  });
});

describe('enrolDevice', () => {
  it('validates its input and the answer, keeping the code out of errors', async () => {
    await expect(enrolDevice({ baseUrl: 'not a url', code: 'ABCD-1234', deviceId: 'd1' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    stub = await startStub((req) =>
      (req.body as { code: string }).code === 'GOOD-CODE-1'
        ? {
            status: 201,
            body: { deviceId: 'd1', tenant, currency: 'EUR', credentials: { clientId: 'c1', clientSecret: SECRET } },
          }
        : {
            status: 409,
            body: {
              title: 'Conflict',
              status: 409,
              code: 'ENROLMENT_CODE_INVALID',
              detail: `code ${(req.body as { code: string }).code} was used`,
            },
          },
    );
    const answer = await enrolDevice({ baseUrl: stub.url, code: 'GOOD-CODE-1', deviceId: 'd1', softwareVersion: '1.0.0' });
    expect(answer.tenant).toEqual(tenant);
    expect(stub.requests[0]!.body).toEqual({ code: 'GOOD-CODE-1', deviceId: 'd1', softwareVersion: '1.0.0' });
    const refused = await enrolDevice({ baseUrl: stub.url, code: 'USED-CODE-9', deviceId: 'd1' }).then(
      () => undefined,
      (e: unknown) => e as TillkitError,
    );
    expect(refused?.code).toBe('ENROLMENT_CODE_INVALID');
    expect(refused?.message).not.toContain('USED-CODE-9');
  });
});
