import { z } from 'zod';
import { ErrorCode, StateError } from './errors';
import { journalBodyForTransaction, type JournalEntry } from './journal';
import { recordJournalEntry, type TillState } from './till';
import type { CompletedTransaction } from './transaction';
import { parseInput } from './validate';

const ReprintSchema = z.object({
  at: z.iso.datetime({ offset: true }).optional(),
  operator: z.string().min(1).max(128).optional(),
});

/**
 * Journals the reprint of a completed receipt. The entry has type 'reprint', references the
 * original transaction and moves no totals or counters; print the copy with
 * buildReceipt(tx, { copy: true }) so it is marked as a copy.
 */
export function recordReprint(
  till: TillState,
  tx: CompletedTransaction,
  options: { at?: string; operator?: string } = {},
): { till: TillState; entry: JournalEntry } {
  if (typeof tx !== 'object' || tx === null || tx.status !== 'completed') {
    throw new StateError(ErrorCode.INVALID_STATE, 'Only a completed sale or return has a receipt to reprint.');
  }
  const { at = new Date().toISOString(), operator } = parseInput(ReprintSchema, options, 'reprint options');
  const original = journalBodyForTransaction(tx, { at });
  return recordJournalEntry(till, {
    ...original,
    type: 'reprint',
    startedAt: at,
    operator: operator ?? original.operator,
    references: [tx.id],
    sessionId: null,
    data: { originalSequence: tx.sequence, originalReceiptNumber: tx.receiptNumber },
  });
}
