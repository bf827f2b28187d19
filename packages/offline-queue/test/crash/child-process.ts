import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import type { CrashChildConfig, Sale } from './child-protocol';

const CHILD_ENTRY = fileURLToPath(new URL('./crash-child.ts', import.meta.url));

/**
 * Bundles crash-child.ts once (sibling packages from source through the `@tillkit/source`
 * condition) so each of the hundreds of children starts with plain `node`, no TypeScript loader.
 * better-sqlite3 stays outside the bundle (a native addon): the bundle imports it by the file URL
 * it resolves to from here, so the bundle runs from any directory. rxjs comes from its ES module
 * build (the `node` condition picks its CommonJS build, all 350 KB of it evaluated at every start),
 * and the bundle is minified: each child starts about 15% sooner. Returns the bundle's path.
 */
export async function bundleCrashChild(outDir: string): Promise<string> {
  const require = createRequire(import.meta.url);
  const sqlite = pathToFileURL(require.resolve('better-sqlite3')).href;
  const rxjsManifest = require.resolve('rxjs/package.json');
  const { exports } = require(rxjsManifest) as { exports: Record<string, Record<string, string | undefined>> };
  const rxjsModule = exports['.']?.es2015;
  if (rxjsModule === undefined) throw new Error(`rxjs has no "es2015" export in ${rxjsManifest}`);
  const outfile = join(outDir, 'crash-child.mjs');
  await build({
    entryPoints: [CHILD_ENTRY],
    outfile,
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['@tillkit/source'],
    logLevel: 'silent',
    plugins: [
      {
        name: 'crash-child-resolve',
        setup(b) {
          b.onResolve({ filter: /^better-sqlite3$/ }, () => ({ path: sqlite, external: true }));
          b.onResolve({ filter: /^rxjs$/ }, () => ({ path: join(dirname(rxjsManifest), rxjsModule) }));
        },
      },
    ],
  });
  return outfile;
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

export interface CrashChild {
  readonly config: CrashChildConfig;
  /** sales whose enqueue began (TRY lines), in order */
  readonly tries: Sale[];
  /** keys whose enqueue resolved (ACK lines), in order */
  readonly acks: string[];
  /** EVENT lines (JSON) */
  readonly events: string[];
  /** the last role the child announced */
  readonly role: () => string;
  /** the child enqueued everything and only flushes now */
  readonly done: () => boolean;
  /** resolves at READY; rejects if the child ends first or stays silent for `readyTimeoutMs` */
  readonly ready: Promise<void>;
  /** resolves once the child is gone and its stdout fully read */
  readonly closed: Promise<ChildExit>;
  kill(): void;
}

/** Spawns one crash child (`node <bundle> <config>`) and follows its stdout line by line. */
export function spawnCrashChild(bundle: string, config: CrashChildConfig, readyTimeoutMs = 30_000): CrashChild {
  const child = spawn(process.execPath, [bundle, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const tries: Sale[] = [];
  const acks: string[] = [];
  const events: string[] = [];
  let role = 'stopped';
  let done = false;
  let stderr = '';
  let pending = '';
  let onReady: () => void = () => undefined;
  let onGone: (error: Error) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`crash child ${config.runId} sent no READY in ${readyTimeoutMs} ms`)),
      readyTimeoutMs,
    );
    onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    onGone = (error) => {
      clearTimeout(timer);
      reject(error);
    };
  });
  // a child killed before READY is not an unhandled rejection: callers await `ready` or `closed`
  ready.catch(() => undefined);

  const line = (text: string) => {
    if (text.startsWith('ACK ')) acks.push(text.slice(4));
    else if (text.startsWith('TRY ')) tries.push(JSON.parse(text.slice(4)) as Sale);
    else if (text === 'READY') onReady();
    else if (text === 'DONE') done = true;
    else if (text.startsWith('ROLE ')) role = text.slice(5);
    else if (text.startsWith('EVENT ')) events.push(text.slice(6));
  };
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    pending += chunk;
    let end: number;
    while ((end = pending.indexOf('\n')) >= 0) {
      line(pending.slice(0, end));
      pending = pending.slice(end + 1);
    }
  });
  child.on('error', (error) => {
    stderr += `spawn failed: ${error.message}\n`;
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const closed = new Promise<ChildExit>((resolve) => {
    child.on('close', (code, signal) => {
      onGone(new Error(`crash child ${config.runId} ended before READY (code ${code}, signal ${signal}): ${stderr}`));
      resolve({ code, signal, stderr });
    });
  });

  return {
    config,
    tries,
    acks,
    events,
    role: () => role,
    done: () => done,
    ready,
    closed,
    kill: () => {
      child.kill('SIGKILL');
    },
  };
}
