// @tillkit/sync-client/dexie: the local catalog store in IndexedDB through Dexie 4 (browsers; a peer dependency).
export { createDexieCatalogStore, DexieCatalogStore } from './dexie-catalog-store';
export type { DexieCatalogStoreOptions } from './dexie-catalog-store';
export { CatalogStoreErrorCode } from '../catalog-store-errors';
export type { CatalogStore, ApplyPageInput, ApplyPageResult, LocalWrite } from '../catalog-store';
