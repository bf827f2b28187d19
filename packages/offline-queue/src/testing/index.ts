// @tillkit/offline-queue/testing (Node): a reference test server, a fault-injecting proxy and the
// store contract cases. For tests, demos and drills; not for production tills.
export { startTestServer } from './test-server';
export type { RejectedItem, TestServer, TestServerFailure, TestServerOptions, TestServerVerdict } from './test-server';
export { startFaultProxy } from './fault-proxy';
export type {
  ExchangeOutcome,
  FaultKind,
  FaultProxy,
  FaultProxyMode,
  FaultProxyOptions,
  FaultProxyStats,
  FaultRates,
} from './fault-proxy';
export { storeContractCases } from './store-contract';
export type { StoreContractCase, StoreContractContext } from './store-contract';
