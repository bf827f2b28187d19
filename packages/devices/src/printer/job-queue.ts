import type { TillkitError } from '@tillkit/core';
import { BehaviorSubject, type Observable, type Subject } from 'rxjs';
import type { Clock } from '../health';
import type { Scheduler } from './scheduler';

/** what a job does: print a ReceiptDocument, send raw ESC/POS bytes, or kick the drawer */
export type PrintJobKind = 'receipt' | 'raw' | 'drawer';

interface StateBase {
  readonly jobId: string;
  /** the printer the job is on (the backup's id after a failover) */
  readonly printerId: string;
  /** ISO 8601 time of this state */
  readonly at: string;
}

/**
 * A print job's life: queued -> sent -> printed | failed | unknown. 'printed' only once the
 * printer confirmed it; 'unknown' when the connection was lost after bytes went out and before
 * the confirmation (it may or may not have printed: it is never resent on its own). A job moved
 * to the backup printer shows a second 'queued' with `failoverFrom`.
 */
export type PrintJobState =
  | (StateBase & { readonly status: 'queued'; readonly failoverFrom?: string })
  | (StateBase & { readonly status: 'sent' })
  | (StateBase & { readonly status: 'printed'; readonly latencyMs: number })
  | (StateBase & { readonly status: 'failed'; readonly error: TillkitError })
  | (StateBase & { readonly status: 'unknown'; readonly reason: string });

export type FinalPrintJobState = Extract<PrintJobState, { status: 'printed' | 'failed' | 'unknown' }>;

export interface PrintJob {
  readonly id: string;
  readonly kind: PrintJobKind;
  /** the job this one is a copy of (reprints) */
  readonly copyOf: string | undefined;
  /** the current state */
  state(): PrintJobState;
  /** the current state first, then every change; completes after the final state */
  readonly state$: Observable<PrintJobState>;
  /** the final state; never rejects */
  readonly done: Promise<FinalPrintJobState>;
}

export function isFinal(state: PrintJobState): state is FinalPrintJobState {
  return state.status === 'printed' || state.status === 'failed' || state.status === 'unknown';
}

type StateInput = PrintJobState extends infer S ? (S extends PrintJobState ? Omit<S, 'jobId' | 'at'> : never) : never;

/** A job's state holder: emits on `state$` and `sink`, settles `done`, ignores changes after the end. */
export class JobHandle implements PrintJob {
  readonly id: string;
  readonly kind: PrintJobKind;
  readonly copyOf: string | undefined;
  readonly done: Promise<FinalPrintJobState>;
  readonly #subject: BehaviorSubject<PrintJobState>;
  readonly #clock: Clock;
  readonly #sink: Subject<PrintJobState> | undefined;
  #resolve!: (state: FinalPrintJobState) => void;

  constructor(init: {
    id: string;
    kind: PrintJobKind;
    copyOf: string | undefined;
    printerId: string;
    clock: Clock;
    sink?: Subject<PrintJobState>;
  }) {
    this.id = init.id;
    this.kind = init.kind;
    this.copyOf = init.copyOf;
    this.#clock = init.clock;
    this.#sink = init.sink;
    this.done = new Promise((resolve) => {
      this.#resolve = resolve;
    });
    const first: PrintJobState = { status: 'queued', jobId: init.id, printerId: init.printerId, at: this.#now() };
    this.#subject = new BehaviorSubject<PrintJobState>(first);
    this.#sink?.next(first);
  }

  state(): PrintJobState {
    return this.#subject.getValue();
  }

  get state$(): Observable<PrintJobState> {
    return this.#subject.asObservable();
  }

  get finished(): boolean {
    return isFinal(this.state());
  }

  /** Moves to a new state (stamped now unless `at` is given). Returns false after the final state. */
  set(input: StateInput & { at?: string }): boolean {
    if (this.finished) return false;
    const state = { ...input, jobId: this.id, at: input.at ?? this.#now() } as PrintJobState;
    this.#subject.next(state);
    this.#sink?.next(state);
    if (isFinal(state)) {
      this.#subject.complete();
      this.#resolve(state);
    }
    return true;
  }

  #now(): string {
    return new Date(this.#clock.now()).toISOString();
  }
}

export type RunResult = { readonly type: 'final'; readonly state: StateInput } | { readonly type: 'requeue' };

export interface JobRunContext {
  /** call when the first byte goes out: the job is 'sent' from then on */
  sent(): void;
}

export interface JobQueueOptions<P> {
  readonly printerId: string;
  readonly scheduler: Scheduler;
  /** runs one job to its end; 'requeue' when nothing was sent (it goes back to the head) */
  readonly run: (job: JobHandle, payload: P, context: JobRunContext) => Promise<RunResult>;
}

type Item<P> =
  | { readonly type: 'job'; readonly job: JobHandle; readonly payload: P }
  | { readonly type: 'task'; readonly run: () => Promise<void>; readonly abort: (error: TillkitError) => void };

/**
 * One FIFO per printer that runs one job at a time: the next job starts only after the previous
 * one reached its final state, so jobs never interleave. Jobs start only while the queue is
 * ready (connected, not stopped); tasks (status questions) run between jobs, first.
 */
export class JobQueue<P> {
  readonly #o: JobQueueOptions<P>;
  #jobs: Item<P>[] = [];
  #tasks: Item<P>[] = [];
  #running: { job: JobHandle; payload: P } | undefined;
  #busy = false;
  #ready = false;
  #closed = false;
  #closedError: TillkitError | undefined;
  #idle: (() => void)[] = [];

  constructor(options: JobQueueOptions<P>) {
    this.#o = options;
  }

  get queued(): number {
    return this.#jobs.length;
  }

  get running(): JobHandle | undefined {
    return this.#running?.job;
  }

  enqueue(job: JobHandle, payload: P): void {
    this.#jobs.push({ type: 'job', job, payload });
    this.#pump();
  }

  /** Runs `task` between jobs (before queued jobs), whether or not the queue is ready. */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#tasks.push({ type: 'task', run: () => task().then(resolve, reject), abort: reject });
      this.#pump();
    });
  }

  setReady(ready: boolean): void {
    this.#ready = ready;
    this.#pump();
  }

  /** Removes the queued (not started) jobs that match; the running job is never taken. */
  take(match: (job: JobHandle, payload: P) => boolean): { job: JobHandle; payload: P }[] {
    const taken: { job: JobHandle; payload: P }[] = [];
    this.#jobs = this.#jobs.filter((item) => {
      if (item.type !== 'job' || !match(item.job, item.payload)) return true;
      taken.push({ job: item.job, payload: item.payload });
      return false;
    });
    return taken;
  }

  /**
   * Stops starting jobs and tasks: tasks waiting reject with `error`, the running job ends as it
   * ends (a job that had sent nothing fails with `error`). Returns the jobs never started.
   */
  close(error: TillkitError): { job: JobHandle; payload: P }[] {
    this.#closed = true;
    this.#closedError = error;
    const left = this.take(() => true);
    for (const task of this.#tasks.splice(0)) if (task.type === 'task') task.abort(error);
    return left;
  }

  /** resolves when no job is running */
  whenIdle(): Promise<void> {
    if (!this.#busy) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #pump(): void {
    if (this.#busy || this.#closed) return;
    const task = this.#tasks.shift();
    if (task !== undefined) {
      this.#busy = true;
      void this.#runItem(task);
      return;
    }
    if (!this.#ready) return;
    const next = this.#jobs.shift();
    if (next === undefined) return;
    this.#busy = true;
    void this.#runItem(next);
  }

  async #runItem(item: Item<P>): Promise<void> {
    let requeued = false;
    try {
      if (item.type === 'task') {
        await item.run();
        return;
      }
      const { job, payload } = item;
      this.#running = { job, payload };
      let sent = false;
      let result: RunResult;
      try {
        result = await this.#o.run(job, payload, {
          sent: () => {
            sent = true;
            job.set({ status: 'sent', printerId: this.#o.printerId });
          },
        });
      } catch (error) {
        // a bug in the runner must not lose the job or stop the queue
        result = sent
          ? {
              type: 'final',
              state: { status: 'unknown', printerId: this.#o.printerId, reason: `driver error: ${String(error)}` },
            }
          : { type: 'requeue' };
      }
      if (result.type === 'requeue' && !sent && !this.#closed) {
        this.#jobs.unshift(item);
        requeued = true;
      } else if (result.type === 'final') {
        job.set(result.state);
      } else if (this.#closedError !== undefined) {
        job.set({ status: 'failed', printerId: this.#o.printerId, error: this.#closedError });
      }
    } finally {
      this.#running = undefined;
      this.#busy = false;
      for (const resolve of this.#idle.splice(0)) resolve();
      // a requeued job waits a moment, so a flapping link cannot spin the loop
      if (requeued) this.#o.scheduler.schedule(100, () => this.#pump());
      else this.#pump();
    }
  }
}
