import type { JsonValue, OutboxItem, StoredRecord } from '../item';
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

/** A row with its lease, acknowledgement and dead-letter facts cleared (the caller sets the new state). */
export function cleared(row: ItemRow): ItemRow {
  const { lease: _lease, ack: _ack, ackedAt: _ackedAt, dead: _dead, ...rest } = row;
  return rest;
}
