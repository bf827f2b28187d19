import { describe, expect, it } from 'vitest';
import { withCleanup } from './cleanup';
import { TENANT, until } from './harness';
import { TillFixture } from './till-fixture';

const { cloud, till, folder } = withCleanup();

describe('telemetry', () => {
  it('sends heartbeats with queue metrics and device health, and uploads diagnostics (the client strips secrets first: see its redact tests)', async () => {
    const { url, admin } = await cloud();
    const t = await till(folder(), {
      baseUrl: url,
      deviceId: 'till-a',
      heartbeat: { intervalMs: 200, devices: () => ({ printer: 'ok', drawer: 'warning' }) },
    });
    await t.client.enrol(await admin.enrolmentCode());
    await t.client.recordEvent(new TillFixture(TENANT.registerId).openSession());
    await t.client.start();

    const telemetry = await until('a heartbeat', async () => {
      const seen = await admin.telemetry('till-a');
      return seen.heartbeat === null ? undefined : seen;
    });
    expect(telemetry.heartbeat).toMatchObject({
      deviceId: 'till-a',
      softwareVersion: '1.0.0-e2e',
      devices: { printer: 'ok', drawer: 'warning' },
      endpoint: 'primary',
    });
    expect(telemetry.heartbeat?.queue).toMatchObject({ deadLetters: 0 });

    const { id } = await t.client.uploadDiagnostics({
      logs: [{ at: Date.now(), level: 'warn', message: 'printer paper low', data: { authorization: 'Bearer abcdefghijklmnop' } }],
      health: { printer: 'warning' },
      config: { endpoint: url, adminPassword: 'hunter2-hunter2' },
    });
    const after = await admin.telemetry('till-a');
    expect(after.diagnostics.map((d) => d.id)).toContain(id);
  });
});
