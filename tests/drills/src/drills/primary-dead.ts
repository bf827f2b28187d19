import type { OutboxEvent } from '@tillkit/offline-queue';
import type { Drill } from '../drill';
import { Shop } from '../harness/shop';

/** 8. The primary endpoint dies (connections refused) mid-day: the outbox fails over to the secondary. */
export const primaryDead: Drill = {
  name: 'primary-dead',
  title: 'primary endpoint dead, failover',
  async run(ctx) {
    const shop = await Shop.open(ctx, { paths: 2 });
    const [primary] = shop.proxies;
    const events: OutboxEvent[] = [];
    shop.till.client.outbox.events$.subscribe((e) => events.push(e));
    await shop.till.client.start();
    await shop.openSession();
    await shop.sellMany(5);
    await shop.drained();
    const viaPrimary = primary!.stats.passed;
    primary!.setMode('down');
    await shop.sellMany(20);
    const started = performance.now();
    await shop.drained();
    const seconds = (performance.now() - started) / 1000;
    const switched = events.find((e) => e.type === 'endpoint-switched');
    return shop.measure(
      [
        { what: `the first sales went through the primary (${viaPrimary} exchanges)`, ok: viaPrimary > 0 },
        {
          what: `the outbox failed over to the secondary (${switched?.type === 'endpoint-switched' ? `${switched.from} -> ${switched.to}` : 'no switch'})`,
          ok: switched?.type === 'endpoint-switched' && switched.to === 'secondary-1',
        },
      ],
      `primary refused connections after 5 sales; 20 more drained through the secondary in ${seconds.toFixed(1)} s`,
    );
  },
};
