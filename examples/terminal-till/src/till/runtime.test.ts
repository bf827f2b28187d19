import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyChain, type JournalEntry } from '@tillkit/core';
import { PRINTER_PROFILES } from '@tillkit/devices';
import { createScaleSimulator, startEscPosEmulator, type EscPosEmulator, type ScaleSimulator } from '@tillkit/devices/testing';
import { startSyncServer, type RunningSyncServer } from '@tillkit/sync-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config';
import { TillController } from './controller';
import { startRuntime } from './runtime';
import { seedShopCloud } from './shop-data';

// "Real" devices and a server, as a shop configures them: a printer at tcp://HOST:PORT (here the
// emulator on a loopback port), a scale behind a serial-to-TCP adapter (the simulator behind a TCP
// listener), and a sync server given with --server and a one-time --code; then a restart.
const dir = mkdtempSync(join(tmpdir(), 'till-runtime-'));
let printer: EscPosEmulator;
let scale: ScaleSimulator;
let scaleServer: Server;
let cloud: RunningSyncServer;
let code: string;
const adminToken = randomBytes(24).toString('base64url');

beforeAll(async () => {
  printer = await startEscPosEmulator({ profile: PRINTER_PROFILES['epson-tm-t20iii'], printSpeedLinesPerSecond: 2000 });
  scale = createScaleSimulator({ protocol: 'toledo-8217' });
  scaleServer = createServer((socket) => scale.attach(socket));
  await new Promise<void>((resolve) => scaleServer.listen(0, '127.0.0.1', resolve));
  cloud = await startSyncServer({ db: join(dir, 'cloud.db'), adminToken });
  code = await seedShopCloud(cloud.url, adminToken, { tillId: 'zh-2', currency: 'CHF' });
});

afterAll(async () => {
  await printer?.close();
  await scale?.close();
  await new Promise((resolve) => scaleServer?.close(resolve));
  await cloud?.close();
  rmSync(dir, { recursive: true, force: true });
});

const args = (): string[] => {
  const address = scaleServer.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return [
    '--printer',
    `tcp://127.0.0.1:${printer.port}`,
    '--printer-profile',
    'epson-tm-t20iii',
    '--scale',
    `tcp://127.0.0.1:${port}`,
    '--server',
    cloud.url,
    '--data',
    join(dir, 'till'),
  ];
};

describe('a till on configured devices and a sync server', () => {
  it('enrols with the code, sells a weighed article, and after a restart goes on where it was', async () => {
    const first = await startRuntime(loadConfig([...args(), '--code', code], {}));
    try {
      const till = new TillController(first.services, first.memory);
      expect(first.memory).toBeUndefined();
      expect((await till.execute('open 100')).lines[0]).toMatch(/Session .* open/);
      scale.setWeight(500);
      expect((await till.execute('2100001')).lines[0]).toMatch(/0\.500 kg x Bündnerfleisch/);
      expect((await till.execute('cash 50')).lines.at(-1)).toMatch(
        /Sale done: receipt #1, total CHF.29\.95, CHANGE CHF.20\.05 \(printer: printed\)/,
      );
      expect(printer.receipts()).toHaveLength(1);
      expect(printer.receipts()[0]).toContain('Bündnerfleisch');
      expect(printer.drawerKicks).toBe(1);
      expect(await first.drain(5000)).toBe(true);
    } finally {
      await first.close();
    }

    // the restarted till is enrolled already, and remembers its session and its receipts
    const second = await startRuntime(loadConfig(args(), {}));
    try {
      const till = new TillController(second.services, second.memory);
      expect(till.state.session).not.toBeNull();
      expect(till.receipts.map((r) => r.receiptNumber)).toEqual([1]);
      expect((await till.execute('reprint 1')).lines.at(-1)).toMatch(/Receipt #1 reprinted as a COPY \(printer: printed\)/);
      expect(printer.receipts()[1]).toContain('*** COPY ***');
      expect(printer.drawerKicks).toBe(1); // a copy never opens the drawer
      expect((await till.execute('close 129.95')).lines.at(-1)).toMatch(
        /Z report #1: expected CHF.129\.95, counted CHF.129\.95, even/,
      );
      expect(await second.drain(5000)).toBe(true);
      const response = await fetch(`${cloud.url}/admin/v1/merchants/cafe-lindenhof/registers/zh-2/journal`, {
        headers: { authorization: `Bearer ${adminToken}` },
      });
      const journal = (await response.json()) as { entries: JournalEntry[]; verification: { ok: boolean } };
      expect(journal.verification.ok).toBe(true);
      expect(journal.entries.map((e) => e.type)).toEqual(['session_opening', 'sale', 'reprint', 'session_closing']);
      expect(journal.entries.at(-1)!.hash).toBe(till.state.journal.hash);
      expect(verifyChain(till.entries).ok).toBe(true);
    } finally {
      await second.close();
    }
  });
});
