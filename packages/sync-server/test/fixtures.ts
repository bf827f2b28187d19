// Test fixtures: real tills built with @tillkit/core, real servers on loopback with SQLite files in
// temporary directories, and a small HTTP client. Not part of the package.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  addLine,
  addOrderDiscount,
  addServiceCharge,
  addTender,
  completeSale,
  createTill,
  getSettlement,
  journalBodyForTransaction,
  nextReceiptNumber,
  openReturn,
  openSale,
  openSession,
  paidIn,
  recordJournalEntry,
  type CompletedTransaction,
  type DiscountInput,
  type JournalEntry,
  type LineInput,
  type ServiceChargeInput,
  type TaxPolicy,
  type TaxRateInput,
  type TenderInput,
  type TillState,
} from '@tillkit/core';
import { eventKey, PROTOCOL_HEADER, type WireItem } from '@tillkit/sync-client/protocol';
import { afterEach } from 'vitest';
import { startSyncServer, type RunningSyncServer, type StartSyncServerOptions } from '../src/index';

export const AT = '2026-03-02T09:00:00.000Z';
export const VAT: TaxRateInput[] = [
  { id: 'vat19', name: 'VAT 19%', code: 'A', rate: '19', inclusive: true },
  { id: 'vat7', name: 'VAT 7%', code: 'B', rate: '7', inclusive: true },
  { id: 'levy', name: 'Levy 2.5%', code: 'L', rate: '2.5', inclusive: false },
];

// -- temporary directories and servers, cleaned up after each test -------------------------------

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** A fresh temporary directory, removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tillkit-sync-server-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A server on a SQLite file in a temporary directory (or the given `db`), closed after the test. */
export async function startServer(options: StartSyncServerOptions = {}): Promise<RunningSyncServer> {
  const db = options.db ?? join(tempDir(), 'sync.db');
  const server = await startSyncServer({ adminToken: ADMIN_TOKEN, ...options, db });
  cleanups.push(() => server.close());
  return server;
}

export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';

// -- HTTP -------------------------------------------------------------------------------------------

/** A JSON object as tests read it (fields are checked by the assertions). */
export type JsonObject = Record<string, unknown>;

export interface Answer<T = JsonObject> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RequestOptions {
  token?: string | undefined;
  /** a raw body (sent as is) instead of JSON of `body` */
  raw?: string | Uint8Array;
  contentType?: string;
  headers?: Record<string, string>;
}

/** One HTTP request with fetch; the body is parsed as JSON when it is JSON. */
export async function call<T = JsonObject>(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  options: RequestOptions = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = { [PROTOCOL_HEADER]: '1', ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let payload: string | Uint8Array | undefined;
  if (options.raw !== undefined) payload = options.raw;
  else if (body !== undefined) payload = JSON.stringify(body);
  if (payload !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const response = await fetch(`${url}${path}`, { method, headers, body: (payload ?? null) as BodyInit | null });
  const text = await response.text();
  let parsed: unknown = undefined;
  if (text !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  return { status: response.status, headers: response.headers, body: parsed as T, text };
}

// -- tenancy --------------------------------------------------------------------------------------

export interface TenantIds {
  merchantId: string;
  storeId: string;
  registerId: string;
  currency?: string;
}

export interface EnrolledTill {
  deviceId: string;
  clientId: string;
  clientSecret: string;
  token: string;
}

const admin = (server: RunningSyncServer) => ({ token: server.adminToken });

/** Creates the register (idempotent) and returns a fresh enrolment code for it. */
export async function enrolmentCode(server: RunningSyncServer, t: TenantIds): Promise<string> {
  const currency = t.currency ?? 'EUR';
  const reg = await call(server.url, 'POST', '/admin/v1/registers', { ...t, currency }, admin(server));
  if (reg.status !== 201) throw new Error(`register: ${reg.status} ${reg.text}`);
  const code = await call<{ code: string }>(
    server.url,
    'POST',
    '/admin/v1/enrolments',
    { merchantId: t.merchantId, storeId: t.storeId, registerId: t.registerId },
    admin(server),
  );
  if (code.status !== 201) throw new Error(`enrolment: ${code.status} ${code.text}`);
  return code.body.code;
}

/** Registers, enrols a device and gets a token: a till ready to push and pull. */
export async function enrolTill(
  server: RunningSyncServer,
  t: TenantIds,
  deviceId = `${t.merchantId}-${t.registerId}-device`,
): Promise<EnrolledTill> {
  const code = await enrolmentCode(server, t);
  const enrol = await call(server.url, 'POST', '/v1/devices/enrol', { code, deviceId });
  if (enrol.status !== 201) throw new Error(`enrol: ${enrol.status} ${enrol.text}`);
  const { clientId, clientSecret } = enrol.body.credentials as { clientId: string; clientSecret: string };
  const token = await call(server.url, 'POST', '/v1/auth/token', { clientId, clientSecret });
  if (token.status !== 200) throw new Error(`token: ${token.status} ${token.text}`);
  return { deviceId, clientId, clientSecret, token: token.body.accessToken as string };
}

// -- tills ----------------------------------------------------------------------------------------

/** One journal entry as core returns it, with the till after it and the transaction it records. */
export interface Step {
  entry: JournalEntry;
  till: TillState;
  transaction?: CompletedTransaction;
}

export interface SaleSpec {
  lines: LineInput[];
  orderDiscounts?: DiscountInput[];
  serviceCharges?: ServiceChargeInput[];
  tenders?: TenderInput[];
  taxes?: TaxRateInput[];
  policy?: TaxPolicy;
  training?: boolean;
}

/**
 * A till of one register that rings real sales with @tillkit/core and turns each journal entry
 * into an outbox wire item (key = eventKey(entry), partition = register id, seq = sequence).
 */
export class TillSim {
  till: TillState;
  readonly steps: Step[] = [];
  private minute = 0;

  constructor(
    readonly registerId: string,
    readonly currency = 'EUR',
  ) {
    this.till = createTill({ tillId: registerId, currency });
  }

  /** The next timestamp (a minute later each call). */
  at(): string {
    return new Date(Date.parse(AT) + this.minute++ * 60_000).toISOString();
  }

  private keep(step: Step): Step {
    this.till = step.till;
    this.steps.push(step);
    return step;
  }

  openSession(): Step {
    return this.keep(openSession(this.till, { id: `session-${this.registerId}`, at: this.at(), float: 10_000 }));
  }

  paidIn(amount: number): Step {
    return this.keep(paidIn(this.till, { amount, reason: 'change float', at: this.at() }));
  }

  sale(spec: SaleSpec): Step {
    const at = this.at();
    let sale = openSale({
      tillId: this.registerId,
      currency: this.currency,
      taxes: spec.taxes ?? VAT,
      ...(spec.policy ? { policy: spec.policy } : {}),
      ...(spec.training ? { training: true } : {}),
      at,
    });
    for (const line of spec.lines) sale = addLine(sale, line, { at });
    for (const d of spec.orderDiscounts ?? []) sale = addOrderDiscount(sale, d, { at });
    for (const c of spec.serviceCharges ?? []) sale = addServiceCharge(sale, c, { at });
    const free = getSettlement(sale).total === 0;
    for (const t of free ? [] : (spec.tenders ?? [{ type: 'cash' }])) sale = addTender(sale, t, { at });
    return this.keep(completeSale(sale, this.till, { at }));
  }

  /** A simple sale: `count` coffees at 350 (VAT 19 % inclusive), paid by card. */
  coffee(count = 1): Step {
    return this.sale({
      lines: [{ id: 'coffee', name: 'Coffee', unitPrice: 350, quantity: count, taxIds: ['vat19'] }],
      tenders: [{ type: 'card' }],
    });
  }

  /** Returns `quantity` of line `lineId` of `source` (refunded in cash). */
  giveBack(source: CompletedTransaction, lineId: string, quantity: number | string): Step {
    const at = this.at();
    let ret = openReturn({ source, lines: [{ sourceLineId: lineId, quantity }], at });
    ret = addTender(ret, { type: 'cash' }, { at });
    return this.keep(completeSale(ret, this.till, { at }));
  }
}

/**
 * A sale whose transaction says it cost 1.00 less than its lines (`honest` is the sale rung after
 * `before`), with an entry and till state that agree with it: the hash chain is intact and the
 * books balance; only pricing it again from its lines finds it (TOTALS_MISMATCH).
 */
export function forgeCheaperSale(before: Step, honest: Step): Step {
  const tx = copy(honest.transaction!) as unknown as {
    priced: { total: number };
    amountDue: number;
    tenders: { amount: number }[];
  };
  tx.priced.total -= 100;
  tx.amountDue -= 100;
  tx.tenders[0]!.amount -= 100;
  const numbered = nextReceiptNumber(before.till).till;
  const forged = recordJournalEntry(
    numbered,
    journalBodyForTransaction(tx as unknown as CompletedTransaction, { at: honest.entry.endedAt }),
  );
  return { entry: forged.entry, till: forged.till, transaction: tx as unknown as CompletedTransaction };
}

/** The wire item of a journal step, as the sync client enqueues it. */
export function wireItem(step: Step, attempt = 1): WireItem {
  const payload: Record<string, unknown> = { entry: step.entry, till: step.till };
  if (step.transaction !== undefined) payload.transaction = step.transaction;
  return {
    key: eventKey(step.entry),
    partition: step.entry.tillId,
    seq: step.entry.sequence,
    type: step.entry.type,
    // a JSON round trip, as on the wire (undefined fields disappear)
    payload: JSON.parse(JSON.stringify(payload)) as WireItem['payload'],
    createdAt: Date.parse(step.entry.endedAt),
    attempt,
  };
}

/** A deep copy of a JSON value (to tamper with). */
export function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Pushes items and returns the results (throws when the answer is not 200). */
/** One push result, read loosely (code and message for rejections, expectedSeq for gaps). */
export interface PushResult {
  key: string;
  result: string;
  code?: string;
  message?: string;
  expectedSeq?: number;
}

export async function push(server: RunningSyncServer, token: string, items: WireItem[]): Promise<PushResult[]> {
  const answer = await call(server.url, 'POST', '/v1/sync/push', { items }, { token });
  if (answer.status !== 200) throw new Error(`push: ${answer.status} ${answer.text}`);
  return answer.body.results as PushResult[];
}
