import { describe, expect, it } from 'vitest';
import { REDACTED, redactSecrets, redactText } from '../src/redact';
import { buildDiagnosticBundle } from '../src/telemetry';

describe('redactSecrets', () => {
  it('replaces every value under a key naming a secret, at any depth and in any case', () => {
    const input = {
      accessToken: 'tok-1',
      nested: { clientSecret: 's3cr3t', list: [{ Password: 'pw', ok: 1 }, { AUTHORIZATION: 'Bearer x' }] },
      credentials: { clientId: 'c', clientSecret: 's' },
      refresh_token: null,
      apiTokenCount: 3,
      keep: 'visible',
    };
    expect(redactSecrets(input)).toEqual({
      accessToken: REDACTED,
      nested: { clientSecret: REDACTED, list: [{ Password: REDACTED, ok: 1 }, { AUTHORIZATION: REDACTED }] },
      credentials: REDACTED,
      refresh_token: REDACTED,
      apiTokenCount: REDACTED,
      keep: 'visible',
    });
    expect(input.nested.clientSecret).toBe('s3cr3t');
  });

  it('cuts known secrets and bearer tokens out of strings anywhere', () => {
    const secret = 'a-very-long-client-secret-value';
    const out = redactSecrets({ message: `login with ${secret} failed`, lines: [`Authorization was Bearer eyJ.abc.def`] }, [
      secret,
    ]);
    expect(JSON.stringify(out)).not.toContain(secret);
    expect(JSON.stringify(out)).not.toContain('eyJ.abc.def');
    expect(out).toEqual({ message: `login with ${REDACTED} failed`, lines: [`Authorization was Bearer ${REDACTED}`] });
  });

  it('survives cycles, errors, dates, functions and deep nesting', () => {
    const cyclic: Record<string, unknown> = { name: 'a' };
    cyclic.self = cyclic;
    const shared = { v: 1 };
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 100; i++) deep = deep.next = {};
    const out = redactSecrets({
      cyclic,
      twice: [shared, shared],
      error: new Error('boom'),
      at: new Date(0),
      fn: () => 1,
      root,
    }) as Record<string, unknown>;
    expect(out.cyclic).toEqual({ name: 'a', self: '[circular]' });
    expect(out.twice).toEqual([{ v: 1 }, { v: 1 }]);
    expect(out.error).toEqual({ name: 'Error', message: 'boom' });
    expect(out.at).toBe('1970-01-01T00:00:00.000Z');
    expect('fn' in out).toBe(false);
    expect(JSON.stringify(out.root)).toContain('[too deep]');
  });

  it('leaves short values alone so ordinary words survive', () => {
    expect(redactText('the till is ok', ['ok'])).toBe('the till is ok');
  });
});

describe('buildDiagnosticBundle', () => {
  it('sends no secret from logs, health or config', () => {
    const token = 'tok_0123456789abcdef0123';
    const clientSecret = 'cs_fedcba9876543210fedcba';
    const bundle = buildDiagnosticBundle(
      {
        logs: [
          { at: 1, level: 'info', message: `got token ${token}`, data: { headers: { authorization: `Bearer ${token}` }, n: 1 } },
          { at: 2, level: 'error', message: 'refresh failed', data: { body: { clientSecret } } },
        ],
        health: { printer: 'ok', sync: { lastToken: token } },
        config: {
          endpoint: 'https://sync.example.test',
          deviceCredentials: { clientId: 'c1', clientSecret },
          dbPassword: 'hunter2',
        },
      },
      { deviceId: 'till-1', softwareVersion: '1.2.3', createdAt: 10, secrets: [token, clientSecret] },
    );
    const text = JSON.stringify(bundle);
    expect(text).not.toContain(token);
    expect(text).not.toContain(clientSecret);
    expect(text).not.toContain('hunter2');
    expect(bundle.logs[0]).toEqual({
      at: 1,
      level: 'info',
      message: `got token ${REDACTED}`,
      data: { headers: { authorization: REDACTED }, n: 1 },
    });
    expect(bundle.config).toEqual({ endpoint: 'https://sync.example.test', deviceCredentials: REDACTED, dbPassword: REDACTED });
    expect(bundle.health).toEqual({ printer: 'ok', sync: { lastToken: REDACTED } });
  });

  it('keeps the newest 5 000 log records and cuts long messages', () => {
    const logs = Array.from({ length: 5003 }, (_, i) => ({
      at: i,
      level: 'debug' as const,
      message: 'x'.repeat(i === 5002 ? 3000 : 1),
    }));
    const bundle = buildDiagnosticBundle({ logs }, { deviceId: 'd', softwareVersion: '1', createdAt: 0 });
    expect(bundle.logs).toHaveLength(5000);
    expect(bundle.logs[0]!.at).toBe(3);
    expect(bundle.logs.at(-1)!.message).toHaveLength(2000);
  });
});
