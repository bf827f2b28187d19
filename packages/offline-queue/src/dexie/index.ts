// @tillkit/offline-queue/dexie: the browser store in IndexedDB through Dexie 4 (a peer dependency).
export { createDexieStore } from './dexie-store';
export type { DexieStoreOptions } from './dexie-store';
