import { describe, expect, it } from 'vitest';
import {
  addLine,
  addOrderDiscount,
  addServiceCharge,
  addTender,
  completeSale,
  getSettlement,
  openSale,
  reopenSale,
  startTendering,
  voidLine,
  voidSale,
  voidTender,
} from './sale';
import { createTill } from './till';
import { AT, openTill, ring, VAT } from './test-fixtures';
import { isUuidV7 } from './uuid';
import { errorCode as code } from './test-support';

const coffee = { id: 'l1', name: 'Coffee', unitPrice: 350, quantity: 2, taxIds: ['vat19'] };
const bread = { id: 'l2', name: 'Bread', unitPrice: 249, quantity: 1, taxIds: ['vat7'] };

describe('sale lifecycle', () => {
  it('goes open -> tendering -> completed and assigns id, gapless sequence and receipt number', () => {
    let till = openTill();
    const first = ring(till, { lines: [coffee] });
    till = first.till;
    const second = ring(till, { lines: [bread] });
    expect(isUuidV7(first.tx.id)).toBe(true);
    expect(first.tx.status).toBe('completed');
    expect(second.tx.sequence).toBe(first.tx.sequence + 1);
    expect(second.tx.receiptNumber).toBe(first.tx.receiptNumber + 1);
    expect(second.till.journal.sequence).toBe(second.tx.sequence);
  });

  it('keeps voided lines as events and prices only active lines', () => {
    let sale = openSale({ tillId: 'till-1', currency: 'EUR', taxes: VAT, at: AT });
    sale = addLine(sale, coffee, { at: AT });
    sale = addLine(sale, bread, { at: AT });
    sale = voidLine(sale, 'l1', { reason: 'customer changed mind', at: AT });
    expect(sale.lines.map((l) => l.id)).toEqual(['l2']);
    expect(sale.events.map((e) => e.type)).toEqual(['line_added', 'line_added', 'line_voided']);
    expect(getSettlement(sale).total).toBe(249);
  });

  it('splits tender with change: EUR 9.49 paid by card 5.00 and cash 10.00 gives 5.51 change', () => {
    let sale = openSale({ tillId: 'till-1', currency: 'EUR', taxes: VAT, at: AT });
    sale = addLine(sale, coffee);
    sale = addLine(sale, bread);
    sale = addTender(sale, { type: 'card', amount: 500, reference: 'auth-123' });
    expect(getSettlement(sale).remaining).toBe(449);
    sale = addTender(sale, { type: 'cash', amount: 1000 });
    const { transaction } = completeSale(sale, openTill(), { at: AT });
    expect(transaction.change).toBe(551);
    expect(transaction.amountDue).toBe(949);
    expect(transaction.tenders.reduce((s, t) => s + t.amount, 0) - transaction.change).toBe(
      transaction.priced.total + transaction.cashRounding,
    );
  });

  it('applies cash rounding only to cash and stores it signed (CHF 10.02 in cash -> 10.00, -0.02)', () => {
    const till = openTill('CHF');
    const { tx } = ring(till, {
      currency: 'CHF',
      taxes: [{ id: 'vat81', name: 'MWST 8.1%', rate: '8.1', inclusive: true }],
      lines: [{ id: 'l1', name: 'Chocolate', unitPrice: 1002, quantity: 1, taxIds: ['vat81'] }],
      tenders: [{ type: 'cash', amount: 2000 }],
    });
    expect(tx.cashRounding).toBe(-2);
    expect(tx.amountDue).toBe(1000);
    expect(tx.change).toBe(1000);
  });

  it('makes completed transactions immutable', () => {
    const { tx } = ring(openTill(), { lines: [coffee] });
    expect(Object.isFrozen(tx)).toBe(true);
    expect(Object.isFrozen(tx.priced.lines[0])).toBe(true);
    expect(code(() => addLine(tx as never, bread))).toBe('INVALID_STATE');
    expect(code(() => addTender(tx as never, { type: 'cash' }))).toBe('INVALID_STATE');
  });

  it('journals training sales without a receipt number or grand total', () => {
    const till = openTill();
    const { tx, till: after } = ring(till, { lines: [coffee], training: true });
    expect(tx.training).toBe(true);
    expect(tx.receiptNumber).toBe(0);
    expect(after.lastReceiptNumber).toBe(till.lastReceiptNumber);
    expect(after.journal.grandTotal).toBe(till.journal.grandTotal);
    expect(after.journal.sequence).toBe(till.journal.sequence + 1);
  });

  it('voids a whole sale as a journaled void that moves no totals', () => {
    const till = openTill();
    let sale = openSale({ tillId: 'till-1', currency: 'EUR', taxes: VAT, at: AT });
    sale = addLine(sale, coffee);
    const { transaction, entry, till: after } = voidSale(sale, till, { reason: 'walked out', at: AT });
    expect(transaction.status).toBe('voided');
    expect(entry.type).toBe('void');
    expect(after.journal.grandTotal).toBe(till.journal.grandTotal);
    expect(after.journal.sequence).toBe(till.journal.sequence + 1);
  });

  it('lets a tender be voided and the sale reopened for changes', () => {
    let sale = openSale({ tillId: 'till-1', currency: 'EUR', taxes: VAT, at: AT });
    sale = addLine(sale, coffee);
    sale = addTender(sale, { type: 'card', amount: 300, id: 'card-1' });
    expect(code(() => addLine(sale, bread))).toBe('INVALID_STATE');
    sale = voidTender(sale, 'card-1', { reason: 'declined' });
    sale = reopenSale(sale);
    sale = addLine(sale, bread);
    expect(getSettlement(sale).total).toBe(949);
  });

  it('adds a service charge to what is due', () => {
    let sale = openSale({ tillId: 'till-1', currency: 'EUR', taxes: VAT, at: AT });
    sale = addLine(sale, { ...coffee, quantity: 10 });
    sale = addServiceCharge(sale, { id: 'tip', name: 'Tip', phase: 'AFTER_TAX', charge: { kind: 'percent', percent: 10 } });
    expect(getSettlement(sale).total).toBe(3850);
  });

  describe('refuses bad input with typed errors', () => {
    const till = openTill();
    const base = () => addLine(openSale({ tillId: 'till-1', currency: 'EUR', taxes: VAT, at: AT }), coffee);
    const table: [string, () => unknown, string][] = [
      ['unknown currency', () => openSale({ tillId: 't', currency: 'EURO', taxes: [] }), 'VALIDATION_FAILED'],
      ['missing till id', () => openSale({ tillId: '', currency: 'EUR', taxes: [] }), 'VALIDATION_FAILED'],
      ['bad timestamp', () => openSale({ tillId: 't', currency: 'EUR', taxes: [], at: 'yesterday' }), 'VALIDATION_FAILED'],
      ['float price', () => addLine(base(), { ...bread, unitPrice: 2.49 }), 'VALIDATION_FAILED'],
      ['unknown tax', () => addLine(base(), { ...bread, taxIds: ['vat99'] }), 'UNKNOWN_TAX'],
      ['duplicate line id', () => addLine(base(), { ...bread, id: 'l1' }), 'DUPLICATE_ID'],
      ['void of a missing line', () => voidLine(base(), 'nope', { reason: 'x' }), 'LINE_NOT_FOUND'],
      ['void without reason', () => voidLine(base(), 'l1', { reason: '' }), 'VALIDATION_FAILED'],
      ['bad discount', () => addOrderDiscount(base(), { kind: 'percent', percent: 'ten' }), 'VALIDATION_FAILED'],
      ['unknown tender type', () => addTender(base(), { type: 'bitcoin' }), 'UNKNOWN_TENDER_TYPE'],
      ['card over-tender', () => addTender(base(), { type: 'card', amount: 800 }), 'OVER_TENDER'],
      ['float tender', () => addTender(base(), { type: 'cash', amount: 1.5 }), 'VALIDATION_FAILED'],
      ['negative payment', () => addTender(base(), { type: 'cash', amount: -100 }), 'VALIDATION_FAILED'],
      ['complete unpaid', () => completeSale(base(), till), 'NOT_BALANCED'],
      [
        'complete on another till',
        () => completeSale(addTender(base(), { type: 'cash' }), openTill('EUR', 'till-2')),
        'VALIDATION_FAILED',
      ],
      [
        'complete in another currency',
        () => completeSale(addTender(base(), { type: 'cash' }), openTill('USD')),
        'CURRENCY_MISMATCH',
      ],
      [
        'complete without a session',
        () => completeSale(addTender(base(), { type: 'cash' }), createTill({ tillId: 'till-1', currency: 'EUR' })),
        'SESSION_NOT_OPEN',
      ],
      [
        'tender an empty sale',
        () => startTendering(openSale({ tillId: 'till-1', currency: 'EUR', taxes: VAT })),
        'INVALID_STATE',
      ],
      ['not a transaction', () => addLine(null as never, coffee), 'INVALID_STATE'],
    ];
    it.each(table)('%s -> %s', (_name, fn, expected) => {
      expect(code(fn)).toBe(expected);
    });
  });
});
