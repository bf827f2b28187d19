// @tillkit/offline-queue/sqlite: the durable Node store in one SQLite file (better-sqlite3 12.x).
export { createSqliteStore, SqliteStore } from './sqlite-store';
export type { SqliteStoreOptions } from './sqlite-store';
