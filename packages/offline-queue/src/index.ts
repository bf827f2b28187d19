// @tillkit/offline-queue public API (in progress). Named exports only; everything not listed here is internal.

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
  EndpointHealth,
  EndpointSelector,
  EndpointSelectorOptions,
  EndpointSwitch,
  FlushNow,
  SelectorHealth,
} from './endpoint-selector';
