import type { Duplex } from 'node:stream';
import { createStreamTransport, type StreamTransport } from '../../stream-transport';
import { createSocketPair, createStreamPair, type SocketPair } from './stream-pair';

/** How a test reaches a simulated device. */
export interface SimulatorConnections {
  /** Serves the device protocol on `stream` (the device's end of any Duplex: a socket, a pipe). */
  attach(stream: Duplex): void;
  /** A transport to the device over an in-memory stream pair. */
  connect(): StreamTransport;
  /** A transport to the device over a real TCP connection on 127.0.0.1. */
  connectTcp(): Promise<StreamTransport>;
  /** Drops every connection. */
  close(): Promise<void>;
}

/** Connection plumbing shared by the simulators: `serve` speaks the protocol on one device end. */
export function simulatorConnections(name: string, serve: (device: Duplex) => void): SimulatorConnections {
  const streams = new Set<Duplex>();
  const sockets = new Set<SocketPair>();
  const attach = (stream: Duplex): void => {
    streams.add(stream);
    stream.once('close', () => streams.delete(stream));
    // A test closing the host end mid-reply must not crash the simulator.
    stream.on('error', () => undefined);
    serve(stream);
  };
  return {
    attach,
    connect() {
      const [host, device] = createStreamPair();
      attach(device);
      return createStreamTransport(host, { name });
    },
    async connectTcp() {
      const pair = await createSocketPair();
      sockets.add(pair);
      attach(pair.device);
      return createStreamTransport(pair.host, { name });
    },
    async close() {
      for (const s of streams) s.destroy();
      streams.clear();
      await Promise.all([...sockets].map((p) => p.close()));
      sockets.clear();
    },
  };
}

/** Writes to a device end unless it is gone (a simulator keeps running when a test hangs up). */
export function writeTo(stream: Duplex, bytes: Uint8Array | string): void {
  if (!stream.destroyed && stream.writable) stream.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
}
