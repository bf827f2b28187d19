/**
 * The interactive terminal till: `npm start --workspace @tillkit-examples/terminal-till`.
 * A thin terminal UI over the till controller: readline for commands (a keyboard-wedge scanner's
 * fast burst of digits + Enter is told from typing with the devices package's wedge decoder), the
 * status line re-rendered after every command and whenever the status changes. With stdin piped
 * (not a TTY) it reads commands line by line, echoes them, and prints plain text.
 */
import { emitKeypressEvents, createInterface } from 'node:readline';
import { TillkitError } from '@tillkit/core';
import { auditTime, filter, firstValueFrom, timeout } from 'rxjs';
import { loadConfig, TillConfigError, USAGE, type TillConfig } from './config';
import { TillController } from './controller';
import { startRuntime, type TillRuntime } from './runtime';
import { createScanDetector, type ScanDetector } from './scan-detector';
import { renderStatusLine, progressBar, type StatusSnapshot } from './status-line';

const out = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

async function main(): Promise<number> {
  let config: TillConfig;
  try {
    config = loadConfig(process.argv.slice(2));
  } catch (e) {
    if (e instanceof TillConfigError) {
      process.stderr.write(`till: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  if (config.help) {
    out(USAGE);
    return 0;
  }
  const tty = process.stdin.isTTY && process.stdout.isTTY;
  const color = config.color && process.stdout.isTTY;

  let runtime: TillRuntime;
  try {
    runtime = await startRuntime(config);
  } catch (e) {
    process.stderr.write(`till: could not start: ${TillkitError.isInstance(e) ? `${e.code}: ` : ''}${(e as Error).message}\n`);
    return e instanceof TillConfigError ? 2 : 1;
  }
  let latest: StatusSnapshot | undefined;
  const statusSub = runtime.status$.subscribe((s) => (latest = s));
  // show a settled status line first: the printer connected, the cloud answered
  await firstValueFrom(
    runtime.status$.pipe(
      filter((s) => s.devices.get('printer')?.state === 'online' && s.sync !== undefined && s.sync.connectivity !== 'offline'),
      timeout(3000),
    ),
  ).catch(() => undefined);

  const controller = new TillController(runtime.services, runtime.memory);
  const status = (): string => (latest === undefined ? '' : renderStatusLine(latest, { color }));
  out(`tillkit terminal till: register ${runtime.services.tillId} (${config.currency}). Type help for the commands.`);
  for (const d of runtime.describe) out(`  ${d}`);

  const rl = createInterface({ input: process.stdin, output: tty ? process.stdout : undefined, terminal: tty });
  const prompt = (): string => `till [${controller.summary()}]> `;
  const statusBox = (): string => `  [${status()}]`;

  // live status in a terminal: re-render above the prompt when it changes
  let liveSub: { unsubscribe(): void } | undefined;
  let lastShown = '';
  let busy = false;
  let wedge: ScanDetector | undefined;
  // Ctrl-C ends the input like quit: the outbox gets its chance to drain and the parts are closed
  rl.on('SIGINT', () => rl.close());
  process.once('SIGTERM', () => rl.close());
  if (tty) {
    emitKeypressEvents(process.stdin, rl);
    const detector = createScanDetector();
    wedge = detector;
    process.stdin.on('keypress', (str: string | undefined, key: { name?: string; ctrl?: boolean } | undefined) => {
      detector.keypress(str, key, performance.now());
    });
    liveSub = runtime.status$.pipe(auditTime(250)).subscribe(() => {
      const line = status();
      if (busy || line === lastShown) return;
      lastShown = line;
      process.stdout.write(`\r\u001b[2K${statusBox()}\n`);
      rl.setPrompt(prompt());
      rl.prompt(true);
    });
    rl.setPrompt(prompt());
    rl.prompt();
  } else {
    out(statusBox());
  }

  let code = 0;
  for await (const raw of rl) {
    busy = true;
    let line = raw.trim();
    if (!tty) out(`${prompt()}${line}`);
    if (tty) {
      // the Enter that ended a scanner burst is handled just after readline's line event
      await new Promise((r) => setImmediate(r));
      if (wedge?.isScan(line) === true) line = `scan ${line}`;
    }
    const [word, ...args] = line.split(/\s+/);
    let lines: string[];
    let quit = false;
    if (word === 'sim' && args[0] === 'rush') {
      lines = await rush(controller, Number(args[1] ?? 20));
    } else if (word === 'sim') {
      lines = await runtime.simulate(args);
      await new Promise((r) => setTimeout(r, 300)); // let the device report it
    } else if (word === 'status') {
      lines = describeStatus(latest);
    } else if (word === 'sync') {
      lines = await waitForSync(
        runtime,
        () => latest,
        (text) => out(`  ${text}`),
      );
    } else {
      const result = await controller.execute(line);
      lines = result.lines;
      quit = result.quit === true;
    }
    for (const l of lines) out(`  ${l}`);
    // piped input comes faster than any cashier: give the outbox and the devices a beat to report
    if (!tty && line !== '') await new Promise((r) => setTimeout(r, 120));
    if (line !== '') {
      lastShown = status();
      out(statusBox());
    }
    busy = false;
    if (quit) break;
    if (tty) {
      rl.setPrompt(prompt());
      rl.prompt();
    }
  }
  if (controller.summary().includes('line')) {
    out('  ! input ended with a sale open: it was not completed and nothing of it was recorded.');
    code = 1;
  }
  rl.close();
  liveSub?.unsubscribe();
  wedge?.dispose();
  const drained = await runtime.drain(3000);
  if (!drained) out('  (some entries wait in the outbox; they are sent at the next start)');
  statusSub.unsubscribe();
  await runtime.close();
  return code;
}

/** A simulated lunch rush: `n` quick sales (an article, exact cash), receipts printed but not shown. */
async function rush(controller: TillController, n: number): Promise<string[]> {
  if (!Number.isInteger(n) || n < 1 || n > 500) return ['! sim rush N takes a number of sales from 1 to 500.'];
  const articles = ['7610010', '7610011', '7610012', '7610014'];
  const preview = controller.previewing;
  await controller.execute('preview off');
  let done = 0;
  try {
    for (let i = 0; i < n; i++) {
      await controller.execute(`${1 + (i % 2)}*${articles[i % articles.length]!}`);
      const result = await controller.execute(i % 3 === 0 ? 'card' : 'cash');
      if (result.lines.some((l) => l.includes('Sale done'))) done++;
      else return [...result.lines, `! the rush stopped after ${done} sales`];
    }
    return [`(simulated) ${done} quick sales rung, each durable before the next customer`];
  } finally {
    await controller.execute(`preview ${preview ? 'on' : 'off'}`);
  }
}

function describeStatus(s: StatusSnapshot | undefined): string[] {
  if (s === undefined) return ['(no status yet)'];
  const lines = [...s.devices.values()].map(
    (h) => `${h.deviceId} (${h.kind}): ${h.state}${h.warnings.map((w) => `; ${w.code}: ${w.message}`).join('')}`,
  );
  const y = s.sync;
  if (y !== undefined) {
    lines.push(
      `sync: ${y.connectivity} via ${y.endpoint ?? '-'}; ${y.pending} pending, ${y.inFlight} in flight, ${y.deadLetters} dead letters; auth ${y.auth}`,
      `  last push ${y.lastPushAt === undefined ? '-' : new Date(y.lastPushAt).toISOString()}, last pull ${y.lastPullAt === undefined ? '-' : new Date(y.lastPullAt).toISOString()}`,
      ...(y.reasons.length > 0 ? [`  why: ${y.reasons.join('; ')}`] : []),
      ...(y.lastError !== undefined ? [`  last error: ${y.lastError}`] : []),
    );
  }
  return lines;
}

/** Waits for the outbox to drain, showing a progress bar while the till catches up. */
async function waitForSync(
  runtime: TillRuntime,
  latest: () => StatusSnapshot | undefined,
  show: (text: string) => void,
): Promise<string[]> {
  let lastPercent = -1;
  const started = Date.now();
  const poll = setInterval(() => {
    const c = latest()?.sync?.catchingUp;
    if (c !== undefined && c.percent !== lastPercent) {
      lastPercent = c.percent;
      show(`catching up ${progressBar(c.percent)} ${c.sent}/${c.total}`);
    }
  }, 20);
  try {
    const ok = await runtime.drain(15_000);
    await new Promise((r) => setTimeout(r, 200));
    return [
      ok
        ? `Everything is in the cloud (${((Date.now() - started) / 1000).toFixed(1)} s).`
        : '! The outbox did not drain in 15 s: is the network down?',
    ];
  } finally {
    clearInterval(poll);
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`till: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
