// The tillkit sync protocol, version 1: zod schemas and constants shared by clients and servers.
export {
  PROTOCOL_HEADER,
  PROTOCOL_MAJOR,
  PROTOCOL_NAME,
  PROTOCOL_VERSION,
  PROBLEM_CONTENT_TYPE,
  SyncPaths,
  SyncProblemCode,
  serverMetaSchema,
  syncProblemSchema,
} from './version';
export type { ServerMeta, SyncProblem } from './version';
export { enrolRequestSchema, enrolResponseSchema, tenantSchema, tokenRequestSchema, tokenResponseSchema } from './auth';
export type { DeviceCredentials, EnrolRequest, EnrolResponse, Tenant, TokenRequest, TokenResponse } from './auth';
export {
  PushRejectCode,
  SYNC_EVENT_TYPES,
  eventKey,
  pushBatchSchema,
  pushResultsSchema,
  pushedTransactionSchema,
  syncEventPayloadSchema,
  syncEventTypeSchema,
} from './push';
export type { PushResults, SyncEventPayload, SyncEventType, WireItem } from './push';
export {
  DATASETS,
  catalogItemSchema,
  changeSchema,
  compareCursor,
  configEntrySchema,
  cursorSchema,
  datasetRecordSchemas,
  datasetSchema,
  decodeCursor,
  encodeCursor,
  memberSchema,
  priceSchema,
  pullPageSchema,
  taxRateSchema,
} from './pull';
export type { CatalogItem, Change, ConfigEntry, Cursor, Dataset, DatasetRecords, Member, Price, PullPage, TaxRate } from './pull';
export {
  diagnosticBundleSchema,
  diagnosticReceiptSchema,
  heartbeatSchema,
  logRecordSchema,
  restoreSnapshotSchema,
} from './telemetry';
export type { DiagnosticBundle, Heartbeat, LogRecord, RestoreSnapshot } from './telemetry';
