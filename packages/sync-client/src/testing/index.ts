// @tillkit/sync-client/testing: the catalog store contract as runnable cases, for tests of a
// CatalogStore (the SQLite and Dexie stores run them; a store of your own should pass them too).
// Browser-safe: the cases run under a test runner in Node or inside a browser page.
export { catalogStoreContractCases } from './catalog-store-contract';
export type { CatalogStoreContractCase, CatalogStoreContractContext } from './catalog-store-contract';
export { ContractFailure } from './contract-assert';
