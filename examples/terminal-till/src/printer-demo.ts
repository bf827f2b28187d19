/**
 * The printer part of the demo: the emulator on a real TCP port stands in for a receipt printer at
 * tcp://HOST:9100. Prints the sale's receipt (with a line in Chinese, GB18030), kicks the drawer,
 * then runs out of paper in the middle of the next receipt: the job is held, the till is warned,
 * paper goes in, and the job completes exactly once.
 */
import type { ReceiptDocument } from '@tillkit/core';
import { createDeviceManager, createNetworkPrinter, PRINTER_PROFILES, type DeviceHealth } from '@tillkit/devices';
import { startEscPosEmulator } from '@tillkit/devices/testing';

export interface PrinterDemoHooks {
  step(title: string): void;
  check(what: string, ok: boolean): void;
  showPaper(text: string): void;
}

const describeHealth = (h: DeviceHealth): string =>
  `${h.deviceId}: ${h.state}${h.warnings.length > 0 ? ` (${h.warnings.map((w) => w.code).join(', ')})` : ''}`;

export async function printerDemo(receipt: ReceiptDocument, second: ReceiptDocument, hooks: PrinterDemoHooks): Promise<void> {
  const profile = PRINTER_PROFILES['epson-tm-t88vi-chinese'];
  // A slow print engine, so taking the paper out lands in the middle of a receipt.
  const emulator = await startEscPosEmulator({ profile, printSpeedLinesPerSecond: 60 });
  const printer = createNetworkPrinter({ id: 'front-printer', host: emulator.host, port: emulator.port, profile });
  const manager = createDeviceManager();
  manager.register(printer);
  const seen: string[] = [];
  const sub = manager.events$.subscribe((e) => {
    if (e.type === 'changed') seen.push(describeHealth(e.health));
  });
  try {
    hooks.step(`Print the receipt on a ${profile.vendor} ${profile.model} (emulated on tcp://${emulator.host}:${emulator.port})`);
    const job = printer.print(receipt);
    const final = await job.done;
    hooks.check(`job ${job.id}: ${final.status} (the printer confirmed it with GS ( H)`, final.status === 'printed');
    hooks.check(`the drawer opened once (ESC p with its timing bytes)`, emulator.drawerKicks === 1);
    const paper = emulator.receipts()[0] ?? '';
    hooks.check('the Chinese line came out in GB18030 Kanji mode', paper.includes('纪念杯'));
    hooks.showPaper(paper);

    hooks.step('Paper runs out in the middle of the next receipt');
    const before = emulator.receipts().length;
    const held = printer.print(second);
    await emulator.waitFor((e) => e.bytesReceived > 0 && e.state().buffered > 0, 5000).catch(() => undefined);
    emulator.setPaper('out');
    await waitForState(manager, 'front-printer', 'paper-out', 5000);
    hooks.check(
      `the till is warned: ${seen.at(-1) ?? '?'}`,
      seen.some((s) => s.includes('paper-out')),
    );
    await new Promise((r) => setTimeout(r, 300));
    hooks.check(
      `the job is held, not lost (${held.state().status})`,
      held.state().status === 'sent' || held.state().status === 'queued',
    );
    emulator.setPaper('ok');
    const done = await held.done;
    hooks.check(`paper loaded: the job completes (${done.status})`, done.status === 'printed');
    hooks.check(
      `and prints exactly once (${emulator.receipts().length - before} receipt)`,
      emulator.receipts().length - before === 1,
    );
  } finally {
    sub.unsubscribe();
    await printer.close();
    await emulator.close();
  }
}

function waitForState(
  manager: ReturnType<typeof createDeviceManager>,
  id: string,
  state: string,
  timeoutMs: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.unsubscribe();
      reject(new Error(`${id} did not reach ${state} within ${timeoutMs} ms`));
    }, timeoutMs);
    const sub = manager.health$.subscribe((snapshot) => {
      if (snapshot.get(id)?.state === state) {
        clearTimeout(timer);
        queueMicrotask(() => sub.unsubscribe());
        resolve();
      }
    });
  });
}
