/**
 * `npm run dev`: the reference sync server on loopback (SQLite in a temp folder, seeded with a café
 * catalog and a one-time enrolment code) and Vite's dev server for the till, together. Open the
 * printed address: the till enrols with the code in it. Ctrl-C stops both and removes the folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';
import { MERCHANT, REGISTER, STORE, startDemoCloud } from './demo-cloud';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tillkit-web-till-'));
const cloud = await startDemoCloud({ dir, port: Number(process.env.TILLKIT_SYNC_PORT ?? 8787) });
process.env.VITE_TILLKIT_SERVER = cloud.server.url;
const vite = await createServer({
  root,
  configFile: join(root, 'vite.config.ts'),
  server: { port: Number(process.env.PORT ?? 5173) },
});
await vite.listen();
const local = vite.resolvedUrls?.local[0] ?? 'http://127.0.0.1:5173/';
const till = new URL(local);
till.searchParams.set('server', cloud.server.url);
till.searchParams.set('code', cloud.code);

console.log(`tillkit web till
  sync server   ${cloud.server.url} (SQLite in ${dir})
  register      ${MERCHANT} / ${STORE} / ${REGISTER}
  open the till ${till.href}
  admin token   ${cloud.adminToken} (generated for this run)
  (the code is used once; after enrolment ${local} is enough. A new code, for another browser profile:
   POST ${cloud.server.url}/admin/v1/enrolments {"merchantId":"${MERCHANT}","storeId":"${STORE}","registerId":"${REGISTER}"})
Ctrl-C stops both.`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await vite.close();
  await cloud.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
