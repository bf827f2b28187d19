import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SyncServerLimits } from '../src/index';

export const BENCH_ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';

export interface ServerProcess {
  url: string;
  port: number;
  adminToken: string;
  /**
   * the server process's CPU time (user + system) so far, in ms, its resident memory, and how long
   * it took to answer each push since the last call (arrival to answer, ms)
   */
  usage(): Promise<ServerUsage>;
  /** closes the server (open requests finish, the database is closed) and waits for the process to exit */
  stop(): Promise<void>;
}

export interface ServerUsage {
  cpuMs: number;
  rss: number;
  pushMs: number[];
}

export interface SpawnServerOptions {
  /** the SQLite file */
  db: string;
  /** default a free port */
  port?: number;
  limits?: SyncServerLimits;
}

/** Starts bench/server-process.ts (the reference server on `db`) in a child process; resolves once it listens. */
export async function spawnServer(options: SpawnServerOptions): Promise<ServerProcess> {
  const script = fileURLToPath(new URL('./server-process.ts', import.meta.url));
  const settings = JSON.stringify({ ...options, adminToken: BENCH_ADMIN_TOKEN });
  const child = spawn(process.execPath, ['--conditions=@tillkit/source', '--import', 'tsx', script, settings], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const started = await new Promise<{ url: string; adminToken: string }>((resolve, reject) => {
    let buffer = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const end = buffer.indexOf('\n');
      if (end >= 0) resolve(JSON.parse(buffer.slice(0, end)) as { url: string; adminToken: string });
    });
    child.once('exit', (code) => reject(new Error(`the bench server exited with code ${String(code)} before it listened`)));
  });
  return {
    url: started.url,
    port: Number(new URL(started.url).port),
    adminToken: started.adminToken,
    async usage() {
      const response = await fetch(`${started.url}/bench/usage`);
      return (await response.json()) as ServerUsage;
    },
    async stop() {
      child.stdin.end();
      await exited;
    },
  };
}
