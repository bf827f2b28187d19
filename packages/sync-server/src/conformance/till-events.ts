import {
  addLine,
  addTender,
  completeSale,
  createTill,
  hashJournalEntry,
  journalBodyForTransaction,
  noSale,
  openSale,
  openSession,
  paidIn,
  recordJournalEntry,
  startTendering,
  type CompletedTransaction,
  type JournalEntry,
  type TaxRateInput,
  type TillState,
} from '@tillkit/core';
import { eventKey, type WireItem } from '@tillkit/sync-client/protocol';

/** One journal entry of a till as the kit pushes it: the entry, its sale (if any) and the till after it. */
export interface TillEvent {
  entry: JournalEntry;
  transaction?: CompletedTransaction;
  till: TillState;
}

const TAXES: TaxRateInput[] = [{ id: 'vat-std', name: 'VAT 20%', code: 'A', rate: '20', inclusive: true }];

/** A JSON copy (drops undefined fields, unfreezes): what travels on the wire. */
export function jsonCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * Rings up real journal entries with @tillkit/core for one register: every event it returns is
 * what an honest till would push. `fork()` copies the till at its current head, so a check can
 * build a conflicting or tampered entry without moving the honest one on.
 */
export class ScriptedTill {
  private clock: number;
  private sales = 0;

  constructor(
    public state: TillState,
    clock = Date.now(),
  ) {
    this.clock = clock;
  }

  static create(registerId: string, currency: string): ScriptedTill {
    return new ScriptedTill(createTill({ tillId: registerId, currency }));
  }

  /** the next entry's sequence */
  get nextSeq(): number {
    return this.state.journal.sequence + 1;
  }

  /** A copy at the same head whose clock runs apart, so its entries never equal this till's. */
  fork(): ScriptedTill {
    const copy = new ScriptedTill(this.state, this.clock + 137);
    copy.sales = this.sales;
    return copy;
  }

  private at(): string {
    this.clock += 1000;
    return new Date(this.clock).toISOString();
  }

  private keep(event: TillEvent): TillEvent {
    this.state = event.till;
    return event;
  }

  openSession(float = 10_000): TillEvent {
    return this.keep(
      openSession(this.state, { id: `shift-${this.nextSeq}-${this.clock}`, at: this.at(), operator: 'kit', float }),
    );
  }

  /** A card sale of `lines` articles (opens a session first when none is open, as a separate event). */
  sale(lines = 2, unitPrice = 250): TillEvent {
    this.sales++;
    let draft = openSale({
      tillId: this.state.tillId,
      currency: this.state.currency,
      taxes: TAXES,
      operator: 'kit',
      at: this.at(),
    });
    for (let i = 1; i <= lines; i++) {
      draft = addLine(draft, {
        id: `l${i}`,
        sku: `sku-${i}`,
        name: `Article ${i}`,
        unitPrice: unitPrice * i,
        quantity: 1,
        taxIds: ['vat-std'],
      });
    }
    draft = startTendering(draft, { at: this.at() });
    draft = addTender(draft, { type: 'card', reference: `auth-${this.sales}` }, { at: this.at() });
    const done = completeSale(draft, this.state, { at: this.at() });
    return this.keep({ entry: done.entry, transaction: done.transaction, till: done.till });
  }

  paidIn(amount = 500): TillEvent {
    return this.keep(paidIn(this.state, { amount, reason: 'change from the bank', at: this.at() }));
  }

  noSale(): TillEvent {
    return this.keep(noSale(this.state, { at: this.at(), reason: 'conformance' }));
  }

  /**
   * A card sale whose transaction claims a total `by` minor units lower than its lines price to,
   * with the journal entry and tender made to agree with the claim: the hash chain is intact and
   * the books balance, only a recomputation of the totals from the lines finds it.
   */
  tamperedSale(by = 100): TillEvent {
    const honest = this.fork().sale();
    const tx = jsonCopy(honest.transaction) as CompletedTransaction & { priced: { total: number }; amountDue: number };
    const claimed = tx.priced.total - by;
    const tampered = {
      ...tx,
      priced: { ...tx.priced, total: claimed },
      amountDue: claimed + tx.cashRounding,
      tenders: tx.tenders.map((t, i) => (i === 0 ? { ...t, amount: claimed + tx.cashRounding } : t)),
    } as CompletedTransaction;
    const recorded = recordJournalEntry(this.state, journalBodyForTransaction(tampered, { at: tx.completedAt }));
    const till = { ...recorded.till, lastReceiptNumber: tampered.receiptNumber };
    return this.keep({ entry: recorded.entry, transaction: tampered, till });
  }

  /** The next entry (a no-sale) chained to a previous hash that is not the head's, correctly hashed otherwise. */
  wrongPreviousHash(): TillEvent {
    const honest = this.fork().noSale();
    const { hash: _hash, ...content } = { ...honest.entry, previousHash: 'f'.repeat(64) };
    const entry = { ...content, hash: hashJournalEntry(content) };
    return this.keep({ entry, till: { ...honest.till, journal: { ...honest.till.journal, hash: entry.hash } } });
  }

  /** The next entry (a no-sale) numbered one too far, chained and hashed correctly otherwise. */
  wrongSequence(): TillEvent {
    const honest = this.fork().noSale();
    const { hash: _hash, ...content } = { ...honest.entry, sequence: honest.entry.sequence + 1 };
    const entry = { ...content, hash: hashJournalEntry(content) };
    return this.keep({
      entry,
      till: { ...honest.till, journal: { ...honest.till.journal, sequence: entry.sequence, hash: entry.hash } },
    });
  }

  /** The next entry (a no-sale) with its content changed after hashing: its hash is wrong. */
  wrongHash(): TillEvent {
    const honest = this.fork().noSale();
    const entry = { ...honest.entry, data: { ...honest.entry.data, reason: 'edited after hashing' } };
    return this.keep({ entry, till: honest.till });
  }
}

export interface WireOptions {
  attempt?: number;
  createdAt?: number;
}

/** The push item of an event: partition = register, seq = entry sequence, key = eventKey(entry). */
export function wireItem(event: TillEvent, options: WireOptions = {}): WireItem {
  const { entry, transaction, till } = event;
  const payload = jsonCopy(
    transaction === undefined ? { entry, till } : { entry, transaction, till },
  ) as unknown as WireItem['payload'];
  return {
    key: eventKey(entry),
    partition: entry.tillId,
    seq: entry.sequence,
    type: entry.type,
    payload,
    createdAt: options.createdAt ?? Date.parse(entry.endedAt),
    attempt: options.attempt ?? 1,
  };
}
