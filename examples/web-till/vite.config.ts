import { defaultClientConditions, defineConfig } from 'vite';

// Sibling @tillkit packages are read from source (the @tillkit/source export condition): nothing
// needs building first, and the dev server reloads on their changes too.
export default defineConfig({
  resolve: { conditions: ['@tillkit/source', ...defaultClientConditions] },
  // the browser-side dependencies, pre-bundled at start so a first visit never triggers a reload
  optimizeDeps: { include: ['dexie', 'rxjs', 'zod'] },
  build: {
    target: 'es2022',
    sourcemap: true,
    rollupOptions: {
      // zod's sources carry comments Rollup cannot place (harmless; it drops them): not worth a warning per build
      onwarn(warning, warn) {
        if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('/node_modules/zod/') === true) return;
        warn(warning);
      },
    },
  },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
