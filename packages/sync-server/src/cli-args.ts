import { parseArgs } from 'node:util';

export const CLI_NAME = 'tillkit-sync-server';
export const DEFAULT_PORT = 8787;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_DB = './tillkit-sync.db';

export const HELP = `Usage: ${CLI_NAME} [options]

Runs the tillkit sync reference server (protocol v1 and its admin API) on a SQLite database.

Options:
  --port <n>            port to listen on, 0 for a free one (default ${DEFAULT_PORT})
  --host <address>      address to listen on (default ${DEFAULT_HOST}; 0.0.0.0 for every interface)
  --db <file>           SQLite database file, created if missing, or :memory: (default ${DEFAULT_DB})
  --admin-token <token> bearer token of the admin API, at least 16 characters (default: the
                        TILLKIT_ADMIN_TOKEN environment variable, else one is generated and printed once)
  --token-ttl <seconds> lifetime of device bearer tokens (default 900)
  --log                 log every request (JSON lines; the Authorization header is never logged)
  -h, --help            show this help
  -v, --version         show the version

Stop it with Ctrl-C (SIGINT) or SIGTERM: it finishes open requests and closes the database.
`;

export type CliCommand =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'error'; message: string }
  | {
      kind: 'run';
      port: number;
      host: string;
      db: string;
      adminToken: string | undefined;
      /** where the admin token came from */
      adminTokenSource: 'flag' | 'env' | 'generated';
      tokenTtlSeconds: number | undefined;
      log: boolean;
    };

function wholeNumber(text: string, flag: string, max: number, min = 0): number | string {
  if (!/^\d{1,10}$/.test(text) || Number(text) > max || Number(text) < min) {
    return `${flag} must be a whole number from ${min} to ${max}; got "${text}"`;
  }
  return Number(text);
}

/** Reads the command line. Never throws: a bad flag is { kind: 'error' } with a message for the user. */
export function parseCliArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): CliCommand {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        db: { type: 'string' },
        'admin-token': { type: 'string' },
        'token-ttl': { type: 'string' },
        log: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    }));
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    return { kind: 'error', message: text.replace(/\. To specify a positional argument.*$/s, '') };
  }
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };

  const port = values.port === undefined ? DEFAULT_PORT : wholeNumber(values.port, '--port', 65_535);
  if (typeof port === 'string') return { kind: 'error', message: port };
  const ttl = values['token-ttl'] === undefined ? undefined : wholeNumber(values['token-ttl'], '--token-ttl', 7 * 24 * 3600, 1);
  if (typeof ttl === 'string') return { kind: 'error', message: ttl };
  const host = values.host ?? DEFAULT_HOST;
  if (host.trim() === '') return { kind: 'error', message: '--host must not be empty' };
  const db = values.db ?? DEFAULT_DB;
  if (db.trim() === '') return { kind: 'error', message: '--db must name a file or :memory:' };

  const fromFlag = values['admin-token'];
  const fromEnv = env.TILLKIT_ADMIN_TOKEN === '' ? undefined : env.TILLKIT_ADMIN_TOKEN;
  const adminToken = fromFlag ?? fromEnv;
  if (adminToken !== undefined && (adminToken.length < 16 || /\s/.test(adminToken))) {
    const where = fromFlag !== undefined ? '--admin-token' : 'TILLKIT_ADMIN_TOKEN';
    return { kind: 'error', message: `${where} must be at least 16 characters without spaces` };
  }
  return {
    kind: 'run',
    port,
    host,
    db,
    adminToken,
    adminTokenSource: fromFlag !== undefined ? 'flag' : fromEnv !== undefined ? 'env' : 'generated',
    tokenTtlSeconds: ttl,
    log: values.log ?? false,
  };
}
