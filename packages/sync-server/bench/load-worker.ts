// A till process of the load simulation: runs its share of the tills (see load-protocol.ts for
// how it talks to the parent). Started by load-simulation.ts with a LoadWorkerConfig as argument.
import { mkdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createTill } from '@tillkit/core';
import { eventKey } from '@tillkit/sync-client/protocol';
import { ScriptedTill } from '../src/conformance/till-events';
import type { LoadTillResult, LoadWorkerConfig, WorkerMessage, WorkerResult } from './load-protocol';
import { ClientTillLink, LoadMetrics, TransportTillLink, type TillLink } from './load-till';
import { eachLimited } from './stats';

const config = JSON.parse(process.argv[2] ?? '{}') as LoadWorkerConfig;
const metrics = new LoadMetrics();
const errors: string[] = [];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const say = (message: WorkerMessage) => process.stdout.write(`${JSON.stringify(message)}\n`);

const commands = createInterface({ input: process.stdin });
const waiting = new Map<string, () => void>();
commands.on('line', (line) => waiting.get(line.trim())?.());
const command = (name: string) => new Promise<void>((resolve) => waiting.set(name, resolve));
const go = command('go');
const finish = command('finish');

mkdirSync(config.dir, { recursive: true });
const tills = config.tills.map((spec) => {
  const link: TillLink =
    spec.link === 'client'
      ? new ClientTillLink(config.url, config.dir, spec, metrics, config.batchItems)
      : new TransportTillLink(config.url, spec, metrics, config.batchItems);
  return {
    spec,
    link,
    till: new ScriptedTill(createTill({ tillId: spec.registerId, currency: 'EUR' })),
    keys: [] as string[],
    saleIds: [] as string[],
  };
});
await eachLimited(tills, 8, (t) => t.link.open());
say({ type: 'ready' });
await go;

const cpuStart = process.cpuUsage();
const startedAt = Date.now();
const deadline = config.durationMs === undefined ? Number.POSITIVE_INFINITY : startedAt + config.durationMs;
const jitter = (mean: number) => mean * (0.5 + Math.random());

async function timedPull(link: TillLink): Promise<void> {
  const t0 = performance.now();
  await link.pull();
  metrics.pullLatenciesMs.push(performance.now() - t0);
}

/** A pull while ringing: a failure (a timeout under load) is counted; the next pull catches up. */
async function backgroundPull(link: TillLink): Promise<void> {
  try {
    await timedPull(link);
  } catch (error) {
    metrics.pullFailures.push(error instanceof Error ? error.message : String(error));
  }
}

async function ring(t: (typeof tills)[number]): Promise<void> {
  const opening = t.till.openSession();
  await t.link.record(opening);
  t.keys.push(eventKey(opening.entry));
  let nextPullAt = Date.now() + jitter(config.pullEveryMs);
  let pulling: Promise<void> | undefined;
  for (let n = 0; config.salesPerTill === undefined ? Date.now() < deadline : n < config.salesPerTill; n++) {
    const pause = Math.random() * 2 * config.thinkMs;
    // the ringing stops at the deadline, not after a pause that runs past it
    if (Date.now() + pause >= deadline) break;
    if (pause > 0) await sleep(pause);
    const sale = t.till.sale(3);
    await t.link.record(sale);
    t.keys.push(eventKey(sale.entry));
    t.saleIds.push(sale.transaction!.id);
    if (Date.now() >= nextPullAt && pulling === undefined) {
      pulling = backgroundPull(t.link).finally(() => (pulling = undefined));
      nextPullAt = Date.now() + jitter(config.pullEveryMs);
    }
  }
  await pulling;
}

await Promise.all(
  tills.map((t) =>
    ring(t).catch((error: unknown) => {
      errors.push(`${t.spec.registerId}: ${error instanceof Error ? error.message : String(error)}`);
    }),
  ),
);
const ringEndedAt = Date.now();

// every event acknowledged (or refused), or the drain timeout
const drainDeadline = Date.now() + config.drainTimeoutMs;
while (tills.some((t) => t.link.acked + t.link.refused < t.keys.length) && Date.now() < drainDeadline) await sleep(20);
const cpu = process.cpuUsage(cpuStart);
say({ type: 'drained' });
await finish;

const results: LoadTillResult[] = [];
await eachLimited(tills, 8, async (t) => {
  try {
    await timedPull(t.link);
    results.push({
      merchantId: t.spec.merchantId,
      storeId: t.spec.storeId,
      registerId: t.spec.registerId,
      keys: t.keys,
      saleIds: t.saleIds,
      headHash: t.till.state.journal.hash,
      acked: t.link.acked,
      refused: t.link.refused,
      ...(await t.link.pulledState()),
    });
    await t.link.close();
  } catch (error) {
    errors.push(`${t.spec.registerId}: ${error instanceof Error ? error.message : String(error)}`);
  }
});
const result: WorkerResult = {
  type: 'result',
  tills: results,
  pushLatenciesMs: metrics.pushLatenciesMs,
  pullLatenciesMs: metrics.pullLatenciesMs,
  pullRequests: metrics.pullRequests,
  pullFailures: metrics.pullFailures,
  startedAt,
  ringEndedAt,
  lastAckAt: metrics.lastAckAt,
  cpuMs: (cpu.user + cpu.system) / 1000,
  errors,
};
// stdout is a pipe: exit only once the (large) result is written
process.stdout.write(`${JSON.stringify(result)}\n`, () => {
  commands.close();
  process.exit(0);
});
