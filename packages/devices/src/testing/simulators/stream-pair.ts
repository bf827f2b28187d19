import { createServer, Socket, type AddressInfo } from 'node:net';
import { Duplex } from 'node:stream';

/** One end of an in-memory pipe: what one end writes, the other reads. */
class PipeEnd extends Duplex {
  peer: PipeEnd | undefined;

  override _read(): void {
    // Data is pushed by the peer's writes.
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const peer = this.peer;
    if (!peer || peer.destroyed) {
      callback(new Error('the other end of the pipe is closed'));
      return;
    }
    peer.push(Buffer.from(chunk));
    callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.peer?.push(null);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const peer = this.peer;
    if (peer && !peer.destroyed && !peer.readableEnded) peer.push(null);
    callback(error);
  }
}

/**
 * Two connected in-memory Duplex streams, like a null-modem cable: bytes written to one are read
 * from the other. Ending or destroying one end ends the other's readable side.
 */
export function createStreamPair(): [Duplex, Duplex] {
  const a = new PipeEnd();
  const b = new PipeEnd();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

/** Two ends of a real TCP connection on 127.0.0.1. */
export interface SocketPair {
  /** the end the till (host) uses */
  readonly host: Socket;
  /** the end the simulated device uses */
  readonly device: Socket;
  /** Destroys both sockets. */
  close(): Promise<void>;
}

/** Opens a real TCP connection on 127.0.0.1 (an ephemeral port) and returns both of its ends. */
export async function createSocketPair(): Promise<SocketPair> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  const host = new Socket();
  await new Promise<void>((resolve, reject) => {
    host.once('error', reject);
    host.connect(port, '127.0.0.1', () => resolve());
  });
  const device = await accepted;
  server.close();
  host.setNoDelay(true);
  device.setNoDelay(true);
  return {
    host,
    device,
    async close() {
      const closed = (s: Socket): Promise<void> =>
        s.destroyed ? Promise.resolve() : new Promise((resolve) => s.once('close', () => resolve()));
      const done = Promise.all([closed(host), closed(device)]);
      host.destroy();
      device.destroy();
      await done;
    },
  };
}
