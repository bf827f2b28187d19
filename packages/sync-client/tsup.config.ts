import { packageConfig } from '../../tooling/tsup-config';

export default packageConfig(
  {
    index: 'src/index.ts',
    protocol: 'src/protocol/index.ts',
    sqlite: 'src/sqlite/index.ts',
    dexie: 'src/dexie/index.ts',
    testing: 'src/testing/index.ts',
  },
  { external: ['better-sqlite3', 'dexie'] },
);
