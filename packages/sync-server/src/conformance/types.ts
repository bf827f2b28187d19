import type { Dataset, DatasetRecords, Tenant } from '@tillkit/sync-client/protocol';

/** The fetch the kit calls: the global one, or any function with its signature. */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** An event the backend ingested, as its owner's admin side lists it. */
export interface IngestedEvent {
  /** the register id */
  partition: string;
  seq: number;
  /** the idempotency key */
  key: string;
  /** the journal entry type: 'sale', 'session_opening', ... */
  type: string;
  /** the pushed payload, when the backend keeps it */
  payload?: unknown;
}

/**
 * The setup side of a backend under test: what the kit needs to arrange before it talks to the
 * protocol endpoints. A backend's owner implements it against their own back office (or uses
 * `referenceAdmin` for the reference server). Every method may throw to say it failed; the check
 * that needed it fails with the message.
 */
export interface ConformanceAdmin {
  /** creates (or keeps) a register of a store of a merchant, keeping its books in `currency` */
  createRegister(tenant: Tenant, currency: string): Promise<void>;
  /** a fresh one-time enrolment code for the register */
  createEnrolmentCode(tenant: Tenant): Promise<string>;
  /** upserts records of a dataset of a store (they must appear in pulls of that store's tills) */
  putRecords<D extends Dataset>(merchantId: string, storeId: string, dataset: D, records: DatasetRecords[D][]): Promise<void>;
  /** deletes a record (pulls must then carry its tombstone) */
  deleteRecord(merchantId: string, storeId: string, dataset: Dataset, id: string): Promise<void>;
  /** every event the store's registers applied (not the rejected ones they keep), oldest first per partition */
  listEvents(merchantId: string, storeId: string): Promise<IngestedEvent[]>;
}

export interface ConformanceOptions {
  /** the backend's base url, e.g. "https://sync.example.com" (paths such as /v1/meta are appended) */
  baseUrl: string;
  admin: ConformanceAdmin;
  /** default: the global fetch */
  fetch?: FetchLike;
  /** the time budget of one check in ms (every request of the check is aborted after it); default 30 000 */
  timeoutMs?: number;
  /** run only these check ids (the others are reported as skipped) */
  only?: readonly string[];
  /** currency of the registers the kit creates; default 'EUR' */
  currency?: string;
}

export type CheckStatus = 'passed' | 'failed' | 'skipped';

export interface CheckResult {
  id: string;
  title: string;
  status: CheckStatus;
  /** why it failed or was skipped */
  detail?: string;
  /** how long it took */
  ms: number;
}

export interface ConformanceReport {
  /** no check failed (and at least one ran) */
  ok: boolean;
  baseUrl: string;
  /** the protocol version checked, "major.minor" */
  protocolVersion: string;
  startedAt: string;
  ms: number;
  checks: CheckResult[];
  counts: { passed: number; failed: number; skipped: number };
}

/** A check as `conformanceChecks` lists it. */
export interface ConformanceCheckInfo {
  id: string;
  title: string;
}
