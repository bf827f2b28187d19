import { createServer, type AddressInfo, type Socket } from 'node:net';
import { buildTextDocument, TillkitError, type ReceiptDocument } from '@tillkit/core';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { guardAgainstEscapes } from '../test-support';
import { createDrawerMonitor } from '../drawer';
import type { DeviceHealth } from '../health';
import { PRINTER_PROFILES, type PrinterProfile } from '../profiles';
import { startEscPosEmulator, type EscPosEmulator, type EscPosEmulatorOptions } from '../testing/escpos-emulator';
import type { PrintJobState } from './job-queue';
import { markAsCopy } from './mark-as-copy';
import { createNetworkPrinter, type NetworkPrinterOptions } from './network-printer';
import type { DrawerSensor, ReceiptPrinter } from './receipt-printer';

// Every test drives a printer emulator over real TCP. Timeouts are short so the file runs fast.

const TM_T88VI: PrinterProfile = PRINTER_PROFILES['epson-tm-t88vi'];
/** generic-58mm: no ASB, no GS ( H */
const GENERIC_58: PrinterProfile = PRINTER_PROFILES['generic-58mm'];

const cleanup = guardAgainstEscapes();

async function emulator(options: EscPosEmulatorOptions = {}): Promise<EscPosEmulator> {
  const e = await startEscPosEmulator(options);
  cleanup.push(() => e.close());
  return e;
}

function printer(
  e: { host: string; port: number },
  options: Partial<NetworkPrinterOptions> = {},
): ReceiptPrinter & { healths: DeviceHealth[]; states: PrintJobState[] } {
  const p = createNetworkPrinter({
    id: options.id ?? 'till-printer',
    host: e.host,
    port: e.port,
    profile: TM_T88VI,
    timeouts: { connectMs: 500, replyMs: 500, confirmMs: 5000, failoverMs: 300, ...options.timeouts },
    reconnect: { baseMs: 20, maxMs: 200, ...options.reconnect },
    ...options,
  });
  const healths: DeviceHealth[] = [];
  const states: PrintJobState[] = [];
  p.health$.subscribe((h) => healths.push(h));
  p.jobs$.subscribe((s) => states.push(s));
  cleanup.push(() => p.close());
  return Object.assign(p, { healths, states });
}

const health = (p: ReceiptPrinter, predicate: (h: DeviceHealth) => boolean, ms = 3000) =>
  firstValueFrom(p.health$.pipe(filter(predicate), timeout(ms)));

const state = (p: ReceiptPrinter, s: DeviceHealth['state'], ms = 3000) => health(p, (h) => h.state === s, ms);

function doc(title: string, lines: number, copy = false): ReceiptDocument {
  return buildTextDocument(
    title,
    Array.from({ length: lines }, (_, i) => ({ label: `${title} line ${String(i + 1).padStart(3, '0')}`, bold: false })),
    { copy },
  );
}

const count = (haystack: string, needle: string) => haystack.split(needle).length - 1;

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('network printer', () => {
  it('prints a job and reports printed only after the printer confirmed it', async () => {
    const e = await emulator();
    const p = printer(e);
    const job = p.print(doc('Sale 1', 3));
    const final = await job.done;
    expect(final.status).toBe('printed');
    expect(p.states.filter((s) => s.jobId === job.id).map((s) => s.status)).toEqual(['queued', 'sent', 'printed']);
    expect(e.receipts().length).toBe(1);
    expect(e.receipts()[0]).toContain('Sale 1 line 003');
    // the confirmation was a GS ( H the printer answered after printing
    expect(e.commands.some((c) => c.name === 'GS ( H')).toBe(true);
    // the job began with ESC @ (which turns automatic status back off): the driver turned it on again
    expect(e.commands.some((c) => c.name === 'ESC @')).toBe(true);
    expect(e.state().asb).toBe(true);
    expect((await firstValueFrom(p.health$)).state).toBe('online');
  });

  it('prints 20 jobs whole and in order, never interleaved', async () => {
    const e = await emulator({ receiveBufferBytes: 1024 });
    const p = printer(e);
    const jobs = Array.from({ length: 20 }, (_, i) => p.print(doc(`Job ${String(i).padStart(2, '0')}`, 8)));
    const finals = await Promise.all(jobs.map((j) => j.done));
    expect(finals.every((f) => f.status === 'printed')).toBe(true);
    const receipts = e.receipts().filter((r) => r.trim() !== '');
    expect(receipts.length).toBe(20);
    receipts.forEach((r, i) => {
      const title = `Job ${String(i).padStart(2, '0')}`;
      const lines = r.split('\n').filter((l) => l.includes(' line '));
      expect(lines.map((l) => l.trim())).toEqual(
        Array.from({ length: 8 }, (_, k) => `${title} line ${String(k + 1).padStart(3, '0')}`),
      );
    });
    // one job at a time: a job is sent only after the previous one printed
    const order = p.states.filter((s) => s.status === 'sent' || s.status === 'printed').map((s) => `${s.status}:${s.jobId}`);
    for (let i = 0; i < jobs.length; i++) {
      expect(order[2 * i]).toBe(`sent:${jobs[i]!.id}`);
      expect(order[2 * i + 1]).toBe(`printed:${jobs[i]!.id}`);
    }
  });

  it('holds a job when paper runs out mid-job and prints it exactly once when paper is loaded', async () => {
    const e = await emulator({ printSpeedLinesPerSecond: 150 });
    const p = printer(e);
    await state(p, 'online');
    const job = p.print(doc('Long', 60));
    await e.waitFor((x) => x.text().includes('Long line 005'));
    e.setPaper('near-end');
    const low = await state(p, 'paper-low');
    expect(low.warnings.map((w) => w.code)).toContain('paper-near-end');
    e.setPaper('out');
    const started = performance.now();
    await state(p, 'paper-out');
    const detectedMs = (performance.now() - started).toFixed(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(job.state().status).toBe('sent');
    expect(e.text()).not.toContain('Long line 060');
    e.setPaper('ok');
    expect((await job.done).status).toBe('printed');
    expect(e.receipts().length).toBe(1);
    expect(count(e.text(), 'Long line 060')).toBe(1);
    expect(count(e.text(), 'Long line 001')).toBe(1);
    console.info(`[printer] paper-out detected ${detectedMs} ms after the emulator reported it (ASB)`);
  });

  it('keeps a big job held through paper out even though the full printer stops answering polls', async () => {
    // 400 lines do not fit the 4 KiB receive buffer: the paused printer stops reading its socket,
    // so keep-alive polls wait behind the job; that is no reason to drop the connection
    const e = await emulator({ printSpeedLinesPerSecond: 400 });
    const p = printer(e, { timeouts: { keepAliveMs: 50, replyMs: 100 } });
    await state(p, 'online');
    const job = p.print(doc('Big', 400));
    await e.waitFor((x) => x.text().includes('Big line 020'));
    e.setPaper('out');
    await state(p, 'paper-out');
    await new Promise((r) => setTimeout(r, 500));
    expect(job.state().status).toBe('sent');
    expect(e.connections).toBe(1);
    e.setPaper('ok');
    expect((await job.done).status).toBe('printed');
    expect(count(e.text(), 'Big line 400')).toBe(1);
    expect(e.connections).toBe(1);
  });

  it('drops and reconnects a link whose printer stops answering status requests', async () => {
    let connections = 0;
    const server = createServer((s) => {
      connections += 1;
      let answered = 0;
      s.on('error', () => undefined);
      // answers the three handshake DLE EOTs, then goes silent
      s.on('data', (d) => {
        for (let i = 0; i + 1 < d.length && answered < 3; i++) {
          if (d[i] === 0x10 && d[i + 1] === 0x04) {
            s.write(Uint8Array.of(0x12));
            answered += 1;
          }
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const p = printer(
      { host: '127.0.0.1', port: (server.address() as AddressInfo).port },
      { profile: GENERIC_58, pollMs: 50, timeouts: { replyMs: 150 } },
    );
    await state(p, 'online');
    await state(p, 'disconnected');
    await new Promise((r) => setTimeout(r, 100));
    expect(connections).toBeGreaterThanOrEqual(2);
    await p.close();
  });

  it('marks a job cut off by a lost connection unknown, does not resend it, and moves on', async () => {
    const e = await emulator({ printSpeedLinesPerSecond: 200 });
    const p = printer(e);
    await state(p, 'online');
    const cut = p.print(doc('Cut off', 60));
    const next = p.print(doc('After', 2));
    await firstValueFrom(cut.state$.pipe(filter((s) => s.status === 'sent')));
    await e.waitFor((x) => x.text().includes('Cut off line 002'));
    e.dropConnection();
    const final = await cut.done;
    expect(final.status).toBe('unknown');
    const warned = await health(p, (h) => h.warnings.some((w) => w.code === 'job-unknown'));
    expect(warned.warnings.find((w) => w.code === 'job-unknown')!.message).toContain(cut.id);
    expect((await next.done).status).toBe('printed');
    // the bytes the printer had received still printed, once; the driver did not send them again
    await e.waitFor((x) => x.text().includes('After line 002'));
    expect(count(e.text(), 'Cut off line 001')).toBe(1);
    expect(p.states.filter((s) => s.jobId === cut.id && s.status === 'sent').length).toBe(1);

    // an explicit reprint is a new job, marked as a copy, and clears the warning
    const copy = p.reprint(cut.id);
    expect(copy.copyOf).toBe(cut.id);
    expect(copy.id).not.toBe(cut.id);
    expect((await copy.done).status).toBe('printed');
    const last = e
      .receipts()
      .filter((r) => r.trim() !== '')
      .at(-1)!;
    expect(last).toContain('*** COPY ***');
    expect(last).toContain('Cut off line 060');
    expect((await firstValueFrom(p.health$)).warnings).toEqual([]);
  });

  it('refuses to reprint raw bytes or unknown jobs, with a clear error', async () => {
    const e = await emulator();
    const p = printer(e);
    const raw = p.print(new TextEncoder().encode('RAW JOB\n'));
    await raw.done;
    expect(() => p.reprint(raw.id)).toThrow(/raw bytes, which cannot be marked as a copy/);
    expect(() => p.reprint('nope')).toThrow(/has no job "nope"/);
    const error = (() => {
      try {
        p.reprint('nope');
      } catch (err) {
        return err;
      }
    })();
    expect(TillkitError.hasCode(error, 'VALIDATION_FAILED')).toBe(true);
  });

  it('returns the same job when print() is retried with the same jobId (no double receipt)', async () => {
    const e = await emulator();
    const p = printer(e);
    const a = p.print(doc('Once', 2), { jobId: 'sale-42' });
    const b = p.print(doc('Once', 2), { jobId: 'sale-42' });
    expect(b).toBe(a);
    await a.done;
    expect(e.receipts().filter((r) => r.includes('Once line 001')).length).toBe(1);
  });

  it('reconnects after a power cycle, re-enables automatic status back and prints the next job', async () => {
    const e = await emulator({ powerCycleMs: 150 });
    const p = printer(e);
    expect((await p.print(doc('Before', 1)).done).status).toBe('printed');
    const asbBefore = e.commands.filter((c) => c.name === 'GS a').length;
    await e.powerCycle();
    await state(p, 'disconnected');
    await state(p, 'online');
    expect(e.state().asb).toBe(true);
    expect(e.commands.filter((c) => c.name === 'GS a').length).toBeGreaterThan(asbBefore);
    expect((await p.print(doc('After power', 1)).done).status).toBe('printed');
    expect(e.text()).toContain('After power line 001');
    expect(p.healths.at(-1)!.detail?.reconnects).toBe(1);
  });

  it('shows cover open, keeps new jobs queued, and prints them when the cover closes', async () => {
    const e = await emulator();
    const p = printer(e);
    await state(p, 'online');
    e.setCoverOpen(true);
    await state(p, 'cover-open');
    const job = p.print(doc('Cover', 1));
    await new Promise((r) => setTimeout(r, 200));
    expect(job.state().status).toBe('queued');
    e.setCoverOpen(false);
    expect((await job.done).status).toBe('printed');
    expect(e.receipts().length).toBe(1);
  });

  it('reports cutter errors', async () => {
    const e = await emulator();
    const p = printer(e);
    await state(p, 'online');
    e.setCutterError(true);
    await state(p, 'cutter-error');
    e.setCutterError(false);
    await state(p, 'online');
  });

  it('survives a printer that is not listening: connect errors, backoff, health disconnected, no crash', async () => {
    const port = await closedPort();
    const p = printer({ host: '127.0.0.1', port });
    await state(p, 'disconnected');
    const job = p.print(doc('Nowhere', 1));
    await new Promise((r) => setTimeout(r, 400));
    expect(job.state().status).toBe('queued');
    await expect(p.detect({ timeoutMs: 100 })).rejects.toThrow(/is not connected \(waited 100 ms\)/);
    await p.close();
    const final = await job.done;
    expect(final.status).toBe('failed');
    expect(final.status === 'failed' && final.error.message).toMatch(/closed before this job was sent/);
    expect(p.healths.at(-1)!.state).toBe('disconnected');
  });

  it('times out a board that accepts the connection but never answers', async () => {
    const silent = createServer((s) => s.on('error', () => undefined));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise<void>((resolve) => silent.close(() => resolve())));
    const sockets: Socket[] = [];
    silent.on('connection', (s) => sockets.push(s));
    cleanup.push(() => Promise.resolve(sockets.forEach((s) => s.destroy())));
    const p = printer({ host: '127.0.0.1', port: (silent.address() as AddressInfo).port }, { timeouts: { connectMs: 150 } });
    await state(p, 'disconnected', 2000);
    await new Promise((r) => setTimeout(r, 500));
    expect(sockets.length).toBeGreaterThanOrEqual(2);
  });

  it('moves queued jobs to the backup printer when the primary is down, and never to both', async () => {
    const backupEmu = await emulator();
    const backup = printer(backupEmu, { id: 'backup' });
    const port = await closedPort();
    const primary = printer({ host: '127.0.0.1', port }, { backup, timeouts: { failoverMs: 200 } });
    await state(primary, 'disconnected');
    const job = primary.print(doc('Failover', 2));
    const drawer = primary.openDrawer();
    const final = await job.done;
    expect(final.status).toBe('printed');
    expect(final.printerId).toBe('backup');
    const failover = primary.states.find((s) => s.jobId === job.id && s.status === 'queued' && s.failoverFrom !== undefined);
    expect(failover).toMatchObject({ printerId: 'backup', failoverFrom: 'till-printer' });
    expect(backupEmu.receipts().length).toBe(1);
    // the drawer hangs on the primary: its kick stays there
    expect(drawer.state().status).toBe('queued');
    expect(backupEmu.drawerKicks).toBe(0);
  });

  it('fails over from an offline printer and does not print the job there when it comes back', async () => {
    const primaryEmu = await emulator();
    const backupEmu = await emulator();
    const backup = printer(backupEmu, { id: 'backup' });
    const primary = printer(primaryEmu, { backup, timeouts: { failoverMs: 150 } });
    await state(primary, 'online');
    primaryEmu.setOffline(true);
    await state(primary, 'offline');
    const jobs = [primary.print(doc('Moved A', 1)), primary.print(doc('Moved B', 1))];
    const finals = await Promise.all(jobs.map((j) => j.done));
    expect(finals.map((f) => [f.status, f.printerId])).toEqual([
      ['printed', 'backup'],
      ['printed', 'backup'],
    ]);
    primaryEmu.setOffline(false);
    await state(primary, 'online');
    // back online: new jobs print on the primary again; the moved ones never do
    expect((await primary.print(doc('Home', 1)).done).printerId).toBe('till-printer');
    expect(primaryEmu.text()).not.toContain('Moved');
    expect(count(backupEmu.text(), 'Moved A line 001')).toBe(1);
    expect(count(backupEmu.text(), 'Moved B line 001')).toBe(1);
  });

  it('kicks the drawer with ESC p and its timing bytes, and forwards the drawer sensor', async () => {
    const e = await emulator();
    const p = printer(e);
    const sensor: DrawerSensor[] = [];
    const started = Date.now();
    p.drawer$.subscribe((d) => sensor.push(d));
    await state(p, 'online');
    expect((await p.openDrawer().done).status).toBe('printed');
    await e.waitFor((x) => x.drawerKicks === 1);
    const kick = e.commands.find((c) => c.name === 'ESC p')!;
    expect([...kick.bytes]).toEqual([0x1b, 0x70, 0x00, 0x19, 0xfa]);
    await e.waitFor(() => sensor.some((s) => s.open));
    e.setDrawerOpen(false);
    await e.waitFor(() => sensor.at(-1)?.open === false);
    expect(sensor.map((s) => s.open)).toEqual([false, true, false]);
    // TM-T88VI drawers read low when open (profile.drawer.openWhenHigh = false)
    expect(sensor.map((s) => s.drawerHigh)).toEqual([true, false, true]);
    expect(sensor.every((s) => s.at >= started)).toBe(true);
  });

  it('feeds a drawer monitor straight from drawer$', async () => {
    const e = await emulator();
    const p = printer(e);
    const monitor = createDrawerMonitor({ id: 'drawer', polarity: p.profile.drawer, openTooLongMs: 60_000, status$: p.drawer$ });
    cleanup.push(() => Promise.resolve(monitor.dispose()));
    await state(p, 'online');
    await e.waitFor(() => monitor.isOpen() === false);
    await p.openDrawer().done;
    await e.waitFor(() => monitor.isOpen() === true);
  });

  it('reads maker, model and firmware', async () => {
    const e = await emulator();
    const p = printer(e);
    expect(await p.detect()).toEqual({ maker: 'EPSON', model: 'TM-T88VI', firmware: 'EMU-1.00' });
  });

  it('prints on a printer without ASB or GS ( H, polling status and confirming with GS r 1', async () => {
    const e = await emulator({ profile: GENERIC_58 });
    const p = printer(e, { profile: GENERIC_58, pollMs: 50 });
    expect((await p.print(doc('Generic', 3)).done).status).toBe('printed');
    expect(e.commands.some((c) => c.name === 'GS r')).toBe(true);
    expect(e.commands.some((c) => c.name === 'GS a')).toBe(false);
    expect(await p.detect()).toEqual({ maker: 'GENERIC', model: '58 mm ESC/POS', firmware: 'EMU-1.00' });
    const started = performance.now();
    e.setPaper('out');
    await state(p, 'paper-out');
    console.info(
      `[printer] paper-out detected ${(performance.now() - started).toFixed(1)} ms after the emulator reported it (DLE EOT polling, 50 ms)`,
    );
    e.setPaper('ok');
    await state(p, 'online');
  });

  it('keeps an idle connection alive and reconnects transparently when the printer drops it', async () => {
    const e = await emulator();
    const p = printer(e, { timeouts: { keepAliveMs: 100 } });
    await state(p, 'online');
    await new Promise((r) => setTimeout(r, 350));
    expect(e.commands.filter((c) => c.name === 'DLE EOT').length).toBeGreaterThan(3);
    e.dropConnection();
    await e.waitFor((x) => x.connections === 2);
    expect((await p.print(doc('Still here', 1)).done).status).toBe('printed');
  });

  it('fails queued jobs with a clear DeviceError on close', async () => {
    const e = await emulator();
    const p = printer(e);
    e.setOffline(true);
    await state(p, 'offline');
    const job = p.print(doc('Never', 1));
    await p.close();
    const final = await job.done;
    expect(final.status === 'failed' && TillkitError.hasCode(final.error, 'DEVICE_ERROR')).toBe(true);
    const after = await p.print(doc('Late', 1)).done;
    expect(after.status).toBe('failed');
  });

  it('rejects a document that is not one, before queueing it', async () => {
    const e = await emulator();
    const p = printer(e);
    expect(() => p.print({ blocks: [] } as unknown as ReceiptDocument)).toThrow(/Invalid receipt document/);
    expect(() => p.print(doc('x', 1), { jobId: '' })).toThrow(/Invalid print options/);
    expect(p.states).toEqual([]);
  });

  it('rejects bad options and documents with ValidationError', () => {
    expect(() => createNetworkPrinter({ id: '', host: 'x', profile: TM_T88VI })).toThrow(/Invalid network printer options/);
    expect(() => createNetworkPrinter({ id: 'p', host: 'x', port: 70_000, profile: TM_T88VI })).toThrow(/port/);
  });
});

describe('markAsCopy', () => {
  it('sets copy, drops drawer kicks and adds the COPY banners', () => {
    const d: ReceiptDocument = { ...doc('X', 1), blocks: [{ type: 'drawer-kick' }, ...doc('X', 1).blocks] };
    const copy = markAsCopy(d);
    expect(copy.copy).toBe(true);
    expect(copy.blocks.some((b) => b.type === 'drawer-kick')).toBe(false);
    expect(copy.blocks.filter((b) => b.type === 'text' && b.text === '*** COPY ***').length).toBe(2);
    expect(copy.blocks.at(-1)!.type).toBe('cut');
  });
});
