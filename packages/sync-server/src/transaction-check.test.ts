import {
  addLine,
  addOrderDiscount,
  addServiceCharge,
  addTender,
  completeSale,
  createTill,
  getSettlement,
  hashJournalEntry,
  openReturn,
  openSale,
  openSession,
  ROUNDING_MODES,
  TillkitError,
  type CompletedTransaction,
  type DiscountInput,
  type JournalEntry,
  type LineInput,
  type ServiceChargeInput,
  type TaxPolicy,
  type TaxRateInput,
  type TillState,
} from '@tillkit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkTransaction } from './transaction-check';

const AT = '2026-03-02T09:00:00.000Z';

function freshTill(currency: string): TillState {
  return openSession(createTill({ tillId: 'till-1', currency }), { id: 'session-1', at: AT, float: 0 }).till;
}

interface Basket {
  currency: string;
  taxes: TaxRateInput[];
  policy: TaxPolicy;
  lines: LineInput[];
  orderDiscounts: DiscountInput[];
  serviceCharges: ServiceChargeInput[];
  cash: boolean;
}

/** Rings a basket through the sale lifecycle; undefined when core refuses it (a discount larger than the line...). */
function ring(b: Basket): { tx: CompletedTransaction; entry: JournalEntry; till: TillState } | undefined {
  try {
    const till = freshTill(b.currency);
    let sale = openSale({ tillId: 'till-1', currency: b.currency, taxes: b.taxes, policy: b.policy, at: AT });
    for (const line of b.lines) sale = addLine(sale, line, { at: AT });
    for (const d of b.orderDiscounts) sale = addOrderDiscount(sale, d, { at: AT });
    for (const c of b.serviceCharges) sale = addServiceCharge(sale, c, { at: AT });
    if (getSettlement(sale).total !== 0) sale = addTender(sale, { type: b.cash ? 'cash' : 'card' }, { at: AT });
    const done = completeSale(sale, till, { at: AT });
    return { tx: done.transaction, entry: done.entry, till: done.till };
  } catch (error) {
    if (TillkitError.isInstance(error)) return undefined;
    throw error;
  }
}

const json = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** A completed transaction as JSON, to tamper with. */
interface Loose {
  id: string;
  amountDue: number;
  tenders: { amount: number }[];
  priced: { total: number; lines: { unitPrice: number; net: number; taxes: { taxId: string }[] }[] };
}
const decimal = (max: number, scale: number, min = 0) =>
  fc.integer({ min, max }).map((units) => (units / 10 ** scale).toFixed(scale).replace(/\.?0+$/, '') || '0');

const taxesArb: fc.Arbitrary<TaxRateInput[]> = fc
  .array(fc.record({ rate: fc.constantFrom('0', '7', '8.875', '19', '2.5'), inclusive: fc.boolean() }), {
    minLength: 1,
    maxLength: 3,
  })
  .map((list) => list.map((t, i) => ({ id: `t${i}`, name: `Tax ${i}`, rate: t.rate, inclusive: t.inclusive })));
const discountArb: fc.Arbitrary<DiscountInput> = fc.oneof(
  decimal(5_000, 2).map((percent): DiscountInput => ({ kind: 'percent', percent })),
  fc.integer({ min: 0, max: 300 }).map((amount): DiscountInput => ({ kind: 'amount', amount })),
);
const policyArb: fc.Arbitrary<TaxPolicy> = fc.record({
  mode: fc.constantFrom(...ROUNDING_MODES),
  level: fc.constantFrom('UNIT', 'LINE', 'RATE_BUCKET', 'DOCUMENT'),
  inclusiveRoundFirst: fc.constantFrom('TAX', 'NET'),
});

const basketArb: fc.Arbitrary<Basket> = taxesArb.chain((taxes) => {
  const ids = taxes.map((t) => t.id);
  const line = fc.record({
    name: fc.constant('item'),
    unitPrice: fc.integer({ min: 0, max: 50_000 }),
    quantity: fc.oneof(fc.integer({ min: 1, max: 9 }), decimal(5_000, 3, 1)),
    modifiers: fc.array(fc.record({ name: fc.constant('extra'), unitPrice: fc.integer({ min: 0, max: 500 }) }), { maxLength: 2 }),
    discounts: fc.array(discountArb, { maxLength: 2 }),
    taxIds: fc.subarray(ids, { maxLength: Math.min(2, ids.length) }),
  });
  const charge = fc.oneof(
    decimal(2_000, 2).map((percent) => ({ kind: 'percent' as const, percent })),
    fc.integer({ min: 0, max: 500 }).map((amount) => ({ kind: 'amount' as const, amount })),
  );
  return fc.record({
    currency: fc.constantFrom('EUR', 'CHF', 'JPY'),
    taxes: fc.constant(taxes),
    policy: policyArb,
    lines: fc.array(line, { minLength: 1, maxLength: 6 }).map((lines) => lines.map((l, i) => ({ ...l, id: `l${i}` }))),
    orderDiscounts: fc.array(discountArb, { maxLength: 2 }),
    serviceCharges: fc
      .tuple(
        fc.option(fc.record({ charge, taxIds: fc.subarray(ids, { maxLength: Math.min(2, ids.length) }) }), { nil: undefined }),
        fc.option(charge, { nil: undefined }),
      )
      .map(([before, tip]) => [
        ...(before ? [{ id: 'svc', name: 'Service', phase: 'BEFORE_TAX' as const, ...before }] : []),
        ...(tip ? [{ id: 'tip', name: 'Tip', phase: 'AFTER_TAX' as const, charge: tip }] : []),
      ]),
    cash: fc.boolean(),
  });
});

describe('checkTransaction', () => {
  it('accepts every sale core rings: pricing it again from what it stored gives the same amounts', () => {
    fc.assert(
      fc.property(basketArb, (basket) => {
        const rung = ring(basket);
        fc.pre(rung !== undefined);
        expect(checkTransaction(json(rung.tx), rung.entry)).toEqual({ ok: true });
      }),
      { numRuns: 300 },
    );
  });

  it('accepts partial and full returns of those sales', () => {
    fc.assert(
      fc.property(basketArb, fc.boolean(), (basket, all) => {
        const rung = ring(basket);
        fc.pre(rung !== undefined);
        const { tx, till } = rung;
        const lines = tx.priced.lines.map((l) => ({
          sourceLineId: l.id,
          quantity: all ? l.quantity : l.quantity === '1' ? '1' : '0.001',
        }));
        let done;
        try {
          let ret = openReturn({ source: tx, lines, at: AT });
          if (getSettlement(ret).total !== 0) ret = addTender(ret, { type: basket.cash ? 'cash' : 'card' }, { at: AT });
          done = completeSale(ret, till, { at: AT });
        } catch (error) {
          // core refuses some returns (a cash refund that rounds to nothing): not the server's business
          if (TillkitError.isInstance(error)) fc.pre(false);
          throw error;
        }
        expect(checkTransaction(json(done.transaction), done.entry)).toEqual({ ok: true });
      }),
      { numRuns: 100 },
    );
  });

  const basket: Basket = {
    currency: 'EUR',
    taxes: [{ id: 'vat19', name: 'VAT 19%', rate: '19', inclusive: true }],
    policy: { mode: 'HALF_EVEN', level: 'LINE', inclusiveRoundFirst: 'TAX' },
    lines: [
      { id: 'a', name: 'Tea', unitPrice: 300, quantity: 2, taxIds: ['vat19'] },
      { id: 'b', name: 'Cake', unitPrice: 450, quantity: 1, taxIds: ['vat19'], discounts: [{ kind: 'percent', percent: 10 }] },
    ],
    orderDiscounts: [],
    serviceCharges: [],
    cash: false,
  };

  it('refuses a sale whose stored total is not what its lines come to (TOTALS_MISMATCH)', () => {
    const { tx, entry } = ring(basket)!;
    const tampered = json(tx) as unknown as Loose;
    tampered.priced.total -= 100;
    tampered.amountDue -= 100;
    tampered.tenders[0]!.amount -= 100;
    const verdict = checkTransaction(tampered, { ...entry, total: entry.total - 100 });
    expect(verdict).toMatchObject({ ok: false, code: 'TOTALS_MISMATCH' });
  });

  it('refuses a line whose unit price was changed after pricing (TOTALS_MISMATCH)', () => {
    const { tx, entry } = ring(basket)!;
    const tampered = json(tx) as unknown as Loose;
    tampered.priced.lines[0]!.unitPrice = 100;
    expect(checkTransaction(tampered, entry)).toMatchObject({
      ok: false,
      code: 'TOTALS_MISMATCH',
      message: expect.stringContaining('Line a'),
    });
  });

  it('refuses a transaction that does not balance, or an entry that records other money (TOTALS_MISMATCH)', () => {
    const { tx, entry } = ring(basket)!;
    const unpaid = json(tx) as unknown as Loose;
    unpaid.tenders[0]!.amount -= 1;
    expect(checkTransaction(unpaid, entry)).toMatchObject({ ok: false, code: 'TOTALS_MISMATCH' });
    const other = { ...entry, payments: [{ type: 'cash', kind: 'cash' as const, amount: entry.total }] };
    expect(checkTransaction(json(tx), { ...other, hash: hashJournalEntry(other) })).toMatchObject({
      ok: false,
      code: 'TOTALS_MISMATCH',
    });
  });

  it('refuses what is not a completed transaction, or an entry of another transaction (INVALID_EVENT)', () => {
    const { tx, entry } = ring(basket)!;
    expect(checkTransaction({ kind: 'sale' }, entry)).toMatchObject({ ok: false, code: 'INVALID_EVENT' });
    const renamed = json(tx) as unknown as Loose;
    renamed.id = 'another';
    expect(checkTransaction(renamed, entry)).toMatchObject({ ok: false, code: 'INVALID_EVENT' });
    const badTax = json(tx) as unknown as Loose;
    badTax.priced.lines[0]!.taxes[0]!.taxId = 'nope';
    expect(checkTransaction(badTax, entry)).toMatchObject({ ok: false, code: 'INVALID_EVENT' });
  });

  it('refuses a return whose lines do not add up (TOTALS_MISMATCH)', () => {
    const { tx, till } = ring(basket)!;
    let ret = openReturn({ source: tx, lines: [{ sourceLineId: 'a', quantity: 1 }], at: AT });
    ret = addTender(ret, { type: 'cash' }, { at: AT });
    const done = completeSale(ret, till, { at: AT });
    const tampered = json(done.transaction) as unknown as Loose;
    tampered.priced.lines[0]!.net -= 5;
    expect(checkTransaction(tampered, done.entry)).toMatchObject({ ok: false, code: 'TOTALS_MISMATCH' });
  });
});
