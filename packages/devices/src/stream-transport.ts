import type { Duplex } from 'node:stream';
import { DeviceError, ErrorCode, ValidationError } from '@tillkit/core';
import { Subject } from 'rxjs';
import type { ByteTransport } from './transport';

export interface StreamTransportOptions {
  /** names the device in error messages (default "device") */
  readonly name?: string;
}

/** A ByteTransport over a Node stream, with what it knows about the stream. */
export interface StreamTransport extends ByteTransport {
  /** true once close() was called or the stream ended or failed */
  readonly closed: boolean;
}

function isDuplex(value: unknown): value is Duplex {
  const s = value as Partial<Duplex> | null;
  return (
    typeof s === 'object' &&
    s !== null &&
    typeof s.write === 'function' &&
    typeof s.on === 'function' &&
    typeof s.end === 'function' &&
    typeof s.destroy === 'function'
  );
}

/**
 * A ByteTransport over any Node Duplex stream: a `net.Socket` (a display, scale or scanner behind a
 * serial-to-Ethernet server), a serial port stream, or an in-memory pair in tests.
 *
 * - `data$` is hot: it carries bytes from the moment the transport is created (subscribe before
 *   talking to the device); it completes when the stream ends or closes and fails with a
 *   DeviceError (code DEVICE_ERROR) when the stream fails.
 * - `write()` resolves once the stream has flushed the bytes (handed them to the OS for a socket),
 *   so writers naturally follow backpressure; it rejects with a DeviceError when the stream is
 *   closed or fails.
 * - `close()` flushes pending writes, ends and destroys the stream; calling it again is harmless.
 */
export function createStreamTransport(stream: Duplex, options: StreamTransportOptions = {}): StreamTransport {
  if (!isDuplex(stream)) {
    throw new ValidationError(
      ErrorCode.VALIDATION_FAILED,
      'createStreamTransport() takes a Node Duplex stream (a net.Socket, a serial port stream, a stream pair).',
    );
  }
  const name = typeof options.name === 'string' && options.name !== '' ? options.name : 'device';
  const data = new Subject<Uint8Array>();
  let closed = false;
  let closing: Promise<void> | undefined;

  const onData = (chunk: Buffer | string): void => {
    data.next(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk);
  };
  const onEnd = (): void => {
    closed = true;
    data.complete();
  };
  const onError = (error: Error): void => {
    closed = true;
    data.error(
      new DeviceError(
        ErrorCode.DEVICE_ERROR,
        `The connection to the ${name} failed: ${error.message}. Check the cable or network and reconnect.`,
        {
          cause: error,
        },
      ),
    );
  };
  stream.on('data', onData);
  stream.on('end', onEnd);
  stream.on('close', onEnd);
  stream.on('error', onError);

  const closedError = (cause?: unknown): DeviceError =>
    new DeviceError(
      ErrorCode.DEVICE_ERROR,
      `The connection to the ${name} is closed${cause instanceof Error ? ` (${cause.message})` : ''}: reconnect before sending to it.`,
      cause === undefined ? {} : { cause },
    );

  return {
    get closed() {
      return closed || stream.destroyed;
    },
    data$: data.asObservable(),
    write(bytes) {
      if (!(bytes instanceof Uint8Array)) {
        return Promise.reject(new ValidationError(ErrorCode.VALIDATION_FAILED, 'write() takes a Uint8Array of bytes.'));
      }
      if (closed || closing || stream.destroyed || stream.writableEnded) return Promise.reject(closedError());
      return new Promise<void>((resolve, reject) => {
        stream.write(bytes, (error) => {
          if (error) reject(closedError(error));
          else resolve();
        });
      });
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        const done = (): void => {
          stream.off('data', onData);
          onEnd();
          resolve();
        };
        if (stream.destroyed) {
          done();
          return;
        }
        stream.end(() => {
          stream.destroy();
          done();
        });
        // end() never calls back when the stream fails first.
        stream.once('error', () => {
          stream.destroy();
          done();
        });
      });
      return closing;
    },
  };
}
