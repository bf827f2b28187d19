// A test server in a process of its own, so a benchmark measures the queue's memory, not the
// server's. Prints its URL on the first line of stdout; stops with the parent (stdin closes).
import { startTestServer } from '../src/testing/test-server';

const server = await startTestServer();
process.stdout.write(`${server.url}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void server.close().then(() => process.exit(0));
});
