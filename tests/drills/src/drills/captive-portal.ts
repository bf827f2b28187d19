import { firstValueFrom } from 'rxjs';
import type { Drill } from '../drill';
import { startCaptivePortal, type CaptivePortal } from '../harness/captive-portal';
import { Shop } from '../harness/shop';
import { sleep } from '../harness/sim-clock';

/**
 * 7. The till is "online" behind a captive portal: every request gets 200 and an HTML login page.
 * Nothing may be taken for delivered, nothing dead-lettered, nothing lost; once the portal lets
 * the till through, everything goes, once.
 */
export const captivePortal: Drill = {
  name: 'captive-portal',
  title: 'captive portal: online, but the health probe fails',
  async run(ctx) {
    let portal: CaptivePortal | undefined;
    const shop = await Shop.open(ctx, {
      endpoints: async ([proxy]) => {
        portal = await startCaptivePortal({ host: proxy!.host, port: proxy!.port });
        ctx.defer(() => portal?.close());
        return [{ id: 'primary', url: portal.url }];
      },
    });
    await shop.till.client.start();
    await shop.openSession();
    await shop.sellMany(3);
    await shop.drained();
    portal!.setMode('portal');
    await shop.sellMany(20);
    await sleep(1500); // the outbox tries and probes through the portal meanwhile
    const acked = await shop.till.client.outbox.items({ state: 'acked' });
    const waiting = await shop.till.client.outbox.items();
    const dead = await shop.till.client.outbox.deadLetters.list();
    const onServer = (await shop.cloud.admin.events('all')).length;
    const status = (await firstValueFrom(shop.till.client.status$)).connectivity;
    const intercepted = portal!.intercepted;
    portal!.setMode('pass');
    return shop.measure(
      [
        { what: `the portal answered the till's requests (${intercepted})`, ok: intercepted > 0 },
        {
          what: `none of the 20 sales behind the portal was marked sent (${waiting.length} still waiting)`,
          ok: waiting.length === 20,
        },
        { what: `only the 4 entries sent before the portal are acknowledged (${acked.length})`, ok: acked.length === 4 },
        { what: `nothing dead-lettered (${dead.length})`, ok: dead.length === 0 },
        { what: `the server holds only what came before the portal (${onServer})`, ok: onServer === 4 },
        { what: `the till did not say it was online (${status})`, ok: status !== 'online' },
      ],
      `20 sales behind a captive portal for 1.5 s, ${intercepted} requests got its login page`,
    );
  },
};
