// @tillkit/sync-client/sqlite: the local catalog store in one SQLite file (Node; better-sqlite3 12.x, a peer dependency).
export { createSqliteCatalogStore, SqliteCatalogStore } from './sqlite-catalog-store';
export type { SqliteCatalogStoreOptions } from './sqlite-catalog-store';
export { CatalogStoreErrorCode } from '../catalog-store-errors';
export type { CatalogStore, ApplyPageInput, ApplyPageResult, LocalWrite } from '../catalog-store';
