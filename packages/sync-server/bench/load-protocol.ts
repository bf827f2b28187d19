// What the load simulation's parent (load-simulation.ts) and its till processes (load-worker.ts)
// tell each other: the parent passes a LoadWorkerConfig as the worker's one argument; the worker
// prints JSON lines on stdout ({ type: 'ready' } once its tills are enrolled and started, at the end one
// WorkerResult). It starts ringing when it reads "go" on stdin, says { type: 'drained' } once the
// server acknowledged every event, then reads "finish" (the back office has stopped changing
// prices), pulls once more, reports and exits.

/** How a till reaches the server: the real sync client (SQLite outbox and catalog store), or the protocol by plain fetch. */
export type TillLinkKind = 'client' | 'transport';

export interface LoadTillSpec {
  merchantId: string;
  storeId: string;
  registerId: string;
  deviceId: string;
  /** the one-time enrolment code the parent got from the admin API */
  code: string;
  link: TillLinkKind;
}

export interface LoadWorkerConfig {
  url: string;
  /** where this worker's tills keep their SQLite files */
  dir: string;
  tills: LoadTillSpec[];
  /** mean pause between two sales of a till, in ms (uniform in [0, 2 × mean]) */
  thinkMs: number;
  /** each till rings this many sales; or, without it, rings for `durationMs` */
  salesPerTill?: number | undefined;
  durationMs?: number | undefined;
  /** mean time between two catalog pulls of a till (catalog and prices), in ms; jittered ±50 % */
  pullEveryMs: number;
  /** items per push request */
  batchItems: number;
  /** how long to wait for the last acknowledgements after the ringing stops */
  drainTimeoutMs: number;
}

export interface LoadTillResult {
  merchantId: string;
  storeId: string;
  registerId: string;
  /** every event the till recorded (session opening and sales), in journal order */
  keys: string[];
  /** the transaction id of every completed sale */
  saleIds: string[];
  /** the till's journal head after its last event */
  headHash: string;
  /** events the server acknowledged (applied or duplicate), counted once per key */
  acked: number;
  /** events the outbox dead-lettered (or the server refused) */
  refused: number;
  /** after a last pull: live records of the two pulled datasets, and the sum of the unit prices */
  catalogCount: number;
  pricesCount: number;
  priceSum: number;
}

export interface WorkerResult {
  type: 'result';
  tills: LoadTillResult[];
  /** ms from sending a push request to its answer, one per request */
  pushLatenciesMs: number[];
  /** ms of each completed pull of catalog and prices */
  pullLatenciesMs: number[];
  /** pull page requests (GET /v1/sync/pull/...) */
  pullRequests: number;
  /** why pulls made while ringing failed (the last pull of each till must not: it is checked) */
  pullFailures: string[];
  /** Date.now() when ringing started and stopped, and of the last acknowledgement */
  startedAt: number;
  ringEndedAt: number;
  lastAckAt: number;
  /** this worker process's CPU time (user + system) while ringing and draining */
  cpuMs: number;
  errors: string[];
}

export type WorkerMessage = { type: 'ready' } | { type: 'drained' } | WorkerResult;
