import type { Drill } from '../drill';
import { Shop } from '../harness/shop';
import { simClock } from '../harness/sim-clock';

const HOUR = 60 * 60_000;

/**
 * 13. The till's clock (core's timestamps, the sync client's and the outbox's clock) jumps back
 * two hours, forward three days and back a day, some of it during an outage with retries pending.
 */
export const clockJumps: Drill = {
  name: 'clock-jumps',
  title: 'clock jumps backwards and forwards',
  async run(ctx) {
    const clock = simClock('2026-03-02T09:00:00.000Z');
    const shop = await Shop.open(ctx, { clock });
    const [line] = shop.proxies;
    await shop.till.client.start();
    await shop.openSession();
    await shop.sellMany(5);
    clock.jump(-2 * HOUR);
    await shop.sellMany(5);
    clock.jump(3 * 24 * HOUR);
    await shop.sellMany(5);
    line!.setMode('down');
    await shop.sellMany(5);
    await new Promise((resolve) => setTimeout(resolve, 300)); // retries get scheduled on the till's clock
    clock.jump(-24 * HOUR);
    line!.setMode('pass');
    await shop.sellMany(5);
    const started = performance.now();
    await shop.drained(10_000);
    const seconds = (performance.now() - started) / 1000;
    return shop.measure(
      [{ what: `the backlog drained in ${seconds.toFixed(1)} s after the clock went back a day`, ok: seconds < 10 }],
      `clock -2 h, +3 days, -1 day (during an outage); ${shop.register.sales.length} sales`,
    );
  },
};
