import type { DrillResult } from './drill';

const num = (n: number | undefined): string => (n === undefined ? '-' : Number.isNaN(n) ? '?' : String(n));
const ms = (n: number): string => (Number.isNaN(n) ? '?' : n.toFixed(1));

/** One line per drill: name, PASS/FAIL, sales lost, duplicates, receipts lost/doubled, longest wait. */
export function resultLine(r: DrillResult): string {
  const receipts =
    r.receiptsLost === undefined ? 'receipts -' : `receipts lost ${num(r.receiptsLost)} doubled ${num(r.receiptsDoubled)}`;
  return [
    r.name.padEnd(22),
    r.pass ? 'PASS' : 'FAIL',
    `sales lost ${num(r.salesLost)}`,
    `duplicates ${num(r.duplicates)}`,
    receipts,
    `longest wait ${ms(r.longestWaitMs)} ms`,
    `(${(r.durationMs / 1000).toFixed(1)} s)`,
  ].join(' | ');
}

/** What went wrong in a failed drill: the failed checks and the error. */
export function failureDetail(r: DrillResult): string[] {
  const lines = r.checks.filter((c) => !c.ok).map((c) => `    failed: ${c.what}`);
  if (r.error !== undefined) lines.push(`    error: ${r.error.split('\n').slice(0, 6).join('\n    ')}`);
  return lines;
}

/** The markdown table of a run, for the README. */
export function markdownTable(results: readonly DrillResult[]): string {
  const rows = [
    '| drill | result | sales lost | duplicates | receipts lost / doubled | longest wait (ms) |',
    '| ----- | ------ | ---------- | ---------- | ----------------------- | ----------------- |',
    ...results.map(
      (r) =>
        `| ${r.name} (${r.title}) | ${r.pass ? 'pass' : '**FAIL**'} | ${num(r.salesLost)} | ${num(r.duplicates)} | ${
          r.receiptsLost === undefined ? '-' : `${num(r.receiptsLost)} / ${num(r.receiptsDoubled)}`
        } | ${ms(r.longestWaitMs)} |`,
    ),
  ];
  return rows.join('\n');
}
