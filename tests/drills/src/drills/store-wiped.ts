import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Drill } from '../drill';
import { Register } from '../harness/register';
import { REGISTER_ID, Shop } from '../harness/shop';
import { openTill } from '../harness/till';

/**
 * 11. The till's disk is wiped (or the till is replaced). The new device enrols for the same
 * register with a new code, restores from the cloud, and goes on selling: the register's sequence
 * has no gap and no collision, and the cloud's journal verifies across the two devices.
 */
export const storeWiped: Drill = {
  name: 'store-wiped',
  title: 'local store wiped; replacement till restored from the cloud',
  async run(ctx) {
    const shop = await Shop.open(ctx);
    await shop.till.client.start();
    await shop.openSession();
    await shop.sellMany(10);
    await shop.drained();
    const before = shop.register;
    // the disk dies: the old till's files are gone
    await shop.till.close();
    rmSync(join(ctx.dir, 'till'), { recursive: true, force: true });

    const dir = join(ctx.dir, 'replacement');
    mkdirSync(dir);
    const replacement = await openTill({
      dir,
      deviceId: 'drill-device-2',
      endpoints: [{ id: 'primary', url: shop.proxies[0]!.url }],
    });
    ctx.defer(() => replacement.close());
    await replacement.client.enrol(await shop.cloud.admin.enrolmentCode(REGISTER_ID));
    const restored = await replacement.client.restore();
    await replacement.client.start();
    shop.till = replacement;
    shop.register = new Register(REGISTER_ID, undefined, restored.till);
    await shop.sellMany(10);
    const after = shop.register.sales.length;
    const first = shop.register.journal[0]!;
    shop.register.continues(before); // the cloud must hold both devices' entries
    return shop.measure(
      [
        { what: `restored at the cloud's last sequence ${restored.lastSeq}`, ok: restored.lastSeq === before.journal.length },
        {
          what: `the replacement's first entry continues it (sequence ${first.sequence})`,
          ok: first.sequence === restored.lastSeq + 1,
        },
        { what: "and chains to the cloud's head", ok: first.previousHash === before.journal.at(-1)?.hash },
      ],
      `${before.sales.length} sales, the store wiped, a replacement restored and rang ${after} more`,
    );
  },
};
