import { createTill, JournalHeadSchema, type JournalEntry, type TillState } from '@tillkit/core';
import type { Endpoint, JsonValue, Outbox, OutboxStore, RecordWrite } from '@tillkit/offline-queue';
import { z } from 'zod';
import { authorizedRequest, type Enrolment, type TokenManager } from './auth';
import { stateError, SyncErrorCode, SyncNetworkError } from './errors';
import { serverKey, type FetchFunction } from './http';
import { restoreSnapshotSchema, SyncPaths, type Tenant } from './protocol/index';
import { journalRecordKey, RecordCollections } from './record-event';

export interface RestoreTillOptions {
  tokens: TokenManager;
  /** the server to restore from */
  endpoint: Pick<Endpoint, 'url'>;
  /** the till's enrolment (a replacement device enrolled for the register) */
  enrolment: Enrolment;
  outbox: Outbox;
  /** the outbox's store */
  store: OutboxStore;
  /** how many of the newest journal entries to fetch (kept as companion records); default 50 */
  tail?: number | undefined;
  fetch?: FetchFunction | undefined;
  timeoutMs?: number | undefined;
  now?: number | undefined;
}

export interface RestoreResult {
  tenant: Tenant;
  /** the register's partition (its id) */
  partition: string;
  /** the last journal sequence the server holds; the till's next entry has lastSeq + 1 */
  lastSeq: number;
  /** the till state to continue from: the journal head, receipt and Z counters, the open session */
  till: TillState;
  /** the newest journal entries, oldest first */
  journalTail: JournalEntry[];
  /** whether the outbox partition was renumbered to continue at lastSeq + 1 */
  rebased: boolean;
}

const idSchema = z.string().min(1).max(128);
const tillStateSchema = z.object({
  tillId: idSchema,
  currency: z.string().length(3),
  journal: JournalHeadSchema,
  lastReceiptNumber: z.number().int().nonnegative(),
  lastZNumber: z.number().int().nonnegative(),
  session: z
    .object({
      id: idSchema,
      openedAt: z.string().min(1),
      operator: idSchema.nullable(),
      openingFloat: z.number().int().nonnegative(),
      openingSequence: z.number().int().positive(),
    })
    .nullable(),
});

function badSnapshot(what: string): SyncNetworkError {
  return new SyncNetworkError(SyncErrorCode.BAD_RESPONSE, `The restore snapshot ${what}; nothing was changed on this till.`, {
    isRetryable: false,
  });
}

function refused(what: string, details: Record<string, unknown>) {
  return stateError(SyncErrorCode.RESTORE_REFUSED, what, { details });
}

/**
 * Restores a replacement till (a new device enrolled for the same register): asks
 * `GET /v1/restore`, checks the snapshot (the till state's journal head is the server's last entry
 * of the register), renumbers the outbox partition to continue at lastSeq + 1
 * (`outbox.rebasePartition`), stores the till state and the journal tail as companion records, and
 * returns the till state to continue from, so the next journal entry has no gap and no collision.
 *
 * Refuses (RESTORE_REFUSED, nothing changed) when the outbox holds events of the register the
 * server does not have: pending, in flight or dead-lettered items, or a partition already past the
 * server's last sequence (the server lost entries; the outbox sends them again by itself). Unsynced
 * sales are never dropped: deliver or export them first.
 */
export async function restoreTill(options: RestoreTillOptions): Promise<RestoreResult> {
  const tail = options.tail ?? 50;
  const baseUrl = serverKey(options.endpoint.url);
  const { body } = await authorizedRequest(options.tokens, {
    baseUrl,
    path: `${SyncPaths.restore}?tail=${encodeURIComponent(String(tail))}`,
    schema: restoreSnapshotSchema,
    fetch: options.fetch,
    timeoutMs: options.timeoutMs,
  });
  const snapshot = body;
  const partition = options.enrolment.tenant.registerId;
  if (snapshot.tenant.registerId !== partition || snapshot.tenant.storeId !== options.enrolment.tenant.storeId) {
    throw badSnapshot(`is of register "${snapshot.tenant.registerId}", but this till is enrolled for "${partition}"`);
  }
  const lastSeq = snapshot.partitions.find((p) => p.partition === partition)?.lastSeq ?? 0;
  const journalTail = [...snapshot.journalTail].sort((a, b) => a.sequence - b.sequence);

  let till: TillState;
  if (snapshot.till === null) {
    if (lastSeq !== 0) throw badSnapshot(`holds sequence ${lastSeq} of "${partition}" but no till state`);
    till = createTill({ tillId: partition, currency: options.enrolment.currency });
  } else {
    const parsed = tillStateSchema.safeParse(snapshot.till);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw badSnapshot(`holds a malformed till state (${issue.path.join('.') || '(till)'}: ${issue.message})`);
    }
    till = parsed.data;
    if (till.tillId !== partition || till.journal.tillId !== partition) {
      throw badSnapshot(`holds the till state of "${till.tillId}", not of "${partition}"`);
    }
    if (till.journal.sequence !== lastSeq) {
      throw badSnapshot(`holds a till state at sequence ${till.journal.sequence}, but the server's last sequence is ${lastSeq}`);
    }
  }
  const newest = journalTail.at(-1);
  if (newest !== undefined && (newest.sequence !== lastSeq || newest.hash !== till.journal.hash || newest.tillId !== partition)) {
    throw badSnapshot(
      `ends its journal at sequence ${newest.sequence}, which is not the till state's head (sequence ${lastSeq})`,
    );
  }

  // nothing the server lacks may be on this till
  const open = await options.outbox.items({ partition, state: 'open', limit: 1 });
  const dead = await options.outbox.items({ partition, state: 'dead', limit: 1 });
  if (open.length > 0 || dead.length > 0) {
    throw refused(
      `This till holds events of register "${partition}" that the server does not have (${open.length > 0 ? 'waiting to be sent' : 'dead letters'}). ` +
        'Restoring would renumber them on top of the server journal: deliver them (or export the dead letters for an operator) first; nothing was changed.',
      { partition, lastSeq },
    );
  }
  const info = (await options.store.listPartitions()).find((p) => p.partition === partition);
  const localNext = info?.nextSeq ?? 1;
  if (localNext > lastSeq + 1) {
    throw refused(
      `This till's outbox already numbered register "${partition}" up to ${localNext - 1}, past the server's last sequence ${lastSeq}: the server lost entries. ` +
        'Do not restore: keep the outbox running and it sends the missing entries again (or call the server operator); nothing was changed.',
      { partition, lastSeq, localNext },
    );
  }
  const rebased = localNext !== lastSeq + 1 || info?.blocked !== undefined;
  if (rebased) await options.outbox.rebasePartition(partition, lastSeq + 1);

  const json = (value: unknown) => JSON.parse(JSON.stringify(value)) as JsonValue;
  const records: RecordWrite[] = [
    { collection: RecordCollections.till, key: partition, value: json(till) },
    ...journalTail.map((entry) => ({ collection: RecordCollections.journal, key: journalRecordKey(entry), value: json(entry) })),
  ];
  await options.store.commit({ records, now: options.now ?? Date.now() });
  return { tenant: snapshot.tenant, partition, lastSeq, till, journalTail, rebased };
}
