import { packageConfig } from '../../tooling/tsup-config';

export default packageConfig(
  {
    index: 'src/index.ts',
    cli: 'src/cli.ts',
    conformance: 'src/conformance/index.ts',
  },
  { external: ['better-sqlite3', 'fastify'] },
);
