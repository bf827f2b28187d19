import { addLine, addTender, completeSale, createTill, openSale, openSession, type TillState } from '@tillkit/core';
import type { SyncEvent } from '@tillkit/sync-client';

const TAXES = [{ id: 'vat19', name: 'VAT 19%', rate: '19', inclusive: true }];

/** A till ringing sales with @tillkit/core at a deterministic time: every step is one journal event. */
export class TillFixture {
  till: TillState;
  private t = Date.parse('2026-03-02T08:00:00.000Z');

  constructor(tillId: string, currency = 'EUR') {
    this.till = createTill({ tillId, currency });
  }

  /** A till that goes on from a stored (or restored) state, later in the day. */
  static from(till: TillState, startAt = '2026-03-02T14:00:00.000Z'): TillFixture {
    const fixture = new TillFixture(till.tillId, till.currency);
    fixture.till = till;
    fixture.t = Date.parse(startAt);
    return fixture;
  }

  private at(): string {
    this.t += 60_000;
    return new Date(this.t).toISOString();
  }

  openSession(): SyncEvent {
    const { till, entry } = openSession(this.till, { id: `shift-${this.t}`, at: this.at(), float: 10_000 });
    this.till = till;
    return { entry, till };
  }

  sale(unitPrice = 350, quantity = 2): SyncEvent {
    let sale = openSale({ tillId: this.till.tillId, currency: this.till.currency, taxes: TAXES, operator: 'Mia', at: this.at() });
    sale = addLine(sale, { id: 'l1', name: 'Coffee', unitPrice, quantity, taxIds: ['vat19'] });
    sale = addTender(sale, { type: 'cash' }, { at: this.at() });
    const { transaction, entry, till } = completeSale(sale, this.till, { at: this.at() });
    this.till = till;
    return { entry, transaction, till };
  }
}
