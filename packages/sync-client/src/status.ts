import type { AuthState } from './auth';
import { redactText } from './redact';

/**
 * - `online`: the till reaches its primary endpoint and everything syncs.
 * - `offline`: no server answered lately (or every endpoint's breaker is open); sales queue up.
 * - `degraded`: a server answers, but something needs attention: traffic goes to a non-primary
 *   endpoint, the credentials are refused, partitions are blocked, or events were dead-lettered.
 */
export type Connectivity = 'online' | 'offline' | 'degraded';

/** Progress of draining a backlog after an outage; `total` is fixed when the catch-up starts. */
export interface CatchUp {
  total: number;
  sent: number;
  /** 0..100, whole */
  percent: number;
}

/** The one status a till UI shows for sync. */
export interface SyncStatus {
  /** when this status was computed (the time of the input that changed it) */
  at: number;
  connectivity: Connectivity;
  /** why the till is offline or degraded, in words; empty when online */
  reasons: string[];
  /** events waiting to be sent */
  pending: number;
  /** events being sent now */
  inFlight: number;
  /** events the server refused, kept for an operator */
  deadLetters: number;
  /** partitions stopped until an operator acts */
  blockedPartitions: number;
  /** the last time the server acknowledged pushed events */
  lastPushAt: number | undefined;
  /** the last time a pull completed */
  lastPullAt: number | undefined;
  /** age of the oldest event not yet acknowledged, in ms */
  lagMs: number | undefined;
  /** the endpoint pushes and pulls go to */
  endpoint: string | undefined;
  auth: AuthState;
  /** while draining a backlog after an outage */
  catchingUp: CatchUp | undefined;
  /** the last error seen (push, pull, auth, telemetry), without secrets */
  lastError: string | undefined;
  lastErrorAt: number | undefined;
}

/** What the status is computed from. */
export type StatusInput =
  | {
      type: 'metrics';
      at: number;
      depth: number;
      pending: number;
      inFlight: number;
      deadLetters: number;
      blockedPartitions: number;
      oldestItemAgeMs: number | undefined;
      lastError: string | undefined;
    }
  | {
      type: 'endpoints';
      at: number;
      current: string;
      primary: string;
      /** the current endpoint's last results were successes */
      healthy: boolean;
      /** the current endpoint's breaker is open */
      currentOpen: boolean;
      /** every endpoint's breaker is open */
      allOpen: boolean;
    }
  | { type: 'auth'; at: number; state: AuthState; error?: string | undefined }
  | { type: 'pushed'; at: number; count: number }
  | { type: 'push-failed'; at: number; reason: string }
  | { type: 'pulled'; at: number }
  /** `unreachable`: true when no server answered, false when one did, undefined when none was asked (not enrolled) */
  | { type: 'pull-failed'; at: number; error: string; unreachable: boolean | undefined }
  /** a heartbeat or another request got an answer (ok) or none (not ok) */
  | { type: 'contact'; at: number; ok: boolean }
  | { type: 'error'; at: number; message: string };

/** The reducer's state: the status's facts plus what it needs to remember. */
export interface StatusState {
  at: number;
  contact: 'unknown' | 'ok' | 'failed';
  depth: number;
  pending: number;
  inFlight: number;
  deadLetters: number;
  blockedPartitions: number;
  lagMs: number | undefined;
  lastPushAt: number | undefined;
  lastPullAt: number | undefined;
  endpoint: string | undefined;
  primary: string | undefined;
  endpointHealthy: boolean;
  allOpen: boolean;
  auth: AuthState;
  catchUp: { total: number; sent: number } | undefined;
  outboxError: string | undefined;
  lastError: string | undefined;
  lastErrorAt: number | undefined;
}

export function initialStatusState(at: number, auth: AuthState = 'enrolled'): StatusState {
  return {
    at,
    contact: 'unknown',
    depth: 0,
    pending: 0,
    inFlight: 0,
    deadLetters: 0,
    blockedPartitions: 0,
    lagMs: undefined,
    lastPushAt: undefined,
    lastPullAt: undefined,
    endpoint: undefined,
    primary: undefined,
    endpointHealthy: false,
    allOpen: false,
    auth,
    catchUp: undefined,
    outboxError: undefined,
    lastError: undefined,
    lastErrorAt: undefined,
  };
}

function withError(state: StatusState, message: string, at: number): StatusState {
  return { ...state, lastError: redactText(message), lastErrorAt: at };
}

function unreachable(state: StatusState): boolean {
  return state.contact !== 'ok' || state.allOpen;
}

/**
 * One step of the status: a pure function of the previous state and one input.
 *
 * A catch-up starts when a server answers again (after an outage, or at start) while events wait:
 * its total is the number waiting at that moment and does not move while new sales come in. It
 * counts delivered events and ends when the queue is empty or the total was sent.
 */
export function reduceStatus(state: StatusState, input: StatusInput): StatusState {
  let next = step(state, input);
  let catchUp = next.catchUp;
  if (catchUp === undefined && unreachable(state) && !unreachable(next) && state.depth > 0) {
    catchUp = { total: state.depth, sent: 0 };
  }
  if (catchUp !== undefined && input.type === 'pushed') {
    catchUp = { ...catchUp, sent: Math.min(catchUp.total, catchUp.sent + input.count) };
  }
  if (catchUp !== undefined && (catchUp.sent >= catchUp.total || (input.type === 'metrics' && input.depth === 0))) {
    catchUp = undefined;
  }
  if (catchUp !== next.catchUp) next = { ...next, catchUp };
  return next;
}

function step(state: StatusState, input: StatusInput): StatusState {
  const at = Math.max(state.at, input.at);
  switch (input.type) {
    case 'metrics': {
      const next: StatusState = {
        ...state,
        at,
        depth: input.depth,
        pending: input.pending,
        inFlight: input.inFlight,
        deadLetters: input.deadLetters,
        blockedPartitions: input.blockedPartitions,
        lagMs: input.oldestItemAgeMs,
        outboxError: input.lastError,
      };
      return input.lastError !== undefined && input.lastError !== state.outboxError ? withError(next, input.lastError, at) : next;
    }
    case 'endpoints': {
      const becameHealthy = input.healthy && !state.endpointHealthy;
      const contact = input.currentOpen ? 'failed' : becameHealthy ? 'ok' : state.contact;
      return {
        ...state,
        at,
        endpoint: input.current,
        primary: input.primary,
        endpointHealthy: input.healthy,
        allOpen: input.allOpen,
        contact,
      };
    }
    case 'auth': {
      const next = { ...state, at, auth: input.state };
      return input.error !== undefined && input.state === 'failing' ? withError(next, input.error, at) : next;
    }
    case 'pushed':
      return { ...state, at, contact: 'ok', lastPushAt: input.at };
    case 'push-failed':
      return withError({ ...state, at, contact: 'failed' }, input.reason, at);
    case 'pulled':
      return { ...state, at, contact: 'ok', lastPullAt: input.at };
    case 'pull-failed':
      return withError(
        { ...state, at, contact: input.unreachable === undefined ? state.contact : input.unreachable ? 'failed' : 'ok' },
        input.error,
        at,
      );
    case 'contact':
      return { ...state, at, contact: input.ok ? 'ok' : 'failed' };
    case 'error':
      return withError({ ...state, at }, input.message, at);
  }
}

/** The status a UI sees, derived from the reducer's state. */
export function toSyncStatus(state: StatusState): SyncStatus {
  const reasons: string[] = [];
  let connectivity: Connectivity = 'online';
  if (state.contact === 'unknown') reasons.push('no server has answered yet');
  else if (state.contact === 'failed') reasons.push('the server does not answer');
  if (state.allOpen) reasons.push('every endpoint is failing');
  if (reasons.length > 0) connectivity = 'offline';
  const attention: string[] = [];
  if (state.auth === 'failing') attention.push('the server refuses the credentials: enrol the till again');
  if (state.auth === 'not-enrolled') attention.push('the till is not enrolled');
  if (state.endpoint !== undefined && state.primary !== undefined && state.endpoint !== state.primary) {
    attention.push(`traffic goes to endpoint "${state.endpoint}", not the primary "${state.primary}"`);
  }
  if (state.blockedPartitions > 0) attention.push(`${state.blockedPartitions} partition(s) blocked until an operator acts`);
  if (state.deadLetters > 0) attention.push(`${state.deadLetters} event(s) refused by the server (dead letters)`);
  if (connectivity === 'online' && attention.length > 0) connectivity = 'degraded';
  // refused credentials mean a server answered: degraded, not offline
  if (state.auth === 'failing') connectivity = 'degraded';
  reasons.push(...attention);
  const catchUp = state.catchUp;
  return {
    at: state.at,
    connectivity,
    reasons,
    pending: state.pending,
    inFlight: state.inFlight,
    deadLetters: state.deadLetters,
    blockedPartitions: state.blockedPartitions,
    lastPushAt: state.lastPushAt,
    lastPullAt: state.lastPullAt,
    lagMs: state.lagMs,
    endpoint: state.endpoint,
    auth: state.auth,
    catchingUp:
      catchUp === undefined
        ? undefined
        : { total: catchUp.total, sent: catchUp.sent, percent: Math.floor((catchUp.sent * 100) / Math.max(1, catchUp.total)) },
    lastError: state.lastError,
    lastErrorAt: state.lastErrorAt,
  };
}

/** Two statuses that a UI would show alike (the time aside). */
export function sameStatus(a: SyncStatus, b: SyncStatus): boolean {
  return JSON.stringify({ ...a, at: 0 }) === JSON.stringify({ ...b, at: 0 });
}
