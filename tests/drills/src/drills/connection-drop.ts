import type { Drill } from '../drill';
import { healthState, startedPrinting } from '../harness/printer';
import { Shop } from '../harness/shop';

/**
 * 3. The printer's TCP connection drops in the middle of a job. The job becomes 'unknown' (it may
 * or may not have printed) and is never resent on its own; the till reprints it as a COPY.
 */
export const connectionDrop: Drill = {
  name: 'connection-drop',
  title: 'printer connection dropped mid-job',
  async run(ctx) {
    const shop = await Shop.open(ctx, { printer: { printSpeedLinesPerSecond: 150 } });
    const { emulator, printer } = shop.printer!;
    await healthState(printer, 'online');
    await shop.openSession();
    await shop.sellMany(2);
    const caught = await shop.sell();
    await shop.sell(); // queued behind it
    await emulator.waitFor((e) => startedPrinting(e.text(), caught.transaction.receiptNumber), 5000);
    emulator.dropConnection({ discardBuffered: true });
    const final = await shop.desk!.jobs.find((j) => j.id === caught.transaction.id)!.done;
    await shop.sellMany(2);
    return shop.measure(
      [
        { what: `the cut-off job ended '${final.status}' (not resent on its own)`, ok: final.status === 'unknown' },
        { what: `the till reprinted it as a COPY (${shop.desk!.reprints} reprint)`, ok: shop.desk!.reprints === 1 },
      ],
      `connection dropped mid-receipt, its unprinted bytes lost; ${shop.register.sales.length} sales`,
    );
  },
};
