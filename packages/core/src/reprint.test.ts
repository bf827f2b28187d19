import { describe, expect, it } from 'vitest';
import { buildReport } from './report';
import { recordReprint } from './reprint';
import { AT, openTill, openTillWithEntry, ring } from './test-fixtures';
import { verifyChain, type JournalEntry } from './journal';

describe('recordReprint', () => {
  it('journals a flagged copy that moves no totals and no receipt counter', () => {
    const start = openTill();
    const sale = ring(start, { lines: [{ id: 'l1', name: 'Tea', unitPrice: 300, quantity: 1, taxIds: ['vat19'] }] });
    const { till, entry } = recordReprint(sale.till, sale.tx, { at: AT, operator: 'Ana' });
    expect(entry).toMatchObject({ type: 'reprint', references: [sale.tx.id], operator: 'Ana', sequence: sale.tx.sequence + 1 });
    expect(till.journal.grandTotal).toBe(sale.till.journal.grandTotal);
    expect(till.journal.absoluteGrandTotal).toBe(sale.till.journal.absoluteGrandTotal);
    expect(till.lastReceiptNumber).toBe(sale.till.lastReceiptNumber);
  });

  it('is counted in reports but not added to their totals, and the chain verifies', () => {
    const opened = openTillWithEntry();
    const sale = ring(opened.till, { lines: [{ id: 'l1', name: 'Tea', unitPrice: 300, quantity: 1, taxIds: ['vat19'] }] });
    const reprint = recordReprint(sale.till, sale.tx, { at: AT });
    const journal: JournalEntry[] = [opened.entry, sale.entry, reprint.entry];
    expect(verifyChain(journal).ok).toBe(true);
    const report = buildReport(journal, { kind: 'X', sessionId: 'session-1', at: AT });
    expect(report.counts.reprint).toBe(1);
    expect(report.sales).toEqual({ count: 1, total: 300 });
    expect(report.total).toBe(300);
  });

  it('refuses a draft', () => {
    expect(() => recordReprint(openTill(), { status: 'open' } as never)).toThrow(
      expect.objectContaining({ code: 'INVALID_STATE' }),
    );
  });
});
