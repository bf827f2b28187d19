// @tillkit/sync-client public API (browser-safe). The protocol's schemas are also importable alone
// from `@tillkit/sync-client/protocol`; local catalog stores from `./sqlite` (Node) and `./dexie`.
export * from './protocol/index';
