import { receiptEnd } from './register';

export interface ReceiptCount {
  /** sales with no whole receipt on paper (neither the original nor a copy) */
  lost: number[];
  /** sales whose original (not a COPY) came out whole more than once */
  doubled: number[];
  /** whole copies printed (reprints after an unknown job) */
  copies: number;
}

/**
 * Reads what the printers put on paper and counts, per receipt number, the whole originals and
 * copies. A receipt is whole when its last line (`END OF RECEIPT n`) printed; a copy carries the
 * COPY banner. Each printed receipt starts at the shop's name, so a receipt cut off mid-way and
 * the next one on the same strip are told apart.
 */
export function countReceipts(paper: readonly string[], receiptNumbers: readonly number[]): ReceiptCount {
  const originals = new Map<number, number>();
  const copies = new Map<number, number>();
  for (const text of paper) {
    for (const piece of text.split(/(?=Drill Café)/u)) {
      const number = /Receipt\s+(\d+)/u.exec(piece)?.[1];
      if (number === undefined) continue;
      const n = Number(number);
      if (!piece.includes(receiptEnd(n))) continue;
      const counts = piece.includes('*** COPY ***') ? copies : originals;
      counts.set(n, (counts.get(n) ?? 0) + 1);
    }
  }
  return {
    lost: receiptNumbers.filter((n) => (originals.get(n) ?? 0) + (copies.get(n) ?? 0) === 0),
    doubled: receiptNumbers.filter((n) => (originals.get(n) ?? 0) > 1),
    copies: [...copies.values()].reduce((a, b) => a + b, 0),
  };
}
