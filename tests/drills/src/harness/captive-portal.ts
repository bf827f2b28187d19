import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A hotel or shop Wi-Fi captive portal: 200 and an HTML login page for every request, or a plain pass-through. */
export interface CaptivePortal {
  readonly url: string;
  /** 'portal': everything gets the login page; 'pass': requests go to the target */
  setMode(mode: 'portal' | 'pass'): void;
  /** requests answered with the login page */
  readonly intercepted: number;
  close(): Promise<void>;
}

const LOGIN_PAGE =
  '<!doctype html><html><head><title>Guest Wi-Fi</title></head><body><form>Accept the terms</form></body></html>';

export async function startCaptivePortal(target: { host: string; port: number }): Promise<CaptivePortal> {
  let mode: 'portal' | 'pass' = 'pass';
  let intercepted = 0;
  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const upstream = request(
      { host: target.host, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  };
  const server = createServer((req, res) => {
    if (mode === 'pass') return forward(req, res);
    intercepted++;
    req.resume();
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(LOGIN_PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    setMode: (m) => (mode = m),
    get intercepted() {
      return intercepted;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
