import type { Drill } from '../drill';
import { healthState } from '../harness/printer';
import { receiptEnd } from '../harness/register';
import { Shop } from '../harness/shop';
import { until } from '../harness/sim-clock';

/**
 * 5. The front printer goes offline; after failoverMs its queued receipts move to the back
 * printer, each to exactly one of them. When it is back, new receipts print on it again.
 */
export const backupPrinter: Drill = {
  name: 'backup-printer',
  title: 'backup printer takeover',
  async run(ctx) {
    const shop = await Shop.open(ctx, { printer: true, backupPrinter: true });
    const front = shop.printer!;
    const back = shop.backup!;
    await healthState(front.printer, 'online');
    await shop.openSession();
    await shop.sellMany(2);
    await shop.desk!.settled();
    front.emulator.setOffline(true);
    await healthState(front.printer, 'offline');
    await shop.sellMany(3);
    const rungOffline = shop.desk!.jobs.slice(2);
    await until('the receipts rung while the front printer was offline to print', () =>
      rungOffline.every((j) => j.state().status === 'printed'),
    );
    const moved = rungOffline.filter((j) => j.state().printerId === 'back-printer').length;
    front.emulator.setOffline(false);
    await healthState(front.printer, 'online');
    await shop.sellMany(2);
    const movedNumbers = shop.register.sales.slice(2, 5).map((s) => s.transaction.receiptNumber);
    const onBack = movedNumbers.filter((n) => back.emulator.text().includes(receiptEnd(n))).length;
    const onFront = movedNumbers.filter((n) => front.emulator.text().includes(receiptEnd(n))).length;
    const home = shop.desk!.jobs.slice(5).filter((j) => j.state().printerId === 'front-printer').length;
    return shop.measure(
      [
        {
          what: `the 3 receipts rung while the front printer was offline printed on the back printer (${moved})`,
          ok: moved === 3,
        },
        { what: `receipts went back to the front printer once it was online (${home} of 2)`, ok: home === 2 },
        {
          what: `on the back printer's paper: ${onBack} of them; on the front printer's: ${onFront}`,
          ok: onBack === 3 && onFront === 0,
        },
        { what: 'no receipt needed a reprint', ok: shop.desk!.reprints === 0 },
      ],
      `front printer offline for 3 sales; ${shop.register.sales.length} sales`,
    );
  },
};
