import { join } from 'node:path';
import { restoreSnapshotSchema, type Heartbeat } from '@tillkit/sync-client/protocol';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { call, enrolTill, push, startServer, tempDir, TillSim, wireItem } from './fixtures';

const T = { merchantId: 'm1', storeId: 's1', registerId: 'r1' };

describe('restore', () => {
  it('gives a replacement till the last sequence, the newest till state and the journal tail', async () => {
    const server = await startServer();
    const old = await enrolTill(server, T, 'old-till');
    const sim = new TillSim('r1');
    const steps = [sim.openSession(), sim.coffee(), sim.coffee(2), sim.paidIn(300), sim.coffee(3)];
    await push(
      server,
      old.token,
      steps.map((s) => wireItem(s)),
    );

    const replacement = await enrolTill(server, T, 'new-till');
    const answer = await call(server.url, 'GET', '/v1/restore?tail=2', undefined, { token: replacement.token });
    expect(answer.status).toBe(200);
    const snapshot = restoreSnapshotSchema.parse(answer.body);
    expect(snapshot.tenant).toEqual(T);
    expect(snapshot.partitions).toEqual([{ partition: 'r1', lastSeq: 5 }]);
    expect(snapshot.till).toEqual(JSON.parse(JSON.stringify(sim.till)));
    expect(snapshot.journalTail.map((e) => e.sequence)).toEqual([4, 5]);

    // the replacement continues the journal from the restored state
    const next = new TillSim('r1');
    next.till = snapshot.till as unknown as typeof next.till;
    const sale = next.coffee(1);
    expect((await push(server, replacement.token, [wireItem(sale)]))[0]!.result).toBe('applied');
  });

  it('gives a register that never pushed sequence 0 and no till state', async () => {
    const server = await startServer();
    const till = await enrolTill(server, T);
    const answer = await call(server.url, 'GET', '/v1/restore', undefined, { token: till.token });
    expect(answer.body).toEqual({ tenant: T, partitions: [{ partition: 'r1', lastSeq: 0 }], till: null, journalTail: [] });
  });
});

describe('telemetry', () => {
  it('keeps the latest heartbeat with the clock skew, and diagnostic bundles without secrets', async () => {
    const now = Date.parse('2026-03-02T12:00:00Z');
    const db = join(tempDir(), 'telemetry.db');
    const server = await startServer({ db, clock: { now: () => now } });
    const till = await enrolTill(server, T);
    const heartbeat: Heartbeat = {
      deviceId: till.deviceId,
      at: now - 1500,
      softwareVersion: '1.4.0',
      devices: { printer: 'ok', drawer: 'warning' },
      queue: { depth: 3, inFlight: 1, deadLetters: 0, oldestAgeMs: 1200, bytes: 4096, lastSuccessAt: now - 60_000 },
      endpoint: 'primary',
    };
    const beat = await call(server.url, 'POST', '/v1/telemetry/heartbeat', heartbeat, { token: till.token });
    expect(beat.status).toBe(204);
    expect(beat.text).toBe('');
    await call(
      server.url,
      'POST',
      '/v1/telemetry/heartbeat',
      { ...heartbeat, queue: { ...heartbeat.queue, depth: 0 } },
      { token: till.token },
    );

    const bundle = {
      deviceId: till.deviceId,
      createdAt: now,
      softwareVersion: '1.4.0',
      logs: [{ at: now, level: 'warn', message: 'refresh failed with Bearer abc.def-123', data: { accessToken: 'abc.def-123' } }],
      health: { printer: 'ok' },
      config: { endpoint: 'https://cloud.invalid', clientSecret: 'do-not-keep' },
    };
    const sent = await call(server.url, 'POST', '/v1/telemetry/diagnostics', bundle, { token: till.token });
    expect(sent.status).toBe(201);
    expect(sent.body.id).toEqual(expect.any(String));

    const read = await call(server.url, 'GET', `/admin/v1/devices/${till.deviceId}/telemetry`, undefined, {
      token: server.adminToken,
    });
    expect(read.body.heartbeat).toMatchObject({ deviceId: till.deviceId, skewMs: 1500, receivedAt: now, queue: { depth: 0 } });
    expect(read.body.diagnostics).toEqual([{ id: sent.body.id, createdAt: now }]);

    // what the database holds (read from the file with a connection of its own)
    const file = new Database(db, { readonly: true });
    const stored = file.prepare('SELECT bundle FROM diagnostics WHERE id = ?').pluck().get(sent.body.id) as string;
    file.close();
    expect(JSON.parse(stored)).toMatchObject({ config: { endpoint: 'https://cloud.invalid', clientSecret: '[redacted]' } });
    expect(stored).not.toContain('do-not-keep');
    expect(stored).not.toContain('abc.def-123');
  });

  it('refuses a heartbeat that is not one (400) and answers 404 for a device that never enrolled', async () => {
    const server = await startServer();
    const till = await enrolTill(server, T);
    const bad = await call(server.url, 'POST', '/v1/telemetry/heartbeat', { deviceId: till.deviceId }, { token: till.token });
    expect(bad).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST' } });
    const none = await call(server.url, 'GET', '/admin/v1/devices/ghost/telemetry', undefined, { token: server.adminToken });
    expect(none).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
  });
});
