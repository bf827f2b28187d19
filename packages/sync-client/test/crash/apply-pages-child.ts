// One till process for the crash test in sqlite-catalog-store.test.ts: opens the catalog store and
// applies pages, one after another, from where its cursor stands, printing `APPLIED <n>` after each
// page's applyPage resolved. The parent SIGKILLs it at a random moment. Bundled with esbuild, run
// with plain `node`.
import { writeSync } from 'node:fs';
import { createSqliteCatalogStore } from '../../src/sqlite/index';
import { crashPage, pageOfCursor } from './crash-pages';

async function main(): Promise<void> {
  const path = process.argv[2];
  if (path === undefined) throw new Error('usage: apply-pages-child <database file>');
  const store = await createSqliteCatalogStore({ path });
  let n = pageOfCursor(await store.getCursor('catalog'));
  writeSync(1, `READY ${n}\n`);
  for (;;) {
    n += 1;
    await store.applyPage(crashPage(n));
    // one synchronous write per line: a kill lands before or after it, never in the middle
    writeSync(1, `APPLIED ${n}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
