/**
 * The till's configuration: command-line options and an optional JSON config file (`--config
 * till.json`), checked with zod. A typo in the file is an error naming the key; the process exits 2.
 * Options on the command line win over the file. Without devices or a server, the till runs on
 * emulators and an embedded reference server.
 */
import { readFileSync } from 'node:fs';
import { TillkitError } from '@tillkit/core';
import { PRINTER_PROFILES, type PrinterProfileId } from '@tillkit/devices';
import { z } from 'zod';

/** A configuration the till cannot start with. The message names the option or key; exit code 2. */
export class TillConfigError extends TillkitError {
  override readonly name: string = 'TillConfigError';
  constructor(message: string) {
    super('CONFIG_INVALID', message);
  }
}

const tcpUrl = z.string().regex(/^tcp:\/\/[^\s:/]+(:\d{1,5})?$/, 'expected tcp://HOST or tcp://HOST:PORT');

const profileIds = Object.keys(PRINTER_PROFILES) as [PrinterProfileId, ...PrinterProfileId[]];

export const TillConfigSchema = z.strictObject({
  /** the register this till rings for (the sync partition); embedded mode only */
  tillId: z.string().min(1).max(128).optional(),
  currency: z.string().length(3).optional(),
  locale: z.string().min(2).optional(),
  timeZone: z.string().min(1).optional(),
  operator: z.string().min(1).max(128).optional(),
  shop: z.strictObject({ name: z.string().min(1), lines: z.array(z.string()).default([]) }).optional(),
  printer: z.strictObject({ url: tcpUrl, profile: z.enum(profileIds).default('epson-tm-t88vi') }).optional(),
  backupPrinter: z.strictObject({ url: tcpUrl, profile: z.enum(profileIds).default('epson-tm-t88vi') }).optional(),
  scale: z
    .strictObject({ url: tcpUrl, protocol: z.enum(['toledo-8213', 'toledo-8217', 'nci']).default('toledo-8217') })
    .optional(),
  servers: z
    .array(z.strictObject({ id: z.string().min(1).max(64), url: z.url({ protocol: /^https?$/ }) }))
    .min(1)
    .optional(),
  /** a one-time enrolment code from the back office (needed once, on a till that is not enrolled) */
  code: z.string().min(1).optional(),
  /** where the till keeps its outbox and catalog (default ./till-data with a server, a temp folder otherwise) */
  dataDir: z.string().min(1).optional(),
  color: z.boolean().optional(),
});
export type TillConfigFile = z.infer<typeof TillConfigSchema>;

export interface TillConfig {
  tillId: string;
  currency: string;
  locale: string;
  timeZone: string;
  operator: string;
  shop: { name: string; lines: string[] };
  printer: { host: string; port: number; profile: PrinterProfileId } | undefined;
  backupPrinter: { host: string; port: number; profile: PrinterProfileId } | undefined;
  scale: { host: string; port: number; protocol: 'toledo-8213' | 'toledo-8217' | 'nci' } | undefined;
  servers: { id: string; url: string }[] | undefined;
  code: string | undefined;
  dataDir: string | undefined;
  color: boolean;
  help: boolean;
}

export const USAGE = `Usage: npm start --workspace @tillkit-examples/terminal-till -- [options]

  --config FILE            a JSON config file (see README); command-line options win
  --printer tcp://HOST[:PORT]         the receipt printer (port 9100 by default); emulated otherwise
  --backup-printer tcp://HOST[:PORT]  takes the queue over when the printer is down
  --printer-profile ID     ${profileIds.join(', ')}
  --scale tcp://HOST:PORT  a serial scale behind a serial-to-TCP adapter (Toledo 8217); simulated otherwise
  --server URL             a sync server (repeat for failover endpoints); embedded reference server otherwise
  --code CODE              the one-time enrolment code (first start with --server)
  --data DIR               where the outbox and the catalog live (default ./till-data with --server)
  --till ID                the register id (embedded mode)
  --no-color               plain output (NO_COLOR is respected too)
  -h, --help               this text`;

const VALUE_FLAGS: Record<string, string> = {
  '--config': 'config',
  '--printer': 'printer',
  '--backup-printer': 'backupPrinter',
  '--printer-profile': 'printerProfile',
  '--scale': 'scale',
  '--server': 'server',
  '--code': 'code',
  '--data': 'dataDir',
  '--till': 'tillId',
};

function issuesText(error: z.ZodError, prefix: string): string {
  return error.issues
    .map((i) => {
      const path = i.path.map(String).join('.');
      if (i.code === 'unrecognized_keys') {
        const where = path === '' ? '' : ` in "${path}"`;
        return `unknown key${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')}${where} (${prefix}): check the spelling; known keys are listed in the README`;
      }
      return `"${path}" (${prefix}): ${i.message}`;
    })
    .join('\n');
}

function tcp(url: string, defaultPort: number): { host: string; port: number } {
  const m = /^tcp:\/\/([^\s:/]+)(?::(\d{1,5}))?$/.exec(url);
  if (m === null) throw new TillConfigError(`"${url}" is not a tcp://HOST[:PORT] address.`);
  return { host: m[1]!, port: m[2] === undefined ? defaultPort : Number(m[2]) };
}

/** Reads and checks a config file's text. */
export function parseConfigFile(text: string, file = 'config file'): TillConfigFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new TillConfigError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  const parsed = TillConfigSchema.safeParse(json);
  if (!parsed.success) throw new TillConfigError(`${file} is invalid:\n${issuesText(parsed.error, file)}`);
  return parsed.data;
}

/** Turns argv (without node and the script) and the environment into a checked configuration. */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): TillConfig {
  const flags: Record<string, string> = {};
  const servers: string[] = [];
  let help = false;
  let color: boolean | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h' || arg === '--help') {
      help = true;
      continue;
    }
    if (arg === '--no-color') {
      color = false;
      continue;
    }
    const [name, inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined];
    const key = VALUE_FLAGS[name];
    if (key === undefined) throw new TillConfigError(`Unknown option "${arg}". Run with --help to see the options.`);
    const value = inline ?? argv[++i];
    if (value === undefined || value === '') throw new TillConfigError(`Option ${name} needs a value.`);
    if (key === 'server') servers.push(value);
    else flags[key] = value;
  }
  let file: TillConfigFile = {};
  if (flags.config !== undefined) {
    let text: string;
    try {
      text = readFileSync(flags.config, 'utf8');
    } catch (e) {
      throw new TillConfigError(`Cannot read the config file ${flags.config}: ${(e as Error).message}`);
    }
    file = parseConfigFile(text, flags.config);
  }
  // the command line, checked with the same schema
  const fromArgs = TillConfigSchema.safeParse({
    ...(flags.printer === undefined
      ? {}
      : { printer: { url: flags.printer, ...(flags.printerProfile ? { profile: flags.printerProfile } : {}) } }),
    ...(flags.backupPrinter === undefined
      ? {}
      : { backupPrinter: { url: flags.backupPrinter, ...(flags.printerProfile ? { profile: flags.printerProfile } : {}) } }),
    ...(flags.scale === undefined ? {} : { scale: { url: flags.scale } }),
    ...(servers.length === 0 ? {} : { servers: servers.map((url, n) => ({ id: n === 0 ? 'primary' : `secondary-${n}`, url })) }),
    ...(flags.code === undefined ? {} : { code: flags.code }),
    ...(flags.dataDir === undefined ? {} : { dataDir: flags.dataDir }),
    ...(flags.tillId === undefined ? {} : { tillId: flags.tillId }),
  });
  if (!fromArgs.success) {
    const text = issuesText(fromArgs.error, 'command line')
      .replaceAll('"printer.url"', '--printer')
      .replaceAll('"backupPrinter.url"', '--backup-printer')
      .replaceAll('"printer.profile"', '--printer-profile')
      .replaceAll('"scale.url"', '--scale')
      .replace(/"servers\.\d+\.url"/g, '--server');
    throw new TillConfigError(`Invalid option:\n${text}`);
  }
  const c = { ...file, ...fromArgs.data };
  if (flags.printerProfile !== undefined && c.printer === undefined) {
    throw new TillConfigError('--printer-profile needs --printer tcp://HOST[:PORT].');
  }
  if (c.backupPrinter !== undefined && c.printer === undefined) {
    throw new TillConfigError('--backup-printer needs a front printer (--printer tcp://HOST[:PORT]).');
  }
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  return {
    tillId: c.tillId ?? 'till-1',
    currency: c.currency ?? 'CHF',
    locale: c.locale ?? 'de-CH',
    timeZone: c.timeZone ?? 'Europe/Zurich',
    operator: c.operator ?? 'Mia',
    shop: c.shop ?? { name: 'Café Lindenhof', lines: ['Lindenhofstrasse 1, 8001 Zürich'] },
    printer: c.printer === undefined ? undefined : { ...tcp(c.printer.url, 9100), profile: c.printer.profile },
    backupPrinter:
      c.backupPrinter === undefined ? undefined : { ...tcp(c.backupPrinter.url, 9100), profile: c.backupPrinter.profile },
    scale: c.scale === undefined ? undefined : { ...tcp(c.scale.url, 4001), protocol: c.scale.protocol },
    servers: c.servers,
    code: c.code,
    dataDir: c.dataDir,
    color: color ?? c.color ?? !noColor,
    help,
  };
}
