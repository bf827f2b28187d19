import { money, toDecimalString } from './money';
import { buildTextDocument, type ReceiptDocument, type TextDocumentOptions, type TextDocumentRow } from './receipt';
import type { SessionReport } from './report';

/**
 * Turns an X or Z report into a printable document (see renderReceiptText or a printer driver).
 * Amounts are printed as plain decimals of the report's currency.
 */
export function buildReportDocument(report: SessionReport, options: Omit<TextDocumentOptions, 'currency'> = {}): ReceiptDocument {
  const amount = (n: number) => toDecimalString(money(n, report.currency));
  const title = report.kind === 'Z' ? `Z report #${report.zNumber}` : 'X report (mid-shift)';
  const rows: TextDocumentRow[] = [
    { label: 'Till', value: report.tillId },
    { label: 'Session', value: report.sessionId },
    { label: 'Opened', value: report.openedAt },
    { label: report.closedAt ? 'Closed' : 'Printed', value: report.closedAt ?? report.at },
    { label: 'Sequences', value: `${report.firstSequence}-${report.lastSequence}` },
    { label: 'Sales' },
    { label: `Sales (${report.sales.count})`, value: amount(report.sales.total) },
    { label: `Returns (${report.returns.count})`, value: amount(report.returns.total) },
    { label: 'Total', value: amount(report.total), bold: true },
    { label: 'Voids', value: String(report.counts.void) },
    { label: 'No sales', value: String(report.counts.no_sale) },
    { label: 'Taxes' },
    ...report.rates.map((r) => ({ label: `${r.taxId} ${r.rate}%  net ${amount(r.net)}`, value: `tax ${amount(r.tax)}` })),
    { label: 'Tax total', value: amount(report.tax), bold: true },
    { label: 'Payments' },
    ...report.payments.map((p) => ({ label: p.type, value: amount(p.amount) })),
    { label: 'Change given', value: amount(report.change) },
    { label: 'Cash rounding', value: amount(report.cashRounding) },
    { label: 'Cash drawer' },
    { label: 'Opening float', value: amount(report.openingFloat) },
    { label: 'Cash sales', value: amount(report.cashSales) },
    { label: 'Cash refunds', value: amount(-report.cashRefunds) },
    { label: 'Paid in', value: amount(report.paidIn) },
    { label: 'Paid out', value: amount(-report.paidOut) },
    { label: 'Expected cash', value: amount(report.expectedCash), bold: true },
    ...(report.counted === null
      ? []
      : [
          { label: 'Counted cash', value: amount(report.counted), bold: true },
          { label: 'Over (+) / short (-)', value: amount(report.overShort ?? 0), bold: true },
        ]),
    { label: 'Grand totals' },
    { label: 'Grand total', value: amount(report.grandTotal) },
    { label: 'Absolute grand total', value: amount(report.absoluteGrandTotal) },
  ];
  const training = Object.values(report.trainingCounts).reduce((s, n) => s + n, 0);
  if (training > 0) rows.push({ label: 'Training entries (not in totals)', value: String(training) });
  return buildTextDocument(title, rows, { ...options, currency: report.currency });
}
