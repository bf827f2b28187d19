/**
 * The terminal till in a scripted mode: the second half of `npm run demo`. It starts the till the
 * interactive entry starts (the same runtime and controller, on embedded defaults: the reference
 * server on loopback with an SQLite file in a temp folder, the printer emulator, the scale simulator)
 * and rings a shop day. Barcodes arrive as a simulated scanner's fast burst of keys through the scan
 * detector (the devices package's wedge decoder); typed commands arrive at a cashier's pace. Failures
 * come from the same `sim` commands a person can type. Every step is checked from the outside: the
 * server's admin API (events exactly once, its copy of the journal verified), the printer emulator's
 * paper (each receipt printed once) and the till's own journal (verifyChain). Exits 1 if any check failed.
 */
import { buildReport, verifyChain, type JournalEntry } from '@tillkit/core';
import type { SyncStatus } from '@tillkit/sync-client';
import { loadConfig } from './config';
import { TillController } from './controller';
import { startRuntime, type TillRuntime } from './runtime';
import { createScanDetector } from './scan-detector';
import { progressBar, renderStatusLine, type StatusSnapshot } from './status-line';

const out = (text: string): void => {
  process.stdout.write(`${text}\n`);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let failures = 0;
function step(title: string): void {
  out(`\n== ${title}`);
}
function check(label: string, ok: boolean): boolean {
  if (!ok) failures++;
  out(`   ${ok ? '✓' : '✗'} ${label}`);
  return ok;
}

interface ServerEvent {
  partition: string;
  seq: number;
  key: string;
  type: string;
}

async function main(): Promise<number> {
  const config = loadConfig(['--no-color']);
  // a print engine slow enough that taking the paper out lands in the middle of a receipt
  const runtime = await startRuntime(config, { printSpeedLinesPerSecond: 200 });
  try {
    return await day(runtime);
  } finally {
    await runtime.close();
  }
}

async function day(runtime: TillRuntime): Promise<number> {
  const printer = runtime.emulatedPrinter!;
  const cloud = runtime.cloud!;
  let latest: StatusSnapshot | undefined;
  // the endpoints the till used, in order
  const trail: string[] = [];
  const statusSub = runtime.status$.subscribe((s) => {
    latest = s;
    const endpoint = s.sync?.endpoint;
    if (endpoint !== undefined && trail.at(-1) !== endpoint) trail.push(endpoint);
  });
  const sync = (): SyncStatus | undefined => latest?.sync;
  const statusLine = (): string => (latest === undefined ? '' : renderStatusLine(latest, { color: false }));
  const controller = new TillController(runtime.services, runtime.memory);
  const registerId = runtime.services.tillId;

  // -- the keyboard: a scanner's burst or a cashier's typing, through the same scan detector as the TTY
  const detector = createScanDetector();
  let clock = 0;
  const keys = (text: string, gapMs: number): void => {
    for (const ch of text) detector.keypress(ch, { name: ch.toLowerCase() }, (clock += gapMs));
    detector.keypress('\r', { name: 'return' }, (clock += gapMs));
  };
  const execute = async (line: string): Promise<string[]> => {
    out(`   till> ${line}`);
    const [word, ...args] = line.split(/\s+/);
    let lines: string[];
    if (word === 'sim') {
      lines = await runtime.simulate(args);
      await sleep(300); // let the device report it
    } else {
      lines = (await controller.execute(line)).lines;
    }
    for (const l of lines) out(`     ${l}`);
    return lines;
  };
  /** the scanner: 13 digits in a few milliseconds, then Enter */
  const scan = (barcode: string): Promise<string[]> => {
    keys(barcode, 8);
    return execute(detector.isScan(barcode) ? `scan ${barcode}` : barcode);
  };
  /** the cashier: a key every 150 ms or so */
  const type = (line: string): Promise<string[]> => {
    keys(line, 150);
    return execute(detector.isScan(line) ? `scan ${line}` : line);
  };
  const saleDone = (lines: string[]): number | undefined => {
    const m = /(?:Sale|Refund) done: receipt #(\d+)/.exec(lines.join('\n'));
    return m === null ? undefined : Number(m[1]);
  };
  const serverEvents = async (): Promise<ServerEvent[]> => {
    const events: ServerEvent[] = [];
    let after: string | undefined;
    for (;;) {
      const query = `limit=500${after === undefined ? '' : `&after=${encodeURIComponent(after)}`}`;
      const page = (await cloud.admin('GET', `/merchants/${cloud.merchantId}/stores/${cloud.storeId}/events?${query}`)) as {
        events: ServerEvent[];
        next?: string | null;
      };
      events.push(...page.events);
      if (page.next === undefined || page.next === null || page.events.length === 0) return events;
      after = page.next;
    }
  };
  const printedReceipts = (): string[] => printer.receipts().filter((r) => r.trim() !== '');
  const timesPrinted = (receiptNumber: number): number =>
    printedReceipts().filter((r) => !/COPY/.test(r) && printedNumber(r) === receiptNumber).length;

  out("A scripted shop day on the terminal till (the interactive till's controller and runtime, driven by a script)");
  for (const d of runtime.describe) out(`  ${d}`);
  // wait for a settled start: the printer connected, the cloud answered
  for (let i = 0; i < 60 && (latest?.devices.get('printer')?.state !== 'online' || sync()?.connectivity !== 'online'); i++)
    await sleep(50);

  // -- opening ----------------------------------------------------------------------------------------
  step('Morning: the cashier opens the till with a counted float');
  check(
    'session open',
    (await type('open 200.00')).some((l) => l.startsWith('Session')),
  );

  step('Sales: scanned barcodes, a quantity typed, a weighed article from the scale');
  const sale1 = [
    ...(await scan('7610011000013')),
    ...(await type('2*7610012')),
    ...(await execute('sim weight 0.183')),
    ...(await scan('2100001000005')),
    ...(await type('card')),
  ];
  check(
    'the scanner burst was told from typing (a [scan] line)',
    sale1.some((l) => l.includes('[scan] 1. 1 x Cappuccino')),
  );
  check(
    'the weight came from the scale (0.183 kg of Bündnerfleisch)',
    sale1.some((l) => l.includes('0.183 kg x Bündnerfleisch')),
  );
  const r1 = saleDone(sale1);
  check(`sale done, receipt #${r1}, printed`, r1 !== undefined && sale1.some((l) => l.includes('(printer: printed)')));
  await type('preview off');
  const sale2 = [...(await scan('7610010000014')), ...(await type('cash 10'))];
  check(
    'a cash sale gives change',
    sale2.some((l) => l.includes('CHANGE')),
  );

  // -- paper out ----------------------------------------------------------------------------------------
  step('The printer runs out of paper in the middle of a receipt');
  await scan('7610013000011');
  const before = printedReceipts().length;
  const bytesBefore = printer.bytesReceived;
  out('   till> cash 10   (the paper runs out while the receipt prints)');
  const paying = controller.execute('cash 10');
  await printer.waitFor((e) => e.bytesReceived > bytesBefore && e.state().buffered > 0, 5000).catch(() => undefined);
  await execute('sim paper out');
  const held = (await paying).lines;
  for (const l of held) out(`     ${l}`);
  const r3 = saleDone(held);
  check(`the sale is done and durable all the same (receipt #${r3})`, r3 !== undefined);
  check(
    'the cashier is told the receipt is held, not lost',
    held.some((l) => /printer: held \(paper-out/.test(l)),
  );
  out(`   [${statusLine()}]`);
  check('the status line warns: paper out', /paper/i.test(statusLine()));
  await execute('sim paper ok');
  await printer.waitFor((e) => e.receipts().filter((r) => r.trim() !== '').length > before, 5000).catch(() => undefined);
  await sleep(300);
  check(
    `paper loaded: receipt #${r3} comes out exactly once (${printedReceipts().length - before} new receipt)`,
    r3 !== undefined && printedReceipts().length - before === 1 && timesPrinted(r3) === 1,
  );

  // -- network outage -------------------------------------------------------------------------------------
  step('The network goes down; the shop keeps selling');
  const eventsBeforeOutage = (await serverEvents()).length;
  await execute('sim net down');
  let offlineSales = 0;
  for (const [code, pay] of [
    ['7610014000010', 'cash'],
    ['7610012000012', 'card'],
    ['7610010000014', 'cash 5'],
    ['7610011000013', 'card'],
  ] as const) {
    await scan(code);
    if (saleDone(await type(pay)) !== undefined) offlineSales++;
  }
  for (let i = 0; i < 60 && (sync()?.connectivity !== 'offline' || (sync()?.pending ?? 0) < 4); i++) await sleep(50);
  out(`   [${statusLine()}]`);
  check(`${offlineSales} sales rung offline, each durable before the next customer`, offlineSales === 4);
  check(`they wait in the outbox (${sync()?.pending ?? '?'} pending)`, (sync()?.pending ?? 0) >= 4);
  const eventsDuringOutage = (await serverEvents()).length;
  check(
    `the cloud has none of them yet (${eventsDuringOutage - eventsBeforeOutage} new events)`,
    eventsDuringOutage === eventsBeforeOutage,
  );

  // -- primary dies, failover -------------------------------------------------------------------------------
  step('The network comes back, but the primary endpoint is dead: the till fails over');
  await execute('sim primary down');
  await execute('sim net up');
  await scan('7610012000012');
  await type('cash');
  let lastPercent = -1;
  let total = 0;
  const progress = setInterval(() => {
    const c = sync()?.catchingUp;
    if (c !== undefined && c.percent !== lastPercent) {
      lastPercent = c.percent;
      total = c.total;
      out(`     catching up ${progressBar(c.percent)} ${c.sent}/${c.total}`);
    }
  }, 20);
  const started = Date.now();
  const drained = await runtime.drain(15_000);
  // the status line reports it a moment later
  for (let i = 0; i < 40 && (sync()?.pending ?? 0) > 0; i++) await sleep(50);
  clearInterval(progress);
  if (lastPercent >= 0 && lastPercent < 100 && drained) out(`     caught up   ${progressBar(100)} ${total}/${total}`);
  check(`failed over: the till went ${trail.join(' -> ')}`, trail.indexOf('secondary') > trail.indexOf('primary'));
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  // the primary path is still cut: whatever reached the cloud came through the secondary
  const inCloud = (await serverEvents()).length;
  check(
    `the outbox drained through the secondary in ${seconds} s, the primary still dead (the cloud has ${inCloud} of ${controller.entries.length} entries)`,
    drained && inCloud === controller.entries.length,
  );

  step('Recovery: the primary comes back, everything is in the cloud exactly once');
  await execute('sim primary up');
  await runtime.drain(5000);
  const afterDrain = await serverEvents();
  const keysOnce = new Set(afterDrain.map((e) => e.key)).size === afterDrain.length;
  check(
    `the cloud holds ${afterDrain.length} events for ${controller.entries.length} journal entries, each exactly once`,
    keysOnce && afterDrain.length === controller.entries.length,
  );
  out(`   [${statusLine()}]`);

  // -- price change -------------------------------------------------------------------------------------------
  step('Head office changes a price in the cloud; the till pulls it');
  const priced = await execute('sim price 7610011 5.80');
  check(
    'the till pulled the changed price',
    priced.some((l) => /pulled 1 changed price/.test(l)),
  );
  const sale4 = [...(await scan('7610011000013')), ...(await type('card'))];
  check(
    'the next Cappuccino sells at the new price (5.80)',
    sale4.some((l) => /Cappuccino @ CHF.5\.80/.test(l)),
  );

  // -- return ----------------------------------------------------------------------------------------------------
  step('A customer brings the Cappuccino of receipt #1 back');
  const printedBeforeReturn = printedReceipts().length;
  const refund = await type('return 1 1:1');
  const rr = saleDone(refund);
  check(`refunded in cash on receipt #${rr}`, rr !== undefined && refund.some((l) => l.startsWith('Refund done')));
  check('the refund receipt printed once', printedReceipts().length === printedBeforeReturn + 1);

  // -- Z report ----------------------------------------------------------------------------------------------------
  step('Evening: count the drawer and close with the Z report');
  const session = controller.state.session!;
  const expected = buildReport(
    controller.entries.filter((e: JournalEntry) => e.sequence >= session.openingSequence),
    { kind: 'X', sessionId: session.id, at: new Date().toISOString() },
  ).expectedCash;
  await type('preview on');
  const z = await type(`close ${(expected / 100).toFixed(2)}`);
  check(
    'Z report #1 printed, the drawer even',
    z.some((l) => /^Z report #1: .* even \(printer: printed\)/.test(l)) && controller.state.session === null,
  );

  // -- journal verified on both sides -----------------------------------------------------------------------------
  step('The journal, verified on the till and on the server');
  check('the outbox drained', await runtime.drain(10_000));
  const local = verifyChain(controller.entries);
  check(`the till's ${controller.entries.length} entries chain from the genesis hash`, local.ok);
  const server = (await cloud.admin('GET', `/merchants/${cloud.merchantId}/registers/${registerId}/journal`)) as {
    entries: JournalEntry[];
    verification: { ok: boolean };
  };
  check(
    `the server's copy of the journal verifies (${server.entries.length} entries, ending at the till's hash ${controller.state.journal.hash.slice(0, 12)}…)`,
    server.verification.ok &&
      server.entries.length === controller.entries.length &&
      server.entries.at(-1)?.hash === controller.state.journal.hash,
  );
  const events = await serverEvents();
  const seqs = events.filter((e) => e.partition === registerId).map((e) => e.seq);
  check(
    `every event exactly once: ${events.length} events, sequences 1..${controller.entries.length} without a gap or a double`,
    new Set(events.map((e) => e.key)).size === events.length &&
      seqs.length === controller.entries.length &&
      seqs.every((s, i) => s === i + 1),
  );
  const receipts = controller.receipts.map((t) => t.receiptNumber);
  const once = receipts.filter((n) => timesPrinted(n) === 1);
  check(`every receipt printed exactly once (${once.length} of ${receipts.length})`, once.length === receipts.length);

  statusSub.unsubscribe();
  detector.dispose();
  out('');
  if (failures === 0) {
    out('Scripted shop day passed: every step checked out.');
    return 0;
  }
  out(`Scripted shop day FAILED: ${failures} check(s) did not hold.`);
  return 1;
}

/** The receipt number printed on a receipt (its "Receipt  N" line) */
function printedNumber(receipt: string): number | undefined {
  const m = /^Receipt\s+(\d+)\s*$/m.exec(receipt);
  return m === null ? undefined : Number(m[1]);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`scripted day: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
