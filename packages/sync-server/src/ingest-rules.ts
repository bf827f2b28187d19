import { JournalEntrySchema, movesTotals, verifyChain, type JournalEntry } from '@tillkit/core';
import { eventKey, PushRejectCode, syncEventPayloadSchema, type WireItem } from '@tillkit/sync-client/protocol';
import { sha256Hex } from './secrets';
import { stableStringify } from './stable-json';
import type { IngestContext, IngestDecision, PartitionHead, PushItemResult } from './storage';
import { checkTransaction } from './transaction-check';

/** Entry types that record a completed transaction (their payload carries it). */
const TRANSACTION_TYPES: ReadonlySet<string> = new Set(['sale', 'return']);

/** What a key is bound to: the item without its delivery facts (createdAt, attempt). */
export function contentHash(item: WireItem): string {
  return sha256Hex(stableStringify({ partition: item.partition, seq: item.seq, type: item.type, payload: item.payload }));
}

type Check = { ok: true; head: PartitionHead } | { ok: false; code: PushRejectCode; message: string };

function fail(code: PushRejectCode, message: string): Check {
  return { ok: false, code, message };
}

/**
 * The exactly-once rules of a push, for one item, given what the register already holds. Pure:
 * the storage runs it inside the item's transaction and stores what it decides.
 *
 * 1. A partition other than the token's register: rejected PARTITION_FORBIDDEN. Nothing is
 *    stored; it is not this register's sequence.
 * 2. A key decided before replays its answer: applied → duplicate (other content under it:
 *    rejected KEY_REUSED, nothing stored); rejected → the same rejection, whatever comes under it.
 *    A key is never decided again: a correction is a new journal entry.
 * 3. seq !== last sequence + 1: gap with the expected sequence (nothing stored).
 * 4. The event itself (INVALID_EVENT, SEQUENCE_MISMATCH, CHAIN_BROKEN, TOTALS_MISMATCH): a
 *    rejection USES UP the sequence. The event is stored as rejected (quarantined) and the head
 *    moves to it: to its entry's hash and grand totals when the payload holds a readable journal
 *    entry of this register at this sequence, else to an unknown hash (the next entry's
 *    previousHash is then taken as it is). Otherwise the event is applied.
 */
export function decidePush(item: WireItem, context: IngestContext): IngestDecision {
  const { key } = item;
  const registerId = context.tenant.registerId;
  if (item.partition !== registerId) {
    return answer({
      key,
      result: 'rejected',
      code: PushRejectCode.PARTITION_FORBIDDEN,
      message: `This device pushes to partition "${registerId}" (its register) only, not "${item.partition}".`,
    });
  }
  const hash = contentHash(item);
  const stored = context.stored;
  if (stored !== undefined) {
    if (stored.result === 'rejected') {
      return answer(
        stored.message === undefined
          ? { key, result: 'rejected', code: stored.code }
          : { key, result: 'rejected', code: stored.code, message: stored.message },
      );
    }
    if (stored.contentHash !== hash) {
      return answer({
        key,
        result: 'rejected',
        code: PushRejectCode.KEY_REUSED,
        message: `The key "${key}" was used before for a different event; every journal entry has its own key (eventKey(entry)).`,
      });
    }
    return answer({ key, result: 'duplicate' });
  }
  const expectedSeq = context.head.lastSeq + 1;
  if (item.seq !== expectedSeq) return answer({ key, result: 'gap', expectedSeq });

  const parsed = syncEventPayloadSchema.safeParse(item.payload);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(payload)'}: ${i.message}`)
      .join('; ');
    return reject(item, context, hash, PushRejectCode.INVALID_EVENT, `The payload is not a journal event (${issues}).`);
  }
  const checked = checkEvent(item, parsed.data, context);
  if (!checked.ok) return reject(item, context, hash, checked.code, checked.message);
  const payload = parsed.data;
  return {
    kind: 'apply',
    contentHash: hash,
    event: {
      key,
      seq: item.seq,
      type: item.type,
      payloadJson: JSON.stringify(item.payload),
      transactionId: payload.entry.transactionId,
      entryHash: payload.entry.hash,
      head: checked.head,
      tillJson: JSON.stringify(payload.till),
    },
  };
}

function answer(result: PushItemResult): IngestDecision {
  return { kind: 'answer', result };
}

const tillSchema = syncEventPayloadSchema.shape.till;

/**
 * A rejection at the register's next sequence: the event is quarantined and uses up the sequence.
 * Its journal entry counts (the head moves to its hash and grand totals, journal reads and restore
 * tails include it) when the payload holds a readable journal entry of this register at this
 * sequence; its till state becomes the register's restore state when it is the state right after
 * that entry. Otherwise the head's hash becomes unknown and the stored till state stays.
 */
function reject(
  item: WireItem,
  context: IngestContext,
  contentHash: string,
  code: PushRejectCode,
  message: string,
): IngestDecision {
  const raw = isRecord(item.payload) ? item.payload : {};
  const parsedEntry = JournalEntrySchema.safeParse(raw.entry);
  const entry =
    parsedEntry.success && parsedEntry.data.tillId === context.tenant.registerId && parsedEntry.data.sequence === item.seq
      ? parsedEntry.data
      : undefined;
  const head: PartitionHead =
    entry === undefined
      ? { ...context.head, lastSeq: item.seq, lastHash: null }
      : { lastSeq: item.seq, lastHash: entry.hash, grandTotal: entry.grandTotal, absoluteGrandTotal: entry.absoluteGrandTotal };
  const till = entry === undefined ? undefined : tillSchema.safeParse(raw.till);
  const usableTill =
    entry !== undefined &&
    till?.success === true &&
    till.data.tillId === entry.tillId &&
    till.data.journal.tillId === entry.tillId &&
    till.data.journal.sequence === entry.sequence &&
    till.data.journal.hash === entry.hash;
  return {
    kind: 'reject',
    contentHash,
    code,
    message,
    event: {
      key: item.key,
      seq: item.seq,
      type: item.type,
      payloadJson: JSON.stringify(item.payload ?? null),
      transactionId: entry?.transactionId ?? null,
      entryHash: entry?.hash ?? null,
      head,
      tillJson: usableTill ? JSON.stringify(raw.till) : null,
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

interface Payload {
  entry: JournalEntry;
  transaction?: unknown;
  till: {
    tillId: string;
    currency: string;
    journal: { tillId: string; sequence: number; hash: string; grandTotal: number; absoluteGrandTotal: number };
  };
}

function checkEvent(item: WireItem, payload: Payload, context: IngestContext): Check {
  const { entry, till } = payload;
  const registerId = context.tenant.registerId;
  if (entry.tillId !== item.partition) {
    return fail(
      PushRejectCode.SEQUENCE_MISMATCH,
      `The entry belongs to till "${entry.tillId}", not to partition "${item.partition}".`,
    );
  }
  if (entry.sequence !== item.seq) {
    return fail(PushRejectCode.SEQUENCE_MISMATCH, `The item has seq ${item.seq} but its entry has sequence ${entry.sequence}.`);
  }
  if (entry.type !== item.type) {
    return fail(PushRejectCode.SEQUENCE_MISMATCH, `The item has type "${item.type}" but its entry has type "${entry.type}".`);
  }
  if (item.key !== eventKey(entry)) {
    return fail(
      PushRejectCode.SEQUENCE_MISMATCH,
      `The item's key is not its entry's key ("${eventKey(entry)}", from eventKey(entry)).`,
    );
  }
  if (entry.currency !== context.currency) {
    return fail(
      PushRejectCode.INVALID_EVENT,
      `Register "${registerId}" keeps its books in ${context.currency}; the entry is in ${entry.currency}.`,
    );
  }
  // an unknown head (the event before was rejected without a readable entry): the entry's
  // previousHash and grand totals are taken as they are; its own hash is still checked
  const moved = movesTotals(entry) ? entry.total : 0;
  const start =
    context.head.lastHash === null
      ? {
          tillId: registerId,
          sequence: context.head.lastSeq,
          hash: entry.previousHash,
          grandTotal: entry.grandTotal - moved,
          absoluteGrandTotal: entry.absoluteGrandTotal - Math.abs(moved),
        }
      : {
          tillId: registerId,
          sequence: context.head.lastSeq,
          hash: context.head.lastHash,
          grandTotal: context.head.grandTotal,
          absoluteGrandTotal: context.head.absoluteGrandTotal,
        };
  const chain = verifyChain([entry], { start });
  if (!chain.ok) {
    if (chain.reason === 'malformed') return fail(PushRejectCode.INVALID_EVENT, chain.message);
    if (chain.reason === 'till_mismatch' || chain.reason === 'sequence_gap') {
      return fail(PushRejectCode.SEQUENCE_MISMATCH, chain.message);
    }
    const why =
      chain.reason === 'previous_hash_mismatch'
        ? `its previousHash is not the hash of entry ${context.head.lastSeq} the server holds`
        : chain.reason === 'hash_mismatch'
          ? 'its hash is not the hash of its content'
          : 'its grand totals do not follow from the entries before it';
    return fail(PushRejectCode.CHAIN_BROKEN, `Entry ${entry.sequence} of "${registerId}" does not continue the journal: ${why}.`);
  }
  const head = chain.head;
  const j = till.journal;
  if (
    till.tillId !== registerId ||
    till.currency !== entry.currency ||
    j.tillId !== registerId ||
    j.sequence !== head.sequence ||
    j.hash !== head.hash ||
    j.grandTotal !== head.grandTotal ||
    j.absoluteGrandTotal !== head.absoluteGrandTotal
  ) {
    return fail(PushRejectCode.INVALID_EVENT, `payload.till is not the till state right after entry ${entry.sequence}.`);
  }
  const carries = payload.transaction !== undefined;
  if (TRANSACTION_TYPES.has(entry.type) !== carries) {
    return fail(
      PushRejectCode.INVALID_EVENT,
      carries
        ? `A "${entry.type}" event carries no transaction; only sales and returns do.`
        : `A "${entry.type}" event must carry the completed transaction it records.`,
    );
  }
  if (carries) {
    const tx = payload.transaction as { id?: unknown; tillId?: unknown; kind?: unknown; sequence?: unknown };
    if (tx.id !== entry.transactionId || tx.tillId !== registerId || tx.kind !== entry.type || tx.sequence !== entry.sequence) {
      return fail(PushRejectCode.INVALID_EVENT, `The transaction is not the one entry ${entry.sequence} records.`);
    }
    const verdict = checkTransaction(payload.transaction, entry);
    if (!verdict.ok) return fail(verdict.code, verdict.message);
  }
  return {
    ok: true,
    head: {
      lastSeq: head.sequence,
      lastHash: head.hash,
      grandTotal: head.grandTotal,
      absoluteGrandTotal: head.absoluteGrandTotal,
    },
  };
}
