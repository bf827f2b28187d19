import { connect, type Socket } from 'node:net';
import { buildTextDocument, type ReceiptDocument } from '@tillkit/core';
import { filter, firstValueFrom } from 'rxjs';
import { afterAll, bench, describe } from 'vitest';
import type { DeviceState } from '../src/health';
import { createNetworkPrinter } from '../src/printer/network-printer';
import type { ReceiptPrinter } from '../src/printer/receipt-printer';
import { PRINTER_PROFILES, type PrinterProfile } from '../src/profiles';
import { startEscPosEmulator, type EscPosEmulator } from '../src/testing/escpos-emulator';

// The network printer driver against the ESC/POS emulator over real TCP on localhost:
//  - print round trip: print() until the job is 'printed' (the printer confirmed it), for a
//    10-line receipt, with GS ( H (TM-T88VI) and with a trailing GS r 1 (a generic printer);
//  - status detection: from the emulator changing its paper sensor until health$ shows it, with
//    automatic status back (ASB) and with DLE EOT polling every 50 ms.
// The baseline is one DLE EOT request/answer on a bare socket to an emulator: the floor any
// round trip to it pays. The emulator prints fast (100,000 lines/s), so the figures are
// the driver's and the emulator's overhead, not a print head's. Run:
//   cd packages/devices && npx vitest bench --run bench/printer.bench.ts

const OPTIONS = { iterations: 200, time: 0, warmupIterations: 10, warmupTime: 0 };
const FAST = { printSpeedLinesPerSecond: 100_000 };
const GENERIC: PrinterProfile = PRINTER_PROFILES['generic-58mm'];

const samples = new Map<string, number[]>();
function record(name: string, ms: number): void {
  const list = samples.get(name) ?? [];
  list.push(ms);
  samples.set(name, list);
}

async function setup(profile: PrinterProfile, pollMs?: number): Promise<{ emulator: EscPosEmulator; printer: ReceiptPrinter }> {
  const emulator = await startEscPosEmulator({ ...FAST, profile });
  const printer = createNetworkPrinter({
    id: `bench-${profile.id}`,
    host: emulator.host,
    port: emulator.port,
    profile,
    ...(pollMs === undefined ? {} : { pollMs }),
  });
  await firstValueFrom(printer.health$.pipe(filter((h) => h.state === 'online')));
  return { emulator, printer };
}

const asb = await setup(PRINTER_PROFILES['epson-tm-t88vi']);
const polled = await setup(GENERIC, 50);

// a bare socket to an emulator of its own (emulators, like real boards, serve one connection)
const baseEmulator = await startEscPosEmulator(FAST);
const bare: Socket = connect(baseEmulator.port, baseEmulator.host);
bare.setNoDelay(true);
await new Promise<void>((resolve) => bare.once('connect', () => resolve()));

function dleEotRoundTrip(): Promise<void> {
  return new Promise((resolve) => {
    bare.once('data', () => resolve());
    bare.write(Uint8Array.of(0x10, 0x04, 0x01));
  });
}

const receipt: ReceiptDocument = buildTextDocument(
  'Bench receipt',
  Array.from({ length: 10 }, (_, i) => ({ label: `Item ${i + 1}`, value: `${i + 1}.00` })),
);

async function printOnce(name: string, printer: ReceiptPrinter): Promise<void> {
  const started = performance.now();
  const final = await printer.print(receipt).done;
  if (final.status !== 'printed') throw new Error(`bench job ended ${final.status}`);
  record(name, performance.now() - started);
}

let paperOut = false;
/**
 * Flips the paper sensor and times until health$ shows it. `phaseMs`: wait a random 0..phaseMs
 * first, so changes land anywhere in the polling cycle (as real ones do), not right after a poll.
 */
async function toggleStatus(
  name: string,
  setup: { emulator: EscPosEmulator; printer: ReceiptPrinter },
  phaseMs = 0,
): Promise<void> {
  if (phaseMs > 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * phaseMs));
  paperOut = !paperOut;
  const target: DeviceState = paperOut ? 'paper-out' : 'online';
  const seen = firstValueFrom(setup.printer.health$.pipe(filter((h) => h.state === target)));
  const started = performance.now();
  setup.emulator.setPaper(paperOut ? 'out' : 'ok');
  await seen;
  record(name, performance.now() - started);
}

describe('print round trip (queued -> printed)', () => {
  bench(
    'baseline: DLE EOT request/answer, bare socket',
    async () => {
      const started = performance.now();
      await dleEotRoundTrip();
      record('baseline: DLE EOT round trip', performance.now() - started);
    },
    OPTIONS,
  );
  bench('10-line receipt, GS ( H confirmation (TM-T88VI)', () => printOnce('print, GS ( H', asb.printer), OPTIONS);
  bench('10-line receipt, GS r 1 confirmation (generic 58 mm)', () => printOnce('print, GS r 1', polled.printer), OPTIONS);
});

describe('status change detection (emulator paper sensor -> health$)', () => {
  bench('automatic status back (GS a)', () => toggleStatus('status, ASB', asb), { ...OPTIONS, iterations: 100 });
  bench('DLE EOT polling every 50 ms', () => toggleStatus('status, polling 50 ms', polled, 50), { ...OPTIONS, iterations: 40 });
});

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}

afterAll(async () => {
  const base = quantile(
    [...(samples.get('baseline: DLE EOT round trip') ?? [])].sort((a, b) => a - b),
    0.5,
  );
  const rows = [...samples].map(([name, list]) => {
    const sorted = [...list].sort((a, b) => a - b);
    const p50 = quantile(sorted, 0.5);
    return {
      case: name,
      n: sorted.length,
      'p50 ms': p50.toFixed(2),
      'p95 ms': quantile(sorted, 0.95).toFixed(2),
      'p50 / baseline': (p50 / base).toFixed(1),
    };
  });
  console.log('\nprinter driver latency (all samples, warm-up included)');
  console.table(rows);
  bare.destroy();
  await asb.printer.close();
  await polled.printer.close();
  await asb.emulator.close();
  await polled.emulator.close();
  await baseEmulator.close();
});
