import { describe, expect, it } from 'vitest';
import { DEFAULT_DB, DEFAULT_PORT, parseCliArgs } from './cli-args';

describe('parseCliArgs', () => {
  it('has defaults for everything', () => {
    expect(parseCliArgs([], {})).toEqual({
      kind: 'run',
      port: DEFAULT_PORT,
      host: '127.0.0.1',
      db: DEFAULT_DB,
      adminToken: undefined,
      adminTokenSource: 'generated',
      tokenTtlSeconds: undefined,
      log: false,
    });
  });

  it('reads every flag, and the admin token from the flag before the environment', () => {
    const env = { TILLKIT_ADMIN_TOKEN: 'from-the-environment-0123' };
    expect(
      parseCliArgs(
        [
          '--port',
          '0',
          '--host',
          '0.0.0.0',
          '--db',
          ':memory:',
          '--admin-token',
          'from-the-flag-0123456',
          '--token-ttl',
          '60',
          '--log',
        ],
        env,
      ),
    ).toEqual({
      kind: 'run',
      port: 0,
      host: '0.0.0.0',
      db: ':memory:',
      adminToken: 'from-the-flag-0123456',
      adminTokenSource: 'flag',
      tokenTtlSeconds: 60,
      log: true,
    });
    expect(parseCliArgs(['--port=9000'], env)).toMatchObject({
      port: 9000,
      adminToken: env.TILLKIT_ADMIN_TOKEN,
      adminTokenSource: 'env',
    });
  });

  it('answers help and version', () => {
    expect(parseCliArgs(['--help'], {})).toEqual({ kind: 'help' });
    expect(parseCliArgs(['-h', '--port', 'x'], {})).toEqual({ kind: 'help' });
    expect(parseCliArgs(['-v'], {})).toEqual({ kind: 'version' });
  });

  it('explains bad flags and values', () => {
    const cases: [string[], RegExp][] = [
      [['--prot', '80'], /Unknown option '--prot'/],
      [['extra'], /positional|Unexpected argument/i],
      [['--port'], /--port/],
      [['--port', '70000'], /--port must be a whole number from 0 to 65535; got "70000"/],
      [['--port', '-1'], /--port/],
      [['--token-ttl', '0'], /--token-ttl/],
      [['--admin-token', 'short'], /at least 16 characters/],
      [['--db', ''], /--db/],
    ];
    for (const [argv, message] of cases) {
      const parsed = parseCliArgs(argv, {});
      expect(parsed.kind, argv.join(' ')).toBe('error');
      expect(parsed.kind === 'error' && parsed.message, argv.join(' ')).toMatch(message);
    }
    expect(parseCliArgs([], { TILLKIT_ADMIN_TOKEN: 'tiny' })).toMatchObject({ kind: 'error', message: /TILLKIT_ADMIN_TOKEN/ });
  });
});
