/**
 * Wires the till to its parts: the printer (a real one at tcp://HOST:9100, or the ESC/POS emulator
 * on a loopback port), the drawer behind it, the scale (a real one behind a serial-to-TCP adapter,
 * or the scale simulator), and the cloud (configured sync servers, or the embedded reference server
 * with an SQLite file in a temp folder, a seeded catalog and automatic enrolment, reached through a
 * primary and a secondary path, each behind a fault proxy, so `sim net down` and `sim primary down`
 * cut the network or the primary endpoint for real).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CompletedTransaction, JournalEntry, ReceiptDocument, TillState } from '@tillkit/core';
import {
  createDeviceManager,
  createDrawerMonitor,
  createNetworkPrinter,
  createScale,
  createStreamTransport,
  PRINTER_PROFILES,
  type DeviceHealth,
  type DrawerMonitor,
  type ReceiptPrinter,
  type Scale,
} from '@tillkit/devices';
import { createScaleSimulator, startEscPosEmulator, type EscPosEmulator, type ScaleSimulator } from '@tillkit/devices/testing';
import { createSqliteStore, type SqliteStore } from '@tillkit/offline-queue/sqlite';
import { startFaultProxy, type FaultProxy } from '@tillkit/offline-queue/testing';
import { createSyncClient, type SyncClient, type SyncStatus } from '@tillkit/sync-client';
import { createSqliteCatalogStore } from '@tillkit/sync-client/sqlite';
import { startSyncServer, type RunningSyncServer } from '@tillkit/sync-server';
import { BehaviorSubject, type Observable } from 'rxjs';
import { TillConfigError, type TillConfig } from './config';
import type { TillMemory, TillServices } from './controller';
import { SHOP_MERCHANT, SHOP_STORE, seedShopCloud } from './shop-data';
import type { StatusSnapshot } from './status-line';

export interface TillRuntime {
  readonly services: TillServices;
  readonly memory: TillMemory | undefined;
  readonly status$: Observable<StatusSnapshot>;
  /** where the till runs: one line per part, for the banner */
  readonly describe: string[];
  /** the printer emulator, when no printer is configured (tests read what it printed) */
  readonly emulatedPrinter: EscPosEmulator | undefined;
  /** the embedded reference server and its admin API, when no server is configured */
  readonly cloud: EmbeddedCloud | undefined;
  /** simulation commands (emulators only): `sim paper out`, `sim net down`, `sim weight 0.183`, `sim price 7610011 5.80` ... */
  simulate(args: string[]): Promise<string[]>;
  /** waits until the outbox is empty (or the time is up) */
  drain(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** The embedded cloud, as the head office sees it. */
export interface EmbeddedCloud {
  /** the reference server's own address (not through the fault proxies) */
  readonly url: string;
  readonly adminToken: string;
  readonly merchantId: string;
  readonly storeId: string;
  /** a call to the server's admin API; throws on a status other than 2xx */
  admin(method: string, path: string, body?: unknown): Promise<unknown>;
}

export interface RuntimeOptions {
  /** the emulated printer's print engine pace (default 2000 lines a second) */
  printSpeedLinesPerSecond?: number;
}

/** Builds every part of the till from its configuration. */
export async function startRuntime(config: TillConfig, options: RuntimeOptions = {}): Promise<TillRuntime> {
  const cleanup: (() => Promise<void> | void)[] = [];
  const describe: string[] = [];
  try {
    return await build(config, options, cleanup, describe);
  } catch (e) {
    for (const c of cleanup.reverse()) await Promise.resolve(c()).catch(() => undefined);
    throw e;
  }
}

async function build(
  config: TillConfig,
  options: RuntimeOptions,
  cleanup: (() => Promise<void> | void)[],
  describe: string[],
): Promise<TillRuntime> {
  const embedded = config.servers === undefined;
  const dir = config.dataDir ?? (embedded ? mkdtempSync(join(tmpdir(), 'tillkit-till-')) : join(process.cwd(), 'till-data'));
  mkdirSync(dir, { recursive: true });
  if (config.dataDir === undefined && embedded) cleanup.push(() => rmSync(dir, { recursive: true, force: true }));

  // -- devices ------------------------------------------------------------------------------------
  const devices = createDeviceManager();
  let emulator: EscPosEmulator | undefined;
  let printer: ReceiptPrinter;
  if (config.printer === undefined) {
    const profile = PRINTER_PROFILES['epson-tm-t88vi'];
    emulator = await startEscPosEmulator({ profile, printSpeedLinesPerSecond: options.printSpeedLinesPerSecond ?? 2000 });
    cleanup.push(() => emulator!.close());
    printer = createNetworkPrinter({ id: 'printer', host: emulator.host, port: emulator.port, profile, pollMs: 100 });
    describe.push(`printer: emulated ${profile.vendor} ${profile.model} on tcp://${emulator.host}:${emulator.port}`);
  } else {
    const profile = PRINTER_PROFILES[config.printer.profile];
    let backup: ReceiptPrinter | undefined;
    if (config.backupPrinter !== undefined) {
      const b = config.backupPrinter;
      backup = createNetworkPrinter({ id: 'backup-printer', host: b.host, port: b.port, profile: PRINTER_PROFILES[b.profile] });
      devices.register(backup);
      cleanup.push(() => backup!.close());
      describe.push(`backup printer: tcp://${b.host}:${b.port}`);
    }
    printer = createNetworkPrinter({
      id: 'printer',
      host: config.printer.host,
      port: config.printer.port,
      profile,
      ...(backup === undefined ? {} : { backup }),
    });
    describe.push(`printer: ${profile.vendor} ${profile.model} at tcp://${config.printer.host}:${config.printer.port}`);
  }
  devices.register(printer);
  cleanup.push(() => printer.close());
  const drawer: DrawerMonitor = createDrawerMonitor({
    id: 'drawer',
    polarity: printer.profile.drawer,
    openTooLongMs: 60_000,
    status$: printer.drawer$,
  });
  devices.register(drawer);
  cleanup.push(() => drawer.dispose());
  if (emulator !== undefined) {
    // the emulated drawer springs open on a kick; the cashier pushes it shut a second later
    const shut = drawer.opened$.subscribe(() => {
      setTimeout(() => emulator?.setDrawerOpen(false), 1000).unref();
    });
    cleanup.push(() => shut.unsubscribe());
  }

  let scaleSim: ScaleSimulator | undefined;
  let scale: Scale;
  if (config.scale === undefined) {
    scaleSim = createScaleSimulator({ protocol: 'toledo-8217' });
    scaleSim.setWeight(0);
    cleanup.push(() => scaleSim!.close());
    scale = createScale({ transport: scaleSim.connect(), protocol: 'toledo-8217', pollMs: 40, stableReadings: 2 });
    describe.push('scale: simulated Mettler Toledo 8217 (sim weight KG puts something on it)');
  } else {
    const { host, port, protocol } = config.scale;
    const socket = connect({ host, port });
    socket.on('error', () => undefined); // shows up as the scale's health
    scale = createScale({ transport: createStreamTransport(socket, { name: 'scale' }), protocol });
    describe.push(`scale: ${protocol} at tcp://${host}:${port}`);
  }
  devices.register(scale);
  cleanup.push(() => scale.close());

  // -- the cloud ----------------------------------------------------------------------------------
  let server: RunningSyncServer | undefined;
  let proxies: { primary: FaultProxy; secondary: FaultProxy } | undefined;
  let cloud: EmbeddedCloud | undefined;
  let code = config.code;
  let endpoints = config.servers ?? [];
  if (embedded) {
    const adminToken = randomBytes(24).toString('base64url');
    server = await startSyncServer({ db: join(dir, 'cloud.db'), adminToken });
    cleanup.push(() => server!.close());
    const target = { host: '127.0.0.1', port: server.port };
    const primary = await startFaultProxy({ target });
    cleanup.push(() => primary.close());
    const secondary = await startFaultProxy({ target });
    cleanup.push(() => secondary.close());
    primary.setMode('pass');
    secondary.setMode('pass');
    proxies = { primary, secondary };
    code = await seedShopCloud(server.url, adminToken, config);
    cloud = {
      url: server.url,
      adminToken,
      merchantId: SHOP_MERCHANT,
      storeId: SHOP_STORE,
      admin: (method, path, body) => adminCall(server!.url, adminToken, method, path, body),
    };
    endpoints = [
      { id: 'primary', url: primary.url },
      { id: 'secondary', url: secondary.url },
    ];
    describe.push(`cloud: embedded reference server ${server.url} (SQLite in a temp folder)`);
    describe.push(`  reached through a primary (${primary.url}) and a secondary path (${secondary.url})`);
  } else {
    describe.push(`cloud: ${endpoints.map((e) => `${e.id} ${e.url}`).join(', ')}`);
  }
  const outboxStore: SqliteStore = await createSqliteStore({ path: join(dir, 'till-outbox.db') });
  cleanup.push(() => outboxStore.close());
  const catalog = await createSqliteCatalogStore({ path: join(dir, 'till-catalog.db') });
  cleanup.push(() => catalog.close());
  const client: SyncClient = createSyncClient({
    endpoints,
    outbox: {
      store: outboxStore,
      backoff: { baseMs: 200, capMs: 2000 },
      sendTimeoutMs: 3000,
      probeIntervalMs: 500,
      // on the embedded cloud, fail over within a second and back within seconds, so it can be watched
      failover: embedded
        ? { breaker: { failureThreshold: 3, openMs: 2000 }, minSwitchIntervalMs: 1000, failBackAfterMs: 3000 }
        : { breaker: { failureThreshold: 3 } },
      // small batches on the embedded cloud, so the catch-up after `sim net down` shows its progress
      ...(embedded ? { batch: { maxItems: 5 } } : {}),
    },
    catalog,
    deviceId: `${config.tillId}-terminal`,
    softwareVersion: '1.0.0',
    pull: { intervalMs: embedded ? 0 : 60_000 },
    heartbeat: { intervalMs: embedded ? 0 : 60_000 },
  });
  cleanup.push(() => client.close());
  let enrolment = await client.enrolment();
  if (enrolment === undefined) {
    if (code === undefined) {
      throw new TillConfigError(
        'This till is not enrolled yet: start it once with --code CODE (a one-time code from the back office).',
      );
    }
    await client.enrol(code);
    enrolment = await client.enrolment();
  }
  const tenant = enrolment!.tenant;
  await client.start();
  await client.pullNow().catch(() => undefined); // offline at start: sell from what the till has
  describe.push(`register: ${tenant.registerId} of store ${tenant.storeId}`);

  // what the till remembers (a restarted till goes on from its store)
  const memory = await remember(outboxStore, tenant.registerId);

  // -- status -------------------------------------------------------------------------------------
  const snapshot = new BehaviorSubject<StatusSnapshot>({
    devices: new Map<string, DeviceHealth>(),
    sync: undefined,
    primaryEndpoint: endpoints[0]?.id,
  });
  const subs = [
    devices.health$.subscribe((all) => snapshot.next({ ...snapshot.value, devices: new Map(all) })),
    client.status$.subscribe((s: SyncStatus) => snapshot.next({ ...snapshot.value, sync: s })),
  ];
  cleanup.push(() => subs.forEach((s) => s.unsubscribe()));

  const services: TillServices = {
    tillId: tenant.registerId,
    currency: config.currency,
    locale: config.locale,
    timeZone: config.timeZone,
    operator: config.operator,
    header: config.shop,
    async findArticle(code) {
      const article = (await client.catalog.findByBarcode(code)) ?? (await client.catalog.get('catalog', code));
      if (article === undefined) return undefined;
      const price = await client.catalog.get('prices', article.id);
      if (price === undefined) return undefined;
      return {
        id: article.id,
        name: article.name,
        unitPrice: price.unitPrice,
        taxId: article.taxId,
        weighed: article.weighed,
        unit: article.unit,
      };
    },
    async taxes() {
      const rates = await client.catalog.list('tax-rates', { limit: 1000 });
      // receipt letters by the rates' order in the catalog, the same on every sale
      return rates.map((r, i) => ({
        id: r.id,
        name: r.name,
        code: String.fromCharCode(65 + (i % 26)),
        rate: r.rate,
        inclusive: r.inclusive,
      }));
    },
    findMembers: (query) => client.catalog.findMembers(query),
    async readWeight() {
      const w = await scale.readStable(3000);
      return w.grams;
    },
    async record(entry: JournalEntry, till: TillState, transaction?: CompletedTransaction) {
      await client.recordEvent(transaction === undefined ? { entry, till } : { entry, till, transaction });
    },
    async print(doc: ReceiptDocument) {
      const job = printer.print(doc);
      // the cashier does not wait on a held job: the printer finishes it when it can
      const final = await Promise.race([job.done, new Promise<undefined>((r) => setTimeout(r, 1500))]);
      if (final === undefined) {
        const health = snapshot.value.devices.get('printer');
        return `held (${health?.state ?? job.state().status}): it prints once the printer is ready`;
      }
      return final.status;
    },
    async openDrawer() {
      await Promise.race([printer.openDrawer().done, new Promise((r) => setTimeout(r, 1500))]);
    },
    now: () => new Date().toISOString(),
  };

  async function simulate(args: string[]): Promise<string[]> {
    const [what, value, amount] = args;
    if (
      what === 'price' &&
      cloud !== undefined &&
      value !== undefined &&
      amount !== undefined &&
      /^\d+(\.\d{2})?$/.test(amount)
    ) {
      // the head office changes a price in the cloud; the till pulls it
      const article = await client.catalog.get('catalog', value);
      if (article === undefined) return [`! sim price: no article ${value} in the catalog`];
      const unitPrice = Math.round(Number(amount) * 100);
      await cloud.admin('PUT', `/merchants/${cloud.merchantId}/stores/${cloud.storeId}/datasets/prices`, {
        records: [{ id: article.id, currency: config.currency, unitPrice }],
      });
      try {
        const report = await client.pullNow(['prices']);
        const changed = report.datasets.reduce((n, d) => n + d.upserted, 0);
        return [
          `(simulated) head office: ${article.name} now ${amount}; pulled ${changed} changed price${changed === 1 ? '' : 's'} through ${report.endpoint}`,
        ];
      } catch (e) {
        return [
          `(simulated) head office: ${article.name} now ${amount}; the pull failed (${(e as Error).message}), it comes later`,
        ];
      }
    }
    if (what === 'paper' && emulator !== undefined && (value === 'out' || value === 'near-end' || value === 'ok')) {
      emulator.setPaper(value);
      return [`(simulated) printer paper: ${value}`];
    }
    if (what === 'drawer' && emulator !== undefined && (value === 'open' || value === 'closed')) {
      emulator.setDrawerOpen(value === 'open');
      return [`(simulated) drawer ${value}`];
    }
    if (what === 'net' && proxies !== undefined && (value === 'down' || value === 'up')) {
      proxies.primary.setMode(value === 'down' ? 'down' : 'pass');
      proxies.secondary.setMode(value === 'down' ? 'down' : 'pass');
      return [`(simulated) network ${value}`];
    }
    if (what === 'primary' && proxies !== undefined && (value === 'down' || value === 'up')) {
      proxies.primary.setMode(value === 'down' ? 'down' : 'pass');
      return [`(simulated) primary endpoint ${value}`];
    }
    if (what === 'weight' && scaleSim !== undefined && value !== undefined && /^\d+(\.\d{1,3})?$/.test(value)) {
      scaleSim.setWeight(Math.round(Number(value) * 1000));
      return [`(simulated) ${value} kg on the scale`];
    }
    return [
      '! sim paper out|near-end|ok, sim drawer open|closed, sim net down|up, sim primary down|up, sim weight KG, sim price CODE AMOUNT, sim rush N (emulated parts only)',
    ];
  }

  return {
    services,
    memory,
    status$: snapshot.asObservable(),
    describe,
    emulatedPrinter: emulator,
    cloud,
    simulate,
    async drain(timeoutMs) {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        const { remaining } = await client.outbox.flush();
        if (remaining === 0) return true;
        await new Promise((r) => setTimeout(r, 50));
      }
      return false;
    },
    async close() {
      for (const c of cleanup.reverse()) await Promise.resolve(c()).catch(() => undefined);
    },
  };
}

async function remember(store: SqliteStore, registerId: string): Promise<TillMemory | undefined> {
  const till = await store.getRecord('till', registerId);
  if (till === undefined) return undefined;
  const journal: JournalEntry[] = [];
  let afterKey: string | undefined;
  for (;;) {
    const page = await store.listRecords('journal', { limit: 1000, ...(afterKey === undefined ? {} : { afterKey }) });
    journal.push(...page.map((r) => r.value as unknown as JournalEntry).filter((e) => e.tillId === registerId));
    if (page.length < 1000) break;
    afterKey = page.at(-1)!.key;
  }
  const transactions: CompletedTransaction[] = [];
  afterKey = undefined;
  for (;;) {
    const page = await store.listRecords('transactions', { limit: 1000, ...(afterKey === undefined ? {} : { afterKey }) });
    transactions.push(...page.map((r) => r.value as unknown as CompletedTransaction));
    if (page.length < 1000) break;
    afterKey = page.at(-1)!.key;
  }
  transactions.sort((a, b) => a.sequence - b.sequence);
  return { till: till.value as unknown as TillState, journal, transactions };
}

async function adminCall(baseUrl: string, token: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${baseUrl}/admin/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} /admin/v1${path}: ${response.status} ${text}`);
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}
