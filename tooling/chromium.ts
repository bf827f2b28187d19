import { accessSync, constants } from 'node:fs';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';

// What every browser test shares: Debian's Chromium driven by playwright-core (browsers are never
// downloaded), and browser entries bundled from source with esbuild.

/** Debian's Chromium; CHROMIUM_PATH overrides it. */
export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** The Chromium executable to run; throws (so browser tests fail, not skip) when it is not there. */
export function chromiumPath(): string {
  const fromEnv = process.env.CHROMIUM_PATH;
  const path = fromEnv !== undefined && fromEnv !== '' ? fromEnv : DEFAULT_CHROMIUM_PATH;
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(
      `No Chromium at ${path}: the browser tests need a real Chromium. Install Debian's chromium (apt-get install -y chromium), ` +
        'or point CHROMIUM_PATH at a Chromium executable.',
    );
  }
  return path;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: [...CHROMIUM_ARGS] });
}

/**
 * Bundles a browser entry (TypeScript, from source) into one ES module in memory. Sibling packages
 * resolve through the `@tillkit/source` export condition, so nothing needs building first.
 */
export async function bundleBrowserEntry(entryFile: string): Promise<string> {
  const result = await build({
    entryPoints: [entryFile],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['@tillkit/source'],
    sourcemap: 'inline',
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (output === undefined) throw new Error(`esbuild produced no output for ${entryFile}`);
  return output.text;
}
