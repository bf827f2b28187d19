import { afterAll, bench, describe } from 'vitest';
import { checkPassed, runLoadSimulation, type LoadReport, type LoadSimulationOptions } from './load-simulation';
import { machine, ms, once } from './stats';

// The load simulation of issue 5 with figures: 200 tills (20 stores of 10 registers), each enrolled
// through the admin API for a register of its own, ring real sales with @tillkit/core and push
// them to ONE reference server (SQLite file, WAL, synchronous=FULL; a process of its own, so its
// CPU time is its own), while the back office changes prices and the tills pull catalog and
// prices now and then. Then every till's sales are looked up through the admin API (each stored
// exactly once, in journal order) and every register's journal is verified; the run fails
// otherwise. Two runs:
// - 200 tills on the real sync client (createSyncClient over an SQLite outbox and catalog store,
//   in two till processes), a sale every 2 s per till on average: a very busy Saturday;
// - 200 tills speaking the protocol by fetch (lighter than the client, so the server gets more),
//   offering a sale every 50 ms each, far more than the server takes: what it ingests at full
//   load (a till stops ringing while a full batch of 100 waits to be acknowledged).
// Push latency is per request, seen by the till (queueing included) and inside the server.
// Run: cd packages/sync-server && npx vitest bench --run bench/load.bench.ts

const OPTIONS = { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 };
/** the machine before this file's work: a busy machine's figures are not a quiet one's */
const MACHINE = machine();
const rows: Record<string, string | number>[] = [];
const failures: string[] = [];

const COMMON = {
  tills: 200,
  tillsPerStore: 10,
  processes: 2,
  catalogSize: 200,
  priceChangeEveryMs: 1000,
  batchItems: 100,
  drainTimeoutMs: 60_000,
} satisfies Partial<LoadSimulationOptions>;

function row(name: string, r: LoadReport): Record<string, string | number> {
  return {
    case: name,
    sales: r.sales,
    's (to last ack)': (r.ingestMs / 1000).toFixed(1),
    'sales/s': Math.round(r.salesPerSecond),
    'push p50/p95 ms (till)': `${ms(r.pushP50Ms)} / ${ms(r.pushP95Ms)}`,
    'push p50/p95 ms (server)': `${ms(r.serverPushP50Ms)} / ${ms(r.serverPushP95Ms)}`,
    pushes: r.pushRequests,
    pulls: r.pullFailures === 0 ? r.pulls : `${r.pulls} (+${r.pullFailures} failed)`,
    'pull p50/p95 ms': `${ms(r.pullP50Ms)} / ${ms(r.pullP95Ms)}`,
    'server CPU ms/sale': (r.serverCpuMs / r.sales).toFixed(2),
    'CPU % of a core: server / tills': `${Math.round((r.serverCpuMs / r.ingestMs) * 100)} / ${Math.round((r.tillCpuMs / r.ingestMs) * 100)}`,
    'lost / dup': `${r.check.missing.length} / ${r.check.duplicated.length}`,
    journals: `${r.check.journalsVerified}/${r.tills} verify`,
  };
}

async function run(name: string, options: LoadSimulationOptions): Promise<void> {
  const report = await runLoadSimulation(options);
  rows.push(row(name, report));
  if (!checkPassed(report.check)) failures.push(`${name}: ${JSON.stringify(report.check).slice(0, 2000)}`);
}

describe('load: 200 tills against one reference server', () => {
  bench(
    '200 tills on the sync client, 12 s',
    once(() =>
      run('200 tills, sync client (SQLite outbox), a sale / 2 s each', {
        ...COMMON,
        clientTills: 200,
        durationMs: 12_000,
        thinkMs: 2000,
        pullEveryMs: 10_000,
      }),
    ),
    OPTIONS,
  );
  bench(
    '200 tills by fetch, a sale / 50 ms each, 6 s',
    once(() =>
      run('200 tills, protocol by fetch, a sale / 50 ms each', {
        ...COMMON,
        clientTills: 0,
        durationMs: 6000,
        thinkMs: 50,
        pullEveryMs: 5000,
      }),
    ),
    OPTIONS,
  );
});

afterAll(() => {
  console.log(
    `\nload: 200 tills (20 stores), one reference server on loopback (SQLite, WAL, synchronous=FULL), 3-line sales; before: ${MACHINE}`,
  );
  console.table(rows);
  if (failures.length > 0) throw new Error(`the load simulation lost, duplicated or misordered events:\n${failures.join('\n')}`);
});
