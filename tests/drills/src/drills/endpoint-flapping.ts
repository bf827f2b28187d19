import type { OutboxEvent } from '@tillkit/offline-queue';
import type { Drill } from '../drill';
import { Shop } from '../harness/shop';
import { sleep } from '../harness/sim-clock';

const MIN_SWITCH_MS = 500;

/**
 * 9. The primary flaps (down and up every 100 ms) while the till sells: traffic must not follow
 * every flap (at most one switch per minSwitchIntervalMs), and nothing is lost or doubled.
 */
export const endpointFlapping: Drill = {
  name: 'endpoint-flapping',
  title: 'endpoint flapping, bounded switches',
  async run(ctx) {
    const shop = await Shop.open(ctx, {
      paths: 2,
      outbox: {
        failover: { breaker: { failureThreshold: 2, openMs: 300 }, minSwitchIntervalMs: MIN_SWITCH_MS, failBackAfterMs: 300 },
      },
    });
    const [primary] = shop.proxies;
    const switches: OutboxEvent[] = [];
    shop.till.client.outbox.events$.subscribe((e) => e.type === 'endpoint-switched' && switches.push(e));
    await shop.till.client.start();
    await shop.openSession();
    const flapMs = 3000;
    const started = Date.now();
    let flaps = 0;
    const flapping = (async () => {
      while (Date.now() - started < flapMs) {
        primary!.setMode(flaps++ % 2 === 0 ? 'down' : 'pass');
        await sleep(100);
      }
      primary!.setMode('pass');
    })();
    while (Date.now() - started < flapMs) {
      await shop.sell();
      await sleep(25);
    }
    await flapping;
    const bound = Math.ceil(flapMs / MIN_SWITCH_MS) + 1;
    return shop.measure(
      [{ what: `${switches.length} endpoint switches in ${flaps} flaps (at most ${bound})`, ok: switches.length <= bound }],
      `primary flapped ${flaps} times in ${flapMs / 1000} s; ${switches.length} switches; ${shop.register.sales.length} sales`,
    );
  },
};
