import { afterEach } from 'vitest';
import { openTill, startCloud, tempDir, type Cloud, type Till } from './harness';

const cleanups: (() => Promise<void> | void)[] = [];

/** Registers the after-each cleanup of a test file; returns helpers whose resources it releases. */
export function withCleanup() {
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return {
    defer: (cleanup: () => Promise<void> | void): void => {
      cleanups.push(cleanup);
    },
    cloud: async (options: Parameters<typeof startCloud>[0] = {}): Promise<Cloud> => {
      const c = await startCloud(options);
      cleanups.push(() => c.close());
      return c;
    },
    till: async (dir: string, options: Parameters<typeof openTill>[1]): Promise<Till> => {
      const t = await openTill(dir, options);
      cleanups.push(() => t.close());
      return t;
    },
    folder: (): string => {
      const d = tempDir();
      cleanups.push(() => d.remove());
      return d.path;
    },
  };
}
