// The reference server in a process of its own, so the figures of a benchmark or of the load
// simulation count the server's CPU apart from the tills'. Takes its settings as one JSON
// argument ({ db, port?, adminToken, limits? }), prints one JSON line ({ url, adminToken }) once it
// listens, answers GET /bench/usage with its CPU time and memory, and stops when stdin closes.
import { createSyncServer, type SyncServerLimits } from '../src/index';

interface Settings {
  db: string;
  port?: number;
  adminToken: string;
  limits?: SyncServerLimits;
}

const settings = JSON.parse(process.argv[2] ?? '{}') as Settings;
const server = createSyncServer({
  db: settings.db,
  adminToken: settings.adminToken,
  ...(settings.limits === undefined ? {} : { limits: settings.limits }),
});
// how long the server itself spends on each push, from the request's arrival to its answer
const pushMs: number[] = [];
const started = new WeakMap<object, number>();
server.fastify.addHook('onRequest', (request, _reply, done) => {
  started.set(request, performance.now());
  done();
});
server.fastify.addHook('onResponse', (request, _reply, done) => {
  const t0 = started.get(request);
  if (t0 !== undefined && request.method === 'POST' && request.url === '/v1/sync/push') pushMs.push(performance.now() - t0);
  done();
});
server.fastify.get('/bench/usage', () => {
  const cpu = process.cpuUsage();
  return { cpuMs: (cpu.user + cpu.system) / 1000, rss: process.memoryUsage().rss, pushMs: pushMs.splice(0) };
});
const { url } = await server.listen({ port: settings.port ?? 0 });
process.stdout.write(`${JSON.stringify({ url, adminToken: server.adminToken })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void server.close().then(() => process.exit(0));
});
