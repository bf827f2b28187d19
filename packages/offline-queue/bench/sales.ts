import {
  addLine,
  addTender,
  completeSale,
  createTill,
  openSale,
  openSession,
  type CompletedTransaction,
  type JournalEntry,
  type TillState,
} from '@tillkit/core';
import type { EnqueueInput } from '../src/outbox';
import type { JsonValue, RecordWrite } from '../src/item';

/** A till's sale as the outbox takes it: the transaction as payload, with its transaction and journal records. */
export interface SaleWrite {
  input: EnqueueInput;
  records: RecordWrite[];
}

const TAXES = [{ id: 'vat19', name: 'VAT 19%', rate: '19', inclusive: true }];

/** Rings `count` real five-line sales with @tillkit/core (a payload of about 4 KB each). */
export function ringSales(count: number, tillId = 'bench-till'): SaleWrite[] {
  let till: TillState = openSession(createTill({ tillId, currency: 'EUR' }), {
    id: 'shift-1',
    at: '2026-12-01T08:00:00.000Z',
    float: { currency: 'EUR', counts: { '1000': 10 } },
  }).till;
  const sales: SaleWrite[] = [];
  for (let n = 0; n < count; n++) {
    let sale = openSale({ tillId, currency: 'EUR', taxes: TAXES, operator: 'bench', at: '2026-12-01T09:00:00.000Z' });
    for (let line = 1; line <= 5; line++) {
      sale = addLine(sale, {
        id: `l${line}`,
        sku: `400000${line}`,
        name: `Article ${line}`,
        unitPrice: 199 * line,
        quantity: line,
        taxIds: ['vat19'],
      });
    }
    sale = addTender(sale, { type: 'card', reference: `AUTH ${n}` });
    const done: { transaction: CompletedTransaction; entry: JournalEntry; till: TillState } = completeSale(sale, till, {
      at: '2026-12-01T09:01:00.000Z',
    });
    till = done.till;
    const transaction = JSON.parse(JSON.stringify(done.transaction)) as JsonValue;
    sales.push({
      input: { key: done.transaction.id, type: 'sale', payload: transaction },
      records: [
        { collection: 'transactions', key: done.transaction.id, value: transaction },
        {
          collection: 'journal',
          key: String(done.entry.sequence).padStart(12, '0'),
          value: JSON.parse(JSON.stringify(done.entry)) as JsonValue,
          mode: 'insert',
        },
      ],
    });
  }
  return sales;
}
