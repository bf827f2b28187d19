import {
  compareCursor,
  decodeCursor,
  encodeCursor,
  SyncPaths,
  SyncProblemCode,
  type CatalogItem,
  type Change,
  type Cursor,
  type PullPage,
} from '@tillkit/sync-client/protocol';
import { check, expectProblem, fail, show } from '../assert';
import type { ConformanceCheck } from '../check';
import type { EnrolledTill } from '../context';

export function article(id: string, name = `Article ${id}`): CatalogItem {
  return { id, name, barcodes: [`400${id.replace(/\D/g, '').padStart(10, '0')}`.slice(0, 13)], taxId: 'vat-std', weighed: false };
}

interface Walk {
  pages: PullPage[];
  changes: Change[];
  /** the last page's cursor */
  cursor: Cursor | null;
}

/** Pulls the catalog page by page from `cursor` to the end, checking every page's shape and order. */
export async function walkCatalog(till: EnrolledTill, options: { cursor?: Cursor | null; limit?: number } = {}): Promise<Walk> {
  const pages: PullPage[] = [];
  const changes: Change[] = [];
  let cursor = options.cursor ?? null;
  for (;;) {
    check(pages.length < 200, 'the pull did not end after 200 pages (hasMore stays true)');
    const sent = cursor;
    const page = await till.pull('catalog', {
      ...(sent === null ? {} : { cursor: encodeCursor(sent) }),
      ...(options.limit === undefined ? {} : { limit: options.limit }),
    });
    pages.push(page);
    const where = `page ${pages.length} (after ${sent === null ? 'no cursor' : show(sent)})`;
    if (options.limit !== undefined) {
      check(
        page.changes.length <= options.limit,
        () => `${where} holds ${page.changes.length} changes for limit ${options.limit}`,
      );
    }
    let previous = sent;
    for (const change of page.changes) {
      const position = { updatedAt: change.updatedAt, id: change.id };
      check(
        previous === null || compareCursor(previous, position) < 0,
        () => `${where}: change ${show(position)} does not come strictly after ${show(previous)} in (updatedAt, id) order`,
      );
      previous = position;
      changes.push(change);
    }
    const last = page.changes.at(-1);
    if (last === undefined) {
      check(
        (page.cursor === null && sent === null) ||
          (page.cursor !== null && sent !== null && compareCursor(page.cursor, sent) === 0),
        () => `${where} is empty but its cursor ${show(page.cursor)} is not the request's`,
      );
      check(!page.hasMore, () => `${where} is empty yet says hasMore`);
    } else {
      check(
        page.cursor !== null && page.cursor.updatedAt === last.updatedAt && page.cursor.id === last.id,
        () =>
          `${where}: its cursor ${show(page.cursor)} is not its last change ${show({ updatedAt: last.updatedAt, id: last.id })}`,
      );
    }
    cursor = page.cursor;
    if (!page.hasMore) return { pages, changes, cursor };
  }
}

/** The catalog a client holds after applying `changes` in order. */
function fold(
  changes: readonly Change[],
  into = new Map<string, Record<string, unknown>>(),
): Map<string, Record<string, unknown>> {
  for (const change of changes) {
    if (change.deleted) into.delete(change.id);
    else into.set(change.id, change.data);
  }
  return into;
}

function expectCatalog(actual: Map<string, Record<string, unknown>>, expected: readonly CatalogItem[], what: string): void {
  const want = new Map(expected.map((a) => [a.id, a.name]));
  const got = [...actual.entries()].map(([id, data]) => `${id}=${String(data.name)}`).sort();
  const wanted = [...want.entries()].map(([id, name]) => `${id}=${name}`).sort();
  check(got.join('|') === wanted.join('|'), () => `${what}: the till holds ${show(got, 600)}, expected ${show(wanted, 600)}`);
}

function expectEachOnce(changes: readonly Change[], what: string): void {
  const ids = changes.map((c) => c.id);
  const repeated = ids.filter((id, i) => ids.indexOf(id) !== i);
  check(repeated.length === 0, () => `${what}: ${show([...new Set(repeated)])} came more than once`);
}

export const pullChecks: ConformanceCheck[] = [
  {
    id: 'pull.pages',
    title: `${SyncPaths.pull}/<dataset> pages with cursors: every record exactly once, in (updatedAt, id) order, none lost or repeated between pages (also at equal updatedAt)`,
    async run(ctx) {
      const till = await ctx.enrol();
      // written in one call, so a backend that stamps a write with one time gives them equal updatedAt;
      // the ids are not in write order, so only an (updatedAt, id) order pages them right
      const first = ['k07', 'k02', 'k09', 'k01', 'k05'].map((id) => article(id));
      await ctx.putRecords(till.tenant, 'catalog', first);
      const second = ['k03', 'k08'].map((id) => article(id));
      await ctx.putRecords(till.tenant, 'catalog', second);
      const changed = article('k02', 'Article k02, renamed');
      await ctx.putRecords(till.tenant, 'catalog', [changed]);
      const expected = [...first.filter((a) => a.id !== 'k02'), ...second, changed];

      const paged = await walkCatalog(till, { limit: 2 });
      check(paged.pages.length >= 4, () => `7 records in pages of 2 came in ${paged.pages.length} pages`);
      expectEachOnce(paged.changes, 'paging by 2');
      check(
        paged.changes.every((c) => !c.deleted),
        () => `paging by 2 brought tombstones no record had: ${show(paged.changes)}`,
      );
      expectCatalog(fold(paged.changes), expected, 'after paging by 2');

      const whole = await walkCatalog(till);
      check(whole.pages.length === 1, () => `7 records at the default page size came in ${whole.pages.length} pages`);
      expectCatalog(fold(whole.changes), expected, 'after one pull at the default limit');

      const after = await walkCatalog(till, { cursor: paged.cursor, limit: 2 });
      check(after.changes.length === 0, () => `a pull from the last cursor brought ${show(after.changes)}, expected nothing`);
    },
  },
  {
    id: 'pull.tombstones',
    title: 'after a cursor, a deleted record comes as a tombstone and a changed record comes again; untouched records do not',
    async run(ctx) {
      const till = await ctx.enrol();
      await ctx.putRecords(till.tenant, 'catalog', [article('t1'), article('t2'), article('t3')]);
      const start = await walkCatalog(till, { limit: 2 });
      expectCatalog(fold(start.changes), [article('t1'), article('t2'), article('t3')], 'before the changes');
      await ctx.deleteRecord(till.tenant, 'catalog', 't2');
      await ctx.putRecords(till.tenant, 'catalog', [article('t3', 'Article t3, new name')]);
      const later = await walkCatalog(till, { cursor: start.cursor, limit: 2 });
      const byId = new Map(later.changes.map((c) => [c.id, c]));
      check(
        later.changes.length === 2,
        () => `after the cursor came ${show(later.changes)}, expected a tombstone of t2 and t3 again`,
      );
      const t2 = byId.get('t2');
      check(t2?.deleted === true, () => `t2 was deleted, but after the cursor came ${show(t2 ?? 'nothing for it')}`);
      const t3 = byId.get('t3');
      check(
        t3 !== undefined && !t3.deleted && t3.data.name === 'Article t3, new name',
        () => `t3 was renamed, but after the cursor came ${show(t3 ?? 'nothing for it')}`,
      );
      expectCatalog(
        fold(later.changes, fold(start.changes)),
        [article('t1'), article('t3', 'Article t3, new name')],
        'after the changes',
      );
    },
  },
  {
    id: 'pull.resync',
    title:
      'a pull without a cursor (a resync) brings the dataset as it is now: deleted records gone, changed ones changed, each once',
    async run(ctx) {
      const till = await ctx.enrol();
      const records = ['r5', 'r1', 'r4', 'r2', 'r3'].map((id) => article(id));
      await ctx.putRecords(till.tenant, 'catalog', records);
      await walkCatalog(till, { limit: 2 });
      await ctx.deleteRecord(till.tenant, 'catalog', 'r4');
      await ctx.putRecords(till.tenant, 'catalog', [article('r1', 'Article r1, v2'), article('r6')]);
      await ctx.putRecords(till.tenant, 'catalog', [article('r1', 'Article r1, v3')]);
      const resync = await walkCatalog(till, { limit: 2 });
      expectEachOnce(resync.changes, 'the resync');
      expectCatalog(
        fold(resync.changes),
        [article('r5'), article('r1', 'Article r1, v3'), article('r2'), article('r3'), article('r6')],
        'after a resync from no cursor',
      );
    },
  },
  {
    id: 'pull.malformed-cursor',
    title: `a malformed cursor is refused 400 ${SyncProblemCode.CURSOR_EXPIRED}`,
    async run(ctx) {
      const till = await ctx.enrol();
      const b64 = (text: string): string => btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
      const cursors = ['not a cursor', '!!!', b64('{"updatedAt":"yesterday","id":"x"}'), b64('not json'), b64('{"id":"x"}')];
      for (const cursor of cursors) {
        if (decodeCursor(cursor) !== null) fail(`internal: ${cursor} should not decode as a cursor`);
        expectProblem(await till.pullRequest('catalog', { cursor }), { status: 400, code: SyncProblemCode.CURSOR_EXPIRED });
      }
    },
  },
  {
    id: 'pull.unknown-dataset',
    title: `a pull of a dataset the protocol does not know is refused 404 ${SyncProblemCode.NOT_FOUND}`,
    async run(ctx) {
      const till = await ctx.enrol();
      expectProblem(await till.pullRequest('customers-secret'), { status: 404, code: SyncProblemCode.NOT_FOUND });
    },
  },
];
