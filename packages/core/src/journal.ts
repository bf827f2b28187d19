import { sha256 } from '@noble/hashes/sha256';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';
import { z } from 'zod';
import { canonicalize } from './canonical';
import { ErrorCode, MoneyError, StateError, TillkitError, ValidationError } from './errors';
import type { CompletedTransaction, VoidedTransaction } from './transaction';
import { parseInput } from './validate';
import {
  GENESIS_HASH,
  IdSchema,
  JournalEntryBodySchema,
  JournalEntrySchema,
  JournalHeadSchema,
  isHead,
  isJournalEntry,
  isJournalEntryBody,
  type JournalEntry,
  type JournalEntryBody,
  type JournalHead,
  type JournalPayment,
} from './journal-entry';

// Appending to, hashing and verifying the journal. Entry shapes, schemas and fast guards are in
// journal-entry.ts.
export {
  JOURNAL_ENTRY_TYPES,
  GENESIS_HASH,
  JournalEntryBodySchema,
  JournalEntrySchema,
  JournalHeadSchema,
  isJournalEntryBody,
  isJournalEntry,
} from './journal-entry';
export type {
  JournalEntryType,
  JournalRateTotal,
  JournalPayment,
  JournalEntryBody,
  JournalEntry,
  JournalHead,
} from './journal-entry';

function emptyHead(tillId: string): JournalHead {
  return { tillId, sequence: 0, hash: GENESIS_HASH, grandTotal: 0, absoluteGrandTotal: 0 };
}

/** The head of a till's empty journal. Throws VALIDATION_FAILED for an empty or over-long till id. */
export function emptyJournalHead(tillId: string): JournalHead {
  return emptyHead(parseInput(IdSchema, tillId, 'till id'));
}

/** True when an entry moves the grand totals (and report totals): not training, not a reprint. */
export function movesTotals(entry: Pick<JournalEntryBody, 'type' | 'training'>): boolean {
  return !entry.training && entry.type !== 'reprint';
}

type EntryContent = Omit<JournalEntry, 'hash' | 'signature'>;

const json = JSON.stringify;
const textOrNull = (v: string | null): string => (v === null ? 'null' : json(v));

/**
 * canonicalize(content) for a well-formed entry, written field by field in sorted key order
 * (about three times faster than the generic walk). `${n}` writes -0 as 0, like canonicalize.
 * journal.property.test.ts checks it equals canonicalize() on generated entries.
 */
function canonicalEntryText(e: EntryContent): string {
  let rates = '';
  for (const r of e.rates) {
    rates += `${rates === '' ? '' : ','}{"gross":${r.gross},"net":${r.net},"rate":${json(r.rate)},"tax":${r.tax},"taxId":${json(r.taxId)}}`;
  }
  let payments = '';
  for (const p of e.payments) {
    payments += `${payments === '' ? '' : ','}{"amount":${p.amount},"kind":${json(p.kind)},"type":${json(p.type)}}`;
  }
  return (
    `{"absoluteGrandTotal":${e.absoluteGrandTotal},"cashRounding":${e.cashRounding},"change":${e.change},` +
    `"currency":${json(e.currency)},"data":${canonicalize(e.data)},"endedAt":${json(e.endedAt)},` +
    `"grandTotal":${e.grandTotal},"operator":${textOrNull(e.operator)},"payments":[${payments}],` +
    `"previousHash":${json(e.previousHash)},"rates":[${rates}],"receiptNumber":${e.receiptNumber === null ? 'null' : e.receiptNumber},` +
    `"references":[${e.references.map((r) => json(r)).join(',')}],"sequence":${e.sequence},"sessionId":${textOrNull(e.sessionId)},` +
    `"startedAt":${json(e.startedAt)},"tillId":${json(e.tillId)},"total":${e.total},"training":${e.training},` +
    `"transactionId":${textOrNull(e.transactionId)},"type":${json(e.type)},"version":${e.version}}`
  );
}

const sha256Hex = (text: string): string => bytesToHex(sha256(utf8ToBytes(text)));

/**
 * The SHA-256 (lower-case hex) of canonicalize(entry) without its `hash` and `signature`: what
 * `hash` must be and what an external signer signs. Throws VALIDATION_FAILED for values that
 * cannot be canonicalized (floats, ...).
 */
export function hashJournalEntry(entry: EntryContent & Partial<Pick<JournalEntry, 'hash' | 'signature'>>): string {
  const { hash: _hash, signature: _signature, ...content } = entry;
  return sha256Hex(canonicalize(content));
}

/** The running totals after `entry`; throws AMOUNT_OVERFLOW beyond the safe integer range. */
function runningTotals(head: JournalHead, body: JournalEntryBody): { grandTotal: number; absoluteGrandTotal: number } {
  const moved = movesTotals(body) ? body.total : 0;
  return { grandTotal: head.grandTotal + moved, absoluteGrandTotal: head.absoluteGrandTotal + Math.abs(moved) };
}

/**
 * Appends one entry after `head`: sequence = head.sequence + 1, previousHash = head.hash, grand
 * totals advanced (except for training and reprint entries), hash computed. Pure: returns the
 * new head and the entry to store; the caller persists the entry before using the new head.
 * The entry is a copy: later changes to `body` do not reach it.
 * Throws ValidationError (VALIDATION_FAILED) for a malformed head or body.
 */
export function appendJournalEntry(head: JournalHead, body: JournalEntryBody): { head: JournalHead; entry: JournalEntry } {
  const h = isHead(head) ? head : parseInput(JournalHeadSchema, head, 'journal head');
  const b = isJournalEntryBody(body) ? body : parseInput(JournalEntryBodySchema, body, 'journal entry body');
  const totals = runningTotals(h, b);
  if (!Number.isSafeInteger(totals.grandTotal) || !Number.isSafeInteger(totals.absoluteGrandTotal)) {
    throw new MoneyError(
      ErrorCode.AMOUNT_OVERFLOW,
      `The journal grand total of till ${h.tillId} would leave the safe integer range at sequence ${h.sequence + 1}; archive the journal and start a new till id.`,
    );
  }
  // keys in canonical (sorted) order, so stored entries read like their hash input
  const entry: JournalEntry = {
    absoluteGrandTotal: totals.absoluteGrandTotal,
    cashRounding: b.cashRounding,
    change: b.change,
    currency: b.currency,
    data: { ...b.data },
    endedAt: b.endedAt,
    grandTotal: totals.grandTotal,
    operator: b.operator,
    payments: b.payments.map((p) => ({ amount: p.amount, kind: p.kind, type: p.type })),
    previousHash: h.hash,
    rates: b.rates.map((r) => ({ gross: r.gross, net: r.net, rate: r.rate, tax: r.tax, taxId: r.taxId })),
    receiptNumber: b.receiptNumber,
    references: [...b.references],
    sequence: h.sequence + 1,
    sessionId: b.sessionId,
    startedAt: b.startedAt,
    tillId: h.tillId,
    total: b.total,
    training: b.training,
    transactionId: b.transactionId,
    type: b.type,
    version: 1,
    hash: '', // set below: the canonical text leaves out hash and signature
    signature: null,
  };
  const hash = sha256Hex(canonicalEntryText(entry));
  entry.hash = hash;
  return { head: { tillId: h.tillId, sequence: entry.sequence, hash, ...totals }, entry };
}

/**
 * Fills the signature slot of an entry (a signature is over `hash`, so it does not change it).
 * Returns a new entry; throws INVALID_STATE when the entry is already signed.
 */
export function withSignature(entry: JournalEntry, signature: string): JournalEntry {
  const e = parseInput(JournalEntrySchema, entry, 'journal entry');
  parseInput(z.string().min(1).max(8192), signature, 'signature');
  if (e.signature !== null) {
    throw new StateError(
      ErrorCode.INVALID_STATE,
      `Journal entry ${e.sequence} of till ${e.tillId} is already signed; journal entries are never edited.`,
    );
  }
  return { ...e, signature };
}

/** Options for journalBodyForTransaction. */
export interface JournalBodyOptions {
  /** the cash session the transaction belongs to (recordJournalEntry fills it from the till when null) */
  sessionId?: string | null | undefined;
  /** the end timestamp to record; defaults to completedAt or voidedAt */
  at?: string | undefined;
}

function groupPayments(tx: CompletedTransaction): JournalPayment[] {
  const byType = new Map<string, JournalPayment>();
  for (const tender of tx.tenders) {
    const group = byType.get(tender.type);
    if (group === undefined) {
      byType.set(tender.type, { type: tender.type, kind: tender.kind, amount: tender.amount });
    } else if (group.kind !== tender.kind) {
      throw new ValidationError(
        ErrorCode.VALIDATION_FAILED,
        `Transaction ${tx.id} uses tender type "${tender.type}" as both ${group.kind} and ${tender.kind}; a tender type has one kind.`,
      );
    } else {
      group.amount += tender.amount;
    }
  }
  return [...byType.values()].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
}

function completedBody(tx: CompletedTransaction, options: JournalBodyOptions): JournalEntryBody {
  const returnOf = tx.returnOf;
  return {
    type: tx.kind,
    startedAt: tx.openedAt,
    endedAt: options.at ?? tx.completedAt,
    operator: tx.operator ?? null,
    training: tx.training,
    transactionId: tx.id,
    // training receipts carry no receipt number (the transaction stores 0)
    receiptNumber: tx.training ? null : tx.receiptNumber,
    references: returnOf ? [returnOf.transactionId] : [],
    currency: tx.currency,
    total: tx.amountDue,
    rates: tx.priced.taxBuckets.map((b) => ({ taxId: b.taxId, rate: b.rate, net: b.net, tax: b.tax, gross: b.gross })),
    payments: groupPayments(tx),
    change: tx.change,
    cashRounding: tx.cashRounding,
    sessionId: options.sessionId ?? null,
    data: returnOf ? { returnOfSequence: returnOf.sequence, returnOfReceiptNumber: returnOf.receiptNumber } : {},
  };
}

function voidedBody(tx: VoidedTransaction, options: JournalBodyOptions): JournalEntryBody {
  return {
    type: 'void',
    startedAt: tx.openedAt,
    endedAt: options.at ?? tx.voidedAt,
    operator: tx.operator ?? null,
    training: tx.training,
    transactionId: tx.id,
    receiptNumber: null,
    references: [],
    currency: tx.currency,
    total: 0,
    rates: [],
    payments: [],
    change: 0,
    cashRounding: 0,
    sessionId: options.sessionId ?? null,
    data: { voidedLines: tx.lines.length, reason: tx.reason },
  };
}

/**
 * The journal body of a completed sale or return, or of a voided transaction:
 * - sale/return: type from `tx.kind`, total = amountDue (signed), rates from the stored tax
 *   buckets, payments summed per tender type (sorted by type), change and cash rounding;
 *   returns reference the source transaction id. Training receipts get receiptNumber null.
 * - voided: type 'void', total 0, `data.voidedLines` = number of lines, `data.reason`.
 * Throws INVALID_STATE for drafts and VALIDATION_FAILED for malformed transactions.
 */
export function journalBodyForTransaction(
  tx: CompletedTransaction | VoidedTransaction,
  options: JournalBodyOptions = {},
): JournalEntryBody {
  if (typeof tx !== 'object' || tx === null) {
    throw new ValidationError(
      ErrorCode.VALIDATION_FAILED,
      `journalBodyForTransaction needs a completed or voided transaction; got ${String(tx)}.`,
    );
  }
  const status = (tx as { status?: unknown }).status;
  if (status !== 'completed' && status !== 'voided') {
    throw new StateError(
      ErrorCode.INVALID_STATE,
      `Transaction ${String((tx as { id?: unknown }).id)} is ${JSON.stringify(status)}; only completed or voided transactions are journaled. Complete or void it first.`,
    );
  }
  let body: JournalEntryBody;
  try {
    body =
      status === 'completed'
        ? completedBody(tx as CompletedTransaction, options ?? {})
        : voidedBody(tx as VoidedTransaction, options ?? {});
  } catch (cause) {
    if (TillkitError.isInstance(cause)) throw cause;
    throw new ValidationError(
      ErrorCode.VALIDATION_FAILED,
      `Transaction ${String(tx.id)} is not a well-formed ${status} transaction (${cause instanceof Error ? cause.message : String(cause)}); build it with the sale lifecycle functions.`,
      { cause },
    );
  }
  return parseInput(JournalEntryBodySchema, body, `journal entry for transaction ${String(tx.id)}`);
}

/** Why verifyChain stopped. */
export type ChainBreakReason =
  'malformed' | 'till_mismatch' | 'sequence_gap' | 'previous_hash_mismatch' | 'hash_mismatch' | 'grand_total_mismatch';

export type VerifyChainResult =
  | { ok: true; count: number; head: JournalHead }
  | { ok: false; index: number; sequence: number | null; reason: ChainBreakReason; message: string };

function broken(index: number, sequence: number | null, reason: ChainBreakReason, message: string): VerifyChainResult {
  return { ok: false, index, sequence, reason, message };
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return 'invalid';
  const path = issue.path.length > 0 ? issue.path.map(String).join('.') : '(entry)';
  return `${path}: ${issue.message}`;
}

function sequenceOf(value: unknown): number | null {
  if (typeof value !== 'object' || value === null) return null;
  const sequence = (value as { sequence?: unknown }).sequence;
  return typeof sequence === 'number' && Number.isSafeInteger(sequence) ? sequence : null;
}

function verify(entries: unknown, start: unknown, cursor: { index: number }): VerifyChainResult {
  if (!Array.isArray(entries)) {
    return broken(
      0,
      null,
      'malformed',
      `verifyChain needs an array of journal entries; got ${entries === null ? 'null' : typeof entries}.`,
    );
  }
  let head: JournalHead | undefined;
  if (start !== undefined) {
    const parsed = JournalHeadSchema.safeParse(start);
    if (!parsed.success)
      return broken(0, null, 'malformed', `options.start is not a journal head (${firstIssue(parsed.error)}).`);
    head = parsed.data;
  }
  const list = entries as readonly unknown[];
  for (let index = 0; index < list.length; index++) {
    cursor.index = index;
    const raw = list[index];
    let e: JournalEntry;
    if (isJournalEntry(raw)) e = raw;
    else {
      const parsed = JournalEntrySchema.safeParse(raw);
      if (!parsed.success) {
        return broken(
          index,
          sequenceOf(raw),
          'malformed',
          `Entry ${index} is not a journal entry (${firstIssue(parsed.error)}).`,
        );
      }
      e = parsed.data;
    }
    const at = `Entry ${index} (sequence ${e.sequence})`;
    head ??= emptyHead(e.tillId);
    if (e.tillId !== head.tillId) {
      return broken(
        index,
        e.sequence,
        'till_mismatch',
        `${at} belongs to till ${JSON.stringify(e.tillId)}, not ${JSON.stringify(head.tillId)}.`,
      );
    }
    if (e.sequence !== head.sequence + 1) {
      return broken(
        index,
        e.sequence,
        'sequence_gap',
        `${at} should have sequence ${head.sequence + 1}: an entry was removed, inserted or moved here.`,
      );
    }
    if (e.previousHash !== head.hash) {
      return broken(
        index,
        e.sequence,
        'previous_hash_mismatch',
        `${at} does not chain to the entry before it: that entry or its hash was changed.`,
      );
    }
    // The content first: a changed byte is a changed entry, whatever field it hit.
    if (sha256Hex(canonicalEntryText(e)) !== e.hash) {
      return broken(
        index,
        e.sequence,
        'hash_mismatch',
        `${at} does not match its hash: the entry was changed after it was written.`,
      );
    }
    const totals = runningTotals(head, e);
    if (e.grandTotal !== totals.grandTotal || e.absoluteGrandTotal !== totals.absoluteGrandTotal) {
      return broken(
        index,
        e.sequence,
        'grand_total_mismatch',
        `${at} has grand totals ${e.grandTotal}/${e.absoluteGrandTotal}; the entries before it add up to ${totals.grandTotal}/${totals.absoluteGrandTotal}.`,
      );
    }
    head = { tillId: e.tillId, sequence: e.sequence, hash: e.hash, ...totals };
  }
  return { ok: true, count: list.length, head: head ?? emptyHead('') };
}

/**
 * Verifies a journal (or a contiguous part of one, continuing from `options.start`; without it
 * the first entry must be sequence 1 after GENESIS_HASH). Reports the FIRST broken index: a
 * changed field, a removed, inserted or reordered entry, an entry whose hash was recomputed after
 * a change (caught at the next entry), wrong grand totals. Never throws: garbage is 'malformed'.
 *
 * Removing entries from the END cannot be seen from the entries alone: compare the returned
 * `head` with the head the till stored (`till.journal`). `signature` is outside the hash and
 * must be checked with the signer's key. An empty list without `start` gives a head with
 * tillId ''.
 */
export function verifyChain(entries: readonly JournalEntry[], options?: { start?: JournalHead }): VerifyChainResult {
  const cursor = { index: 0 };
  try {
    const start = typeof options === 'object' && options !== null ? (options as { start?: unknown }).start : undefined;
    return verify(entries, start, cursor);
  } catch (error) {
    // Defensive: hostile input (throwing getters, proxies) must not escape as an exception.
    const reason = error instanceof Error ? error.message : String(error);
    return broken(cursor.index, null, 'malformed', `Entry ${cursor.index} could not be read: ${reason}.`);
  }
}
