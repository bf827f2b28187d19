import { defineConfig } from 'vitest/config';

// The example is tested against the BUILT packages, as an integrator would use them.
export default defineConfig({ test: { include: ['src/**/*.test.ts'], testTimeout: 30_000 } });
