// @tillkit/sync-server public API (Node): the reference server of the tillkit sync protocol and
// its storage. The conformance kit is a separate entry point, `@tillkit/sync-server/conformance`.

// The server
export { createSyncServer, startSyncServer } from './server';
export type { RunningSyncServer, SyncServer } from './server';
export type { StartSyncServerOptions, SyncServerLimits, SyncServerOptions } from './options';
export { SERVER_NAME, SERVER_VERSION } from './version';

// Storage
export { createSqliteSyncStorage } from './sqlite/sqlite-storage';
export type { SqliteSyncStorageOptions } from './sqlite/sqlite-storage';
export type {
  DeleteRecordInput,
  DeviceRecord,
  DeviceTelemetry,
  DiagnosticsRecord,
  EnrolDeviceInput,
  EnrolmentRecord,
  EnrolOutcome,
  EventQuery,
  EventStatus,
  EventWrite,
  HeartbeatRecord,
  IngestContext,
  IngestDecision,
  IngestInput,
  JournalEvent,
  PartitionHead,
  PullQuery,
  PushItemResult,
  PutRecordsInput,
  RegisterRecord,
  RegisterUpsert,
  RestoreState,
  StoredEvent,
  StoredPushResult,
  SyncStorage,
  TokenGrant,
  TokenRecord,
} from './storage';

// The push rules a storage runs inside its transactions, and the server's errors
export { decidePush } from './ingest-rules';
export { SyncServerErrorCode } from './errors';
