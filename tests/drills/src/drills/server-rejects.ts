import { eventKey } from '@tillkit/sync-client';
import { firstValueFrom } from 'rxjs';
import type { Drill } from '../drill';
import { Shop } from '../harness/shop';
import { until } from '../harness/sim-clock';

/**
 * 12. A till with a pricing bug sends a sale whose lines do not add up to its total: the server
 * refuses it (TOTALS_MISMATCH), it becomes a dead letter the operator sees, and every later sale
 * still goes through.
 */
export const serverRejects: Drill = {
  name: 'server-rejects',
  title: 'server rejects a sale: dead letter, nothing else stops',
  async run(ctx) {
    const shop = await Shop.open(ctx);
    await shop.till.client.start();
    await shop.openSession();
    await shop.sellMany(3);
    const bad = shop.register.sale();
    // the till's pricing bug: its lines come to one total, the sale says another
    const priced = { ...bad.transaction.priced, total: bad.transaction.priced.total + 10 };
    const tampered = { ...bad, transaction: { ...bad.transaction, priced } };
    await shop.record(tampered);
    await shop.sellMany(5);
    await shop.drained();
    const key = eventKey(bad.entry);
    const dead = await shop.till.client.outbox.deadLetters.list();
    const drainedAt = performance.now();
    let status = await firstValueFrom(shop.till.client.status$);
    const seen = shop.till.client.status$.subscribe((s) => (status = s));
    await until('the status to show the dead letter', () => status.deadLetters > 0, 3000).catch(() => undefined);
    seen.unsubscribe();
    const shownAfterMs = performance.now() - drainedAt;
    const refused = (await shop.cloud.admin.events('rejected')).filter((e) => e.key === key);
    const later = (await shop.cloud.admin.events('applied')).filter((e) => e.seq > bad.entry.sequence).length;
    return shop.measure(
      [
        {
          what: `the tampered sale is a dead letter on the till (${dead.map((d) => d.dead?.code).join(', ')})`,
          ok: dead.length === 1 && dead[0]?.key === key,
        },
        { what: `the operator sees it: status deadLetters ${status.deadLetters}`, ok: status.deadLetters === 1 },
        {
          what: `the server quarantined it as ${refused[0]?.code ?? 'nothing'}`,
          ok: refused.length === 1 && refused[0]?.code === 'TOTALS_MISMATCH',
        },
        { what: `the 5 sales after it were applied (${later})`, ok: later === 5 },
      ],
      `sale ${bad.transaction.receiptNumber} tampered; refused and dead-lettered (the status showed it ${shownAfterMs.toFixed(0)} ms after the drain), the next 5 went through`,
      { rejected: [key] },
    );
  },
};
