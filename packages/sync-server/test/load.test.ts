import { describe, expect, it } from 'vitest';
import { checkPassed, runLoadSimulation } from '../bench/load-simulation';

// The load simulation of issue 5, small and bounded: 200 tills (20 stores of 10 registers), each
// enrolled through the admin API for a register of its own, ringing real sales with @tillkit/core
// against ONE reference server in a process of its own (SQLite file in a temporary folder), while
// the back office changes prices and the tills pull catalog and prices. 40 tills run the real
// sync client (SQLite outbox and catalog store); 160 speak the protocol by fetch, which keeps the
// test within its time on two cores; all in one till process. Asserts the outcome, not timings:
// every sale each till completed is stored exactly once, in journal order; every register's
// journal verifies and ends at the till's head; every till's last pull matches its store's
// catalog and prices. The figures come from `npm run bench` (bench/load.bench.ts).
describe('load: 200 tills against one server', () => {
  it('stores every sale of every till exactly once, and every journal verifies', { timeout: 90_000 }, async () => {
    const report = await runLoadSimulation({
      tills: 200,
      tillsPerStore: 10,
      processes: 1,
      clientTills: 40,
      salesPerTill: 3,
      thinkMs: 20,
      pullEveryMs: 2000,
      catalogSize: 20,
      priceChangeEveryMs: 200,
      batchItems: 100,
      drainTimeoutMs: 30_000,
    });
    expect(report).toMatchObject({ tills: 200, clientTills: 40, transportTills: 160 });
    expect(report.check.errors).toEqual([]);
    expect(report.check.missing).toEqual([]);
    expect(report.check.duplicated).toEqual([]);
    expect(report.check.unexpected).toEqual([]);
    expect(report.check.outOfOrder).toEqual([]);
    expect(report.check.unacknowledged).toEqual([]);
    expect(report.check.journalFailures).toEqual([]);
    expect(report.check.pullMismatches).toEqual([]);
    expect(report.check.journalsVerified).toBe(200);
    // a session opening and 3 sales per till, each stored once
    expect(report.sales).toBe(600);
    expect(report.check.expectedEvents).toBe(800);
    expect(report.check.storedEvents).toBe(800);
    // at least the last pull of every till, after the back office changed prices
    expect(report.pulls).toBeGreaterThanOrEqual(200);
    expect(report.priceChanges).toBeGreaterThan(0);
    expect(checkPassed(report.check)).toBe(true);
  });
});
