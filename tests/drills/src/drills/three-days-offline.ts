import type { Drill } from '../drill';
import { Shop } from '../harness/shop';
import { simClock } from '../harness/sim-clock';

const DAY = 24 * 60 * 60_000;

/**
 * 6. The shop's internet is down for three days (a simulated clock: the till's, the sync client's
 * and the outbox's), the till sells all the while, then the line comes back and the backlog drains.
 */
export const threeDaysOffline: Drill = {
  name: 'three-days-offline',
  title: 'network down for three days of sales, then drain',
  async run(ctx) {
    const perDay = ctx.scale === 'full' ? 300 : 50;
    const clock = simClock('2026-03-02T07:00:00.000Z');
    const shop = await Shop.open(ctx, { clock });
    const [line] = shop.proxies;
    const statuses: string[] = [];
    let catchUpTotal = 0;
    shop.till.client.status$.subscribe((s) => {
      statuses.push(s.connectivity);
      if (s.catchingUp !== undefined) catchUpTotal = Math.max(catchUpTotal, s.catchingUp.total);
    });
    await shop.till.client.start();
    line!.setMode('down');
    await shop.openSession();
    for (let day = 0; day < 3; day++) {
      const opening = clock.now();
      for (let i = 0; i < perDay; i++) {
        await shop.sell();
        clock.jump(2 * 60_000); // a customer every two minutes
      }
      clock.jump(opening + DAY - clock.now()); // overnight
    }
    const reachedDuringOutage = (await shop.cloud.admin.events('all')).length;
    const offline = statuses.at(-1);
    line!.setMode('pass');
    const started = performance.now();
    await shop.drained(30_000);
    const drainSeconds = (performance.now() - started) / 1000;
    const sales = shop.register.sales.length;
    return shop.measure(
      [
        { what: 'nothing reached the cloud during the outage', ok: reachedDuringOutage === 0 },
        { what: `the till said it was offline (${offline})`, ok: offline === 'offline' },
        { what: `the till showed its catch-up (${catchUpTotal} to send)`, ok: catchUpTotal > 0 },
      ],
      `${sales} sales over 3 simulated days offline; drained in ${drainSeconds.toFixed(1)} s`,
    );
  },
};
