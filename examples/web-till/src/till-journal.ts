import {
  addLine,
  addTender,
  completeSale,
  openSale,
  openSession,
  uuidv7,
  type CompletedTransaction,
  type TaxRateInput,
  type TillState,
} from '@tillkit/core';
import type { OutboxStore } from '@tillkit/offline-queue';
import { RecordCollections, type EnrolmentInfo, type SyncClient } from '@tillkit/sync-client';
import type { BasketLine } from './basket';

export type TenderChoice = { type: 'card' } | { type: 'cash'; given?: number | undefined };

/**
 * The register's journal as this browser keeps it. The till state after the newest entry is a
 * companion record of every recorded event (collection `till`, key the register), written in the
 * same IndexedDB transaction as the outbox item: a reload reads it back and goes on from there.
 */
export class TillJournal {
  private constructor(
    private readonly client: SyncClient,
    private till: TillState,
  ) {}

  /**
   * The stored till state of the enrolled register. A browser without one (a new till, or one whose
   * site data was cleared) restores it from the server first, so its journal goes on where the
   * register's left off (a new register starts at sequence 1); this needs the server, once. A cash
   * session is opened when none is.
   */
  static async open(client: SyncClient, store: OutboxStore, enrolment: EnrolmentInfo): Promise<TillJournal> {
    const { registerId } = enrolment.tenant;
    const stored = await store.getRecord(RecordCollections.till, registerId);
    const till = stored === undefined ? (await client.restore()).till : toTillState(stored.value);
    if (till.tillId !== registerId) {
      throw new Error(`The stored till is register ${till.tillId}, but this browser is enrolled for ${registerId}.`);
    }
    const journal = new TillJournal(client, till);
    if (till.session === null) await journal.openSession();
    return journal;
  }

  get state(): TillState {
    return this.till;
  }

  private async openSession(): Promise<void> {
    const { till, entry } = openSession(this.till, { id: `session-${uuidv7()}`, at: new Date().toISOString(), float: 0 });
    await this.client.recordEvent({ entry, till });
    this.till = till;
  }

  /**
   * Rings the basket up as one sale with core, tenders it and records it durably (entry,
   * transaction and till state in one outbox transaction). Nothing waits on the network.
   */
  async ringSale(lines: readonly BasketLine[], tender: TenderChoice, operator?: string): Promise<CompletedTransaction> {
    const taxes = new Map<string, TaxRateInput>();
    for (const line of lines) taxes.set(line.product.tax.id, line.product.tax);
    let sale = openSale({
      tillId: this.till.tillId,
      currency: this.till.currency,
      taxes: [...taxes.values()],
      ...(operator === undefined ? {} : { operator }),
    });
    lines.forEach((line, index) => {
      sale = addLine(sale, {
        id: `l${index + 1}`,
        sku: line.product.id,
        name: line.product.name,
        unitPrice: line.product.unitPrice,
        quantity: line.quantity,
        taxIds: [line.product.tax.id],
      });
    });
    sale = addTender(
      sale,
      tender.type === 'cash' && tender.given !== undefined ? { type: 'cash', amount: tender.given } : { type: tender.type },
    );
    const { transaction, entry, till } = completeSale(sale, this.till);
    await this.client.recordEvent({ entry, transaction, till });
    this.till = till;
    return transaction;
  }
}

function toTillState(value: unknown): TillState {
  const till = value as Partial<TillState> | null;
  if (till === null || typeof till !== 'object' || typeof till.tillId !== 'string' || till.journal === undefined) {
    throw new Error('The stored till state is not one: clear the site data of this till and enrol it again (or restore it).');
  }
  return till as TillState;
}
