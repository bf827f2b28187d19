import type { Observable } from 'rxjs';

/**
 * A byte pipe to a device: a TCP socket, a serial port, a Node stream. Customer displays, scales
 * and serial scanners talk through this, so any transport works with any of them.
 */
export interface ByteTransport {
  /** resolves once the bytes are handed to the OS (backpressure honoured) */
  write(bytes: Uint8Array): Promise<void>;
  /** bytes from the device, as they arrive (split anywhere) */
  readonly data$: Observable<Uint8Array>;
  close(): Promise<void>;
}
