import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { call, tempDir } from './fixtures';

// The CLI from source through tsx (the package's tests do not need a build): what `tillkit-sync-server` runs.
const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const NODE_ARGS = ['--conditions=@tillkit/source', '--import', 'tsx'];

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function run(args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, [...NODE_ARGS, CLI, ...args], {
    env: { ...process.env, TILLKIT_ADMIN_TOKEN: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

async function waitFor(read: () => string, pattern: RegExp, exit: Promise<unknown>): Promise<RegExpMatchArray> {
  let exited = false;
  void exit.then(() => (exited = true));
  for (let i = 0; i < 400; i++) {
    const match = pattern.exec(read());
    if (match) return match;
    if (exited) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no ${pattern} in:\n${read()}`);
}

// Each run starts a Node process with tsx (a few seconds on a busy machine), so runs go in parallel.
describe('tillkit-sync-server', () => {
  it('prints its usage with --help (exit 0), and exits 2 with a clear message for an unknown flag or a bad port', async () => {
    const [help, unknown, badPort] = [run(['--help']), run(['--prot', '8787']), run(['--port', 'eighty'])];
    expect(await help.exit).toBe(0);
    expect(help.stdout()).toMatch(/^Usage: tillkit-sync-server/);
    expect(help.stdout()).toContain('--admin-token');
    expect(await unknown.exit).toBe(2);
    expect(unknown.stderr()).toMatch(/Unknown option '--prot'.*\n.*--help/);
    expect(await badPort.exit).toBe(2);
    expect(badPort.stderr()).toContain('--port must be a whole number');
    expect(badPort.stdout()).toBe('');
  });

  it('serves on the printed url with the printed admin token, logs without secrets, exits 1 when the port is taken, closes cleanly on signals', async () => {
    const db = join(tempDir(), 'cli.db');
    const secret = 'env-admin-token-0123456789abcdef';
    const generated = run(['--port', '0', '--db', db, '--log']);
    const fromEnv = run(['--port', '0', '--db', ':memory:'], { TILLKIT_ADMIN_TOKEN: secret });
    const register = { merchantId: 'm', storeId: 's', registerId: 'r', currency: 'EUR' };
    try {
      const [, url, port] = await waitFor(generated.stdout, /listening on (http:\/\/127\.0\.0\.1:(\d+))/, generated.exit);
      const [, token] = await waitFor(generated.stdout, /admin token \(generated[^)]*\): (\S+)/, generated.exit);
      expect((await call(url!, 'GET', '/v1/health')).body).toEqual({ status: 'ok' });
      expect((await call(url!, 'POST', '/admin/v1/registers', register, { token: token! })).status).toBe(201);

      const taken = run(['--port', port!, '--db', ':memory:']);
      expect(await taken.exit).toBe(1);
      expect(taken.stderr()).toMatch(/could not start: .*(EADDRINUSE|address already in use)/);

      const [, envUrl] = await waitFor(fromEnv.stdout, /listening on (http:\/\/127\.0\.0\.1:\d+)/, fromEnv.exit);
      await waitFor(fromEnv.stdout, /admin token: from TILLKIT_ADMIN_TOKEN/, fromEnv.exit);
      expect((await call(envUrl!, 'POST', '/admin/v1/registers', register, { token: secret })).status).toBe(201);
    } finally {
      generated.child.kill('SIGTERM');
      fromEnv.child.kill('SIGINT');
    }
    expect(await generated.exit).toBe(0);
    expect(await fromEnv.exit).toBe(0);
    expect(generated.stderr()).toBe('');
    // --log logs every request as JSON lines, and never the Authorization header: the token shows once, where it was printed
    expect(generated.stdout()).toMatch(/"url":"\/admin\/v1\/registers"/);
    const token = /admin token \(generated[^)]*\): (\S+)/.exec(generated.stdout())![1]!;
    expect(generated.stdout().split(token)).toHaveLength(2);
    expect(fromEnv.stdout()).not.toContain(secret);
  });
});
