import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** Tests read sibling packages from source through the `@tillkit/source` export condition. */
export function packageTestConfig() {
  return defineConfig({
    resolve: { conditions: ['@tillkit/source'] },
    ssr: { resolve: { conditions: ['@tillkit/source'] } },
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      // CI runs every package's tests at once on two cores: give slow property tests room.
      testTimeout: 20_000,
      setupFiles: [fileURLToPath(new URL('./vitest-setup.ts', import.meta.url))],
      benchmark: { include: ['bench/**/*.bench.ts'] },
    },
  });
}
