/**
 * The web till: a product grid from the catalog pulled into IndexedDB, a basket, cash or card, and a
 * receipt preview from core's receipt document. Every journal entry is recorded durably in the
 * IndexedDB outbox before the cashier moves on; the sync client delivers it when the server answers.
 */
import { buildReceipt, formatMoney, money, moneyFromDecimal, renderReceiptText, type CompletedTransaction } from '@tillkit/core';
import { createDexieStore } from '@tillkit/offline-queue/dexie';
import { createSyncClient, type EnrolmentInfo, type SyncClient } from '@tillkit/sync-client';
import { createDexieCatalogStore } from '@tillkit/sync-client/dexie';
import { Basket } from './basket';
import { deviceId, forgetCodeInUrl, readConfig, rememberServer } from './config';
import { loadProducts, type Product } from './products';
import { describeStatus } from './status-text';
import { TillJournal, type TenderChoice } from './till-journal';
import './style.css';

const LOCALE = 'en-GB';
const RECEIPT_WIDTH = 42;

function el<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`The page has no #${id}.`);
  return found as T;
}

function say(text: string): void {
  el('message').textContent = text;
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

/** No server or no code yet: ask for them, and start again with them in the address. */
function showEnrolForm(server: string | undefined): void {
  const form = el<HTMLFormElement>('enrol');
  el<HTMLInputElement>('enrol-server').value = server ?? '';
  form.hidden = false;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const url = new URL(location.href);
    url.searchParams.set('server', el<HTMLInputElement>('enrol-server').value.trim());
    url.searchParams.set('code', el<HTMLInputElement>('enrol-code').value.trim());
    location.assign(url);
  });
}

function watchStatus(client: SyncClient): void {
  const bar = el('status');
  client.status$.subscribe((status) => {
    const { light, pending, text } = describeStatus(status);
    bar.dataset.connectivity = light;
    bar.dataset.pending = String(pending);
    el('status-light').textContent = light;
    el('status-text').textContent = text;
  });
}

async function receiptHeader(client: SyncClient, enrolment: EnrolmentInfo): Promise<string> {
  const configured = await client.catalog.get('config', 'receipt.header');
  return typeof configured?.value === 'string' && configured.value !== '' ? configured.value : enrolment.tenant.storeId;
}

class TillScreen {
  private readonly basket = new Basket();
  private products: Product[] = [];
  private busy = false;

  constructor(
    private readonly client: SyncClient,
    private readonly enrolment: EnrolmentInfo,
    private readonly journal: TillJournal,
  ) {}

  private price(amount: number): string {
    return formatMoney(money(amount, this.enrolment.currency), LOCALE);
  }

  async refreshProducts(): Promise<void> {
    this.products = await loadProducts(this.client.catalog, this.enrolment.currency);
    const grid = el('products');
    grid.replaceChildren(
      ...this.products.map((product) => {
        const button = document.createElement('button');
        button.type = 'button';
        button.dataset.productId = product.id;
        button.textContent = `${product.name} ${this.price(product.unitPrice)}`;
        button.addEventListener('click', () => {
          this.basket.add(product);
          this.renderBasket();
        });
        return button;
      }),
    );
    if (this.products.length === 0) grid.textContent = 'Waiting for the catalog from the server…';
  }

  renderRegister(): void {
    const { tenant } = this.enrolment;
    const till = this.journal.state;
    el('register').textContent =
      `Register ${tenant.registerId} · store ${tenant.storeId} · last receipt ${till.lastReceiptNumber} · journal entry ${till.journal.sequence}`;
  }

  renderBasket(): void {
    const items = this.basket.items();
    el('basket-lines').replaceChildren(
      ...items.map((line) => {
        const li = document.createElement('li');
        li.dataset.productId = line.product.id;
        const label = document.createElement('span');
        label.textContent = `${line.quantity} × ${line.product.name}`;
        const remove = document.createElement('button');
        remove.type = 'button';
        remove.textContent = '−';
        remove.title = `One ${line.product.name} less`;
        remove.addEventListener('click', () => {
          this.basket.remove(line.product.id);
          this.renderBasket();
        });
        li.append(label, document.createTextNode(this.price(line.product.unitPrice * line.quantity)), remove);
        return li;
      }),
    );
    el('basket-total').textContent = this.price(this.basket.subtotal);
    for (const id of ['pay-cash', 'pay-card', 'clear-basket'])
      el<HTMLButtonElement>(id).disabled = this.busy || this.basket.isEmpty;
  }

  private async showReceipt(transaction: CompletedTransaction): Promise<void> {
    const document = buildReceipt(transaction, {
      locale: LOCALE,
      header: { name: await receiptHeader(this.client, this.enrolment), lines: [`Register ${this.enrolment.tenant.registerId}`] },
      footer: ['Thank you!'],
      barcode: 'receipt-number',
    });
    const pre = el('receipt-text');
    pre.textContent = renderReceiptText(document, { width: RECEIPT_WIDTH });
    pre.dataset.receiptNumber = String(transaction.receiptNumber);
  }

  private tender(type: TenderChoice['type']): TenderChoice {
    if (type === 'card') return { type };
    const given = el<HTMLInputElement>('cash-given').value.trim();
    return { type, given: given === '' ? undefined : moneyFromDecimal(given, this.enrolment.currency).amount };
  }

  private async pay(type: TenderChoice['type']): Promise<void> {
    if (this.busy || this.basket.isEmpty) return;
    this.busy = true;
    this.renderBasket();
    try {
      const transaction = await this.journal.ringSale(this.basket.items(), this.tender(type));
      this.basket.clear();
      el<HTMLInputElement>('cash-given').value = '';
      await this.showReceipt(transaction);
      say(`Sale ${transaction.receiptNumber} recorded: ${this.price(transaction.priced.total)}.`);
    } catch (error) {
      say(`The sale was not recorded: ${errorText(error)}`);
    } finally {
      this.busy = false;
      this.renderRegister();
      this.renderBasket();
    }
  }

  bind(): void {
    el('pay-cash').addEventListener('click', () => void this.pay('cash'));
    el('pay-card').addEventListener('click', () => void this.pay('card'));
    el('clear-basket').addEventListener('click', () => {
      this.basket.clear();
      this.renderBasket();
    });
  }
}

async function enrolled(client: SyncClient, server: string, code: string | undefined): Promise<EnrolmentInfo | undefined> {
  const existing = await client.enrolment();
  if (existing !== undefined) return existing;
  if (code === undefined) return undefined;
  say('Enrolling…');
  const enrolment = await client.enrol(code);
  rememberServer(localStorage, server);
  say('');
  return enrolment;
}

async function boot(): Promise<void> {
  const config = readConfig(location, localStorage, import.meta.env.VITE_TILLKIT_SERVER);
  if (config.server === undefined) {
    showEnrolForm(undefined);
    return;
  }
  const store = await createDexieStore({ name: 'web-till-outbox' });
  const catalog = await createDexieCatalogStore({ name: 'web-till-catalog' });
  const client = createSyncClient({
    baseUrl: config.server,
    outbox: {
      store,
      // a till on a shop counter: short backoff and frequent probes, so sales leave soon after the network returns
      backoff: { baseMs: 500, capMs: 5000 },
      probeIntervalMs: 2000,
      sendTimeoutMs: 5000,
      // three failed tries in a row (about five seconds) and the status bar says offline
      failover: { breaker: { failureThreshold: 3 } },
    },
    catalog,
    deviceId: deviceId(localStorage),
    softwareVersion: '0.0.0',
    pull: { intervalMs: 30_000 },
    requestTimeoutMs: 5000,
  });
  watchStatus(client);

  let enrolment: EnrolmentInfo | undefined;
  try {
    enrolment = await enrolled(client, config.server, config.code);
  } catch (error) {
    say(`Enrolment failed: ${errorText(error)}`);
  }
  forgetCodeInUrl(location, history);
  if (enrolment === undefined) {
    showEnrolForm(config.server);
    return;
  }
  rememberServer(localStorage, config.server);
  let journal: TillJournal;
  try {
    journal = await TillJournal.open(client, store, enrolment);
  } catch (error) {
    say(`The till's journal could not be opened: ${errorText(error)}. Reload when the sync server answers.`);
    return;
  }
  await client.start();
  const screen = new TillScreen(client, enrolment, journal);
  screen.bind();
  screen.renderRegister();
  screen.renderBasket();
  await screen.refreshProducts();
  let lastPullAt: number | undefined;
  client.status$.subscribe((status) => {
    if (status.lastPullAt === lastPullAt) return;
    lastPullAt = status.lastPullAt;
    screen.refreshProducts().catch((error: unknown) => say(`The catalog could not be read: ${errorText(error)}`));
  });
  el('till').hidden = false;
  document.body.dataset.ready = 'true';
}

boot().catch((error: unknown) => {
  say(`The till could not start: ${errorText(error)}`);
  console.error(error);
});
