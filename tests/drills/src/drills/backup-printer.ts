import type { Drill } from '../drill';
import { healthState, startedPrinting } from '../harness/printer';
import { receiptEnd } from '../harness/register';
import { Shop } from '../harness/shop';
import { until } from '../harness/sim-clock';

/**
 * 5. The front printer goes offline; after failoverMs its queued receipts move to the back
 * printer, each to exactly one of them. When it is back, new receipts print on it again. Then it
 * dies for good in the middle of a receipt: that job ends 'unknown', the till reprints it as a
 * COPY, and the copy and the next receipts come out of the back printer.
 */
export const backupPrinter: Drill = {
  name: 'backup-printer',
  title: 'backup printer takeover',
  async run(ctx) {
    const shop = await Shop.open(ctx, { printer: { printSpeedLinesPerSecond: 150 }, backupPrinter: true });
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
    const reprintsBefore = shop.desk!.reprints;

    // the front printer dies for good in the middle of a receipt
    await shop.desk!.settled();
    const dying = await shop.sell();
    await front.emulator.waitFor((e) => startedPrinting(e.text(), dying.transaction.receiptNumber), 5000);
    await front.emulator.close();
    await shop.sellMany(2);
    const dyingFinal = await shop.desk!.jobs.find((j) => j.id === dying.transaction.id)!.done;
    await shop.desk!.settled();
    const backPaper = back.emulator.text();
    const copyOnBack = backPaper
      .split(/(?=Drill Café)/u)
      .some((r) => r.includes('*** COPY ***') && r.includes(receiptEnd(dying.transaction.receiptNumber)));
    const afterOnBack = shop.register.sales.slice(-2).every((s) => backPaper.includes(receiptEnd(s.transaction.receiptNumber)));
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
        { what: 'while it was only offline, no receipt needed a reprint', ok: reprintsBefore === 0 },
        {
          what: `the receipt cut off when the front printer died ended '${dyingFinal.status}'`,
          ok: dyingFinal.status === 'unknown',
        },
        { what: 'its COPY came out of the back printer', ok: copyOnBack },
        { what: 'and so did the 2 receipts rung after it died', ok: afterOnBack },
      ],
      `front printer offline for 3 sales, back, then dead mid-receipt; ${shop.register.sales.length} sales`,
    );
  },
};
