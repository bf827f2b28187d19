import type { Drill } from '../drill';
import { healthState, startedPrinting } from '../harness/printer';
import { Shop } from '../harness/shop';
import { sleep } from '../harness/sim-clock';

/** 1. The paper runs out in the middle of a receipt; the cashier keeps selling; paper goes in. */
export const paperOut: Drill = {
  name: 'paper-out',
  title: 'printer paper out mid-receipt',
  async run(ctx) {
    // a slow print engine, so the paper runs out while a receipt is on its way
    const shop = await Shop.open(ctx, { printer: { printSpeedLinesPerSecond: 150 } });
    const { emulator, printer } = shop.printer!;
    await healthState(printer, 'online');
    await shop.openSession();
    await shop.sellMany(2);
    const cut = await shop.sell();
    await emulator.waitFor((e) => startedPrinting(e.text(), cut.transaction.receiptNumber), 5000);
    emulator.setPaper('out');
    await healthState(printer, 'paper-out');
    await shop.sellMany(3); // the customers behind do not wait for paper
    await sleep(300);
    const held = shop.desk!.jobs.find((j) => j.id === cut.transaction.id)!;
    const heldState = held.state().status;
    emulator.setPaper('ok');
    await shop.sellMany(2);
    return shop.measure(
      [
        {
          what: `the job in the printer when the paper ran out was held (${heldState}), not failed`,
          ok: heldState === 'sent' || heldState === 'queued',
        },
        { what: 'no receipt needed a reprint', ok: shop.desk!.reprints === 0 },
      ],
      `paper out with a receipt half printed; ${shop.register.sales.length} sales`,
    );
  },
};
