import { parseInput, systemClock, type Clock } from '@tillkit/core';
import { z } from 'zod';
import { nameSchema } from './item';
import type { LeaseHolder, OutboxStore } from './store';
import { sleep } from './timers';

/**
 * Who flushes: any tab or process may enqueue into a store, exactly one delivers from it (bar item 8).
 * The outbox asks its lock to become the flusher and delivers only while it holds the role.
 * Leases on items keep delivery safe even if two flushers overlap for a moment: a partition is
 * never leased twice, and the server deduplicates by idempotency key.
 */
export interface FlusherLock {
  /** Resolves once this owner is the flusher. Rejects with the signal's reason if `signal` aborts first. */
  acquire(signal: AbortSignal): Promise<Leadership>;
}

export interface Leadership {
  /** aborts when the role is lost: stolen by another owner, or not renewed in time (a frozen process) */
  readonly lost: AbortSignal;
  /** gives the role up (so a waiting owner takes it at once) */
  release(): Promise<void>;
}

export interface LeaseLockOptions {
  store: OutboxStore;
  /** this outbox's id, unique per process or tab */
  owner: string;
  /** the lease name; one flusher per name and store. Default 'flusher' */
  name?: string;
  /** how long a lease holds without renewal, in ms: a frozen or killed flusher is replaced after this. Default 5000 */
  ttlMs?: number;
  /** renewal period, in ms; default ttlMs / 3 */
  renewMs?: number;
  /** how often a waiting owner tries again, in ms; default ttlMs / 5 */
  retryMs?: number;
  /**
   * Facts about the owner kept with the lease, and a test that tells a holder is gone, so a
   * crashed flusher is replaced at once rather than after ttlMs (the SQLite store gives a process
   * id check: `store.processLease`).
   */
  processLease?: { meta(): Readonly<Record<string, string | number>>; isGone(holder: LeaseHolder): boolean } | undefined;
  clock?: Clock;
}

const optionsSchema = z.object({
  store: z.custom<OutboxStore>((v) => typeof (v as OutboxStore | undefined)?.acquireLease === 'function', 'an OutboxStore'),
  owner: nameSchema,
  name: nameSchema.default('flusher'),
  ttlMs: z.number().int().min(100).default(5000),
  renewMs: z.number().int().positive().optional(),
  retryMs: z.number().int().positive().optional(),
  processLease: z.custom<NonNullable<LeaseLockOptions['processLease']>>().optional(),
  clock: z.custom<Clock>((v) => typeof (v as Clock | undefined)?.now === 'function', 'a Clock').default(systemClock),
});

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('The operation was aborted.', 'AbortError');
}

/**
 * A flusher lock on a lease row in the store itself, so it works wherever the store is shared:
 * processes on one SQLite file, tabs on one IndexedDB database. The holder renews every renewMs;
 * a holder that stops renewing (killed, frozen, stuck) loses the lease after ttlMs, and with
 * `processLease` a holder whose process is gone loses it at once. Throws ValidationError for bad options.
 */
export function createLeaseLock(options: LeaseLockOptions): FlusherLock {
  const opts = parseInput(optionsSchema, options, 'lease lock options');
  const renewMs = opts.renewMs ?? Math.max(1, Math.floor(opts.ttlMs / 3));
  const retryMs = opts.retryMs ?? Math.max(1, Math.floor(opts.ttlMs / 5));
  const { store, owner, name, ttlMs, clock, processLease } = opts;
  const meta = processLease?.meta() ?? {};
  const canSteal = processLease === undefined ? undefined : (holder: LeaseHolder) => processLease.isGone(holder);

  /** Takes or renews the lease; only a first take may steal from a holder that is gone, never a renewal. */
  async function tryAcquire(steal: boolean): Promise<LeaseHolder & { acquired: boolean }> {
    return store.acquireLease({
      name,
      owner,
      ttlMs,
      now: clock.now(),
      meta,
      ...(steal && canSteal !== undefined ? { canSteal } : {}),
    });
  }

  function hold(expiresAt: number): Leadership {
    const lost = new AbortController();
    const released = new AbortController();
    let until = expiresAt;
    const renew = async () => {
      while (!released.signal.aborted && !lost.signal.aborted) {
        await sleep(renewMs, released.signal);
        if (released.signal.aborted) return;
        try {
          const result = await tryAcquire(false);
          if (!result.acquired) {
            lost.abort(new Error(`the flusher lease "${name}" was taken over by ${result.owner}`));
            return;
          }
          until = result.expiresAt;
        } catch (error) {
          // the store failed for a moment: the role holds until the lease would run out
          if (clock.now() >= until) {
            lost.abort(new Error(`the flusher lease "${name}" could not be renewed: ${String(error)}`));
            return;
          }
        }
      }
    };
    void renew();
    return {
      lost: lost.signal,
      async release() {
        if (released.signal.aborted) return;
        released.abort();
        if (!lost.signal.aborted) lost.abort(new Error('released'));
        await store.releaseLease({ name, owner }).catch(() => undefined);
      },
    };
  }

  return {
    async acquire(signal) {
      for (;;) {
        if (signal.aborted) throw abortError(signal);
        try {
          const result = await tryAcquire(true);
          if (result.acquired) return hold(result.expiresAt);
          await sleep(Math.min(retryMs, Math.max(1, result.expiresAt - clock.now())), signal);
        } catch {
          if (signal.aborted) throw abortError(signal);
          // a store error while waiting: try again a little later
          await sleep(retryMs, signal);
        }
      }
    },
  };
}

export interface LockManagerLike {
  request(
    name: string,
    options: { mode?: 'exclusive'; signal?: AbortSignal; steal?: boolean },
    callback: (lock: unknown) => Promise<void>,
  ): Promise<void>;
}

/** navigator.locks where the platform has it (browsers in secure contexts, http://localhost included). */
export function webLocks(): LockManagerLike | undefined {
  const nav = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator;
  return nav?.locks !== undefined && typeof nav.locks.request === 'function' ? nav.locks : undefined;
}

export interface WebLocksLockOptions extends LeaseLockOptions {
  /** the Web Locks API to use; default navigator.locks */
  locks?: LockManagerLike;
}

/**
 * The browser flusher lock. A Web Lock gives the role to one tab and hands it to a waiting tab the
 * moment the holder closes or reloads. The holder also renews a lease in the store; a waiting tab
 * that finds that lease run out (the holder is frozen or hung) steals the Web Lock. The tab that
 * lost the role sees `lost` abort as soon as it runs again. Throws ValidationError for bad options
 * or when the platform has no Web Locks (createLeaseLock works everywhere).
 */
export function createWebLocksLock(options: WebLocksLockOptions): FlusherLock {
  const { locks: given, ...leaseOptions } = options;
  const locks = given ?? webLocks();
  const opts = parseInput(optionsSchema, leaseOptions, 'Web Locks lock options');
  if (locks === undefined) {
    parseInput(
      z.never({ error: 'Web Locks (navigator.locks) are not available here; use createLeaseLock' }),
      'navigator.locks',
      'Web Locks lock options',
    );
  }
  const lockManager = locks!;
  const { name, owner, ttlMs, store, clock } = opts;
  // one Web Lock per database: outboxes on other databases of the same origin flush on their own
  let lockName: Promise<string> | undefined;
  const resolveLockName = (): Promise<string> =>
    (lockName ??= store.info().then(
      (info) => `tillkit-outbox:${info.storeId}:${name}`,
      (error: unknown) => {
        lockName = undefined;
        throw error;
      },
    ));
  const retryMs = opts.retryMs ?? Math.max(1, Math.floor(ttlMs / 5));
  // Whoever holds the Web Lock is the rightful flusher: its first take of the store lease may steal.
  const lease = createLeaseLock({ ...leaseOptions, processLease: { meta: () => ({ via: 'web-lock' }), isGone: () => true } });

  return {
    async acquire(signal) {
      let webLockName: string;
      for (;;) {
        try {
          webLockName = await resolveLockName();
          break;
        } catch {
          if (signal.aborted) throw abortError(signal);
          await sleep(retryMs, signal); // the store failed for a moment
        }
      }
      return new Promise<Leadership>((resolve, reject) => {
        let state: 'waiting' | 'granted' | 'done' = 'waiting';
        let grantedBy: 'wait' | 'steal' | undefined;
        let lost: AbortController | undefined;
        const stopWaiting = new AbortController();

        const request = (kind: 'wait' | 'steal') => {
          const options = kind === 'steal' ? { steal: true } : { mode: 'exclusive' as const, signal: stopWaiting.signal };
          const granted = lockManager.request(webLockName, options, async () => {
            if (state !== 'waiting') return;
            state = 'granted';
            grantedBy = kind;
            stopWaiting.abort();
            let leadership: Leadership;
            try {
              leadership = await lease.acquire(signal);
            } catch (error) {
              state = 'done';
              reject(error instanceof Error ? error : new Error(String(error)));
              return;
            }
            const role = new AbortController();
            lost = role;
            leadership.lost.addEventListener('abort', () => role.abort(leadership.lost.reason), { once: true });
            resolve({
              lost: role.signal,
              async release() {
                role.abort(new Error('released'));
                await leadership.release();
              },
            });
            // hold the Web Lock until the role ends
            await new Promise<void>((done) => {
              if (role.signal.aborted) done();
              else role.signal.addEventListener('abort', () => done(), { once: true });
            });
            await leadership.release();
          });
          granted.catch((error: unknown) => {
            if (state === 'granted' && grantedBy === kind) {
              // the Web Lock was stolen from this tab while it held the role
              lost?.abort(error);
            } else if (state === 'waiting' && !stopWaiting.signal.aborted) {
              state = 'done';
              reject(error instanceof Error ? error : new Error(String(error)));
            }
          });
        };

        const onAbort = () => {
          if (state !== 'waiting') return;
          state = 'done';
          stopWaiting.abort();
          reject(abortError(signal));
        };
        if (signal.aborted) {
          onAbort();
          return;
        }
        signal.addEventListener('abort', onAbort, { once: true });
        request('wait');

        // A holder that stops renewing the store lease is frozen or hung: its lease runs out, this
        // tab can take it, and then takes the Web Lock from the frozen tab.
        void (async () => {
          while (state === 'waiting') {
            await sleep(retryMs, stopWaiting.signal);
            if (state !== 'waiting') return;
            try {
              const holder = await store.acquireLease({ name, owner, ttlMs, now: clock.now(), meta: { via: 'web-lock' } });
              if (holder.acquired && state === 'waiting') {
                stopWaiting.abort();
                request('steal');
                return;
              }
            } catch {
              // the store failed for a moment; look again next time
            }
          }
        })();
      });
    },
  };
}
