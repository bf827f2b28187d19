import { verifyChain } from '@tillkit/core';
import { firstValueFrom, filter, timeout } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config';
import { TillController } from './controller';
import { startRuntime, type TillRuntime } from './runtime';
import { renderStatusLine, type StatusSnapshot } from './status-line';

// The controller against the real parts: the ESC/POS emulator on a loopback port, the scale
// simulator, the embedded reference server with its SQLite file, the sync client's SQLite outbox.
let runtime: TillRuntime;
let till: TillController;
let latest: StatusSnapshot | undefined;

// formatMoney puts a no-break space between currency and amount; compare with plain spaces
const run = async (command: string): Promise<string> =>
  (await till.execute(command)).lines.join('\n').replace(/[\u00a0\u202f]/g, ' ');
const statusLine = (): string => renderStatusLine(latest!, { color: false });
const waitForStatus = (ok: (s: StatusSnapshot) => boolean, ms = 8000): Promise<StatusSnapshot> =>
  firstValueFrom(runtime.status$.pipe(filter(ok), timeout(ms)));

beforeAll(async () => {
  runtime = await startRuntime(loadConfig([], {}));
  runtime.status$.subscribe((s) => (latest = s));
  till = new TillController(runtime.services, runtime.memory);
  await waitForStatus((s) => s.devices.get('printer')?.state === 'online' && s.sync?.connectivity === 'online');
});

afterAll(async () => {
  await runtime?.close();
});

describe('the till controller on emulated devices and the embedded cloud', () => {
  it('refuses to sell before a session is open, then opens one with the float', async () => {
    expect(await run('7610011')).toMatch(/The till is closed: open a session first/);
    expect(await run('open 200.00')).toMatch(/Session shift-.* open, float CHF.200\.00/);
    expect(till.state.session?.openingFloat).toBe(20000);
  });

  it('rings a sale with a quantity, a split tender and cash rounding on the cash part', async () => {
    expect(await run('2*7610014')).toMatch(/1\. 2 x Mineral water @ CHF.3\.83 = CHF.7\.66/);
    expect(await run('qty 1')).toMatch(/taken 1 times/);
    expect(await run('scan 7610010000014')).toMatch(/\[scan\] 2\. 1 x Espresso .* total CHF.11\.86/);
    expect(await run('card 5.00')).toMatch(/to pay CHF.6\.86 \(CHF.6\.85 in cash\)/);
    const done = await run('cash 10');
    expect(done).toMatch(
      /Sale done: receipt #1, total CHF.11\.86, cash rounding CHF ?-0\.01, CHANGE CHF.3\.15 \(printer: printed\)/,
    );
    const tx = till.receipts.at(-1)!;
    expect(tx.tenders.map((t) => [t.type, t.amount])).toEqual([
      ['card', 500],
      ['cash', 1000],
    ]);
    expect(tx.cashRounding).toBe(-1);
    expect(tx.change).toBe(315);
    expect(1500 - tx.change).toBe(tx.priced.total + tx.cashRounding);
  });

  it('takes a weighed article from the scale emulator, with line and order discounts', async () => {
    expect(await run('2100001')).toMatch(/The scale reads 0 g: put the Bündnerfleisch on the scale/);
    await runtime.simulate(['weight', '0.250']);
    expect(await run('2100001')).toMatch(/1\. 0\.250 kg x Bündnerfleisch @ CHF.59\.90\/kg = CHF.14\.9[78]/);
    expect(await run('disc 1.00')).toMatch(/Discount CHF.1\.00, now CHF.13\.9[78]/);
    expect(await run('7610012')).toMatch(/2\. 1 x Gipfeli/);
    expect(await run('odisc 10%')).toMatch(/Order discount 10% on the order/);
    await runtime.simulate(['weight', '0']);
    const done = await run('card');
    expect(done).toMatch(/Sale done: receipt #2/);
    const line = till.receipts.at(-1)!.priced.lines[0]!;
    expect([line.quantity, line.unit, line.lineDiscount]).toEqual(['0.25', 'kg', 100]);
  });

  it('looks members up in the pulled catalog and puts the one found on the sale', async () => {
    expect(await run('member nobody@example.com')).toBe('No member matches "nobody@example.com".');
    expect(await run('member')).toMatch(/Give a member id, card number or e-mail/);
    await run('7610011');
    expect(await run('member 900100')).toBe('Member Ada Keller (gold), 1200 points, card 900100: on this sale.');
    expect(await run('cash 20')).toMatch(/Member: Ada Keller \(m-1001\)[\s\S]*Sale done: receipt #3/);
  });

  it('returns a line of a sale from its receipt number, refunded in cash, and refuses returning more', async () => {
    const out = await run('return 1 1:1');
    expect(out).toMatch(/Return of receipt #1: 1 line\(s\), refund by cash/);
    expect(out).toMatch(/\*\*\* RETURN \*\*\*/);
    expect(out).toMatch(/Refund done: receipt #4, total CHF ?-3\.83, cash rounding CHF ?-0\.02/);
    expect(till.receipts.at(-1)!.amountDue).toBe(-385);
    expect(await run('return 1 1:2')).toMatch(/RETURN_EXCEEDS_QUANTITY/);
    expect(await run('return 99')).toMatch(/No receipt #99 in this till's journal/);
  });

  it('reprints a receipt marked as a COPY and journals the reprint', async () => {
    const out = await run('reprint 3');
    expect(out).toMatch(/\*\*\* COPY \*\*\*/);
    expect(out).toMatch(/Receipt #3 reprinted as a COPY \(printer: printed\)/);
    expect(till.entries.at(-1)!.type).toBe('reprint');
  });

  it('records a no-sale and paid-in/out, each opening the drawer, and shows the drawer open on the status line', async () => {
    expect(await run('nosale')).toBe('No sale: drawer opened (journaled).');
    await waitForStatus((s) => s.devices.get('drawer')?.state === 'drawer-open');
    expect(statusLine()).toMatch(/drawer OPEN!!/);
    expect(await run('paidin 50.00 change from the bank')).toBe('Paid in CHF 50.00: change from the bank.');
    expect(await run('paidout 12.50')).toMatch(/Say why/);
    expect(await run('paidout 12.50 milk from the dairy')).toBe('Paid out CHF 12.50: milk from the dairy.');
    expect(till.entries.slice(-3).map((e) => e.type)).toEqual(['no_sale', 'paid_in', 'paid_out']);
  });

  it('holds a receipt while the printer is out of paper, tells the cashier, and prints it when paper is in', async () => {
    const printed = runtime.emulatedPrinter!.receipts().length;
    await runtime.simulate(['paper', 'out']);
    await waitForStatus((s) => s.devices.get('printer')?.state === 'paper-out');
    expect(statusLine()).toMatch(/printer paper-out!!/);
    await run('7610012');
    expect(await run('card')).toMatch(
      /Sale done: receipt #5, .*\(printer: held \(paper-out\): it prints once the printer is ready\)/,
    );
    await runtime.simulate(['paper', 'ok']);
    await waitForStatus((s) => s.devices.get('printer')?.state === 'online');
    expect(statusLine()).toMatch(/^printer online \|/);
    await runtime.emulatedPrinter!.waitFor(() => runtime.emulatedPrinter!.receipts().length > printed, 5000);
    await new Promise((r) => setTimeout(r, 200));
    expect(
      runtime
        .emulatedPrinter!.receipts()
        .slice(printed)
        .filter((r) => r.includes('Gipfeli')),
    ).toHaveLength(1);
  });

  it('fails over to the secondary endpoint when the primary dies, and says so on the status line', async () => {
    await runtime.simulate(['primary', 'down']);
    await run('7610013');
    await run('card');
    await waitForStatus((s) => s.sync?.endpoint === 'secondary');
    expect(await runtime.drain(10_000)).toBe(true);
    await waitForStatus((s) => s.sync?.endpoint === 'secondary' && s.sync.pending + s.sync.inFlight === 0);
    expect(statusLine()).toMatch(/net FAILING OVER -> secondary! \| queue 0/);
    await runtime.simulate(['primary', 'up']);
  });

  it('keeps selling through a network outage and catches up when it is back', async () => {
    await runtime.simulate(['net', 'down']);
    await run('7610010');
    await run('card');
    await waitForStatus((s) => s.sync?.connectivity === 'offline' && s.sync.pending + s.sync.inFlight > 0);
    expect(statusLine()).toMatch(/net OFFLINE.*!! \| queue [1-9]/);
    await runtime.simulate(['net', 'up']);
    expect(await runtime.drain(10_000)).toBe(true);
    await waitForStatus((s) => s.sync?.connectivity === 'online' && s.sync.pending + s.sync.inFlight === 0);
    expect(statusLine()).toMatch(/net (online primary|FAILING OVER -> secondary!) \| queue 0/);
  });

  it('prints an X report and closes with a Z report whose counted cash gives over/short', async () => {
    // float 200 + sale 1 in cash (10.00 - 3.15 change) + sale 3 (5.50) - refund 3.85 + paid in 50 - paid out 12.50
    const x = await run('x');
    expect(x).toMatch(/X report \(mid-shift\)/);
    const expected = /X report: expected cash CHF.(\d+\.\d\d)/.exec(x)![1]!;
    expect(expected).toBe('246.00');
    expect(await run('close 245.95')).toMatch(/Z report #1: expected CHF.246\.00, counted CHF.245\.95, short CHF.0\.05/);
    expect(till.state.session).toBeNull();
    expect(till.state.lastZNumber).toBe(1);
    expect(verifyChain(till.entries).ok).toBe(true);
  });

  it('answers mistakes with what to do, never with a crash', async () => {
    expect(await run('frobnicate')).toMatch(/Unknown command "frobnicate"/);
    expect(await run('open twelve')).toMatch(/"twelve" is not an amount in CHF/);
    expect(await run('help')).toMatch(/return RECEIPT/);
  });
});
