import { serverMetaSchema, syncProblemSchema, tokenResponseSchema, enrolResponseSchema } from '@tillkit/sync-client/protocol';
import { describe, expect, it } from 'vitest';
import { call, enrolmentCode, enrolTill, startServer } from './fixtures';

const T = { merchantId: 'm1', storeId: 's1', registerId: 'r1' };

describe('meta and health', () => {
  it('states the protocol, the server and its limits without a token', async () => {
    const server = await startServer({ limits: { maxBatchItems: 50 } });
    const meta = await call(server.url, 'GET', '/v1/meta', undefined, { headers: {} });
    expect(meta.status).toBe(200);
    expect(serverMetaSchema.parse(meta.body)).toMatchObject({
      protocol: { name: 'tillkit-sync', majors: [1], version: '1.0' },
      server: { name: '@tillkit/sync-server' },
      limits: { maxBatchItems: 50, maxBodyBytes: 5 * 1024 * 1024, maxPageSize: 1000 },
    });
    expect((await call(server.url, 'GET', '/v1/health')).body).toEqual({ status: 'ok' });
  });

  it('refuses another major protocol version with 400 UNSUPPORTED_VERSION', async () => {
    const server = await startServer();
    for (const version of ['2', '0.9', 'one']) {
      const answer = await call(server.url, 'GET', '/v1/meta', undefined, { headers: { 'tillkit-protocol': version } });
      expect(answer.status).toBe(400);
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(syncProblemSchema.parse(answer.body).code).toBe('UNSUPPORTED_VERSION');
    }
    expect((await call(server.url, 'GET', '/v1/meta', undefined, { headers: { 'tillkit-protocol': '1.3' } })).status).toBe(200);
  });

  it('answers CORS preflights, so browser tills on another origin can call it', async () => {
    const server = await startServer();
    const preflight = await fetch(`${server.url}/v1/sync/push`, {
      method: 'OPTIONS',
      headers: { origin: 'https://till.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/authorization.*tillkit-protocol/);
    const meta = await call(server.url, 'GET', '/v1/meta');
    expect(meta.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('answers unknown paths with a 404 NOT_FOUND problem', async () => {
    const server = await startServer();
    const answer = await call(server.url, 'GET', '/v1/nothing-here');
    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });
});

describe('enrolment', () => {
  it('trades a one-time code for credentials once; a second use is refused 409', async () => {
    const server = await startServer();
    const code = await enrolmentCode(server, { ...T, currency: 'CHF' });
    expect(code).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    const first = await call(server.url, 'POST', '/v1/devices/enrol', { code, deviceId: 'dev-1', softwareVersion: '1.2.3' });
    expect(first.status).toBe(201);
    const enrolled = enrolResponseSchema.parse(first.body);
    expect(enrolled).toMatchObject({ deviceId: 'dev-1', tenant: T, currency: 'CHF' });
    expect(enrolled.credentials.clientSecret.length).toBeGreaterThanOrEqual(32);

    const again = await call(server.url, 'POST', '/v1/devices/enrol', { code, deviceId: 'dev-2' });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('ENROLMENT_CODE_INVALID');
    expect(again.text).not.toContain(enrolled.credentials.clientSecret);
  });

  it('accepts a code typed in lower case with spaces, refuses an unknown or expired one with 400', async () => {
    let now = Date.parse('2026-03-02T09:00:00Z');
    const server = await startServer({ clock: { now: () => now } });
    const code = await enrolmentCode(server, T);
    const typed = code.toLowerCase().replace(/-/g, ' ');
    expect((await call(server.url, 'POST', '/v1/devices/enrol', { code: typed, deviceId: 'dev-1' })).status).toBe(201);

    const unknown = await call(server.url, 'POST', '/v1/devices/enrol', { code: 'AAAA-BBBB-CCCC', deviceId: 'dev-1' });
    expect(unknown).toMatchObject({ status: 400, body: { code: 'ENROLMENT_CODE_INVALID' } });

    const late = await call(server.url, 'POST', '/admin/v1/enrolments', { ...T, ttlSeconds: 60 }, { token: server.adminToken });
    expect(late.body.expiresAt).toBe(now + 60_000);
    now += 61_000;
    const expired = await call(server.url, 'POST', '/v1/devices/enrol', { code: late.body.code, deviceId: 'dev-1' });
    expect(expired).toMatchObject({
      status: 400,
      body: { code: 'ENROLMENT_CODE_INVALID', detail: expect.stringMatching(/expired/) },
    });
  });

  it('enrols a replacement till for the same register: new credentials, the old till is locked out', async () => {
    const server = await startServer();
    const old = await enrolTill(server, T, 'old-device');
    const replacement = await enrolTill(server, T, 'new-device');
    expect(replacement.clientId).not.toBe(old.clientId);

    const oldToken = await call(server.url, 'POST', '/v1/auth/token', { clientId: old.clientId, clientSecret: old.clientSecret });
    expect(oldToken).toMatchObject({ status: 401, body: { code: 'INVALID_CREDENTIALS' } });
    expect((await call(server.url, 'GET', '/v1/restore', undefined, { token: old.token })).status).toBe(401);
    expect((await call(server.url, 'GET', '/v1/restore', undefined, { token: replacement.token })).status).toBe(200);
  });

  it('refuses an enrolment code for a register that does not exist (404)', async () => {
    const server = await startServer();
    const answer = await call(server.url, 'POST', '/admin/v1/enrolments', T, { token: server.adminToken });
    expect(answer).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
  });
});

describe('tokens', () => {
  it('issues a bearer token for good credentials and refuses bad ones with 401 INVALID_CREDENTIALS', async () => {
    const server = await startServer({ tokenTtlSeconds: 600 });
    const till = await enrolTill(server, T);
    const ok = await call(server.url, 'POST', '/v1/auth/token', { clientId: till.clientId, clientSecret: till.clientSecret });
    expect(tokenResponseSchema.parse(ok.body)).toMatchObject({
      tokenType: 'Bearer',
      expiresIn: 600,
      tenant: T,
      deviceId: till.deviceId,
    });

    for (const body of [
      { clientId: till.clientId, clientSecret: `${till.clientSecret}x` },
      { clientId: 'tkc_unknown', clientSecret: till.clientSecret },
    ]) {
      const bad = await call(server.url, 'POST', '/v1/auth/token', body);
      expect(bad.status).toBe(401);
      expect(bad.body.code).toBe('INVALID_CREDENTIALS');
      expect(bad.text).not.toContain(till.clientSecret);
    }
  });

  it('refuses a token once it expired (401 UNAUTHENTICATED, WWW-Authenticate: Bearer), and a new one works', async () => {
    let now = Date.parse('2026-03-02T09:00:00Z');
    const server = await startServer({ clock: { now: () => now }, tokenTtlSeconds: 900 });
    const till = await enrolTill(server, T);
    expect((await call(server.url, 'GET', '/v1/restore', undefined, { token: till.token })).status).toBe(200);
    now += 899_000;
    expect((await call(server.url, 'GET', '/v1/restore', undefined, { token: till.token })).status).toBe(200);
    now += 1_000;
    const expired = await call(server.url, 'GET', '/v1/restore', undefined, { token: till.token });
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({ code: 'UNAUTHENTICATED', detail: expect.stringMatching(/expired/) });
    expect(expired.headers.get('www-authenticate')).toBe('Bearer');

    const fresh = await call(server.url, 'POST', '/v1/auth/token', { clientId: till.clientId, clientSecret: till.clientSecret });
    expect((await call(server.url, 'GET', '/v1/restore', undefined, { token: fresh.body.accessToken as string })).status).toBe(
      200,
    );
  });

  it('refuses requests without a token or with an unknown one', async () => {
    const server = await startServer();
    for (const token of [undefined, 'not-a-token-we-issued']) {
      const answer = await call(server.url, 'GET', '/v1/sync/pull/catalog', undefined, { token });
      expect(answer).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });
    }
  });
});

describe('the admin API', () => {
  it('needs the admin token: none, a wrong one and a till token are refused 401', async () => {
    const server = await startServer();
    const till = await enrolTill(server, T);
    for (const token of [undefined, 'wrong-admin-token-0123456789', till.token]) {
      const answer = await call(server.url, 'POST', '/admin/v1/registers', { ...T, currency: 'EUR' }, { token });
      expect(answer).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });
      const read = await call(server.url, 'GET', '/admin/v1/merchants/m1/registers/r1/journal', undefined, { token });
      expect(read.status).toBe(401);
    }
  });

  it('generates an admin token when none is given', async () => {
    const server = await startServer({ adminToken: undefined as unknown as string });
    expect(server.adminToken.length).toBeGreaterThanOrEqual(32);
    const answer = await call(server.url, 'POST', '/admin/v1/registers', { ...T, currency: 'EUR' }, { token: server.adminToken });
    expect(answer.status).toBe(201);
  });

  it('upserts registers idempotently and refuses to move one to another store (409)', async () => {
    const server = await startServer();
    const admin = { token: server.adminToken };
    const body = { ...T, currency: 'EUR' };
    expect((await call(server.url, 'POST', '/admin/v1/registers', body, admin)).body).toEqual(body);
    expect((await call(server.url, 'POST', '/admin/v1/registers', body, admin)).status).toBe(201);
    const moved = await call(server.url, 'POST', '/admin/v1/registers', { ...body, storeId: 's2' }, admin);
    expect(moved.status).toBe(409);
    const bad = await call(server.url, 'POST', '/admin/v1/registers', { ...body, currency: 'EURO' }, admin);
    expect(bad).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST', issues: [{ path: 'currency' }] } });
  });
});
