import type { ApplyPageInput, CatalogStore } from '../catalog-store';
import type { CatalogItem, Change, Dataset, Member } from '../protocol/index';
import { equal, ok, rejects } from './contract-assert';

/**
 * The catalog store contract as runnable cases, shared by every CatalogStore: the SQLite store runs
 * them under vitest in Node, the Dexie store inside headless Chromium. Each case gets a context that
 * makes fresh stores and opens a store's database again.
 */
export interface CatalogStoreContractContext {
  /** a new, empty store with a database of its own */
  create(): Promise<CatalogStore>;
  /** closes `store` (if it is still open) and opens its database again */
  reopen(store: CatalogStore): Promise<CatalogStore>;
}

export interface CatalogStoreContractCase {
  name: string;
  run(context: CatalogStoreContractContext): Promise<void>;
}

const T0 = Date.UTC(2026, 11, 1, 9, 0, 0);

type Data = Record<string, unknown>;

const upsert = (id: string, at: number, data: Data): Change => ({
  id,
  updatedAt: T0 + at,
  deleted: false,
  data: { id, ...data },
});
const tombstone = (id: string, at: number): Change => ({ id, updatedAt: T0 + at, deleted: true });

/** A page whose cursor is its last change (as a server sends it). */
function page(dataset: Dataset, changes: Change[], extra: Partial<ApplyPageInput> = {}): ApplyPageInput {
  const last = changes[changes.length - 1];
  return { dataset, changes, cursor: last === undefined ? null : { updatedAt: last.updatedAt, id: last.id }, ...extra };
}

const article = (name: string, barcodes: string[] = [], extra: Data = {}): Data => ({ name, barcodes, taxId: 'std', ...extra });
const member = (name: string, extra: Partial<Member> = {}): Data => ({ name, points: 0, ...extra });
/** The article as a read returns it: schema defaults filled in. */
const stored = (id: string, name: string, barcodes: string[] = []): CatalogItem => ({
  id,
  name,
  barcodes,
  taxId: 'std',
  weighed: false,
});
const ids = (records: readonly { id: string }[]) => records.map((r) => r.id);

async function withStore(context: CatalogStoreContractContext, body: (store: CatalogStore) => Promise<void>): Promise<void> {
  const store = await context.create();
  try {
    await body(store);
  } finally {
    await store.close();
  }
}

function contractCase(
  name: string,
  body: (store: CatalogStore, context: CatalogStoreContractContext) => Promise<void>,
): CatalogStoreContractCase {
  return { name, run: (context) => withStore(context, (store) => body(store, context)) };
}

export const catalogStoreContractCases: readonly CatalogStoreContractCase[] = [
  contractCase('applyPage: stores the records and the cursor; reads fill in schema defaults', async (store) => {
    equal(await store.getCursor('catalog'), null, 'no cursor before the first pull');
    const { id: _omitted, ...withoutId } = { id: 'a2', ...article('Oat milk', ['4000000000002'], { weighed: true, unit: 'kg' }) };
    const result = await store.applyPage(
      page('catalog', [upsert('a1', 1, article('Coffee')), { id: 'a2', updatedAt: T0 + 2, deleted: false, data: withoutId }]),
    );
    equal(result, { upserted: 2, deleted: 0, shadowed: [] }, 'result');
    equal(await store.getCursor('catalog'), { updatedAt: T0 + 2, id: 'a2' }, 'cursor');
    equal(await store.get('catalog', 'a1'), stored('a1', 'Coffee'), 'a1 with defaults');
    equal(
      await store.get('catalog', 'a2'),
      { id: 'a2', name: 'Oat milk', barcodes: ['4000000000002'], taxId: 'std', weighed: true, unit: 'kg' },
      'a2, its id taken from the change',
    );
    equal(await store.get('catalog', 'nope'), undefined, 'unknown id');
    equal(await store.count('catalog'), 2, 'count');
    equal(await store.getCursor('prices'), null, 'other datasets have no cursor');
    await store.applyPage(page('prices', [upsert('a1', 3, { currency: 'EUR', unitPrice: 349, note: 'from a newer server' })]));
    equal(
      await store.get('prices', 'a1'),
      { id: 'a1', currency: 'EUR', unitPrice: 349, note: 'from a newer server' },
      'unknown fields kept',
    );
  }),

  contractCase('applyPage: a page with one invalid record is refused whole; nothing applied, the cursor stays', async (store) => {
    const first = page('catalog', [upsert('a1', 1, article('Coffee', ['111'])), upsert('a2', 2, article('Tea'))]);
    await store.applyPage(first);
    const bad = page('catalog', [
      upsert('a1', 3, article('Coffee, renamed', ['222'])),
      tombstone('a2', 4),
      upsert('a3', 5, article('')),
      upsert('a4', 6, article('Cocoa')),
    ]);
    const error = await rejects(() => store.applyPage(bad), 'VALIDATION_FAILED', 'a page with an empty name');
    ok(
      (error.issues ?? []).some((i) => i.path.join('.') === 'changes.2.data.name'),
      `the issue names the record: ${JSON.stringify(error.issues)}`,
    );
    ok(/nothing of the page was applied/i.test(error.message), `the message says nothing was applied: ${error.message}`);
    equal(await store.get('catalog', 'a1'), stored('a1', 'Coffee', ['111']), 'a1 unchanged');
    equal(await store.get('catalog', 'a2'), stored('a2', 'Tea'), 'a2 not deleted');
    equal(await store.get('catalog', 'a3'), undefined, 'a3 not written');
    equal(await store.get('catalog', 'a4'), undefined, 'a4 not written');
    equal(ids(await store.list('catalog')), ['a1', 'a2'], 'list');
    equal((await store.findByBarcode('111'))?.id, 'a1', 'old barcode still found');
    equal(await store.findByBarcode('222'), undefined, 'new barcode not indexed');
    equal(await store.getCursor('catalog'), first.cursor, 'cursor stays');

    const otherId: Change = { id: 'a5', updatedAt: T0 + 7, deleted: false, data: { ...article('Cake'), id: 'a6' } };
    await rejects(() => store.applyPage(page('catalog', [otherId])), 'VALIDATION_FAILED', 'data.id other than the change id');
    await rejects(
      () => store.applyPage(page('members', [upsert('m1', 7, member('Ada', { points: -1 }))])),
      'VALIDATION_FAILED',
      'a member with negative points',
    );
    const fixed = page('catalog', [...bad.changes.slice(0, 2), upsert('a3', 5, article('Cake')), bad.changes[3]!]);
    equal(await store.applyPage(fixed), { upserted: 3, deleted: 1, shadowed: [] }, 'the corrected page applies');
    equal(ids(await store.list('catalog')), ['a1', 'a3', 'a4'], 'after the corrected page');
  }),

  contractCase('applyPage: tombstones hide records from get, list, count and lookups', async (store) => {
    await store.applyPage(page('catalog', [upsert('a1', 1, article('Coffee', ['111'])), upsert('a2', 2, article('Tea'))]));
    await store.applyPage(page('members', [upsert('m1', 3, member('Ada', { cardNumber: 'C-1' }))]));
    const result = await store.applyPage(page('catalog', [tombstone('a1', 4), tombstone('never-seen', 5)]));
    equal(result, { upserted: 0, deleted: 2, shadowed: [] }, 'result');
    equal(await store.get('catalog', 'a1'), undefined, 'get');
    equal(ids(await store.list('catalog')), ['a2'], 'list');
    equal(await store.count('catalog'), 1, 'count');
    equal(await store.findByBarcode('111'), undefined, 'barcode');
    await store.applyPage(page('members', [tombstone('m1', 6)]));
    equal(await store.findMembers('C-1'), [], 'member by card');
    equal(await store.findMembers('m1'), [], 'member by id');
    await store.applyPage(page('catalog', [upsert('a1', 7, article('Coffee again', ['111']))]));
    equal((await store.findByBarcode('111'))?.name, 'Coffee again', 'a record may come back');
    equal(await store.getCursor('catalog'), { updatedAt: T0 + 7, id: 'a1' }, 'cursor');
  }),

  contractCase('applyPage: within a page the last change of an id wins', async (store) => {
    const result = await store.applyPage(
      page('catalog', [
        upsert('a1', 1, article('v1', ['111'])),
        upsert('a2', 2, article('Tea v1', ['222'])),
        tombstone('a1', 3),
        upsert('a2', 4, article('Tea v2', ['333'])),
      ]),
    );
    equal(result, { upserted: 3, deleted: 1, shadowed: [] }, 'result counts every change');
    equal(await store.get('catalog', 'a1'), undefined, 'a1 deleted');
    equal(await store.get('catalog', 'a2'), stored('a2', 'Tea v2', ['333']), 'a2 second version');
    equal(await store.findByBarcode('222'), undefined, 'the first version is not indexed');
    equal(await store.findByBarcode('111'), undefined, 'the deleted record is not indexed');
  }),

  contractCase('applyPage: reset removes the pulled records of its dataset only and keeps the local overlay', async (store) => {
    await store.applyPage(page('catalog', [upsert('a1', 1, article('Coffee', ['111'])), upsert('a2', 2, article('Tea'))]));
    await store.applyPage(page('prices', [upsert('a1', 3, { currency: 'EUR', unitPrice: 349 })]));
    await store.putLocal('catalog', stored('a2', 'Tea (local)'), { key: 'w1', at: T0 + 10 });
    const result = await store.applyPage(page('catalog', [upsert('a3', 20, article('Cake', ['333']))], { reset: true }));
    equal(result, { upserted: 1, deleted: 0, shadowed: [] }, 'result');
    equal(ids(await store.list('catalog')), ['a2', 'a3'], 'pulled a1 gone, local a2 kept, a3 new');
    equal(await store.get('catalog', 'a2'), stored('a2', 'Tea (local)'), 'the local write survives');
    equal(await store.findByBarcode('111'), undefined, 'lookup keys of removed records are gone');
    equal((await store.findByBarcode('333'))?.id, 'a3', 'the new record is found');
    equal(await store.getCursor('catalog'), { updatedAt: T0 + 20, id: 'a3' }, 'cursor of the reset page');
    equal(await store.count('prices'), 1, 'other datasets untouched');
    equal(await store.getCursor('prices'), { updatedAt: T0 + 3, id: 'a1' }, 'their cursors too');

    equal(
      await store.applyPage({ dataset: 'catalog', changes: [], cursor: null, reset: true }),
      { upserted: 0, deleted: 0, shadowed: [] },
      'empty reset',
    );
    equal(await store.getCursor('catalog'), null, 'an empty reset clears the cursor');
    equal(ids(await store.list('catalog')), ['a2'], 'only the local write is left');
    equal(
      (await store.listLocal()).map((w) => [w.dataset, w.id, w.key]),
      [['catalog', 'a2', 'w1']],
      'the overlay',
    );
  }),

  contractCase(
    'applyPage: a page ending before the stored cursor is refused (STALE_PAGE); the same page again is harmless',
    async (store) => {
      const first = page('catalog', [upsert('a1', 1, article('Coffee')), upsert('a2', 2, article('Tea'))]);
      const second = page('catalog', [upsert('a1', 3, article('Coffee v2')), upsert('a3', 4, article('Cake'))]);
      await store.applyPage(first);
      await store.applyPage(second);
      const error = await rejects(() => store.applyPage(first), 'STALE_PAGE', 'an older page after a newer one');
      ok(/getCursor/.test(error.message), `the message says what to do: ${error.message}`);
      equal((await store.get('catalog', 'a1'))?.name, 'Coffee v2', 'the newer version stays');
      equal(await store.getCursor('catalog'), second.cursor, 'the cursor stays');
      equal(await store.applyPage(second), { upserted: 2, deleted: 0, shadowed: [] }, 'the same page again');
      equal(await store.count('catalog'), 3, 'nothing doubled');
      equal(
        await store.applyPage({ dataset: 'catalog', changes: [], cursor: null }),
        { upserted: 0, deleted: 0, shadowed: [] },
        'empty page',
      );
      equal(await store.getCursor('catalog'), second.cursor, 'an empty page without a cursor leaves it');
      await store.applyPage({ ...first, reset: true });
      equal(await store.getCursor('catalog'), first.cursor, 'a reset may move the cursor back');
      equal(ids(await store.list('catalog')), ['a1', 'a2'], 'after the reset');
    },
  ),

  {
    name: 'persistence: cursors, records, lookups, the overlay and meta survive close and reopen',
    async run(context) {
      const store = await context.create();
      await store.applyPage(page('catalog', [upsert('a1', 1, article('Coffee', ['111'])), upsert('a2', 2, article('Tea'))]));
      await store.applyPage(page('members', [upsert('m1', 3, member('Ada', { email: 'ada@example.com' }))]));
      await store.putLocal(
        'members',
        { id: 'm1', name: 'Ada', points: 40, email: 'ada@example.com' },
        { key: 'sale-1', at: T0 + 9 },
      );
      await store.setMeta('deviceId', 'till-7');
      await store.close();
      const reopened = await context.reopen(store);
      try {
        equal(await reopened.getCursor('catalog'), { updatedAt: T0 + 2, id: 'a2' }, 'catalog cursor');
        equal(await reopened.getCursor('members'), { updatedAt: T0 + 3, id: 'm1' }, 'members cursor');
        equal(await reopened.getCursor('prices'), null, 'prices cursor');
        equal(ids(await reopened.list('catalog')), ['a1', 'a2'], 'records');
        equal((await reopened.findByBarcode('111'))?.id, 'a1', 'barcode');
        equal(
          (await reopened.findMembers('ADA@example.com')).map((m) => m.points),
          [40],
          'member lookup, overlay applied',
        );
        equal(
          (await reopened.listLocal()).map((w) => [w.dataset, w.id, w.key, w.at]),
          [['members', 'm1', 'sale-1', T0 + 9]],
          'overlay',
        );
        equal(await reopened.getMeta('deviceId'), 'till-7', 'meta');
        await reopened.applyPage(page('catalog', [upsert('a3', 5, article('Cake'))]));
        equal(await reopened.getCursor('catalog'), { updatedAt: T0 + 5, id: 'a3' }, 'pulling goes on');
      } finally {
        await reopened.close();
      }
    },
  },

  contractCase(
    'overlay: reads prefer a local write; pulled changes land underneath; settleLocal needs the write key',
    async (store) => {
      await store.applyPage(page('members', [upsert('m1', 1, member('Ada', { points: 10, cardNumber: 'C-1' }))]));
      const local = { id: 'm1', name: 'Ada', points: 15, cardNumber: 'C-1' };
      await store.putLocal('members', local, { key: 'sale-1', at: T0 + 5 });
      equal(await store.get('members', 'm1'), local, 'get prefers the overlay');
      equal(await store.list('members'), [local], 'list shows it once');
      equal(await store.count('members'), 1, 'count counts it once');
      equal(await store.findMembers('c-1'), [local], 'lookups see it');

      const pulled = await store.applyPage(page('members', [upsert('m1', 6, member('Ada', { points: 12, cardNumber: 'C-1' }))]));
      equal(pulled.shadowed, ['m1'], 'the pulled change is reported as shadowed');
      equal((await store.get('members', 'm1'))?.points, 15, 'pulling never overwrites the overlay');

      equal(await store.settleLocal('members', 'm1', 'sale-0'), false, 'settle with another key');
      equal((await store.get('members', 'm1'))?.points, 15, 'the overlay stays');
      equal((await store.listLocal()).length, 1, 'still listed');
      equal(await store.settleLocal('members', 'm1', 'sale-1'), true, 'settle with its key');
      equal((await store.get('members', 'm1'))?.points, 12, 'now the pulled record shows');
      equal(await store.listLocal(), [], 'the overlay is empty');
      equal(await store.settleLocal('members', 'm1', 'sale-1'), false, 'settling twice');

      await store.putLocal('members', { ...local, points: 20 }, { key: 'sale-2', at: T0 + 7 });
      equal(
        (await store.applyPage(page('members', [tombstone('m1', 8)]))).shadowed,
        ['m1'],
        'a tombstone underneath is shadowed too',
      );
      equal((await store.get('members', 'm1'))?.points, 20, 'the overlay still shows');
      await store.settleLocal('members', 'm1', 'sale-2');
      equal(await store.get('members', 'm1'), undefined, 'then the deletion shows');
      equal(await store.count('members'), 0, 'count');
    },
  ),

  contractCase('overlay: listLocal oldest first; a newer write of a record replaces the older one', async (store) => {
    await store.putLocal('members', { id: 'm1', name: 'Ada', points: 1 }, { key: 'k1', at: T0 + 5 });
    await store.putLocal('members', { id: 'm2', name: 'Bob', points: 2 }, { key: 'k2', at: T0 + 1 });
    await store.putLocal('config', { id: 'receipt.footer', value: 'Thanks!' }, { key: 'k3', at: T0 + 1 });
    equal(
      (await store.listLocal()).map((w) => [w.dataset, w.id, w.key, w.at]),
      [
        ['members', 'm2', 'k2', T0 + 1],
        ['config', 'receipt.footer', 'k3', T0 + 1],
        ['members', 'm1', 'k1', T0 + 5],
      ],
      'by time, then by write order',
    );
    equal((await store.listLocal())[0]?.record, { id: 'm2', name: 'Bob', points: 2 }, 'the record');
    await store.putLocal('members', { id: 'm1', name: 'Ada', points: 9 }, { key: 'k4', at: T0 + 9 });
    equal(
      (await store.listLocal()).map((w) => [w.id, w.key]),
      [
        ['m2', 'k2'],
        ['receipt.footer', 'k3'],
        ['m1', 'k4'],
      ],
      'one entry per record',
    );
    equal(await store.settleLocal('members', 'm1', 'k1'), false, 'the older key no longer settles it');
    equal((await store.get('members', 'm1'))?.points, 9, 'the newer write stays');
    equal(await store.get('config', 'receipt.footer'), { id: 'receipt.footer', value: 'Thanks!' }, 'local-only record');
    equal(await store.count('members'), 2, 'local-only records count');
    await rejects(
      () => store.putLocal('members', { id: 'm3', name: '', points: 1 }, { key: 'k5', at: T0 }),
      'VALIDATION_FAILED',
      'an invalid local record',
    );
    await rejects(
      () => store.putLocal('members', { id: 'm3', name: 'Cy', points: 1 }, { key: '', at: T0 }),
      'VALIDATION_FAILED',
      'a local write without a key',
    );
    await rejects(
      () => store.putLocal('nope' as Dataset, { id: 'm3', name: 'Cy', points: 1 }, { key: 'k6', at: T0 }),
      'VALIDATION_FAILED',
      'an unknown dataset',
    );
    equal((await store.listLocal()).length, 3, 'nothing written by refused writes');
  }),

  contractCase('findByBarcode: finds the article and follows a barcode that moves to another article', async (store) => {
    await store.applyPage(
      page('catalog', [upsert('a1', 1, article('Coffee', ['400001', '400002'])), upsert('a2', 2, article('Tea', ['400003']))]),
    );
    equal(await store.findByBarcode('400001'), stored('a1', 'Coffee', ['400001', '400002']), 'by its first barcode');
    equal((await store.findByBarcode('400002'))?.id, 'a1', 'by its second barcode');
    equal((await store.findByBarcode(' 400001\n'))?.id, 'a1', 'white space around a scan is ignored');
    equal(await store.findByBarcode('999'), undefined, 'unknown barcode');
    equal(await store.findByBarcode(''), undefined, 'empty barcode');

    // the barcode moves from a1 to a2 within one page
    await store.applyPage(
      page('catalog', [upsert('a1', 3, article('Coffee', ['400002'])), upsert('a2', 4, article('Tea', ['400003', '400001']))]),
    );
    equal((await store.findByBarcode('400001'))?.id, 'a2', 'the moved barcode finds its new article');
    equal((await store.findByBarcode('400002'))?.id, 'a1', 'the barcode that stayed');

    // across two pages: for a while both articles carry it; the one changed last wins
    await store.applyPage(page('catalog', [upsert('a3', 5, article('Cake', ['400003']))]));
    equal((await store.findByBarcode('400003'))?.id, 'a3', 'the newest article carrying the barcode');
    await store.applyPage(page('catalog', [upsert('a2', 6, article('Tea', ['400001']))]));
    equal((await store.findByBarcode('400003'))?.id, 'a3', 'after the old article dropped it');

    // a local write's barcodes replace the pulled ones of its article
    await store.putLocal('catalog', stored('a1', 'Coffee (local)', ['400009']), { key: 'w1', at: T0 + 7 });
    equal((await store.findByBarcode('400009'))?.name, 'Coffee (local)', 'a barcode of a local write');
    equal(await store.findByBarcode('400002'), undefined, 'a barcode the local write dropped');
    await store.putLocal('catalog', stored('a9', 'Local cake', ['400003']), { key: 'w2', at: T0 + 8 });
    equal((await store.findByBarcode('400003'))?.id, 'a9', 'a local write wins over a pulled article');
  }),

  contractCase('findMembers: by id, and by card number or e-mail ignoring case', async (store) => {
    await store.applyPage(
      page('members', [
        upsert('m1', 1, member('Ada', { cardNumber: 'CARD-001', email: 'Ada@Example.com' })),
        upsert('m2', 2, member('Ada Two', { email: 'ada@example.com' })),
        upsert('m3', 3, member('Cy', { cardNumber: 'm1' })),
        upsert('m4', 4, member('Dee')),
      ]),
    );
    equal(ids(await store.findMembers('CARD-001')), ['m1'], 'by card');
    equal(ids(await store.findMembers('card-001')), ['m1'], 'by card, other case');
    equal(ids(await store.findMembers(' ADA@EXAMPLE.COM ')), ['m1', 'm2'], 'by e-mail, any case, in id order');
    equal(ids(await store.findMembers('m1')), ['m1', 'm3'], 'by id and by card at once');
    equal(ids(await store.findMembers('m4')), ['m4'], 'by id');
    equal(ids(await store.findMembers('M4')), [], 'ids are exact');
    equal(await store.findMembers('nobody'), [], 'no match');
    equal(await store.findMembers(''), [], 'empty query');
    equal(await store.findMembers('Ada'), [], 'names are not searched');

    await store.applyPage(
      page('members', [upsert('m1', 5, member('Ada', { cardNumber: 'CARD-001', email: 'ada@new.example' }))]),
    );
    equal(ids(await store.findMembers('ada@example.com')), ['m2'], 'an old e-mail no longer finds m1');
    equal(ids(await store.findMembers('ADA@new.example')), ['m1'], 'the new one does');

    await store.putLocal(
      'members',
      { id: 'm2', name: 'Ada Two', points: 5, email: 'two@example.com' },
      { key: 'w1', at: T0 + 6 },
    );
    equal(await store.findMembers('ada@example.com'), [], 'the local write changed the e-mail');
    equal(
      await store.findMembers('TWO@example.com'),
      [{ id: 'm2', name: 'Ada Two', points: 5, email: 'two@example.com' }],
      'found by its local e-mail',
    );
    await store.applyPage(page('members', [tombstone('m3', 7)]));
    equal(ids(await store.findMembers('m1')), ['m1'], 'a deleted member is not found');
  }),

  contractCase('list: id order, pages with afterId and limit, local writes applied', async (store) => {
    const all = Array.from({ length: 25 }, (_, i) => `a${String(i).padStart(2, '0')}`);
    const shuffled = [...all].sort((x, y) => (x.split('').reverse().join('') < y.split('').reverse().join('') ? -1 : 1));
    await store.applyPage(
      page(
        'catalog',
        shuffled.map((id, i) => upsert(id, i + 1, article(`Article ${id}`))),
      ),
    );
    await store.putLocal('catalog', stored('a05', 'Local five'), { key: 'w1', at: T0 });
    await store.putLocal('catalog', stored('b-local', 'Local only'), { key: 'w2', at: T0 });
    equal(ids(await store.list('catalog')), [...all, 'b-local'], 'every record, in id order');
    const first = await store.list('catalog', { limit: 10 });
    equal(ids(first), all.slice(0, 10), 'first page');
    equal(first[5]?.name, 'Local five', 'the local write in its place');
    equal(ids(await store.list('catalog', { afterId: first[9]!.id, limit: 10 })), all.slice(10, 20), 'second page');
    equal(ids(await store.list('catalog', { afterId: 'a19', limit: 10 })), [...all.slice(20), 'b-local'], 'last page');
    equal(await store.list('catalog', { afterId: 'b-local' }), [], 'after the end');
    equal(ids(await store.list('catalog', { afterId: 'a04', limit: 1 })), ['a05'], 'a page of one: the local write');
    equal(await store.count('catalog'), 26, 'count');
    equal(await store.list('prices'), [], 'an empty dataset');
    await rejects(() => store.list('catalog', { limit: 0 }), 'VALIDATION_FAILED', 'limit 0');
  }),

  contractCase('datasets are separate: the same id in two datasets, a cursor each', async (store) => {
    await store.applyPage(page('catalog', [upsert('x', 1, article('Coffee'))]));
    await store.applyPage(page('prices', [upsert('x', 2, { currency: 'EUR', unitPrice: 250 })]));
    await store.applyPage(page('tax-rates', [upsert('std', 3, { name: 'Standard', rate: '19', inclusive: true })]));
    await store.applyPage(page('config', [upsert('receipt.header', 4, { value: ['Till 7', 'Main St'] })]));
    equal((await store.get('catalog', 'x'))?.name, 'Coffee', 'catalog x');
    equal(await store.get('prices', 'x'), { id: 'x', currency: 'EUR', unitPrice: 250 }, 'prices x');
    equal(await store.get('tax-rates', 'std'), { id: 'std', name: 'Standard', rate: '19', inclusive: true }, 'tax rate');
    equal(await store.get('config', 'receipt.header'), { id: 'receipt.header', value: ['Till 7', 'Main St'] }, 'config');
    await store.applyPage(page('prices', [tombstone('x', 5)]));
    equal((await store.get('catalog', 'x'))?.name, 'Coffee', 'deleting a price leaves the article');
    equal(
      await Promise.all((['catalog', 'prices', 'tax-rates', 'members', 'config'] as const).map((d) => store.getCursor(d))),
      [
        { updatedAt: T0 + 1, id: 'x' },
        { updatedAt: T0 + 5, id: 'x' },
        { updatedAt: T0 + 3, id: 'std' },
        null,
        { updatedAt: T0 + 4, id: 'receipt.header' },
      ],
      'one cursor per dataset',
    );
    equal(
      await Promise.all((['catalog', 'prices', 'tax-rates', 'members', 'config'] as const).map((d) => store.count(d))),
      [1, 0, 1, 0, 1],
      'counts',
    );
  }),

  contractCase('meta: JSON values round trip, are replaced and deleted', async (store) => {
    equal(await store.getMeta('missing'), undefined, 'unknown key');
    const values: [string, unknown][] = [
      ['credentials', { clientId: 'c-1', clientSecret: 's3cr3t', issuedAt: T0 }],
      ['note', 'Café 纪念杯 🙂'],
      ['count', 42],
      ['ratio', 0.25],
      ['flag', false],
      ['nothing', null],
      ['list', [1, 'two', { three: [3] }]],
    ];
    for (const [key, value] of values) await store.setMeta(key, value);
    for (const [key, value] of values) equal(await store.getMeta(key), value, `meta ${key}`);
    await store.setMeta('count', 43);
    equal(await store.getMeta('count'), 43, 'replaced');
    await store.deleteMeta('count');
    equal(await store.getMeta('count'), undefined, 'deleted');
    await store.deleteMeta('count');
    await rejects(() => store.setMeta('bad', undefined), 'VALIDATION_FAILED', 'undefined');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await rejects(() => store.setMeta('bad', cyclic), 'VALIDATION_FAILED', 'a cycle');
    await rejects(() => store.setMeta('', 1), 'VALIDATION_FAILED', 'an empty key');
    equal(await store.getMeta('bad'), undefined, 'nothing stored');
  }),

  contractCase('validation: bad input is refused with VALIDATION_FAILED before anything is written', async (store) => {
    const refused = (input: unknown, what: string) =>
      rejects(() => store.applyPage(input as ApplyPageInput), 'VALIDATION_FAILED', what);
    await refused({ dataset: 'nope', changes: [], cursor: null }, 'an unknown dataset');
    await refused({ dataset: 'catalog', changes: 'x', cursor: null }, 'changes not a list');
    await refused(
      { dataset: 'catalog', changes: [upsert('a1', 1, article('Coffee'))], cursor: null },
      'changes without a cursor',
    );
    await refused(
      { dataset: 'catalog', changes: [upsert('a1', 9, article('Coffee'))], cursor: { updatedAt: T0 + 1, id: 'a1' } },
      'a change after the cursor',
    );
    await refused({ dataset: 'catalog', changes: [{ id: 'a1', updatedAt: -1, deleted: true }], cursor: null }, 'a bad change');
    await refused({ dataset: 'catalog', changes: [], cursor: { updatedAt: 'soon', id: 'a1' } }, 'a bad cursor');
    equal(await store.getCursor('catalog'), null, 'no cursor stored');
    equal(await store.count('catalog'), 0, 'no record stored');
    await rejects(() => store.get('nope' as Dataset, 'a1'), 'VALIDATION_FAILED', 'get from an unknown dataset');
    await rejects(() => store.findByBarcode(42 as unknown as string), 'VALIDATION_FAILED', 'a barcode that is not a string');
  }),

  contractCase('close: calls after close fail with STORE_CLOSED; closing twice is harmless', async (store) => {
    await store.setMeta('k', 1);
    await store.close();
    await store.close();
    await rejects(() => store.getMeta('k'), 'STORE_CLOSED', 'getMeta after close');
    await rejects(
      () => store.applyPage(page('catalog', [upsert('a1', 1, article('Coffee'))])),
      'STORE_CLOSED',
      'applyPage after close',
    );
  }),
];
