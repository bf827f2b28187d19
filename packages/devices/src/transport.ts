import { z } from 'zod';
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

/** Validates "anything that looks like a ByteTransport" in option schemas. */
export const ByteTransportSchema = z.custom<ByteTransport>(
  (v) =>
    typeof (v as ByteTransport | undefined)?.write === 'function' &&
    typeof (v as ByteTransport).close === 'function' &&
    typeof (v as ByteTransport).data$?.subscribe === 'function',
  'a ByteTransport (write, data$, close)',
);
