// The load simulation of issue 5: many tills pushing sales and pulling the catalog against ONE
// reference server on loopback (SQLite file in a temporary folder, the server in a process of its
// own), then a check that nothing was lost or stored twice and that every register's journal
// verifies. Used by test/load.test.ts (small, asserts the checks) and bench/load.bench.ts (longer,
// prints the figures).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { BenchAdmin, type IngestedEventView } from './admin';
import type { LoadTillResult, LoadTillSpec, LoadWorkerConfig, WorkerMessage, WorkerResult } from './load-protocol';
import { spawnServer } from './spawn-server';
import { eachLimited, percentiles } from './stats';

export interface LoadSimulationOptions {
  tills: number;
  /** tills per store: each store has its own catalog */
  tillsPerStore: number;
  /** till processes (the tills are shared out between them) */
  processes: number;
  /**
   * how many tills run the real sync client (createSyncClient over an SQLite outbox and catalog
   * store); the others speak the protocol by plain fetch (an in-memory queue, one push in flight).
   * Default all of them.
   */
  clientTills?: number;
  /** each till rings this many sales; or, without it, rings for `durationMs` */
  salesPerTill?: number;
  durationMs?: number;
  /** mean pause between two sales of a till, ms */
  thinkMs: number;
  /** mean time between two pulls of a till, ms */
  pullEveryMs: number;
  /** articles per store (each with a price) */
  catalogSize: number;
  /** the back office changes a few prices of one store this often while the tills ring; 0 never */
  priceChangeEveryMs: number;
  /** items per push request */
  batchItems: number;
  drainTimeoutMs: number;
  /**
   * where the tills keep their SQLite files: 'tmpfs' (the default; a RAM-backed file system where
   * there is one, else the temporary folder) stands for 200 devices with disks of their own, so
   * the tills' syncs do not queue on the server's disk; 'disk' puts them next to the server's file
   */
  tillStorage?: 'tmpfs' | 'disk';
  /** progress lines */
  log?: (line: string) => void;
}

export interface LoadCheck {
  expectedEvents: number;
  storedEvents: number;
  /** event keys a till recorded that the server does not have */
  missing: string[];
  /** keys (or sale ids) the server holds more than once */
  duplicated: string[];
  /** events the server holds that no till recorded */
  unexpected: string[];
  /** registers whose stored events are not exactly its journal, in order, numbered 1..n */
  outOfOrder: string[];
  journalsVerified: number;
  /** registers whose journal does not verify, or does not end at the till's head */
  journalFailures: string[];
  /** tills whose last pull does not match the store's catalog and prices */
  pullMismatches: string[];
  /** tills that saw an event refused, or did not see every event acknowledged */
  unacknowledged: string[];
  errors: string[];
}

export interface LoadReport {
  /** tills on the real sync client, and tills speaking the protocol by fetch */
  clientTills: number;
  transportTills: number;
  /** where the tills' SQLite files were: 'tmpfs' or 'disk' */
  tillStorage: 'tmpfs' | 'disk';
  tills: number;
  stores: number;
  processes: number;
  events: number;
  sales: number;
  /** from the first sale to the last one rung, and to the last acknowledgement */
  ringMs: number;
  ingestMs: number;
  /** sales acknowledged per second over ingestMs */
  salesPerSecond: number;
  pushRequests: number;
  pushP50Ms: number;
  pushP95Ms: number;
  /** the same pushes timed inside the server, from the request's arrival to its answer */
  serverPushP50Ms: number;
  serverPushP95Ms: number;
  pulls: number;
  pullP50Ms: number;
  pullP95Ms: number;
  pullRequests: number;
  /** pulls made while ringing that failed (a timeout under load); the next pull catches up */
  pullFailures: number;
  priceChanges: number;
  /** CPU time of the server process and of the till processes from the first sale to the last acknowledgement */
  serverCpuMs: number;
  tillCpuMs: number;
  check: LoadCheck;
}

const MERCHANT = 'load-merchant';
/** Linux's RAM-backed file system */
const SHARED_MEMORY = '/dev/shm';
const PRICE_CHANGE_SIZE = 5;

/** True when the check found nothing wrong. */
export function checkPassed(check: LoadCheck): boolean {
  return (
    check.expectedEvents === check.storedEvents &&
    [
      check.missing,
      check.duplicated,
      check.unexpected,
      check.outOfOrder,
      check.journalFailures,
      check.pullMismatches,
      check.unacknowledged,
      check.errors,
    ].every((list) => list.length === 0)
  );
}

interface Worker {
  child: ChildProcess;
  next(type: WorkerMessage['type']): Promise<WorkerMessage>;
  send(command: 'go' | 'finish'): void;
  exited: Promise<number | null>;
}

function spawnWorker(config: LoadWorkerConfig): Worker {
  const script = fileURLToPath(new URL('./load-worker.ts', import.meta.url));
  const child = spawn(process.execPath, ['--conditions=@tillkit/source', '--import', 'tsx', script, JSON.stringify(config)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const messages: WorkerMessage[] = [];
  const wanted: { type: WorkerMessage['type']; resolve: (m: WorkerMessage) => void }[] = [];
  const deliver = () => {
    for (let i = 0; i < wanted.length; i++) {
      const at = messages.findIndex((m) => m.type === wanted[i]!.type);
      if (at >= 0) {
        wanted[i]!.resolve(messages.splice(at, 1)[0]!);
        wanted.splice(i--, 1);
      }
    }
  };
  createInterface({ input: child.stdout }).on('line', (line) => {
    messages.push(JSON.parse(line) as WorkerMessage);
    deliver();
  });
  return {
    child,
    exited,
    next: (type) =>
      Promise.race([
        new Promise<WorkerMessage>((resolve) => {
          wanted.push({ type, resolve });
          deliver();
        }),
        exited.then((code) => Promise.reject(new Error(`a till process exited with code ${String(code)} before "${type}"`))),
      ]),
    send: (command) => child.stdin.write(`${command}\n`),
  };
}

function catalogOf(storeIndex: number, size: number) {
  const catalog = Array.from({ length: size }, (_, i) => ({
    id: `sku-${String(i).padStart(5, '0')}`,
    name: `Article ${i} of store ${storeIndex}`,
    taxId: 'vat-std',
    barcodes: [`40${String(storeIndex).padStart(3, '0')}${String(i).padStart(8, '0')}`],
  }));
  const prices = new Map(catalog.map((a, i) => [a.id, 100 + ((i * 37 + storeIndex) % 900)]));
  return { catalog, prices };
}

/** Runs the simulation and checks its outcome; see LoadSimulationOptions. */
export async function runLoadSimulation(options: LoadSimulationOptions): Promise<LoadReport> {
  const log = options.log ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'tillkit-load-'));
  const tillStorage = (options.tillStorage ?? 'tmpfs') === 'tmpfs' && existsSync(SHARED_MEMORY) ? 'tmpfs' : 'disk';
  const tillDir = tillStorage === 'tmpfs' ? mkdtempSync(join(SHARED_MEMORY, 'tillkit-load-tills-')) : join(dir, 'tills');
  const server = await spawnServer({ db: join(dir, 'server.db') });
  const workers: Worker[] = [];
  try {
    const admin = new BenchAdmin(server.url, server.adminToken);
    const storeCount = Math.ceil(options.tills / options.tillsPerStore);
    const stores = Array.from({ length: storeCount }, (_, s) => ({
      storeId: `store-${s}`,
      ...catalogOf(s, options.catalogSize),
    }));
    await eachLimited(stores, 4, async (store) => {
      await admin.putRecords(MERCHANT, store.storeId, 'catalog', store.catalog);
      await admin.putRecords(
        MERCHANT,
        store.storeId,
        'prices',
        [...store.prices].map(([id, unitPrice]) => ({ id, currency: 'EUR', unitPrice })),
      );
    });
    const specs = Array.from({ length: options.tills }, (_, t): LoadTillSpec => {
      const registerId = `reg-${String(t).padStart(4, '0')}`;
      const storeId = stores[Math.floor(t / options.tillsPerStore)]!.storeId;
      const link = t < (options.clientTills ?? options.tills) ? 'client' : 'transport';
      return { merchantId: MERCHANT, storeId, registerId, deviceId: `till-${registerId}`, code: '', link };
    });
    await eachLimited(specs, 8, async (spec) => {
      spec.code = await admin.enrolmentCode(spec);
    });
    log(
      `${stores.length} stores of ${options.catalogSize} articles, ${specs.length} registers; starting ${options.processes} till processes`,
    );
    // tills dealt out in turn, so each process gets its share of both kinds
    for (let p = 0; p < options.processes; p++) {
      workers.push(
        spawnWorker({
          url: server.url,
          dir: join(tillDir, `process-${p}`),
          tills: specs.filter((_, i) => i % options.processes === p),
          thinkMs: options.thinkMs,
          salesPerTill: options.salesPerTill,
          durationMs: options.durationMs,
          pullEveryMs: options.pullEveryMs,
          batchItems: options.batchItems,
          drainTimeoutMs: options.drainTimeoutMs,
        }),
      );
    }
    await Promise.all(workers.map((w) => w.next('ready')));
    log('every till enrolled and started; ringing');

    const before = await server.usage();
    for (const w of workers) w.send('go');
    // the back office changes prices while the tills ring
    let drainedCount = 0;
    const drained = Promise.all(workers.map((w) => w.next('drained').then(() => drainedCount++)));
    drained.catch(() => undefined); // a till process that dies fails the run below, not as an unhandled rejection
    let priceChanges = 0;
    for (let round = 0; options.priceChangeEveryMs > 0 && drainedCount < workers.length; round++) {
      if (round > 0) await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, options.priceChangeEveryMs))]);
      if (drainedCount === workers.length) break;
      const store = stores[round % stores.length]!;
      const changed = [...store.prices.keys()]
        .slice((round * PRICE_CHANGE_SIZE) % options.catalogSize)
        .slice(0, PRICE_CHANGE_SIZE);
      for (const id of changed) store.prices.set(id, store.prices.get(id)! + 1);
      await admin.putRecords(
        MERCHANT,
        store.storeId,
        'prices',
        changed.map((id) => ({ id, currency: 'EUR', unitPrice: store.prices.get(id)! })),
      );
      priceChanges += changed.length;
    }
    await drained;
    const after = await server.usage();
    log('every event acknowledged; last pulls and checks');
    for (const w of workers) w.send('finish');
    const results = (await Promise.all(workers.map((w) => w.next('result')))) as WorkerResult[];
    await Promise.all(workers.map((w) => w.exited));

    const tills = results.flatMap((r) => r.tills);
    const startedAt = Math.min(...results.map((r) => r.startedAt));
    const ringMs = Math.max(...results.map((r) => r.ringEndedAt)) - startedAt;
    const ingestMs = Math.max(...results.map((r) => r.lastAckAt)) - startedAt;
    const sales = tills.reduce((n, t) => n + t.saleIds.length, 0);
    const push = percentiles(results.flatMap((r) => r.pushLatenciesMs));
    const serverPush = percentiles(after.pushMs);
    const pull = percentiles(results.flatMap((r) => r.pullLatenciesMs));
    const check = await checkOutcome(
      admin,
      stores,
      tills,
      options,
      results.flatMap((r) => r.errors),
    );
    if (tills.length !== specs.length) check.errors.push(`${specs.length - tills.length} tills reported nothing`);
    return {
      clientTills: specs.filter((s) => s.link === 'client').length,
      transportTills: specs.filter((s) => s.link === 'transport').length,
      tillStorage,
      tills: specs.length,
      stores: stores.length,
      processes: options.processes,
      events: tills.reduce((n, t) => n + t.keys.length, 0),
      sales,
      ringMs,
      ingestMs,
      salesPerSecond: (sales / ingestMs) * 1000,
      pushRequests: results.reduce((n, r) => n + r.pushLatenciesMs.length, 0),
      pushP50Ms: push.p50,
      pushP95Ms: push.p95,
      serverPushP50Ms: serverPush.p50,
      serverPushP95Ms: serverPush.p95,
      pulls: results.reduce((n, r) => n + r.pullLatenciesMs.length, 0),
      pullP50Ms: pull.p50,
      pullP95Ms: pull.p95,
      pullRequests: results.reduce((n, r) => n + r.pullRequests, 0),
      pullFailures: results.reduce((n, r) => n + r.pullFailures.length, 0),
      priceChanges,
      serverCpuMs: after.cpuMs - before.cpuMs,
      tillCpuMs: results.reduce((n, r) => n + r.cpuMs, 0),
      check,
    };
  } finally {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(tillDir, { recursive: true, force: true });
  }
}

/** Compares what every till recorded with what the server stored, through the admin API. */
async function checkOutcome(
  admin: BenchAdmin,
  stores: { storeId: string; prices: Map<string, number> }[],
  tills: LoadTillResult[],
  options: LoadSimulationOptions,
  errors: string[],
): Promise<LoadCheck> {
  const check: LoadCheck = {
    expectedEvents: tills.reduce((n, t) => n + t.keys.length, 0),
    storedEvents: 0,
    missing: [],
    duplicated: [],
    unexpected: [],
    outOfOrder: [],
    journalsVerified: 0,
    journalFailures: [],
    pullMismatches: [],
    unacknowledged: [],
    errors,
  };
  const byRegister = new Map<string, IngestedEventView[]>();
  for (const store of stores) {
    for (const event of await admin.events(MERCHANT, store.storeId)) {
      check.storedEvents++;
      const list = byRegister.get(event.partition) ?? [];
      list.push(event);
      byRegister.set(event.partition, list);
    }
  }
  const known = new Set(tills.map((t) => t.registerId));
  for (const [register, events] of byRegister) {
    if (!known.has(register)) check.unexpected.push(...events.map((e) => `${register}/${e.key}`));
  }
  const priceSums = new Map(stores.map((s) => [s.storeId, [...s.prices.values()].reduce((a, b) => a + b, 0)]));

  await eachLimited(tills, 8, async (till) => {
    const stored = byRegister.get(till.registerId) ?? [];
    const counts = new Map<string, number>();
    for (const e of stored) counts.set(e.key, (counts.get(e.key) ?? 0) + 1);
    const expected = new Set(till.keys);
    for (const key of till.keys) if (!counts.has(key)) check.missing.push(`${till.registerId}/${key}`);
    for (const [key, n] of counts) {
      if (n > 1) check.duplicated.push(`${till.registerId}/${key} ×${n}`);
      if (!expected.has(key)) check.unexpected.push(`${till.registerId}/${key}`);
    }
    const saleCounts = new Map<string, number>();
    for (const e of stored) {
      const id = e.type === 'sale' ? e.payload.transaction?.id : undefined;
      if (id !== undefined) saleCounts.set(id, (saleCounts.get(id) ?? 0) + 1);
    }
    for (const id of till.saleIds) {
      if (!saleCounts.has(id)) check.missing.push(`${till.registerId}/sale ${id}`);
      else if (saleCounts.get(id)! > 1) check.duplicated.push(`${till.registerId}/sale ${id} ×${saleCounts.get(id)!}`);
    }
    const inOrder = stored.length === till.keys.length && stored.every((e, i) => e.seq === i + 1 && e.key === till.keys[i]);
    if (!inOrder) check.outOfOrder.push(till.registerId);

    const journal = await admin.journal(MERCHANT, till.registerId);
    if (
      journal.verification.ok &&
      journal.entries.length === till.keys.length &&
      journal.entries.at(-1)?.hash === till.headHash
    ) {
      check.journalsVerified++;
    } else {
      check.journalFailures.push(
        `${till.registerId}: ${journal.entries.length} entries, ${JSON.stringify(journal.verification).slice(0, 200)}`,
      );
    }
    if (till.acked !== till.keys.length || till.refused > 0) {
      check.unacknowledged.push(`${till.registerId}: ${till.acked} of ${till.keys.length} acknowledged, ${till.refused} refused`);
    }
    if (
      till.catalogCount !== options.catalogSize ||
      till.pricesCount !== options.catalogSize ||
      till.priceSum !== priceSums.get(till.storeId)
    ) {
      check.pullMismatches.push(
        `${till.registerId}: ${till.catalogCount} articles, ${till.pricesCount} prices summing to ${till.priceSum} (the store: ${options.catalogSize}, ${priceSums.get(till.storeId)})`,
      );
    }
  });
  return check;
}
