/**
 * `npm run drills [-- --only <name>[,<name>...]] [--ci] [--list]`: runs the failure drills one after
 * the other, prints one line per drill and a markdown table, and exits 1 if any drill failed.
 * `--ci` runs the bounded sizes the test suite uses (fewer sales, fewer kills).
 */
import { parseArgs } from 'node:util';
import { DRILLS } from './drills/index';
import { failureDetail, markdownTable, resultLine } from './report';
import { runDrill } from './run-drill';
import type { DrillResult } from './drill';

const { values } = parseArgs({
  options: {
    only: { type: 'string', multiple: true },
    ci: { type: 'boolean', default: false },
    list: { type: 'boolean', default: false },
  },
});

if (values.list === true) {
  for (const d of DRILLS) console.log(`${d.name.padEnd(22)} ${d.title}`);
  process.exit(0);
}

const wanted = (values.only ?? []).flatMap((o) => o.split(',')).filter((o) => o !== '');
const unknown = wanted.filter((w) => !DRILLS.some((d) => d.name === w));
if (unknown.length > 0) {
  console.error(`Unknown drill ${unknown.join(', ')}. The drills are: ${DRILLS.map((d) => d.name).join(', ')}.`);
  process.exit(2);
}
const chosen = wanted.length === 0 ? DRILLS : DRILLS.filter((d) => wanted.includes(d.name));

const results: DrillResult[] = [];
for (const drill of chosen) {
  const result = await runDrill(drill, values.ci === true ? 'ci' : 'full');
  results.push(result);
  console.log(resultLine(result));
  if (result.note !== undefined) console.log(`    ${result.note}`);
  for (const line of failureDetail(result)) console.log(line);
}
const failed = results.filter((r) => !r.pass);
console.log(`\n${markdownTable(results)}\n`);
console.log(
  failed.length === 0
    ? `All ${results.length} drills passed.`
    : `${failed.length} of ${results.length} drills FAILED: ${failed.map((f) => f.name).join(', ')}`,
);
process.exit(failed.length === 0 ? 0 : 1);
