import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const CHILD_ENTRY = fileURLToPath(new URL('./apply-pages-child.ts', import.meta.url));

/**
 * Bundles apply-pages-child.ts (sibling packages from source through the `@tillkit/source`
 * condition) so the child starts with plain `node`. better-sqlite3 stays outside the bundle (a
 * native addon): the bundle imports it by the file URL it resolves to from here. Returns the path.
 */
export async function bundleChild(outDir: string): Promise<string> {
  const sqlite = pathToFileURL(createRequire(import.meta.url).resolve('better-sqlite3')).href;
  const outfile = join(outDir, 'apply-pages-child.mjs');
  await build({
    entryPoints: [CHILD_ENTRY],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['@tillkit/source'],
    logLevel: 'silent',
    plugins: [
      {
        name: 'external-sqlite',
        setup(b) {
          b.onResolve({ filter: /^better-sqlite3$/ }, () => ({ path: sqlite, external: true }));
        },
      },
    ],
  });
  return outfile;
}

export interface KilledChild {
  /** the page the child started after (its stored cursor) */
  startedAfter: number;
  /** the last page whose applyPage had resolved when the child was killed */
  lastApplied: number;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/**
 * Runs the child on `dbPath` and SIGKILLs it `delayMs` after it reported its `afterPages`-th applied
 * page (or fails after `timeoutMs`).
 */
export function runAndKill(
  bundle: string,
  dbPath: string,
  afterPages: number,
  delayMs: number,
  timeoutMs = 20_000,
): Promise<KilledChild> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundle, dbPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    let startedAfter = -1;
    let lastApplied = -1;
    let applied = 0;
    let stderr = '';
    let pending = '';
    let killing = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      pending += chunk;
      let end: number;
      while ((end = pending.indexOf('\n')) >= 0) {
        const [word, value] = pending.slice(0, end).split(' ');
        pending = pending.slice(end + 1);
        if (word === 'READY') startedAfter = Number(value);
        if (word !== 'APPLIED') continue;
        lastApplied = Number(value);
        applied += 1;
        if (applied >= afterPages && !killing) {
          killing = true;
          setTimeout(() => child.kill('SIGKILL'), delayMs);
        }
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      clearTimeout(timer);
      if (!killing) reject(new Error(`the child ended on its own (signal ${signal}) before it was killed: ${stderr}`));
      else resolve({ startedAfter, lastApplied, signal, stderr });
    });
  });
}
