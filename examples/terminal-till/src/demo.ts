/**
 * The reference till demo: one shop day in a Zürich café-shop, with @tillkit/core,
 * @tillkit/devices (a receipt printer emulated on a real TCP port), @tillkit/sync-client and
 * @tillkit/offline-queue (the till enrols with the reference server of @tillkit/sync-server on
 * loopback, pulls its catalog, and every journal entry goes into a durable outbox, delivered through
 * a network outage and a dead primary endpoint; a price change comes back from the cloud). Every
 * step is checked; the process exits non-zero if any check fails. Run it with `npm run demo` from
 * the repository root.
 */
import {
  addLine,
  addOrderDiscount,
  addTender,
  buildReceipt,
  buildReport,
  buildReportDocument,
  closeSession,
  completeSale,
  createTill,
  formatMoney,
  getSettlement,
  money,
  openReturn,
  openSale,
  openSession,
  padToWidth,
  paidOut,
  renderReceiptText,
  TillkitError,
  verifyChain,
  type CompletedTransaction,
  type JournalEntry,
  type ReceiptDocument,
  type TaxRateInput,
  type TillState,
} from '@tillkit/core';
import { printerDemo } from './printer-demo';
import { CAFE_CATALOG, TillCloud } from './sync-demo';

const WIDTH = 42;
const CURRENCY = 'CHF';
const LOCALE = 'de-CH';
const TIME_ZONE = 'Europe/Zurich';
const header = { name: 'Café Lindenhof', lines: ['Lindenhofstrasse 1, 8001 Zürich', 'MWST CHE-123.456.789'] };

// Swiss VAT is included in shelf prices; the visitor levy on the souvenir is added at the till.
const TAXES: TaxRateInput[] = [
  { id: 'mwst81', name: 'MWST 8.1%', code: 'A', rate: '8.1', inclusive: true },
  { id: 'mwst26', name: 'MWST 2.6%', code: 'B', rate: '2.6', inclusive: true },
  { id: 'levy', name: 'Visitor levy 2.5%', code: 'L', rate: '2.5', inclusive: false },
];

let clock = Date.parse('2026-03-02T07:30:00.000Z');
const at = (minutes = 1): string => new Date((clock += minutes * 60_000)).toISOString();
const chf = (amount: number): string => formatMoney(money(amount, CURRENCY), LOCALE);

const journal: JournalEntry[] = [];
let failures = 0;

function step(title: string): void {
  console.log(`\n\u001b[1m== ${title}\u001b[0m`);
}

function check(what: string, ok: boolean): void {
  if (!ok) failures++;
  console.log(`  ${ok ? '\u001b[32m✓\u001b[0m' : '\u001b[31m✗\u001b[0m'} ${what}`);
}

function show(doc: ReceiptDocument | string): void {
  const text = typeof doc === 'string' ? doc : renderReceiptText(doc, { width: WIDTH });
  const rule = '─'.repeat(WIDTH);
  console.log(`  ┌${rule}┐`);
  for (const line of text.split('\n')) console.log(`  │${padToWidth(line, WIDTH, 'left')}│`);
  console.log(`  └${rule}┘`);
}

function note(text: string): void {
  console.log(`  ${text}`);
}

const TILL_ID = 'zh-lindenhof-1';
const sync = await TillCloud.start(TILL_ID, CURRENCY, { step, check, note });

/** Keeps a journal entry: in the local journal, and durably in the outbox (with its sale, if any). */
async function keep<T extends { till: TillState; entry: JournalEntry; transaction?: CompletedTransaction }>(
  result: T,
): Promise<T> {
  journal.push(result.entry);
  await sync.record(result.entry, result.till, result.transaction);
  return result;
}

// -- Morning: open the till and count the float ----------------------------------------------
step('Open the till: count the float by denomination');
let till = createTill({ tillId: TILL_ID, currency: CURRENCY });
({ till } = await keep(
  openSession(till, {
    id: 'shift-2026-03-02',
    at: at(),
    operator: 'Mia',
    float: {
      currency: CURRENCY,
      counts: { '5000': 2, '2000': 2, '1000': 2, '200': 5, '100': 5, '50': 4, '20': 5, '10': 5, '5': 10 },
    },
  }),
));
check(`float counted: ${chf(till.session?.openingFloat ?? 0)}`, till.session?.openingFloat === 17900);

// -- Sale 1: inclusive and additive taxes, an order discount, card + cash ---------------------
step('Sale 1: VAT-inclusive items, an added levy, 10% order discount; card + cash');
let sale = openSale({ tillId: till.tillId, currency: CURRENCY, taxes: TAXES, operator: 'Mia', at: at() });
sale = addLine(sale, { id: 'l1', sku: '7610001', name: 'Cappuccino', unitPrice: 550, quantity: 2, taxIds: ['mwst81'] });
sale = addLine(sale, { id: 'l2', sku: '7610002', name: 'Gipfeli', unitPrice: 290, quantity: 3, taxIds: ['mwst26'] });
sale = addLine(sale, {
  id: 'l3',
  sku: '7610003',
  name: 'Bündnerfleisch',
  unitPrice: 5990,
  quantity: '0.183',
  unit: 'kg',
  taxIds: ['mwst26'],
});
sale = addLine(sale, {
  id: 'l4',
  sku: '7610004',
  name: 'Souvenir mug 纪念杯',
  unitPrice: 1890,
  quantity: 1,
  taxIds: ['mwst81', 'levy'],
});
sale = addOrderDiscount(sale, { kind: 'percent', percent: 10, name: 'Regulars 10%' });
const due = getSettlement(sale).total;
console.log(`  total due ${chf(due)}; the customer pays ${chf(2000)} by card and the rest in cash`);
sale = addTender(sale, { type: 'card', amount: 2000, reference: 'AUTH 551203' }, { at: at() });
const cashDue = getSettlement(sale).remaining;
sale = addTender(sale, { type: 'cash', amount: 5000 }, { at: at() });
const first = await keep(completeSale(sale, till, { at: at() }));
till = first.till;
const tx1 = first.transaction;
check(
  `balanced: tenders - change = total + cash rounding (${chf(7000 - tx1.change)} = ${chf(tx1.priced.total)} + ${chf(tx1.cashRounding)})`,
  7000 - tx1.change === tx1.priced.total + tx1.cashRounding,
);
check(
  `cash rounding only on the cash part (${chf(cashDue)} in cash rounds to a multiple of 0.05)`,
  (tx1.amountDue - 2000) % 5 === 0,
);
check(
  'each line: net + taxes = total',
  tx1.priced.lines.every((l) => l.net + l.taxes.reduce((s, t) => s + t.amount, 0) === l.total),
);
check(
  `order discount allocated to lines sums to ${chf(tx1.priced.lines.reduce((s, l) => s + l.orderDiscount, 0))}`,
  tx1.priced.lines.every((l) => l.orderDiscount > 0),
);

// -- Paid-out and a second sale -----------------------------------------------------------------
step('A paid-out and a quick cash sale');
({ till } = await keep(paidOut(till, { amount: 1250, reason: 'Milk from the dairy', at: at(40), operator: 'Mia' })));
let sale2 = openSale({ tillId: till.tillId, currency: CURRENCY, taxes: TAXES, operator: 'Mia', at: at() });
sale2 = addLine(sale2, { id: 'l1', name: 'Espresso', unitPrice: 420, quantity: 1, taxIds: ['mwst81'] });
sale2 = addLine(sale2, { id: 'l2', name: 'Mineral water', unitPrice: 383, quantity: 1, taxIds: ['mwst81'] });
sale2 = addTender(sale2, { type: 'cash', amount: 1000 }, { at: at() });
const second = await keep(completeSale(sale2, till, { at: at() }));
till = second.till;
check(
  `CHF 8.03 in cash is paid as ${chf(second.transaction.amountDue)} (adjustment ${chf(second.transaction.cashRounding)})`,
  second.transaction.amountDue === 805,
);

// -- The receipt printer --------------------------------------------------------------------------
const receiptOptions = { locale: LOCALE, timeZone: TIME_ZONE, header, footer: ['Merci vielmal!'] };
await printerDemo(
  buildReceipt(tx1, { ...receiptOptions, barcode: 'receipt-number', openDrawer: true }),
  buildReceipt(second.transaction, receiptOptions),
  { step, check, showPaper: (text) => show(text) },
);

// -- A partial return, replayed from what the sale stored ---------------------------------------
step('Return: one Cappuccino and 0.083 kg of Bündnerfleisch back, refunded in cash');
let ret = openReturn({
  source: tx1,
  lines: [
    { sourceLineId: 'l1', quantity: 1 },
    { sourceLineId: 'l3', quantity: '0.083' },
  ],
  operator: 'Mia',
  at: at(90),
});
ret = addTender(ret, { type: 'cash' }, { at: at() });
const refund = await keep(completeSale(ret, till, { at: at() }));
till = refund.till;
const returned: CompletedTransaction = refund.transaction;
const soldCappuccino = tx1.priced.lines[0]!;
check(
  `the Cappuccino comes back at its discounted price (${chf(-returned.priced.lines[0]!.total)} of ${chf(soldCappuccino.total)} for two)`,
  returned.priced.lines[0]!.total === -Math.round(soldCappuccino.total / 2),
);
check(
  `the cash refund gets its own cash rounding (${chf(returned.priced.total)} -> ${chf(returned.amountDue)})`,
  returned.amountDue % 5 === 0,
);
try {
  openReturn({ source: tx1, priorReturns: [returned], lines: [{ sourceLineId: 'l1', quantity: 2 }] });
  check('a second return of two more Cappuccinos is refused', false);
} catch (e) {
  check(
    `a second return of two more Cappuccinos is refused: ${TillkitError.isInstance(e) ? `${e.code}: ${e.message}` : String(e)}`,
    TillkitError.hasCode(e, 'RETURN_EXCEEDS_QUANTITY'),
  );
}
show(buildReceipt(returned, { locale: LOCALE, timeZone: TIME_ZONE, header }));

// -- The cloud: an outage, sales go on, the primary dies, failover and drain ----------------------
await sync.online();
await sync.outage(async () => {
  // the lunch rush, offline: twelve quick sales scanned and priced from the till's own catalog,
  // each one durable before the next customer
  const barcodes = CAFE_CATALOG.flatMap((c) => c.article.barcodes);
  for (let n = 0; n < 12; n++) {
    const { article, price } = await sync.scan(barcodes[n % barcodes.length]!);
    let quick = openSale({ tillId: till.tillId, currency: CURRENCY, taxes: TAXES, operator: 'Mia', at: at() });
    quick = addLine(quick, {
      id: 'l1',
      sku: article.id,
      name: article.name,
      unitPrice: price.unitPrice,
      quantity: 1 + (n % 2),
      taxIds: [article.taxId],
    });
    quick = addTender(quick, n % 3 === 0 ? { type: 'card', reference: `AUTH ${600_000 + n}` } : { type: 'cash' }, { at: at() });
    ({ till } = await keep(completeSale(quick, till, { at: at() })));
  }
  return 12;
});
await sync.failover();

// -- A price change from head office, used by the next sale ---------------------------------------
const CAPPUCCINO = CAFE_CATALOG[1]!.article;
await sync.priceChange(CAPPUCCINO.id, 580, CURRENCY);
{
  const { article, price } = await sync.scan(CAPPUCCINO.barcodes[0]!);
  let next = openSale({ tillId: till.tillId, currency: CURRENCY, taxes: TAXES, operator: 'Mia', at: at() });
  next = addLine(next, {
    id: 'l1',
    sku: article.id,
    name: article.name,
    unitPrice: price.unitPrice,
    quantity: 1,
    taxIds: [article.taxId],
  });
  next = addTender(next, { type: 'card', reference: 'AUTH 700001' }, { at: at() });
  const sold = await keep(completeSale(next, till, { at: at() }));
  till = sold.till;
  check(
    `the next Cappuccino sells at the new price: ${chf(sold.transaction.priced.total)}`,
    sold.transaction.priced.total === 580,
  );
}

// -- X report mid-shift, then close with the count -------------------------------------------------
step('X report (mid-shift)');
const x = buildReport(journal, { kind: 'X', sessionId: 'shift-2026-03-02', at: at() });
show(buildReportDocument(x, { locale: LOCALE }));

step('Close the shift: count the drawer, Z report');
const counted = x.expectedCash - 5; // five rappen short
const closed = await keep(closeSession(till, { at: at(300), operator: 'Mia', counted, entries: journal }));
till = closed.till;
check(
  `Z report #${closed.report.zNumber}: expected ${chf(closed.report.expectedCash)}, counted ${chf(counted)}, short ${chf(closed.report.overShort ?? 0)}`,
  closed.report.overShort === -5,
);
check('X and Z agree on the totals', closed.report.total === x.total && closed.report.expectedCash === x.expectedCash);
show(buildReportDocument(closed.report, { locale: LOCALE }));

// -- The journal -------------------------------------------------------------------------------------
await sync.finish(journal);
await sync.close();

step('Verify the hash-chained journal');
const verified = verifyChain(journal);
check(`${journal.length} entries chain from the genesis hash to ${till.journal.hash.slice(0, 16)}…`, verified.ok);
const tampered = journal.map((e) => ({ ...e }));
tampered[2] = { ...tampered[2]!, total: tampered[2]!.total - 100 };
const broken = verifyChain(tampered);
check(
  `changing one amount in entry #3 is detected at index ${broken.ok ? '-' : broken.index} (${broken.ok ? 'not detected' : broken.reason})`,
  !broken.ok && broken.index === 2,
);

console.log(
  failures === 0
    ? '\n\u001b[32mDemo passed: every step checked out.\u001b[0m'
    : `\n\u001b[31mDemo failed: ${failures} check(s) did not hold.\u001b[0m`,
);
process.exitCode = failures === 0 ? 0 : 1;
