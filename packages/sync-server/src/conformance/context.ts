import {
  enrolResponseSchema,
  pullPageSchema,
  pushResultsSchema,
  restoreSnapshotSchema,
  serverMetaSchema,
  SyncPaths,
  tokenResponseSchema,
  type Dataset,
  type DatasetRecords,
  type EnrolResponse,
  type PullPage,
  type PushResults,
  type RestoreSnapshot,
  type ServerMeta,
  type Tenant,
  type WireItem,
} from '@tillkit/sync-client/protocol';
import { check, expectStatus, fail, parseWith, show } from './assert';
import { describeError, type HttpAnswer, type HttpClient } from './http';
import { ScriptedTill } from './till-events';
import type { ConformanceAdmin, IngestedEvent } from './types';

export type PushResult = PushResults['results'][number];

const sameTenant = (a: Tenant, b: Tenant): boolean =>
  a.merchantId === b.merchantId && a.storeId === b.storeId && a.registerId === b.registerId;

/** What one check works with: the backend, the admin side, and fresh ids nobody else uses. */
export class CheckContext {
  private counter = 0;

  constructor(
    readonly http: HttpClient,
    private readonly adminSide: ConformanceAdmin,
    readonly currency: string,
    /** unique to this check in this run */
    readonly prefix: string,
  ) {}

  /** a fresh id, e.g. "k3f9a1c2-07-r2" */
  id(kind: string): string {
    return `${this.prefix}-${kind}${++this.counter}`;
  }

  /** a fresh register of a fresh store of a fresh merchant, or of the given store */
  tenant(store?: { merchantId: string; storeId: string }): Tenant {
    return {
      merchantId: store?.merchantId ?? this.id('m'),
      storeId: store?.storeId ?? this.id('s'),
      registerId: this.id('r'),
    };
  }

  /** calls the admin side; its failure fails the check, saying which setup step failed */
  async admin<T>(what: string, call: (admin: ConformanceAdmin) => Promise<T>): Promise<T> {
    try {
      return await call(this.adminSide);
    } catch (error) {
      fail(`setup failed: admin.${what} threw: ${describeError(error)}`);
    }
  }

  async meta(): Promise<ServerMeta> {
    const answer = await this.http.get(SyncPaths.meta);
    expectStatus(answer, 200);
    return parseWith(serverMetaSchema, answer.json, `${answer.request}'s body`);
  }

  async putRecords<D extends Dataset>(
    tenant: Pick<Tenant, 'merchantId' | 'storeId'>,
    dataset: D,
    records: DatasetRecords[D][],
  ): Promise<void> {
    await this.admin('putRecords', (a) => a.putRecords(tenant.merchantId, tenant.storeId, dataset, records));
  }

  async deleteRecord(tenant: Pick<Tenant, 'merchantId' | 'storeId'>, dataset: Dataset, id: string): Promise<void> {
    await this.admin('deleteRecord', (a) => a.deleteRecord(tenant.merchantId, tenant.storeId, dataset, id));
  }

  async events(tenant: Pick<Tenant, 'merchantId' | 'storeId'>): Promise<IngestedEvent[]> {
    return this.admin('listEvents', (a) => a.listEvents(tenant.merchantId, tenant.storeId));
  }

  /** A one-time code for a (new) register: creates the register first. */
  async enrolmentCode(tenant: Tenant): Promise<string> {
    await this.admin('createRegister', (a) => a.createRegister(tenant, this.currency));
    return this.admin('createEnrolmentCode', (a) => a.createEnrolmentCode(tenant));
  }

  /** POST /v1/devices/enrol, unchecked */
  enrolRequest(code: string, deviceId: string): Promise<HttpAnswer> {
    return this.http.post(SyncPaths.enrol, { code, deviceId, softwareVersion: 'conformance-kit' });
  }

  /** Enrols with a code and checks the answer names the register and its currency. */
  async enrolWith(code: string, tenant: Tenant, deviceId = this.id('d')): Promise<EnrolResponse> {
    const answer = await this.enrolRequest(code, deviceId);
    expectStatus(answer, [200, 201]);
    const enrolled = parseWith(enrolResponseSchema, answer.json, `${answer.request}'s body`);
    check(
      sameTenant(enrolled.tenant, tenant),
      () => `enrolment answered tenant ${show(enrolled.tenant)}, expected ${show(tenant)}`,
    );
    check(
      enrolled.currency === this.currency,
      () => `enrolment answered currency ${enrolled.currency}, expected ${this.currency}`,
    );
    check(enrolled.deviceId === deviceId, () => `enrolment answered device ${enrolled.deviceId}, expected ${deviceId}`);
    return enrolled;
  }

  /** POST /v1/auth/token, unchecked */
  tokenRequest(clientId: string, clientSecret: string): Promise<HttpAnswer> {
    return this.http.post(SyncPaths.token, { clientId, clientSecret });
  }

  /** A till enrolled for a fresh register (or the given one) holding a bearer token. */
  async enrol(tenant: Tenant = this.tenant()): Promise<EnrolledTill> {
    const code = await this.enrolmentCode(tenant);
    const enrolled = await this.enrolWith(code, tenant);
    const answer = await this.tokenRequest(enrolled.credentials.clientId, enrolled.credentials.clientSecret);
    expectStatus(answer, 200);
    const token = parseWith(tokenResponseSchema, answer.json, `${answer.request}'s body`);
    check(
      sameTenant(token.tenant, tenant),
      () => `the token was issued for tenant ${show(token.tenant)}, expected ${show(tenant)}`,
    );
    return new EnrolledTill(this, tenant, enrolled, token.accessToken);
  }
}

/** An enrolled till: its tenant, token and a scripted journal for its register. */
export class EnrolledTill {
  readonly script: ScriptedTill;

  constructor(
    readonly ctx: CheckContext,
    readonly tenant: Tenant,
    readonly enrolment: EnrolResponse,
    readonly token: string,
  ) {
    this.script = ScriptedTill.create(tenant.registerId, enrolment.currency);
  }

  get deviceId(): string {
    return this.enrolment.deviceId;
  }

  /** POST /v1/sync/push with a raw body, unchecked */
  pushRequest(body: unknown): Promise<HttpAnswer> {
    return this.ctx.http.post(SyncPaths.push, body, { token: this.token });
  }

  /** Pushes items; checks the answer is 200 with one well-formed result per item. */
  async push(items: WireItem[]): Promise<PushResult[]> {
    const answer = await this.pushRequest({ items });
    expectStatus(answer, 200);
    const { results } = parseWith(pushResultsSchema, answer.json, `${answer.request}'s body`);
    const byKey = new Map(results.map((r) => [r.key, r]));
    return items.map((item) => {
      const result = byKey.get(item.key);
      check(result !== undefined, () => `the push answer has no result for key ${item.key}: ${show(results)}`);
      return result;
    });
  }

  /** Pushes one item and returns its result. */
  async pushOne(item: WireItem): Promise<PushResult> {
    const [result] = await this.push([item]);
    return result as PushResult;
  }

  /** Pushes items one request each, expecting each applied. */
  async pushApplied(items: WireItem[]): Promise<void> {
    for (const item of items) expectResult(await this.pushOne(item), { result: 'applied' }, `seq ${item.seq}`);
  }

  pullRequest(dataset: string, query: { cursor?: string; limit?: number } = {}): Promise<HttpAnswer> {
    const params = new URLSearchParams();
    if (query.cursor !== undefined) params.set('cursor', query.cursor);
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    const search = params.toString() === '' ? '' : `?${params.toString()}`;
    return this.ctx.http.get(`${SyncPaths.pull}/${encodeURIComponent(dataset)}${search}`, { token: this.token });
  }

  async pull(dataset: Dataset, query: { cursor?: string; limit?: number } = {}): Promise<PullPage> {
    const answer = await this.pullRequest(dataset, query);
    expectStatus(answer, 200);
    const page = parseWith(pullPageSchema, answer.json, `${answer.request}'s body`);
    check(page.dataset === dataset, () => `${answer.request} answered a page of dataset ${page.dataset}`);
    return page;
  }

  async restore(tail?: number): Promise<RestoreSnapshot> {
    const answer = await this.ctx.http.get(`${SyncPaths.restore}${tail === undefined ? '' : `?tail=${tail}`}`, {
      token: this.token,
    });
    expectStatus(answer, 200);
    return parseWith(restoreSnapshotSchema, answer.json, `${answer.request}'s body`);
  }
}

export type ExpectedResult =
  { result: 'applied' } | { result: 'duplicate' } | { result: 'rejected'; code: string } | { result: 'gap'; expectedSeq: number };

/** Checks one push result; `what` names the item in the failure message. */
export function expectResult(actual: PushResult, expected: ExpectedResult, what: string): void {
  const matches =
    actual.result === expected.result &&
    (expected.result !== 'rejected' || (actual.result === 'rejected' && actual.code === expected.code)) &&
    (expected.result !== 'gap' || (actual.result === 'gap' && actual.expectedSeq === expected.expectedSeq));
  check(matches, () => `${what}: the server answered ${show(actual)}, expected ${show(expected)}`);
}
