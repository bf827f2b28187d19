import { defineConfig, type Options } from 'tsup';

/** The one tsup setup every published tillkit package builds with: ESM + CJS + .d.ts. */
export function packageConfig(entry: Record<string, string>, overrides: Options = {}) {
  return defineConfig({
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    splitting: false,
    treeshake: true,
    ...overrides,
  });
}
