import type { EnqueueInput, RecordWrite } from '@tillkit/offline-queue';

// What crash.test.ts tells crash-child.ts (one JSON argument) and what the child prints back.
// Lines on stdout, each written with one synchronous write so a SIGKILL never cuts one in half:
//   ROLE <role>             the outbox's role changed (flusher, standby, stopped)
//   READY                   the outbox is started (it flushes from now on)
//   TRY <json Sale>         enqueue of this sale begins
//   ACK <key>               enqueue(<key>) resolved: the sale is done for the cashier
//   DONE                    every sale was enqueued; the child keeps flushing until it is killed
//   EVENT <json>            an outbox event the parent reports (dead letters, blocks, rewinds, errors)

/** One sale the child rings up: enough to rebuild the exact same enqueue when it is replayed. */
export interface Sale {
  key: string;
  partition: string;
  total: number;
}

export interface CrashChildConfig {
  /** the SQLite file every child shares */
  dbPath: string;
  /** the test server's url */
  url: string;
  /** unique per child: its new sales are keyed `${runId}-${n}`; also the outbox instance id */
  runId: string;
  /** seeds the child's choices (partitions, totals, pauses) */
  seed: number;
  partitions: readonly string[];
  /**
   * Sales a killed process was writing when it died, unacknowledged: a till enqueues them again
   * (same key, same payload, same records) before anything else. A replay of a committed sale must
   * resolve with the stored item and write nothing.
   */
  replay: readonly Sale[];
  /** new sales to enqueue before the child only flushes */
  items: number;
  /** a pause of up to this many ms between enqueues (0: none) */
  maxPauseMs: number;
  /** items per request */
  batchItems: number;
  sendTimeoutMs: number;
  leaseMs: number;
}

/** The companion records every sale commits with: its transaction and its journal entry. */
export const TRANSACTIONS = 'transactions';
export const JOURNAL = 'journal';

/** The enqueue of one sale, the same every time it is made (a replay must match the original exactly). */
export function saleEnqueue(sale: Sale): { input: EnqueueInput; records: RecordWrite[] } {
  const { key, partition, total } = sale;
  return {
    input: { key, partition, type: 'sale', payload: { key, total } },
    records: [
      { collection: TRANSACTIONS, key, value: { key, partition, total } },
      { collection: JOURNAL, key, value: { key, event: 'sale', total }, mode: 'insert' },
    ],
  };
}
