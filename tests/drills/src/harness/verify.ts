import type { JournalEntry } from '@tillkit/core';
import { eventKey } from '@tillkit/sync-client';
import type { DrillCheck } from '../drill';
import type { Admin, CloudEvent } from './cloud';

export interface CloudVerdict {
  salesLost: number;
  duplicates: number;
  checks: DrillCheck[];
  applied: CloudEvent[];
}

/**
 * Compares what the till recorded with what the cloud holds, through the admin API only: every
 * sale the till made durable must be applied once (by key and by transaction id), the register's
 * sequence must run without a gap, and the cloud's copy of the journal must verify.
 * `expected` are the journal entries the till made durable; `rejected` the keys the server is
 * meant to refuse (they must not be applied).
 */
export async function verifyCloud(
  admin: Admin,
  registerId: string,
  expected: readonly JournalEntry[],
  rejected: readonly string[] = [],
): Promise<CloudVerdict> {
  const events = (await admin.events('all')).filter((e) => e.partition === registerId);
  const applied = events.filter((e) => (e.status ?? 'applied') === 'applied');
  const appliedKeys = new Map<string, number>();
  const appliedSales = new Map<string, number>();
  for (const e of applied) {
    appliedKeys.set(e.key, (appliedKeys.get(e.key) ?? 0) + 1);
    const tx = e.payload.transaction?.id;
    if (tx !== undefined) appliedSales.set(tx, (appliedSales.get(tx) ?? 0) + 1);
  }
  const refused = new Set(rejected);
  const expectedSales = expected.filter((e) => e.type === 'sale' && !refused.has(eventKey(e)));
  const salesLost = expectedSales.filter((e) => !appliedKeys.has(eventKey(e))).length;
  const duplicates =
    [...appliedKeys.values()].reduce((sum, n) => sum + n - 1, 0) + [...appliedSales.values()].reduce((sum, n) => sum + n - 1, 0);
  const otherLost = expected.filter(
    (e) => e.type !== 'sale' && !refused.has(eventKey(e)) && !appliedKeys.has(eventKey(e)),
  ).length;
  const seqs = events.map((e) => e.seq).sort((a, b) => a - b);
  const gapless = seqs.every((s, i) => s === (seqs[0] ?? 1) + i) && (seqs[0] ?? 1) === 1;
  const journal = await admin.journal(registerId);
  const refusedApplied = applied.filter((e) => refused.has(e.key)).length;
  return {
    salesLost,
    duplicates,
    applied,
    checks: [
      { what: `the cloud applied all ${expectedSales.length} sales the till recorded`, ok: salesLost === 0 },
      { what: 'and every other journal entry', ok: otherLost === 0 },
      { what: `the register's sequence runs 1..${seqs.length} without a gap`, ok: gapless },
      { what: `the cloud's journal verifies (${journal.entries.length} entries)`, ok: journal.verification.ok },
      { what: 'no refused event was applied', ok: refusedApplied === 0 },
    ],
  };
}
