/**
 * Captures a real session of the terminal till for the README: runs the `start` entry with piped
 * commands (emulated devices, embedded cloud) and writes SCREEN.md with what the terminal showed,
 * colours stripped. `npm run screen --workspace @tillkit-examples/terminal-till`
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stripAnsi } from './status-line';

const COMMANDS = [
  'open 200.00',
  'scan 7610011000013',
  '2*7610012',
  'sim weight 0.183',
  '2100001',
  'disc 10%',
  'member 900100',
  'card 10.00',
  'cash 20',
  'preview off',
  'sim primary down',
  '7610014',
  'cash',
  'sync',
  'sim primary up',
  'sim paper near-end',
  'sim net down',
  '7610010',
  'cash',
  '3*7610014',
  'card',
  '7610013',
  'cash 10',
  'sim rush 40',
  'status',
  'sim net up',
  'sync',
  'return 1 1:1',
  'reprint 1',
  'nosale',
  'paidout 12.50 milk from the dairy',
  'x',
  'preview on',
  'close 377.45',
  'quit',
];

const main = fileURLToPath(new URL('./main.ts', import.meta.url));
const run = spawnSync(process.execPath, ['--import', 'tsx', main], {
  input: `${COMMANDS.join('\n')}\n`,
  encoding: 'utf8',
  timeout: 60_000,
  env: { ...process.env, NO_COLOR: '1' },
});
if (run.status !== 0) {
  process.stderr.write(run.stdout + run.stderr);
  process.exit(1);
}
// machine-specific bits (loopback ports, the date) would change on every capture
const text = stripAnsi(run.stdout)
  .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT')
  .replace(/[\u00a0\u202f]/g, ' ');
const out = fileURLToPath(new URL('../../SCREEN.md', import.meta.url));
writeFileSync(
  out,
  `# The terminal till: a captured session

A real session of \`npm start\` (emulated printer, drawer and scale, embedded reference server), typed
through a pipe by \`npm run screen\`; the colours of the status line are stripped (a \`!\` marks a
warning, \`!!\` trouble). Status lines in brackets follow every command.

\`\`\`text
${text.trimEnd()}
\`\`\`
`,
);
process.stdout.write(`wrote ${out}\n`);
