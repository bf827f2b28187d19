import { defineConfig } from 'vitest/config';

// The example is tested against the BUILT packages, as an integrator would use them: Node loads
// their dist files itself (vitest would otherwise inline the workspace links and trip over the
// bare 'stream' import of @tillkit/devices/testing).
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 30_000,
    server: { deps: { external: [/\/packages\/[^/]+\/dist\//] } },
  },
});
