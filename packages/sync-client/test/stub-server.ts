import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the stub saw it. */
export interface StubRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface StubAnswer {
  status: number;
  body?: unknown;
  contentType?: string;
}

export interface StubServer {
  url: string;
  requests: StubRequest[];
  close(): Promise<void>;
}

/**
 * A real HTTP server on loopback answering with `handler`, for the parts of the protocol a test
 * needs to script (the reference server lives in @tillkit/sync-server, which depends on this package:
 * the full flows run against it in tests/sync-e2e).
 */
export async function startStub(handler: (request: StubRequest) => StubAnswer | Promise<StubAnswer>): Promise<StubServer> {
  const requests: StubRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const request: StubRequest = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        body: text === '' ? undefined : (JSON.parse(text) as unknown),
      };
      requests.push(request);
      void Promise.resolve(handler(request)).then((answer) => {
        const problem = answer.status >= 400;
        res.writeHead(answer.status, {
          'content-type': answer.contentType ?? (problem ? 'application/problem+json' : 'application/json'),
        });
        res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A `GET /v1/meta` body stating `majors`. */
export function metaBody(majors: number[] = [1], version = '1.0') {
  return {
    protocol: { name: 'tillkit-sync', majors, version },
    server: { name: 'stub', version: '0' },
    limits: { maxBodyBytes: 1_000_000, maxBatchItems: 100, maxPageSize: 1000 },
  };
}
