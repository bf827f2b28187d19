import type { ItemState, JsonValue, OutboxItem, StoredRecord } from '../item';
import type { LeaseHolder, PartitionInfo } from '../store';
import type { ItemRow, LeaseRow, PartitionRow, RecordRow } from './schema';

// Conversions between stored rows and the store contract's types.

/** `payload` defaults to the stored JSON, parsed (a new item carries the value it was given instead). */
export function toItem(row: ItemRow, payload: JsonValue = JSON.parse(row.json) as JsonValue): OutboxItem {
  return {
    key: row.key,
    partition: row.partition,
    seq: row.seq,
    type: row.type,
    payload,
    bytes: row.bytes,
    createdAt: row.createdAt,
    state: row.state,
    attempts: row.attempts,
    notBefore: row.notBefore,
    lease:
      row.state === 'in-flight' && row.lease !== undefined
        ? { id: row.lease.id, owner: row.lease.owner, until: row.lease.until }
        : undefined,
    ack: row.state === 'acked' && row.ack !== undefined ? { ...row.ack } : undefined,
    dead: row.state === 'dead' && row.dead !== undefined ? { ...row.dead } : undefined,
    lastError: row.lastError,
  };
}

export function toPartition(row: PartitionRow): PartitionInfo {
  return {
    partition: row.partition,
    nextSeq: row.nextSeq,
    prunedThrough: row.prunedThrough,
    blocked: row.blocked === undefined ? undefined : { ...row.blocked },
  };
}

export function toRecord(row: RecordRow): StoredRecord {
  return { collection: row.collection, key: row.key, value: JSON.parse(row.json) as JsonValue, updatedAt: row.updatedAt };
}

export function toHolder(row: LeaseRow): LeaseHolder {
  return { name: row.name, owner: row.owner, expiresAt: row.expiresAt, meta: { ...row.meta } };
}

/** Whether a lease taken at `at` until `until` holds at `now` (not if the clock went back past `at`). */
export const holds = (lease: { at: number; until: number } | undefined, now: number): boolean =>
  lease !== undefined && lease.at <= now && now < lease.until;

/** A row with its lease, acknowledgement and dead-letter facts cleared (the caller sets the new state with inState). */
export function cleared(row: ItemRow): ItemRow {
  const { lease: _lease, ack: _ack, ackedAt: _ackedAt, dead: _dead, ...rest } = row;
  return rest;
}

/** Running totals of a partition's items (see PartitionRow). */
export interface PartitionTotals {
  /** pending and in-flight items */
  openCount: number;
  /** payload bytes of the open items */
  openBytes: number;
  ackedCount: number;
  deadCount: number;
}

export const emptyTotals = (): PartitionTotals => ({ openCount: 0, openBytes: 0, ackedCount: 0, deadCount: 0 });

const isOpen = (state: ItemState): boolean => state === 'pending' || state === 'in-flight';

/** Counts `count` items (1 or -1) of `bytes` each in `state` into `totals`. */
export function addTotals(totals: PartitionTotals, state: ItemState, count: 1 | -1, bytes: number): void {
  if (isOpen(state)) {
    totals.openCount += count;
    totals.openBytes += count * bytes;
  } else if (state === 'acked') totals.ackedCount += count;
  else totals.deadCount += count;
}

/** An item of `bytes` moved from state `from` to `to` (undefined: added to or removed from the store). */
export function moveTotals(totals: PartitionTotals, from: ItemState | undefined, to: ItemState | undefined, bytes: number): void {
  if (from !== undefined) addTotals(totals, from, -1, bytes);
  if (to !== undefined) addTotals(totals, to, 1, bytes);
}

/** Sets the fields the indexes read (`open`, `sparseState`, `ackedAt`) on `row` itself, from its state. */
export function indexFields(row: ItemRow): ItemRow {
  if (isOpen(row.state)) row.open = 1;
  else delete row.open;
  if (row.state === 'pending') delete row.sparseState;
  else row.sparseState = row.state;
  if (row.state === 'acked' && row.ack !== undefined) row.ackedAt = row.ack.at;
  else delete row.ackedAt;
  return row;
}

/** A copy of `row` in `state`, its index fields set to match: every write of an item row goes through here. */
export const inState = (row: ItemRow, state: ItemState): ItemRow => indexFields({ ...row, state });
