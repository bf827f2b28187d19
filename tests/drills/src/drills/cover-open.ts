import type { Drill } from '../drill';
import { healthState, startedPrinting } from '../harness/printer';
import { Shop } from '../harness/shop';
import { sleep } from '../harness/sim-clock';

/** 2. Someone opens the printer's cover in the middle of a receipt; sales go on; the cover closes. */
export const coverOpen: Drill = {
  name: 'cover-open',
  title: 'printer cover open',
  async run(ctx) {
    const shop = await Shop.open(ctx, { printer: { printSpeedLinesPerSecond: 150 } });
    const { emulator, printer } = shop.printer!;
    await healthState(printer, 'online');
    await shop.openSession();
    await shop.sellMany(2);
    const caught = await shop.sell();
    await emulator.waitFor((e) => startedPrinting(e.text(), caught.transaction.receiptNumber), 5000);
    emulator.setCoverOpen(true);
    await healthState(printer, 'cover-open');
    await shop.sellMany(3);
    await sleep(200);
    const waiting = shop.desk!.jobs.filter((j) => j.state().status !== 'printed').length;
    emulator.setCoverOpen(false);
    await healthState(printer, 'online');
    await shop.sellMany(2);
    return shop.measure(
      [
        { what: `while the cover was open the receipts waited (${waiting} not printed yet)`, ok: waiting >= 3 },
        { what: 'no receipt needed a reprint', ok: shop.desk!.reprints === 0 },
      ],
      `cover opened mid-receipt; ${waiting} receipts waited; ${shop.register.sales.length} sales`,
    );
  },
};
