import {
  addLine,
  addTender,
  buildReceipt,
  completeSale,
  createTill,
  openSale,
  openSession,
  type CompletedTransaction,
  type JournalEntry,
  type ReceiptDocument,
  type TillState,
} from '@tillkit/core';
import type { SyncEvent } from '@tillkit/sync-client';
import { CURRENCY, TAX_RATES } from './cloud';

const ARTICLES = [
  { name: 'Espresso', unitPrice: 240 },
  { name: 'Cappuccino', unitPrice: 350 },
  { name: 'Croissant', unitPrice: 190 },
  { name: 'Orange juice', unitPrice: 420 },
  { name: 'Bagel', unitPrice: 310 },
];

/** The footer line that closes every receipt: a receipt that has it came out whole. */
export const receiptEnd = (receiptNumber: number): string => `END OF RECEIPT ${receiptNumber}`;

/** A sale the till rang: what must reach the cloud once and come out of the printer once. */
export interface RungSale {
  transaction: CompletedTransaction;
  entry: JournalEntry;
  receipt: ReceiptDocument;
}

/**
 * The register, with @tillkit/core: a session, then sales of a few articles paid in cash. Times
 * come from `now` (a simulated clock where the drill moves time), so three days of sales take
 * seconds.
 */
export class Register {
  till: TillState;
  readonly journal: JournalEntry[] = [];
  readonly sales: RungSale[] = [];
  private n = 0;

  constructor(
    tillId: string,
    private readonly now: () => string = () => new Date().toISOString(),
    till?: TillState,
  ) {
    this.till = till ?? createTill({ tillId, currency: CURRENCY });
  }

  /** Takes on what another device rang for this register before it (a restored till), for the drill's checks. */
  continues(previous: Register): this {
    this.journal.unshift(...previous.journal);
    this.sales.unshift(...previous.sales);
    return this;
  }

  openSession(operator = 'Mia'): SyncEvent {
    const { till, entry } = openSession(this.till, {
      id: `shift-${this.till.journal.sequence + 1}`,
      at: this.now(),
      operator,
      float: 10_000,
    });
    this.till = till;
    this.journal.push(entry);
    return { entry, till };
  }

  /** Rings one sale (one to three articles, cash); nothing is durable until the caller records it. */
  sale(): SyncEvent & { transaction: CompletedTransaction; receipt: ReceiptDocument } {
    const i = this.n++;
    let sale = openSale({
      tillId: this.till.tillId,
      currency: this.till.currency,
      taxes: TAX_RATES,
      operator: 'Mia',
      at: this.now(),
    });
    for (let line = 0; line <= i % 3; line++) {
      const article = ARTICLES[(i + line) % ARTICLES.length]!;
      sale = addLine(sale, {
        id: `l${line + 1}`,
        name: article.name,
        unitPrice: article.unitPrice,
        quantity: 1 + (line % 2),
        taxIds: ['vat19'],
      });
    }
    sale = addTender(sale, { type: 'cash' }, { at: this.now() });
    const { transaction, entry, till } = completeSale(sale, this.till, { at: this.now() });
    this.till = till;
    this.journal.push(entry);
    const receipt = buildReceipt(transaction, {
      timeZone: 'UTC',
      openDrawer: true,
      header: { name: 'Drill Café', lines: ['1 Test Street'] },
      footer: [receiptEnd(transaction.receiptNumber)],
    });
    this.sales.push({ transaction, entry, receipt });
    return { entry, transaction, till, receipt };
  }
}
