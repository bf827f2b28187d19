import { verifyChain, type JournalEntry } from '@tillkit/core';
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
 * 1. A partition other than the token's register: rejected PARTITION_FORBIDDEN (nothing stored).
 * 2. A key answered before with the same content replays the answer (applied → duplicate, a
 *    rejection as it was). An applied key with other content is rejected KEY_REUSED (nothing
 *    stored); a rejected key with other content (a corrected event) is decided again.
 * 3. seq !== last sequence + 1: gap with the expected sequence (nothing stored).
 * 4. The event itself (INVALID_EVENT, SEQUENCE_MISMATCH, CHAIN_BROKEN, TOTALS_MISMATCH): a
 *    rejection is stored for the key and the sequence does not move; else the event is applied.
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
  if (stored !== undefined && (stored.result === 'applied' || stored.contentHash === hash)) {
    if (stored.contentHash !== hash) {
      return answer({
        key,
        result: 'rejected',
        code: PushRejectCode.KEY_REUSED,
        message: `The key "${key}" was used before for a different event; every journal entry has its own key (eventKey(entry)).`,
      });
    }
    if (stored.result === 'applied') return answer({ key, result: 'duplicate' });
    return answer(
      stored.message === undefined
        ? { key, result: 'rejected', code: stored.code }
        : { key, result: 'rejected', code: stored.code, message: stored.message },
    );
  }
  const expectedSeq = context.head.lastSeq + 1;
  if (item.seq !== expectedSeq) return answer({ key, result: 'gap', expectedSeq });

  const parsed = syncEventPayloadSchema.safeParse(item.payload);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(payload)'}: ${i.message}`)
      .join('; ');
    return reject(hash, PushRejectCode.INVALID_EVENT, `The payload is not a journal event (${issues}).`);
  }
  const checked = checkEvent(item, parsed.data, context);
  if (!checked.ok) return reject(hash, checked.code, checked.message);
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
      head: checked.head,
      tillJson: JSON.stringify(payload.till),
    },
  };
}

function answer(result: PushItemResult): IngestDecision {
  return { kind: 'answer', result };
}

function reject(contentHash: string, code: PushRejectCode, message: string): IngestDecision {
  return { kind: 'reject', contentHash, code, message };
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
  const start = {
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
