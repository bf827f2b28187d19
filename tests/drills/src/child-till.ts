/**
 * A till in its own process, for the kill drill: it rings sales until it is killed, printing one
 * JSON line per sale once it is durable, while its outbox pushes them. It goes on
 * from the till state in its outbox store, as a restarted till does.
 *
 *   node --conditions=@tillkit/source --import tsx src/child-till.ts <dir> <endpoint-url> sell
 */
import { Register } from './harness/register';
import { REGISTER_ID } from './harness/shop';
import { openTill } from './harness/till';
import type { TillState } from '@tillkit/core';

const [dir, url, mode] = process.argv.slice(2);
if (dir === undefined || url === undefined || mode !== 'sell') {
  console.error('usage: child-till.ts <dir> <endpoint-url> sell');
  process.exit(2);
}

const till = await openTill({ dir, deviceId: 'drill-device-1', endpoints: [{ id: 'primary', url }] });
if ((await till.client.enrolment()) === undefined) throw new Error('the till is not enrolled: the drill enrols it first');
await till.client.start();

const stored = (await till.store.getRecord('till', REGISTER_ID))?.value as TillState | undefined;
const register = new Register(REGISTER_ID, undefined, stored);
if (stored === undefined) await till.client.recordEvent(register.openSession());
console.log(JSON.stringify({ started: true, at: register.till.journal.sequence }));
for (;;) {
  const sale = register.sale();
  console.log(JSON.stringify({ recording: sale.transaction.id }));
  const started = performance.now();
  await till.client.recordEvent(sale);
  const waitMs = performance.now() - started;
  console.log(JSON.stringify({ rung: sale.transaction.id, seq: sale.entry.sequence, waitMs }));
  await new Promise((resolve) => setTimeout(resolve, 2));
}
