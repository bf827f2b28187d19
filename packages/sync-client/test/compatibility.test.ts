import { TillkitError } from '@tillkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { checkCompatibility, createCompatibilityGuard } from '../src/compatibility';
import { SyncErrorCode } from '../src/errors';
import { metaBody, startStub, type StubServer } from './stub-server';

let stub: StubServer | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

describe('checkCompatibility', () => {
  it('accepts a server that speaks major 1 among others', () => {
    expect(checkCompatibility(metaBody([1, 2], '2.3'), 'http://x').limits.maxPageSize).toBe(1000);
  });

  it('refuses a server without major 1, naming both versions', () => {
    let error: unknown;
    try {
      checkCompatibility(metaBody([2], '2.0'), 'http://user:pw@sync.example.test');
    } catch (e) {
      error = e;
    }
    expect(TillkitError.hasCode(error, SyncErrorCode.PROTOCOL_INCOMPATIBLE)).toBe(true);
    const message = (error as Error).message;
    expect(message).toContain('protocol 2.0 (major 2)');
    expect(message).toContain('tillkit-sync 1.0 (major 1)');
    expect(message).not.toContain('pw@');
  });

  it('refuses what is not a tillkit sync server', () => {
    expect(() => checkCompatibility({ hello: 'world' }, 'http://x')).toThrow(/is this the url of a tillkit sync server/);
    expect(() =>
      checkCompatibility({ ...metaBody(), protocol: { name: 'other', majors: [1], version: '1.0' } }, 'http://x'),
    ).toThrow(expect.objectContaining({ code: SyncErrorCode.PROTOCOL_INCOMPATIBLE }) as Error);
  });
});

describe('compatibility guard', () => {
  it('asks GET /v1/meta once per server, with the protocol header, and again after forget', async () => {
    stub = await startStub(() => ({ status: 200, body: metaBody() }));
    const guard = createCompatibilityGuard();
    await Promise.all([guard.ensure(stub.url), guard.ensure(`${stub.url}/`), guard.ensure(stub.url)]);
    expect(stub.requests).toHaveLength(1);
    expect(stub.requests[0]).toMatchObject({ method: 'GET', path: '/v1/meta' });
    expect(stub.requests[0]!.headers['tillkit-protocol']).toBe('1');
    expect(guard.known(stub.url)?.protocol.majors).toEqual([1]);
    guard.forget(stub.url);
    await guard.ensure(stub.url);
    expect(stub.requests).toHaveLength(2);
  });

  it('does not remember an incompatible answer (the server may be upgraded)', async () => {
    let majors = [2];
    stub = await startStub(() => ({ status: 200, body: metaBody(majors, `${majors[0]}.0`) }));
    const guard = createCompatibilityGuard();
    await expect(guard.ensure(stub.url)).rejects.toMatchObject({ code: SyncErrorCode.PROTOCOL_INCOMPATIBLE });
    majors = [1];
    await expect(guard.ensure(stub.url)).resolves.toMatchObject({ protocol: { majors: [1] } });
  });
});
