import {
  ErrorCode,
  parseInput,
  TillkitError,
  ValidationError,
  type CompletedTransaction,
  type JournalEntry,
  type TillState,
} from '@tillkit/core';
import {
  OutboxErrorCode,
  type JsonValue,
  type Outbox,
  type OutboxItem,
  type OutboxStore,
  type RecordWrite,
} from '@tillkit/offline-queue';
import { z } from 'zod';
import type { CatalogStore } from './catalog-store';
import { stateError, SyncErrorCode } from './errors';
import {
  datasetRecordSchemas,
  datasetSchema,
  eventKey,
  syncEventPayloadSchema,
  type Dataset,
  type DatasetRecords,
} from './protocol/index';

/** One journal entry of the till, with what it records and the till's state after it. */
export interface SyncEvent {
  entry: JournalEntry;
  /** the completed sale or return (required for 'sale' and 'return' entries) */
  transaction?: CompletedTransaction | undefined;
  /** the till state right after the entry */
  till: TillState;
}

/** A change the till made to a pulled record (for example a member's points): read locally before the server knows. */
export interface LocalChange<D extends Dataset = Dataset> {
  dataset: D;
  record: DatasetRecords[D];
}

export interface RecordEventOptions {
  /** more companion records written in the same durable transaction */
  records?: readonly RecordWrite[] | undefined;
  /** local changes the event carries to the server; kept in the catalog's overlay until it has them */
  local?: readonly LocalChange[] | undefined;
}

/** Collections of the companion records the sync client writes into the outbox store. */
export const RecordCollections = {
  /** every journal entry, key `<tillId>:<sequence, 12 digits>` (written with mode 'insert': never replaced) */
  journal: 'journal',
  /** completed sales and returns by transaction id */
  transactions: 'transactions',
  /** the till state after its newest entry, key the till id */
  till: 'till',
  /** events recordEvent refused (an entry skipped or taken), kept for an operator, key the event key */
  refused: 'sync-refused-events',
} as const;

/** The key of a journal entry's companion record: the till id and the zero-padded sequence (ASCII order = sequence order). */
export function journalRecordKey(entry: Pick<JournalEntry, 'tillId' | 'sequence'>): string {
  return `${entry.tillId}:${String(entry.sequence).padStart(12, '0')}`;
}

const localChangeSchema = z.object({ dataset: datasetSchema, record: z.record(z.string(), z.unknown()) });
const optionsSchema = z.object({
  records: z.array(z.unknown()).optional(),
  local: z.array(localChangeSchema).optional(),
});

function json(value: unknown): JsonValue {
  return JSON.parse(JSON.stringify(value)) as JsonValue;
}

function invalid(message: string): ValidationError {
  return new ValidationError(ErrorCode.VALIDATION_FAILED, message);
}

/**
 * Checks an event at the boundary and builds its outbox item and companion records (pure): the
 * item's partition is the register (entry.tillId), its key eventKey(entry), its type the entry's;
 * the payload is { entry, transaction?, till } as JSON. Throws VALIDATION_FAILED naming the path
 * for a malformed event, and for parts that do not belong together (the till state is not the one
 * after the entry, a sale without its transaction, a transaction of another entry).
 */
export function buildEventItem(
  event: SyncEvent,
  options: RecordEventOptions = {},
): { key: string; partition: string; type: string; payload: JsonValue; records: RecordWrite[] } {
  parseInput(syncEventPayloadSchema, event, 'event');
  parseInput(optionsSchema, options, 'recordEvent options');
  const { entry, transaction, till } = event;
  if (till.tillId !== entry.tillId || till.journal.sequence !== entry.sequence || till.journal.hash !== entry.hash) {
    throw invalid(
      `Invalid event: till is not the till state after entry ${entry.sequence} of "${entry.tillId}" (its journal head is ${till.journal.sequence} of "${till.tillId}"). Pass the till returned with the entry.`,
    );
  }
  if ((entry.type === 'sale' || entry.type === 'return') && transaction === undefined) {
    throw invalid(`Invalid event: transaction is required for a ${entry.type} entry (pass the transaction returned with it).`);
  }
  if (transaction !== undefined && (transaction.tillId !== entry.tillId || transaction.sequence !== entry.sequence)) {
    throw invalid(
      `Invalid event: transaction ${transaction.id} is journal entry ${transaction.sequence} of "${transaction.tillId}", not entry ${entry.sequence} of "${entry.tillId}".`,
    );
  }
  const payload = json({ entry, ...(transaction === undefined ? {} : { transaction }), till });
  const p = payload as { entry: JsonValue; transaction?: JsonValue; till: JsonValue };
  const records: RecordWrite[] = [
    { collection: RecordCollections.journal, key: journalRecordKey(entry), value: p.entry, mode: 'insert' },
    ...(transaction === undefined
      ? []
      : [{ collection: RecordCollections.transactions, key: transaction.id, value: p.transaction! }]),
    { collection: RecordCollections.till, key: entry.tillId, value: p.till },
    ...(options.records ?? []),
  ];
  return { key: eventKey(entry), partition: entry.tillId, type: entry.type, payload, records };
}

export interface RecordEventInput {
  outbox: Outbox;
  /** the outbox's store: its partition numbers and journal records are read before writing */
  store: OutboxStore;
  catalog: CatalogStore;
  event: SyncEvent;
  options?: RecordEventOptions | undefined;
  /** the register the till is enrolled for, if enrolled */
  registerId?: string | undefined;
  now: number;
}

/**
 * Records one journal event durably (see SyncClient.recordEvent). The entry must continue its
 * partition: it is checked BEFORE anything is written against the partition's next sequence
 * number. A skipped entry (sequence ahead) or an entry whose sequence another entry holds is
 * refused with SEQUENCE_MISMATCH; the refused event is still kept, durably, as a record of
 * collection 'sync-refused-events' for an operator, and the partition stays gapless. Recording the
 * same entry again is a safe replay.
 */
export async function recordEvent(input: RecordEventInput): Promise<OutboxItem> {
  const { outbox, store, catalog, event, now } = input;
  const built = buildEventItem(event, input.options);
  const local = (input.options?.local ?? []).map((change) => ({
    dataset: change.dataset,
    record: parseInput(datasetRecordSchemas[change.dataset], change.record, `local ${change.dataset} record`),
  }));
  const { entry } = event;
  if (input.registerId !== undefined && entry.tillId !== input.registerId) {
    throw invalid(
      `Invalid event: this till is enrolled for register "${input.registerId}" but the entry is of till "${entry.tillId}". Create the till with tillId "${input.registerId}". Nothing was written.`,
    );
  }

  const keepRefused = async (reason: string, expectedSeq: number) => {
    await store.commit({
      records: [
        {
          collection: RecordCollections.refused,
          key: built.key,
          value: { reason, expectedSeq, at: now, partition: built.partition, type: built.type, payload: built.payload },
        },
      ],
      now,
    });
  };

  const info = (await store.listPartitions()).find((p) => p.partition === built.partition);
  const nextSeq = info?.nextSeq ?? 1;
  if (entry.sequence > nextSeq) {
    const reason = `Journal entry ${entry.sequence} of "${entry.tillId}" skips entries: the outbox expects entry ${nextSeq} next.`;
    await keepRefused(reason, nextSeq);
    throw stateError(
      SyncErrorCode.SEQUENCE_MISMATCH,
      `${reason} Record entries ${nextSeq} to ${entry.sequence - 1} first (every journal entry goes through recordEvent, in order). ` +
        `Nothing was queued; the entry is kept in the outbox store's "${RecordCollections.refused}" records.`,
      { details: { partition: built.partition, sequence: entry.sequence, expectedSeq: nextSeq, key: built.key } },
    );
  }
  if (entry.sequence < nextSeq) {
    const stored = await store.getRecord(RecordCollections.journal, journalRecordKey(entry));
    const storedHash = (stored?.value as { hash?: unknown } | undefined)?.hash;
    if (storedHash !== entry.hash) {
      const reason = `Journal entry ${entry.sequence} of "${entry.tillId}" is already taken by another entry: the outbox expects entry ${nextSeq} next.`;
      await keepRefused(reason, nextSeq);
      throw stateError(
        SyncErrorCode.SEQUENCE_MISMATCH,
        `${reason} The till state is behind its journal (restored from an old copy?): continue from the stored till state, or restore the till. ` +
          `Nothing was queued; the entry is kept in the outbox store's "${RecordCollections.refused}" records.`,
        { details: { partition: built.partition, sequence: entry.sequence, expectedSeq: nextSeq, key: built.key } },
      );
    }
    // the same entry again: a replay, answered with the stored item below
  }

  let item: OutboxItem;
  try {
    item = await outbox.enqueue(
      { key: built.key, partition: built.partition, type: built.type, payload: built.payload },
      { records: built.records },
    );
  } catch (error) {
    if (TillkitError.hasCode(error, OutboxErrorCode.RECORD_CONFLICT) && entry.sequence < nextSeq) {
      throw stateError(
        SyncErrorCode.SEQUENCE_MISMATCH,
        `Journal entry ${entry.sequence} of "${entry.tillId}" was recorded and delivered long ago (its outbox item is pruned); nothing was written.`,
        { cause: error, details: { partition: built.partition, sequence: entry.sequence, key: built.key } },
      );
    }
    throw error;
  }
  if (item.seq !== entry.sequence) {
    // another writer took the number between the check and the write (two processes recording
    // the same register): the item is durable, but it will be refused by the server
    throw stateError(
      SyncErrorCode.SEQUENCE_MISMATCH,
      `Journal entry ${entry.sequence} of "${entry.tillId}" was queued as number ${item.seq ?? '?'}: another process records events of this register at the same time. ` +
        'The item is stored (nothing is lost) but the server will refuse it and it will become a dead letter: record each register from one process only, and export the dead letter for head office.',
      { details: { partition: built.partition, sequence: entry.sequence, seq: item.seq, key: built.key } },
    );
  }
  for (const change of local) {
    await catalog.putLocal(change.dataset, change.record, { key: built.key, at: now });
  }
  return item;
}
