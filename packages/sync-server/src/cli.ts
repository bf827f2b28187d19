#!/usr/bin/env node
// The `tillkit-sync-server` command. esbuild keeps the hashbang above in dist/cli.js (and tsup
// makes the file executable), so the bin works without a banner in tsup.config.ts.
import { CLI_NAME, HELP, parseCliArgs } from './cli-args';
import type { RunningSyncServer } from './server';
import { SERVER_VERSION } from './version';

async function main(): Promise<number | undefined> {
  const command = parseCliArgs(process.argv.slice(2), process.env);
  switch (command.kind) {
    case 'help':
      process.stdout.write(HELP);
      return 0;
    case 'version':
      process.stdout.write(`${SERVER_VERSION}\n`);
      return 0;
    case 'error':
      process.stderr.write(`${CLI_NAME}: ${command.message}\nRun ${CLI_NAME} --help for the options.\n`);
      return 2;
    case 'run':
      break;
  }

  let server: RunningSyncServer;
  try {
    // loaded only to run: --help and flag errors answer at once
    const { startSyncServer } = await import('./server');
    server = await startSyncServer({
      port: command.port,
      host: command.host,
      db: command.db,
      ...(command.adminToken === undefined ? {} : { adminToken: command.adminToken }),
      ...(command.tokenTtlSeconds === undefined ? {} : { tokenTtlSeconds: command.tokenTtlSeconds }),
      logger: command.log,
    });
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${CLI_NAME}: could not start: ${text}\n`);
    return 1;
  }

  const lines = [`tillkit sync server ${SERVER_VERSION} listening on ${server.url}`, `  database: ${command.db}`];
  if (command.adminTokenSource === 'generated') {
    lines.push(
      `  admin token (generated, shown once; pass --admin-token or TILLKIT_ADMIN_TOKEN to keep one): ${server.adminToken}`,
    );
  } else {
    lines.push(`  admin token: from ${command.adminTokenSource === 'flag' ? '--admin-token' : 'TILLKIT_ADMIN_TOKEN'}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal}: closing\n`);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`${CLI_NAME}: closing failed: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return undefined;
}

main().then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${CLI_NAME}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
