import type { ApplyPageInput } from '../../src/catalog-store';
import type { Change, Cursor } from '../../src/protocol/index';

// The pages the crash child applies: page n adds RECORDS articles `p<n>-<i>` (each with a barcode),
// deletes the first article of page n-1 and renames the article `counter` to `page <n>`, whose change
// is the page's last (so its cursor is {updatedAt: n * 1000 + RECORDS + 1, id: 'counter'}).

export const RECORDS = 200;

export function crashPage(n: number): ApplyPageInput {
  const base = n * 1000;
  const changes: Change[] = [];
  for (let i = 0; i < RECORDS; i++) {
    const id = `p${n}-${String(i).padStart(3, '0')}`;
    changes.push({
      id,
      updatedAt: base + i,
      deleted: false,
      data: { name: `Article ${id}`, taxId: 'std', barcodes: [`bc-${id}`] },
    });
  }
  if (n > 1) changes.push({ id: `p${n - 1}-000`, updatedAt: base + RECORDS, deleted: true });
  changes.push({ id: 'counter', updatedAt: base + RECORDS + 1, deleted: false, data: { name: `page ${n}`, taxId: 'std' } });
  return { dataset: 'catalog', changes, cursor: { updatedAt: base + RECORDS + 1, id: 'counter' } };
}

/** The number of the page a cursor stands after (0 before the first). */
export function pageOfCursor(cursor: Cursor | null): number {
  return cursor === null ? 0 : Math.floor(cursor.updatedAt / 1000);
}

/** How many live articles the store holds after page n (the counter included). */
export const liveAfter = (n: number) => (n === 0 ? 0 : n * RECORDS - (n - 1) + 1);
