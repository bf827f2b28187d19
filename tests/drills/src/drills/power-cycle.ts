import type { Drill } from '../drill';
import { healthState, startedPrinting } from '../harness/printer';
import { Shop } from '../harness/shop';

/**
 * 4. The printer is switched off and on in the middle of a receipt: its buffer and settings are
 * gone. The driver reconnects, switches status back on, the cut-off job is reprinted as a COPY and
 * the queued ones print once.
 */
export const powerCycle: Drill = {
  name: 'power-cycle',
  title: 'printer power cycle',
  async run(ctx) {
    const shop = await Shop.open(ctx, { printer: { printSpeedLinesPerSecond: 150, powerCycleMs: 300 } });
    const { emulator, printer } = shop.printer!;
    await healthState(printer, 'online');
    await shop.openSession();
    await shop.sellMany(2);
    const caught = await shop.sell();
    await emulator.waitFor((e) => startedPrinting(e.text(), caught.transaction.receiptNumber), 5000);
    const cycling = emulator.powerCycle();
    await shop.sellMany(2); // rung while the printer is off
    await cycling;
    await healthState(printer, 'online', 5000);
    await shop.sellMany(2);
    const final = await shop.desk!.jobs.find((j) => j.id === caught.transaction.id)!.done;
    return shop.measure(
      [
        {
          what: `the job cut off by the power cycle ended '${final.status}'`,
          ok: final.status === 'unknown' || final.status === 'printed',
        },
        { what: 'automatic status back is on again', ok: emulator.state().asb },
      ],
      `power cycled mid-receipt; ${shop.desk!.reprints} reprinted as copy; ${shop.register.sales.length} sales`,
    );
  },
};
