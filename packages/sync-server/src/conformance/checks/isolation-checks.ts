import { PushRejectCode, type Tenant } from '@tillkit/sync-client/protocol';
import { check, show } from '../assert';
import type { ConformanceCheck } from '../check';
import { expectResult, type CheckContext, type EnrolledTill } from '../context';
import { ScriptedTill, wireItem } from '../till-events';
import { article, walkCatalog } from './pull-checks';

/** Till A, till B in another store of A's merchant, and till C of another merchant with A's store id. */
async function threeStores(ctx: CheckContext): Promise<{ a: EnrolledTill; b: EnrolledTill; c: EnrolledTill }> {
  const a = await ctx.enrol();
  const b = await ctx.enrol(ctx.tenant({ merchantId: a.tenant.merchantId, storeId: ctx.id('s') }));
  const c = await ctx.enrol(ctx.tenant({ merchantId: ctx.id('m'), storeId: a.tenant.storeId }));
  return { a, b, c };
}

async function expectCatalogIds(till: EnrolledTill, expected: Record<string, string>, who: string): Promise<void> {
  const { changes } = await walkCatalog(till, { limit: 3 });
  const got = changes
    .filter((c) => !c.deleted)
    .map((c) => `${c.id}=${String((c as { data: { name?: unknown } }).data.name)}`)
    .sort();
  const want = Object.entries(expected)
    .map(([id, name]) => `${id}=${name}`)
    .sort();
  check(got.join('|') === want.join('|'), () => `${who} pulled ${show(got, 600)}, expected only its store's ${show(want, 600)}`);
}

export const isolationChecks: ConformanceCheck[] = [
  {
    id: 'isolation.pull',
    title:
      "a till pulls its own store's data only: not another store's of its merchant, not another merchant's store of the same id",
    async run(ctx) {
      const { a, b, c } = await threeStores(ctx);
      await ctx.putRecords(a.tenant, 'catalog', [article('a1'), article('shared', 'from store A')]);
      await ctx.putRecords(b.tenant, 'catalog', [article('b1'), article('shared', 'from store B')]);
      await ctx.putRecords(c.tenant, 'catalog', [article('c1'), article('shared', 'from merchant C')]);
      await ctx.deleteRecord(b.tenant, 'catalog', 'b1');
      await expectCatalogIds(a, { a1: 'Article a1', shared: 'from store A' }, 'the till of store A');
      await expectCatalogIds(b, { shared: 'from store B' }, 'the till of store B');
      await expectCatalogIds(c, { c1: 'Article c1', shared: 'from merchant C' }, 'the till of merchant C');
      const tombstones = (await walkCatalog(a)).changes.filter((ch) => ch.deleted);
      check(tombstones.length === 0, () => `the till of store A pulled tombstones of another store: ${show(tombstones)}`);
    },
  },
  {
    id: 'isolation.push',
    title: `a till cannot push into another register: another store's, or a sibling register of its own store (${PushRejectCode.PARTITION_FORBIDDEN}); nothing is ingested there`,
    async run(ctx) {
      const { a, b } = await threeStores(ctx);
      const sibling = await ctx.enrol(ctx.tenant(a.tenant));
      const intoB = wireItem(b.script.fork().openSession());
      expectResult(
        await a.pushOne(intoB),
        { result: 'rejected', code: PushRejectCode.PARTITION_FORBIDDEN },
        "store A's till pushing into store B's register",
      );
      const intoSibling = wireItem(sibling.script.fork().openSession());
      expectResult(
        await a.pushOne(intoSibling),
        { result: 'rejected', code: PushRejectCode.PARTITION_FORBIDDEN },
        'a till pushing into a sibling register of its store',
      );
      const stranger = ScriptedTill.create(ctx.id('r'), ctx.currency);
      expectResult(
        await a.pushOne(wireItem(stranger.openSession())),
        { result: 'rejected', code: PushRejectCode.PARTITION_FORBIDDEN },
        'a till pushing into a register that does not exist',
      );
      const bEvents = await ctx.events(b.tenant);
      check(bEvents.length === 0, () => `store B ingested what store A's till pushed: ${show(bEvents)}`);
      const own = wireItem(b.script.openSession());
      expectResult(await b.pushOne(own), { result: 'applied' }, "store B's till pushing its own seq 1 afterwards");
      expectResult(
        await sibling.pushOne(wireItem(sibling.script.openSession())),
        { result: 'applied' },
        'the sibling till pushing its own seq 1',
      );
    },
  },
  {
    id: 'isolation.restore',
    title: "a till's restore holds its own register only, never another store's or another merchant's",
    async run(ctx) {
      const { a, b, c } = await threeStores(ctx);
      await b.pushApplied([b.script.openSession(), b.script.sale(), b.script.sale()].map((e) => wireItem(e)));
      await c.pushApplied([c.script.openSession(), c.script.sale()].map((e) => wireItem(e)));
      await a.pushApplied([wireItem(a.script.openSession())]);
      const snapshot = await a.restore(50);
      const sameTenant = (t: Tenant): boolean =>
        t.merchantId === a.tenant.merchantId && t.storeId === a.tenant.storeId && t.registerId === a.tenant.registerId;
      check(sameTenant(snapshot.tenant), () => `store A's restore names tenant ${show(snapshot.tenant)}`);
      const foreign = snapshot.partitions.filter((p) => p.partition !== a.tenant.registerId);
      check(foreign.length === 0, () => `store A's restore lists other registers: ${show(foreign)}`);
      const mine = snapshot.partitions.find((p) => p.partition === a.tenant.registerId);
      check(mine?.lastSeq === 1, () => `store A's restore gives its register's last sequence as ${show(mine)}, expected 1`);
      const strangers = snapshot.journalTail.filter((e) => e.tillId !== a.tenant.registerId);
      check(
        strangers.length === 0,
        () => `store A's restore carries journal entries of ${show([...new Set(strangers.map((e) => e.tillId))])}`,
      );
      check(
        snapshot.journalTail.length === 1,
        () => `store A's restore carries ${snapshot.journalTail.length} entries, expected its 1`,
      );
      check(
        (snapshot.till as { tillId?: unknown } | null)?.tillId === a.tenant.registerId,
        () => `store A's restore carries the till state of ${show((snapshot.till as { tillId?: unknown } | null)?.tillId)}`,
      );
    },
  },
  {
    id: 'isolation.same-ids',
    title:
      'two merchants whose store and register ids coincide stay apart: each register keeps its own sequence, journal and data',
    async run(ctx) {
      const first = await ctx.enrol();
      const second = await ctx.enrol({ ...first.tenant, merchantId: ctx.id('m') });
      await ctx.putRecords(first.tenant, 'catalog', [article('same', 'of the first merchant')]);
      await ctx.putRecords(second.tenant, 'catalog', [article('same', 'of the second merchant')]);
      const one = wireItem(first.script.openSession(10_000));
      const other = wireItem(second.script.openSession(20_000));
      expectResult(await first.pushOne(one), { result: 'applied' }, "the first merchant's seq 1");
      expectResult(
        await second.pushOne(other),
        { result: 'applied' },
        "the second merchant's seq 1 on a register of the same id",
      );
      for (const [till, item, who] of [
        [first, one, 'the first merchant'],
        [second, other, 'the second merchant'],
      ] as const) {
        const snapshot = await till.restore();
        const tail = snapshot.journalTail.map((e) => e.hash);
        check(
          tail.length === 1 && tail[0] === (item.payload as { entry: { hash: string } }).entry.hash,
          () => `${who}'s restore carries journal ${show(tail)}, expected only its own entry`,
        );
        const events = (await ctx.events(till.tenant)).map((e) => e.key);
        check(
          events.length === 1 && events[0] === item.key,
          () => `${who}'s events are ${show(events)}, expected only ${item.key}`,
        );
      }
      await expectCatalogIds(first, { same: 'of the first merchant' }, "the first merchant's till");
      await expectCatalogIds(second, { same: 'of the second merchant' }, "the second merchant's till");
    },
  },
];
