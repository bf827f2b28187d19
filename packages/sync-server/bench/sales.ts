import { createTill } from '@tillkit/core';
import { ScriptedTill, type TillEvent } from '../src/conformance/till-events';

/** When the benchmark tills ring their first sale. */
const OPENING = Date.parse('2026-03-07T08:00:00.000Z');

/**
 * A register's journal rung with @tillkit/core: a session opening, then `sales` card sales of
 * `lines` articles (about 3.5 KB on the wire each: the entry, the transaction and the till state).
 */
export function ringJournal(registerId: string, sales: number, lines = 3): TillEvent[] {
  const till = new ScriptedTill(createTill({ tillId: registerId, currency: 'EUR' }), OPENING);
  const events: TillEvent[] = [till.openSession()];
  for (let n = 0; n < sales; n++) events.push(till.sale(lines));
  return events;
}
