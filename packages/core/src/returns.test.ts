import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openReturn } from './returns';
import { addTender, completeSale } from './sale';
import { AT, openTill, ring, VAT } from './test-fixtures';
import type { TillState } from './till';
import type { CompletedTransaction } from './transaction';
import type { LineInput } from './pricing-schema';
import { errorCode as code } from './test-support';

function refund(till: TillState, draft: ReturnType<typeof openReturn>, type = 'cash') {
  const done = completeSale(addTender(draft, { type }, { at: AT }), till, { at: AT });
  return { till: done.till, tx: done.transaction };
}

const lines: LineInput[] = [
  { id: 'l1', name: 'Shirt', unitPrice: 1999, quantity: 3, taxIds: ['vat19'] },
  { id: 'l2', name: 'Cheese', unitPrice: 2390, quantity: '0.347', unit: 'kg', taxIds: ['vat7'] },
];

describe('returns', () => {
  it('replays the stored order-discount allocation pro rata, not today’s prices', () => {
    let till = openTill();
    const sale = ring(till, { lines, orderDiscounts: [{ kind: 'percent', percent: 10 }] });
    till = sale.till;
    const shirt = sale.tx.priced.lines[0]!;
    const ret = openReturn({ source: sale.tx, lines: [{ sourceLineId: 'l1', quantity: 1 }], at: AT });
    const line = ret.returnPriced!.lines[0]!;
    // one of three shirts: a third of each stored amount, rounded once (HALF_EVEN)
    expect(line.total).toBe(-Math.round(shirt.total / 3));
    expect(line.orderDiscount).toBe(-Math.round(shirt.orderDiscount / 3));
    expect(line.net + line.taxes.reduce((s, t) => s + t.amount, 0)).toBe(line.total);
    const done = refund(till, ret);
    expect(done.tx.kind).toBe('return');
    expect(done.tx.returnOf).toMatchObject({ transactionId: sale.tx.id, lines: [{ sourceLineId: 'l1', quantity: '1' }] });
  });

  it('enforces the cumulative returnable quantity over several returns', () => {
    let till = openTill();
    const sale = ring(till, { lines });
    till = sale.till;
    const first = refund(till, openReturn({ source: sale.tx, lines: [{ sourceLineId: 'l1', quantity: 2 }], at: AT }));
    till = first.till;
    expect(
      code(() => openReturn({ source: sale.tx, priorReturns: [first.tx], lines: [{ sourceLineId: 'l1', quantity: 2 }] })),
    ).toBe('RETURN_EXCEEDS_QUANTITY');
    const second = refund(
      till,
      openReturn({ source: sale.tx, priorReturns: [first.tx], lines: [{ sourceLineId: 'l1', quantity: 1 }], at: AT }),
    );
    expect(
      code(() =>
        openReturn({ source: sale.tx, priorReturns: [first.tx, second.tx], lines: [{ sourceLineId: 'l1', quantity: 1 }] }),
      ),
    ).toBe('RETURN_EXCEEDS_QUANTITY');
    // 2 + 1 shirts returned in two goes give back exactly what three cost
    expect(first.tx.priced.lines[0]!.total + second.tx.priced.lines[0]!.total).toBe(-sale.tx.priced.lines[0]!.total);
  });

  it('returns part of a weighed line by weight', () => {
    const sale = ring(openTill(), { lines });
    const ret = openReturn({ source: sale.tx, lines: [{ sourceLineId: 'l2', quantity: '0.1' }], at: AT });
    expect(ret.returnPriced!.lines[0]!.quantity).toBe('0.1');
    expect(code(() => openReturn({ source: sale.tx, lines: [{ sourceLineId: 'l2', quantity: '0.348' }] }))).toBe(
      'RETURN_EXCEEDS_QUANTITY',
    );
  });

  it('gives each cash refund its own cash rounding (CHF)', () => {
    let till = openTill('CHF');
    const sale = ring(till, {
      currency: 'CHF',
      taxes: [{ id: 'vat81', name: 'MWST 8.1%', rate: '8.1', inclusive: true }],
      lines: [{ id: 'l1', name: 'Tea', unitPrice: 333, quantity: 3, taxIds: ['vat81'] }],
      tenders: [{ type: 'card' }],
    });
    till = sale.till;
    // the sale was paid by card: 9.99 exactly. One tea back in cash: 3.33 rounds to 3.35.
    const back = refund(till, openReturn({ source: sale.tx, lines: [{ sourceLineId: 'l1', quantity: 1 }], at: AT }), 'cash');
    expect(sale.tx.cashRounding).toBe(0);
    expect(back.tx.priced.total).toBe(-333);
    expect(back.tx.tenders[0]!.amount).toBe(-335);
    expect(back.tx.cashRounding).toBe(-2);
    expect(back.tx.amountDue).toBe(-335);
  });

  const table: [string, (sale: CompletedTransaction) => unknown, string][] = [
    ['unknown line', (s) => openReturn({ source: s, lines: [{ sourceLineId: 'nope', quantity: 1 }] }), 'LINE_NOT_FOUND'],
    [
      'line named twice',
      (s) =>
        openReturn({
          source: s,
          lines: [
            { sourceLineId: 'l1', quantity: 1 },
            { sourceLineId: 'l1', quantity: 1 },
          ],
        }),
      'DUPLICATE_ID',
    ],
    ['zero quantity', (s) => openReturn({ source: s, lines: [{ sourceLineId: 'l1', quantity: 0 }] }), 'INVALID_DECIMAL'],
    ['too many', (s) => openReturn({ source: s, lines: [{ sourceLineId: 'l1', quantity: 4 }] }), 'RETURN_EXCEEDS_QUANTITY'],
    ['no lines', (s) => openReturn({ source: s, lines: [] }), 'VALIDATION_FAILED'],
    ['garbage quantity', (s) => openReturn({ source: s, lines: [{ sourceLineId: 'l1', quantity: 'two' }] }), 'VALIDATION_FAILED'],
    [
      'prior return of another sale',
      (s) => openReturn({ source: s, priorReturns: [s], lines: [{ sourceLineId: 'l1', quantity: 1 }] }),
      'RETURN_SOURCE_MISMATCH',
    ],
    [
      'a draft as source',
      () => openReturn({ source: {} as never, lines: [{ sourceLineId: 'l1', quantity: 1 }] }),
      'INVALID_STATE',
    ],
  ];
  it.each(table)('refuses %s with %s', (_name, fn, expected) => {
    const { tx } = ring(openTill(), { lines });
    expect(code(() => fn(tx))).toBe(expected);
  });

  it('refuses to return a return', () => {
    const sale = ring(openTill(), { lines });
    const back = refund(sale.till, openReturn({ source: sale.tx, lines: [{ sourceLineId: 'l1', quantity: 1 }], at: AT }));
    expect(code(() => openReturn({ source: back.tx, lines: [{ sourceLineId: 'l1', quantity: 1 }] }))).toBe('INVALID_STATE');
  });

  it('negates the sale exactly when everything comes back, in one return or several (property)', () => {
    const lineArb = fc.record({
      unitPrice: fc.integer({ min: 0, max: 100_000 }),
      quantity: fc.integer({ min: 1, max: 6 }),
      tax: fc.constantFrom('vat19', 'vat7', 'tax8875'),
      discount: fc.option(fc.integer({ min: 0, max: 50 }), { nil: undefined }),
    });
    const taxes = [...VAT, { id: 'tax8875', name: 'Sales tax', rate: '8.875', inclusive: false }];
    fc.assert(
      fc.property(
        fc.array(lineArb, { minLength: 1, maxLength: 6 }),
        fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }),
        fc.constantFrom('LINE', 'RATE_BUCKET', 'DOCUMENT', 'UNIT'),
        fc.boolean(),
        (spec, orderPercent, level, splitReturns) => {
          let till = openTill();
          const saleLines: LineInput[] = spec.map((l, i) => ({
            id: `l${i}`,
            name: `Item ${i}`,
            unitPrice: l.unitPrice,
            quantity: l.quantity,
            taxIds: [l.tax],
            ...(l.discount ? { discounts: [{ kind: 'percent' as const, percent: l.discount }] } : {}),
          }));
          const sale = ring(till, {
            taxes,
            policy: { mode: 'HALF_EVEN', level, inclusiveRoundFirst: 'TAX' },
            lines: saleLines,
            ...(orderPercent ? { orderDiscounts: [{ kind: 'percent' as const, percent: orderPercent }] } : {}),
            tenders: [{ type: 'card' }],
          });
          till = sale.till;
          if (sale.tx.priced.total === 0) return;
          const returns: CompletedTransaction[] = [];
          const batches = splitReturns
            ? [
                spec.map((l, i) => ({ sourceLineId: `l${i}`, quantity: 1 })),
                spec.flatMap((l, i) => (l.quantity > 1 ? [{ sourceLineId: `l${i}`, quantity: l.quantity - 1 }] : [])),
              ]
            : [spec.map((l, i) => ({ sourceLineId: `l${i}`, quantity: l.quantity }))];
          for (const batch of batches) {
            if (batch.length === 0) continue;
            const back = refund(till, openReturn({ source: sale.tx, priorReturns: returns, lines: batch, at: AT }), 'card');
            till = back.till;
            returns.push(back.tx);
          }
          const sumOf = (pick: (t: CompletedTransaction) => number) => returns.reduce((s, r) => s + pick(r), 0);
          const neg = (n: number) => -n || 0;
          expect(sumOf((r) => r.priced.total)).toBe(neg(sale.tx.priced.total));
          expect(sumOf((r) => r.priced.taxTotal)).toBe(neg(sale.tx.priced.taxTotal));
          expect(sumOf((r) => r.priced.netTotal)).toBe(neg(sale.tx.priced.netTotal));
          expect(sumOf((r) => r.priced.discountTotal)).toBe(neg(sale.tx.priced.discountTotal));
          for (const bucket of sale.tx.priced.taxBuckets) {
            const back = returns.flatMap((r) => r.priced.taxBuckets.filter((b) => b.taxId === bucket.taxId));
            expect(back.reduce((s, b) => s + b.tax, 0)).toBe(neg(bucket.tax));
            expect(back.reduce((s, b) => s + b.net, 0)).toBe(neg(bucket.net));
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
