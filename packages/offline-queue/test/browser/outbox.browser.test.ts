import { fileURLToPath } from 'node:url';
import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestServerOptions } from '../../src/testing/test-server';
import { callPage, openTestPage, reloadTestPage, useBrowserHarness, waitUntil } from './harness';
import type { OpenOutboxOptions, OutboxPageApi } from './outbox-entry';

// The outbox in real headless Chromium (Debian's /usr/bin/chromium, or CHROMIUM_PATH): the Dexie
// store, the HTTP transport calling a real test server in this process (another origin: CORS) and
// the Web Locks flusher lock. Enqueue and deliver, a reload in the middle of a flush, the flusher
// role handed from one tab to another when the leader tab closes or freezes, and one flusher per
// store when two stores share an origin. The test server applies each idempotency key at most once
// and keeps each partition gapless and in order: "exactly once" below means every key applied
// once, none missing, in enqueue order.

// freezable: the frozen-leader test needs tabs that CDP can really freeze (see HarnessOptions.freezable)
const browser = useBrowserHarness({ entryFile: fileURLToPath(new URL('./outbox-entry.ts', import.meta.url)), freezable: true });

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function server(options: TestServerOptions = {}): Promise<TestServer> {
  const s = await startTestServer(options);
  cleanups.push(() => s.close());
  return s;
}

/**
 * A browser context of its own for a test: its tabs share IndexedDB and Web Locks with each other,
 * and with no other test. (Playwright keeps its tabs visible: they cannot be frozen.)
 */
async function freshContext(): Promise<BrowserContext> {
  const context = await browser.harness().browser.newContext();
  cleanups.push(() => context.close());
  return context;
}

async function tab(context: BrowserContext): Promise<Page> {
  return openTestPage(context, `${browser.harness().origin}/`);
}

function call<K extends keyof OutboxPageApi>(page: Page, name: K, ...args: Parameters<OutboxPageApi[K]>) {
  return callPage<OutboxPageApi, K>(page, name, ...args);
}

let databases = 0;
const freshDb = (label: string) => `outbox-${label}-${++databases}-${Date.now()}`;

const keys = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${i + 1}`);

async function openOutbox(page: Page, options: OpenOutboxOptions): Promise<void> {
  await call(page, 'openOutbox', options);
  // close the outbox before its context closes, so nothing is left running in the browser
  cleanups.push(() => (page.isClosed() ? Promise.resolve() : call(page, 'closeOutbox')));
}

/** Items the page's outbox saw acknowledged: applied, or answered duplicate (applied before). */
const acknowledged = (state: { applied: number; duplicates: number }) => state.applied + state.duplicates;

async function openItems(page: Page): Promise<number> {
  const stats = await call(page, 'stats');
  return stats.pending + stats.inFlight;
}

/** Waits for `promise`, but no longer than `timeoutMs`: then fails naming `what` (a bounded wait, not a timing assertion). */
async function within<T>(timeoutMs: number, what: string, promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined); // still settles after a timeout: not an unhandled rejection then
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Freezes a tab with CDP (Page.setWebLifecycleState) at a moment it has no IndexedDB transaction
 * open. A tab frozen in the middle of one keeps that transaction, and with it the tables, from every
 * other tab until it runs again: then nothing could take over from it, whatever the flusher lock
 * does. If the tab was caught with a transaction open, it is let go and frozen again a moment later.
 */
async function freezeBetweenTransactions(page: Page, cdp: CDPSession): Promise<void> {
  for (let attempt = 1; attempt <= 50; attempt++) {
    await waitUntil(
      'the tab to have no IndexedDB transaction open',
      async () => (await call(page, 'lifecycle')).openTransactions === 0,
      {
        intervalMs: 5,
      },
    );
    await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
    // the page reads these while frozen: evaluation from DevTools still runs, the page's own tasks do not
    await waitUntil('the freeze to take effect', async () => (await call(page, 'lifecycle')).frozen, { timeoutMs: 5000 });
    if ((await call(page, 'lifecycle')).openTransactions === 0) return;
    await cdp.send('Page.setWebLifecycleState', { state: 'active' });
    await waitUntil('the tab to resume', async () => !(await call(page, 'lifecycle')).frozen, { timeoutMs: 5000 });
  }
  throw new Error('Could not freeze the tab between two IndexedDB transactions in 50 attempts.');
}

/** Every item of `expected` applied exactly once, nothing else applied, in this order, with gapless sequence numbers. */
function expectExactlyOnce(srv: TestServer, expected: readonly string[]): void {
  expect(srv.keys()).toEqual(expected);
  expect(expected.filter((key) => srv.appliedCount(key) !== 1)).toEqual([]);
  expect(srv.applied().map((item) => item.seq)).toEqual(expected.map((_, i) => i + 1));
}

describe('outbox in Chromium: enqueue and deliver', () => {
  it('delivers what the page enqueued, every item once, in order', async () => {
    const srv = await server();
    const page = await tab(await freshContext());
    await openOutbox(page, { db: freshDb('deliver'), url: srv.url, deviceId: 'till-1', instanceId: 'tab-1' });
    await call(page, 'start');
    const sales = keys('sale', 40);
    const seqs = await call(page, 'enqueue', sales);
    expect(seqs).toEqual(sales.map((_, i) => i + 1));

    await waitUntil(
      'the page to deliver every item',
      async () => acknowledged(await call(page, 'state')) === sales.length && (await openItems(page)) === 0,
      {
        detail: () => ({ applied: srv.keys().length }),
      },
    );
    expectExactlyOnce(srv, sales);
    const items = await call(page, 'listItems');
    expect(items).toEqual(sales.map((key, i) => [key, 'acked', i + 1]));
    const state = await call(page, 'state');
    expect(state).toMatchObject({ role: 'flusher', applied: 40, duplicates: 0, errors: [] });
  });
});

describe('outbox in Chromium: a reload in the middle of a flush', () => {
  it(
    'delivers everything exactly once after the page reloads with a batch in flight, and keeps what it acknowledged',
    { timeout: 40_000 },
    async () => {
      // slow answers, so a batch is on its way when the page goes
      const srv = await server({ latencyMs: 400 });
      const page = await tab(await freshContext());
      const durable: string[] = [];
      await page.exposeFunction('reportEnqueued', (key: string) => {
        durable.push(key);
      });
      const db = freshDb('reload');
      const options = {
        db,
        url: srv.url,
        deviceId: 'till-1',
        maxItems: 50,
        // the reloaded page takes over the items the old page had in flight once their lease runs out
        leaseMs: 2000,
        sendTimeoutMs: 1500,
      };
      await openOutbox(page, { ...options, instanceId: 'before-reload' });
      const before = keys('before', 300);
      await call(page, 'enqueue', before);
      await call(page, 'start');
      // sales keep coming while the queue drains, and are still coming when the page reloads
      await call(page, 'enqueueInBackground', 'across', 10_000, 'reportEnqueued');

      // the first batch is applied, the next one reached the server and waits for its answer
      await waitUntil(
        'a batch in flight after the first was applied',
        () =>
          srv.keys().length >= 50 &&
          srv.keys().length < before.length &&
          srv.requests > srv.keys().length / 50 &&
          durable.length > 0,
        { detail: () => ({ applied: srv.keys().length, requests: srv.requests, durable: durable.length }) },
      );
      await reloadTestPage(page);
      const durableAtReload = [...durable];

      await openOutbox(page, { ...options, maxItems: 200, instanceId: 'after-reload' });
      const leftInFlight = (await call(page, 'listItems')).filter(([, state]) => state === 'in-flight');
      // the batch on its way when the page went: the server may have applied it, the page never heard
      expect(leftInFlight.length).toBeGreaterThan(0);
      const after = keys('after', 20);
      await call(page, 'enqueue', after);
      await call(page, 'start');

      await waitUntil('the reloaded page to drain the queue', async () => (await openItems(page)) === 0, {
        timeoutMs: 25_000,
        detail: () => ({ applied: srv.keys().length, requests: srv.requests }),
      });
      const items = await call(page, 'listItems');
      const stored = items.map(([key]) => key);
      // every item the store holds was applied once, in its order: nothing missing, nothing twice
      expectExactlyOnce(srv, stored);
      expect(items.filter(([, state]) => state !== 'acked')).toEqual([]);
      // every enqueue that resolved before the reload was durable, in its place
      expect(stored.slice(0, before.length)).toEqual(before);
      const across = stored.filter((key) => key.startsWith('across-'));
      expect(across).toEqual(keys('across', across.length));
      expect(durableAtReload.length).toBeGreaterThan(0);
      expect(across).toEqual(expect.arrayContaining(durableAtReload));
      expect(stored.slice(-after.length)).toEqual(after);
    },
  );
});

describe('outbox in Chromium: one flusher among tabs', () => {
  it('one tab flushes for all; when the leader tab closes, the other takes over and nothing is applied twice', async () => {
    const srv = await server();
    const context = await freshContext();
    const tabs = [await tab(context), await tab(context)] as const;
    const db = freshDb('close');
    for (const [i, page] of tabs.entries()) {
      await openOutbox(page, { db, url: srv.url, deviceId: 'till-1', instanceId: `tab-${i + 1}` });
    }
    await Promise.all(tabs.map((page) => call(page, 'start')));

    const roles = async () => Promise.all(tabs.map(async (page) => (await call(page, 'state')).role));
    await waitUntil('one tab to become the flusher', async () => (await roles()).includes('flusher'), { detail: roles });
    const [first, second] = await roles();
    expect([first, second].sort()).toEqual(['flusher', 'standby']);
    const leader = first === 'flusher' ? tabs[0] : tabs[1];
    const standby = leader === tabs[0] ? tabs[1] : tabs[0];

    // the standby tab enqueues; the leader tab delivers (told over BroadcastChannel)
    const fromStandby = keys('standby', 20);
    await call(standby, 'enqueue', fromStandby);
    await waitUntil(
      'the leader to deliver what the standby tab enqueued',
      async () => (await call(leader, 'state')).applied === 20,
      {
        detail: () => ({ applied: srv.keys().length }),
      },
    );
    expect(await call(leader, 'state')).toMatchObject({ role: 'flusher', applied: 20 });
    expect(await call(standby, 'state')).toMatchObject({ role: 'standby', applied: 0, duplicates: 0 });
    expect((await call(standby, 'state')).roles).not.toContain('flusher');

    await leader.close();
    await waitUntil('the other tab to take over', async () => (await call(standby, 'state')).role === 'flusher', {
      detail: () => call(standby, 'state'),
    });
    const afterClose = keys('after-close', 20);
    await call(standby, 'enqueue', afterClose);
    await waitUntil('the new flusher to deliver', async () => acknowledged(await call(standby, 'state')) === afterClose.length, {
      detail: () => ({ applied: srv.keys().length }),
    });
    expectExactlyOnce(srv, [...fromStandby, ...afterClose]);
    expect(await call(standby, 'state')).toMatchObject({ role: 'flusher', applied: 20, errors: [] });
  });

  it('a frozen leader tab is replaced after its lease ttl, and steps down when it runs again; nothing is applied twice', async () => {
    const srv = await server();
    // the browser's default context: the one whose tabs CDP can freeze. Its tabs are closed after the test.
    const { context } = browser.harness();
    const tabs = [await tab(context), await tab(context)] as const;
    for (const page of tabs) cleanups.push(() => page.close());
    const db = freshDb('freeze');
    const options = { db, url: srv.url, deviceId: 'till-1', lockTtlMs: 1000, leaseMs: 3000, sendTimeoutMs: 2000 };
    await openOutbox(tabs[0], { ...options, instanceId: 'tab-1' });
    await openOutbox(tabs[1], { ...options, instanceId: 'tab-2' });
    await call(tabs[0], 'start');
    await waitUntil('the first tab to become the flusher', async () => (await call(tabs[0], 'state')).role === 'flusher');
    await call(tabs[1], 'start');
    await waitUntil('the second tab to stand by', async () => (await call(tabs[1], 'state')).role === 'standby');
    const [leader, other] = tabs;

    const beforeFreeze = keys('before-freeze', 10);
    await call(other, 'enqueue', beforeFreeze);
    await waitUntil('the leader to deliver', async () => srv.keys().length === 10 && (await openItems(other)) === 0);

    const cdp: CDPSession = await context.newCDPSession(leader);
    cleanups.push(async () => {
      await cdp.send('Page.setWebLifecycleState', { state: 'active' });
      await cdp.detach();
    });
    await freezeBetweenTransactions(leader, cdp);
    // a sale in the other tab must never wait for the frozen one
    const whileFrozen = keys('while-frozen', 10);
    await within(8000, 'the other tab to enqueue while the leader is frozen', call(other, 'enqueue', whileFrozen));
    await waitUntil(
      'the other tab to take over from the frozen leader',
      async () => (await call(other, 'state')).role === 'flusher',
      {
        timeoutMs: 10_000,
        detail: async () => ({ other: await call(other, 'state'), lease: await call(other, 'leaseRow', db), at: Date.now() }),
      },
    );
    await waitUntil('the new flusher to deliver', async () => srv.keys().length === 20 && (await openItems(other)) === 0, {
      detail: () => ({ applied: srv.keys().length }),
    });

    expect((await call(leader, 'lifecycle')).frozen).toBe(true);
    await cdp.send('Page.setWebLifecycleState', { state: 'active' });
    await waitUntil('the old leader to notice it lost the role', async () => (await call(leader, 'state')).role === 'standby', {
      detail: () => call(leader, 'state'),
    });
    expect((await call(leader, 'state')).roles).toEqual(['stopped', 'standby', 'flusher', 'standby']);

    // the old leader, now a standby tab, enqueues; the new flusher delivers
    const afterThaw = keys('after-thaw', 10);
    await call(leader, 'enqueue', afterThaw);
    await waitUntil('the new flusher to deliver what the old leader enqueued', () => srv.keys().length === 30, {
      detail: () => ({ applied: srv.keys().length }),
    });
    await waitUntil('the queue to be empty', async () => (await openItems(other)) === 0);
    expectExactlyOnce(srv, [...beforeFreeze, ...whileFrozen, ...afterThaw]);
    const states = await Promise.all(tabs.map((page) => call(page, 'state')));
    expect(states.map((s) => s.role)).toEqual(['standby', 'flusher']);
    expect(states.map((s) => s.errors)).toEqual([[], []]);
  });

  it('outboxes on two databases of one origin each keep the flusher role of their own store', async () => {
    // two queues in one origin (two tills' databases, or sales and another queue): one flusher each
    const srv = await server();
    const context = await freshContext();
    const tabs = [await tab(context), await tab(context)] as const;
    const devices = ['till-a', 'till-b'] as const;
    for (const [i, page] of tabs.entries()) {
      await openOutbox(page, { db: freshDb(devices[i]!), url: srv.url, deviceId: devices[i]!, instanceId: `tab-${i + 1}` });
      await call(page, 'start');
      await waitUntil(
        `the outbox of ${devices[i]} to become its flusher`,
        async () => (await call(page, 'state')).role === 'flusher',
        { detail: () => call(page, 'state') },
      );
    }
    const sales = devices.map((device) => keys(device, 10));
    await Promise.all(tabs.map((page, i) => call(page, 'enqueue', sales[i]!)));
    await waitUntil('both queues to be delivered', async () => srv.keys().length === 20 && (await openItems(tabs[0])) === 0, {
      detail: () => ({ applied: srv.keys().length }),
    });
    await waitUntil('the second queue to be empty', async () => (await openItems(tabs[1])) === 0);
    for (const [i, device] of devices.entries()) {
      expect(srv.keys().filter((key) => key.startsWith(`${device}-`))).toEqual(sales[i]);
    }
    // neither took the role from the other
    const states = await Promise.all(tabs.map((page) => call(page, 'state')));
    expect(states.map((s) => s.roles)).toEqual([
      ['stopped', 'standby', 'flusher'],
      ['stopped', 'standby', 'flusher'],
    ]);
  });
});
