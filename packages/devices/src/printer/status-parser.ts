/*
 * An incremental parser of the bytes an ESC/POS printer sends back. Replies of different kinds
 * share one stream, arrive split across TCP segments anywhere and interleave with each other, so
 * they are told apart by their bit patterns (Epson "identification of send status"):
 *
 *   0x11 XON, 0x13 XOFF
 *   0xx1xx00 then 3 x 0xx0xxxx   automatic status back (ASB, GS a), 4 bytes
 *   0xx1xx10                     a real-time status reply (DLE EOT n), one byte
 *   0xx0xxxx                     a transmit status reply (GS r n) or an id reply (GS I 1..3), one byte
 *   0x5F ... 0x00                a printer information block (GS I 65..69)
 *   0x37 ... 0x00                a GS ( reply block, e.g. print completion 37 22 d1 d2 d3 d4 00
 *
 * One-byte replies carry no trace of the question, so the parser keeps a FIFO of the questions
 * asked: DLE EOT n (answered at once) in one, GS r / GS I 1..3 (answered in order, after earlier
 * data) in another, GS I 65..69 in a third. Bytes that fit nothing come out as 'unexpected'
 * events; the parser never throws and never waits for more than one reply's worth of bytes.
 */

/** The n of DLE EOT n: 1 printer, 2 offline cause, 3 error cause, 4 roll paper sensor. */
export type RealtimeStatusKind = 1 | 2 | 3 | 4;

/** A question whose answer is one 0xx0xxxx byte, answered in order after earlier data. */
export type TransmitRequest =
  { readonly command: 'gs-r'; readonly n: number } | { readonly command: 'gs-i'; readonly n: 1 | 2 | 3 };

/** GS I 65 firmware, 66 maker, 67 model, 68 serial number, 69 font of language. */
export type InfoRequestKind = 65 | 66 | 67 | 68 | 69;

export type PrinterReply =
  | { readonly type: 'asb'; readonly bytes: readonly [number, number, number, number] }
  /** n is null when the printer answered a DLE EOT nobody is waiting for */
  | {
      readonly type: 'realtime-status';
      readonly n: RealtimeStatusKind | null;
      readonly byte: number;
      readonly request: PendingRequest | null;
    }
  | { readonly type: 'transmit-status'; readonly n: number; readonly byte: number; readonly request: PendingRequest }
  | { readonly type: 'printer-id'; readonly n: 1 | 2 | 3; readonly byte: number; readonly request: PendingRequest }
  /** n is null when no GS I 65..69 was pending */
  | {
      readonly type: 'printer-info';
      readonly n: InfoRequestKind | null;
      readonly text: string;
      readonly request: PendingRequest | null;
    }
  | { readonly type: 'print-completion'; readonly id: string }
  /** another GS ( reply block (header 0x37), its bytes without header and NUL */
  | { readonly type: 'block'; readonly header: 0x37; readonly data: Uint8Array }
  | { readonly type: 'xon' }
  | { readonly type: 'xoff' }
  /** bytes that fit no reply: line noise, a reply nobody asked for, a cut-off block */
  | { readonly type: 'unexpected'; readonly bytes: Uint8Array; readonly reason: string };

/** A pending question (the reply event carries it back); pass it to `cancel` when its answer will not come. */
export interface PendingRequest {
  readonly queue: 'realtime' | 'transmit' | 'info';
}

/** The longest block accepted before it is dropped as noise (GS I replies are at most 80 bytes). */
export const MAX_BLOCK_BYTES = 128;

const XON = 0x11;
const XOFF = 0x13;
const INFO_HEADER = 0x5f;
const GS_PAREN_HEADER = 0x37;

export const isAsbFirstByte = (b: number): boolean => (b & 0x93) === 0x10;
export const isRealtimeReply = (b: number): boolean => (b & 0x93) === 0x12;
export const isTransmitReply = (b: number): boolean => (b & 0x90) === 0x00;

interface Ticket<T> extends PendingRequest {
  readonly asked: T;
}

export class StatusStreamParser {
  #realtime: Ticket<RealtimeStatusKind>[] = [];
  #transmit: Ticket<TransmitRequest>[] = [];
  #info: Ticket<InfoRequestKind>[] = [];
  /** bytes of the reply being read (an ASB or a block), with its first byte */
  #partial: number[] = [];
  #mode: 'idle' | 'asb' | 'block' = 'idle';

  /** Registers a DLE EOT n sent (or about to be sent): its one-byte answer is read as n's. */
  expectRealtime(n: RealtimeStatusKind): PendingRequest {
    const ticket = { queue: 'realtime' as const, asked: n };
    this.#realtime.push(ticket);
    return ticket;
  }

  /** Registers a GS r n or GS I 1..3 sent: answered in order with one 0xx0xxxx byte. */
  expectTransmit(request: TransmitRequest): PendingRequest {
    const ticket = { queue: 'transmit' as const, asked: request };
    this.#transmit.push(ticket);
    return ticket;
  }

  /** Registers a GS I 65..69 sent: answered with a 0x5F block. */
  expectInfo(n: InfoRequestKind): PendingRequest {
    const ticket = { queue: 'info' as const, asked: n };
    this.#info.push(ticket);
    return ticket;
  }

  /** Forgets a pending question (its answer timed out). Returns false when it was already answered. */
  cancel(pending: PendingRequest): boolean {
    const list: PendingRequest[] =
      pending.queue === 'realtime' ? this.#realtime : pending.queue === 'transmit' ? this.#transmit : this.#info;
    const i = list.indexOf(pending);
    if (i < 0) return false;
    list.splice(i, 1);
    return true;
  }

  /** How many answers are still awaited, per queue. */
  pending(): { realtime: number; transmit: number; info: number } {
    return { realtime: this.#realtime.length, transmit: this.#transmit.length, info: this.#info.length };
  }

  /** Drops a half-read reply and every pending question: call on a new connection. */
  reset(): void {
    this.#realtime = [];
    this.#transmit = [];
    this.#info = [];
    this.#partial = [];
    this.#mode = 'idle';
  }

  /** Feeds bytes as they arrive; returns the replies they complete, in order. */
  push(chunk: Uint8Array): PrinterReply[] {
    const out: PrinterReply[] = [];
    for (const byte of chunk) this.#byte(byte & 0xff, out);
    return out;
  }

  #byte(b: number, out: PrinterReply[]): void {
    if (this.#mode === 'asb') {
      if (isTransmitReply(b)) {
        this.#partial.push(b);
        if (this.#partial.length === 4) {
          const [b1 = 0, b2 = 0, b3 = 0, b4 = 0] = this.#partial;
          out.push({ type: 'asb', bytes: [b1, b2, b3, b4] });
          this.#idle();
        }
        return;
      }
      out.push({ type: 'unexpected', bytes: Uint8Array.from(this.#partial), reason: 'automatic status cut short' });
      this.#idle();
    } else if (this.#mode === 'block') {
      if (b === 0x00) {
        this.#endBlock(out);
        return;
      }
      if (b >= 0x20 && b <= 0x7e && this.#partial.length < MAX_BLOCK_BYTES) {
        this.#partial.push(b);
        return;
      }
      out.push({ type: 'unexpected', bytes: Uint8Array.from(this.#partial), reason: 'reply block cut short' });
      this.#idle();
    }
    this.#start(b, out);
  }

  #start(b: number, out: PrinterReply[]): void {
    if (b === XON) out.push({ type: 'xon' });
    else if (b === XOFF) out.push({ type: 'xoff' });
    else if (b === INFO_HEADER || b === GS_PAREN_HEADER) {
      this.#mode = 'block';
      this.#partial = [b];
    } else if (isAsbFirstByte(b)) {
      this.#mode = 'asb';
      this.#partial = [b];
    } else if (isRealtimeReply(b)) {
      const ticket = this.#realtime.shift();
      out.push({ type: 'realtime-status', n: ticket?.asked ?? null, byte: b, request: ticket ?? null });
    } else if (isTransmitReply(b)) {
      const ticket = this.#transmit.shift();
      if (ticket === undefined)
        out.push({ type: 'unexpected', bytes: Uint8Array.of(b), reason: 'status reply nobody asked for' });
      else if (ticket.asked.command === 'gs-r')
        out.push({ type: 'transmit-status', n: ticket.asked.n, byte: b, request: ticket });
      else out.push({ type: 'printer-id', n: ticket.asked.n, byte: b, request: ticket });
    } else {
      out.push({ type: 'unexpected', bytes: Uint8Array.of(b), reason: 'byte fits no reply' });
    }
  }

  #endBlock(out: PrinterReply[]): void {
    const [header, ...data] = this.#partial;
    this.#idle();
    if (header === INFO_HEADER) {
      const ticket = this.#info.shift();
      out.push({ type: 'printer-info', n: ticket?.asked ?? null, text: String.fromCharCode(...data), request: ticket ?? null });
    } else if (data.length === 5 && data[0] === 0x22) {
      out.push({ type: 'print-completion', id: String.fromCharCode(...data.slice(1)) });
    } else {
      out.push({ type: 'block', header: GS_PAREN_HEADER, data: Uint8Array.from(data) });
    }
  }

  #idle(): void {
    this.#mode = 'idle';
    this.#partial = [];
  }
}
