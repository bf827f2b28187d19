// @tillkit/offline-queue public API (browser-safe: no Node built-ins). Named exports only; everything
// not listed here is internal. Stores live in their own entry points: `@tillkit/offline-queue/sqlite`
// (Node) and `@tillkit/offline-queue/dexie` (browsers); test servers in `@tillkit/offline-queue/testing`.

// The outbox
export { createOutbox } from './outbox';
export type { EnqueueInput, FlushReport, Outbox, OutboxEvent, OutboxMetrics, OutboxRole, StorageHealth } from './outbox';
export type { OutboxOptions } from './outbox-options';

// Items, records and the store contract
export type { AckInfo, DeadLetterInfo, ItemInput, ItemState, JsonValue, OutboxItem, RecordWrite, StoredRecord } from './item';
export type {
  Claim,
  ClaimRequest,
  LeaseHolder,
  LeaseRequest,
  ListItemsQuery,
  OutboxStore,
  PartitionInfo,
  RewindResult,
  Settlement,
  StorageEstimate,
  StoreDiagnostics,
  StoreInfo,
  StoreStats,
} from './store';
export { OutboxErrorCode } from './errors';

// Who flushes
export { createLeaseLock, createWebLocksLock } from './flusher-lock';
export type { FlusherLock, Leadership, LeaseLockOptions, LockManagerLike, WebLocksLockOptions } from './flusher-lock';

// Transports and the wire format
export { createHttpTransport } from './http-transport';
export type { FetchFunction, HeadersHook, HttpTransportOptions } from './http-transport';
export type { KeyedItemResult, ProbeRequest, SendRequest, SendResult, Transport } from './transport';
export {
  DEFAULT_HEALTH_PATH,
  DEFAULT_PUSH_PATH,
  PROBLEM_CONTENT_TYPE,
  healthResponseSchema,
  jsonValueSchema,
  keyedItemResultSchema,
  problemSchema,
  pushRequestSchema,
  pushResponseSchema,
  toWireItem,
  wireItemSchema,
} from './wire';
export type { HealthResponse, Problem, PushRequest, PushResponse, WireItem, WireItemResult } from './wire';

// Time
export { systemClock } from './clock';
export type { Clock } from './clock';

// Backoff
export { nextDelay, parseRetryAfter, retryDelay } from './backoff';
export type { BackoffOptions, RandomSource, RetryDelayInput } from './backoff';

// Error taxonomy
export { classifyOutcome, classifyItemResult, DeadLetterCode } from './error-taxonomy';
export type { DeliveryOutcome, DeliveryAction, ItemResult, ItemAction } from './error-taxonomy';

// Circuit breaker
export { createCircuitBreaker } from './circuit-breaker';
export type { CircuitBreaker, CircuitBreakerOptions, CircuitState } from './circuit-breaker';

// Endpoint selection and failover
export { createEndpointSelector } from './endpoint-selector';
export type {
  Endpoint,
  EndpointInput,
  EndpointHealth,
  EndpointSelector,
  EndpointSelectorOptions,
  EndpointSwitch,
  FlushNow,
  SelectorHealth,
} from './endpoint-selector';
