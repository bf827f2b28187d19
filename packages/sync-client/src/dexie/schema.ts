import type { Dexie } from 'dexie';
import type { Dataset } from '../protocol/index';

/**
 * The schema version this code reads and writes, kept as Dexie's native version
 * `SCHEMA_VERSION * 10`. A database with a higher one was written by a newer tillkit and is not opened.
 */
export const SCHEMA_VERSION = 1;

/** A pulled record (deleted ones are removed), keyed by [dataset+id]. */
export interface RecordRow {
  dataset: Dataset;
  id: string;
  updatedAt: number;
  /** the record as JSON text (as the SQLite store keeps it, so both read back alike) */
  json: string;
  /** what the record is looked up by: 'barcode:<code>', 'card:<number>', 'email:<address>' (multiEntry index) */
  lookup: string[];
}

/** A local write the server does not have yet, keyed by [dataset+id]. */
export interface OverlayRow {
  dataset: Dataset;
  id: string;
  writeKey: string;
  at: number;
  /** write order across the overlay (ties of `at` list in write order) */
  seq: number;
  json: string;
  lookup: string[];
}

export interface CursorRow {
  dataset: Dataset;
  updatedAt: number;
  id: string;
}

export interface MetaRow {
  key: string;
  json: string;
}

/**
 * Version 1. A step may add tables, indexes or fields, or move data; it must never drop the till's
 * own data (meta, the overlay). Pulled data may be rebuilt only by clearing a dataset together with
 * its cursor, so the next pull fetches it anew.
 */
const V1 = {
  records: '[dataset+id], *lookup',
  overlay: '[dataset+id], *lookup, seq',
  cursors: 'dataset',
  meta: 'key',
};

export function declareSchema(db: Dexie): void {
  db.version(SCHEMA_VERSION).stores(V1);
}
