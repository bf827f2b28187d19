// @tillkit/sync-client public API (browser-safe: no Node built-ins; global fetch). The protocol's
// schemas are also importable alone from `@tillkit/sync-client/protocol`; local catalog stores
// from `./sqlite` (Node) and `./dexie` (browsers).

// The client
export { createSyncClient } from './sync-client';
export type { EnrolmentInfo, SyncClient } from './sync-client';
export type { SyncClientOptions, SyncOutboxOptions } from './sync-client-options';
export { RecordCollections, buildEventItem, journalRecordKey } from './record-event';
export type { LocalChange, RecordEventOptions, SyncEvent } from './record-event';

// Errors
export { SyncErrorCode, SyncNetworkError } from './errors';

// Auth
export { ENROLMENT_META_KEY, authorizedRequest, createTokenManager, enrolDevice, loadEnrolment, saveEnrolment } from './auth';
export type { AuthState, EnrolDeviceOptions, Enrolment, TokenManager, TokenManagerOptions } from './auth';

// Protocol version
export { checkCompatibility, createCompatibilityGuard, fetchServerMeta, isProtocolIncompatible } from './compatibility';
export type { CompatibilityGuard } from './compatibility';

// Push
export { createSyncTransport, syncAuthHook } from './transport';
export type { SyncTransportOptions } from './transport';

// Pull
export { createPuller, isCursorExpired, pullDataset, validatePage } from './puller';
export type { DatasetPullReport, FetchPage, PullDatasetInput, PullReport, Puller, PullerOptions } from './puller';

// Status
export { initialStatusState, reduceStatus, toSyncStatus } from './status';
export type { CatchUp, Connectivity, StatusInput, StatusState, SyncStatus } from './status';

// Telemetry and secrets
export { buildDiagnosticBundle, buildHeartbeat, createTelemetry } from './telemetry';
export type { DeviceHealthLevel, DeviceHealthSource, DiagnosticsInput, Telemetry, TelemetryOptions } from './telemetry';
export { REDACTED, SECRET_KEY_PATTERN, redactSecrets, redactText } from './redact';

// Restore
export { restoreTill } from './restore';
export type { RestoreResult, RestoreTillOptions } from './restore';

// The local catalog store contract
export type { ApplyPageInput, ApplyPageResult, CatalogStore, LocalWrite } from './catalog-store';
export { CatalogStoreErrorCode } from './catalog-store-errors';

// The protocol
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
  enrolRequestSchema,
  enrolResponseSchema,
  tenantSchema,
  tokenRequestSchema,
  tokenResponseSchema,
  PushRejectCode,
  SYNC_EVENT_TYPES,
  eventKey,
  pushBatchSchema,
  pushResultsSchema,
  pushedTransactionSchema,
  syncEventPayloadSchema,
  syncEventTypeSchema,
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
  diagnosticBundleSchema,
  diagnosticReceiptSchema,
  heartbeatSchema,
  logRecordSchema,
  restoreSnapshotSchema,
} from './protocol/index';
export type {
  ServerMeta,
  SyncProblem,
  DeviceCredentials,
  EnrolRequest,
  EnrolResponse,
  Tenant,
  TokenRequest,
  TokenResponse,
  PushResults,
  SyncEventPayload,
  SyncEventType,
  WireItem,
  CatalogItem,
  Change,
  ConfigEntry,
  Cursor,
  Dataset,
  DatasetRecords,
  Member,
  Price,
  PullPage,
  TaxRate,
  DiagnosticBundle,
  Heartbeat,
  LogRecord,
  RestoreSnapshot,
} from './protocol/index';
