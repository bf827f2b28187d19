import { createServer, type Server, type Socket } from 'node:net';
import { DeviceError, ErrorCode, ValidationError } from '@tillkit/core';
import { z } from 'zod';
import { PRINTER_PROFILES, PrinterProfileSchema, type PrinterProfile } from '../profiles';
import { EscPosCommandParser, SYMBOL_TYPES, type EmulatedCommand, type ParsedCommand } from './escpos-command-parser';
import { EscPosRealtimeScanner } from './escpos-realtime';
import {
  asbChangedGroups,
  asbStatus,
  isStopped,
  printerInfo,
  realtimeStatus,
  transmitStatus,
  type PrinterCondition,
} from './escpos-status';
import { EscPosTextRenderer } from './escpos-text';

export interface EscPosEmulatorOptions {
  /** default '127.0.0.1' */
  host?: string;
  /** default 0 (a free port) */
  port?: number;
  /** default PRINTER_PROFILES['epson-tm-t88vi']; decides columns, code pages, CJK encodings, ASB, GS ( H, cutter and drawer polarity */
  profile?: PrinterProfile;
  /** default 4096: when full, the socket is not read, so TCP backpressure builds, as on a real board */
  receiveBufferBytes?: number;
  /** default 400 (fast for tests): the pace of the print engine (a line feed costs one line, a raster band of 24 rows one line) */
  printSpeedLinesPerSecond?: number;
  /** how long a power cycle keeps the port closed (default 200) */
  powerCycleMs?: number;
  /** a drawer is plugged into the kick-out connector (default true); without one, pin 3 reads low and kicks open nothing */
  drawerConnected?: boolean;
}

export type PaperState = 'ok' | 'near-end' | 'out';

export interface EscPosEmulatorState {
  readonly paper: PaperState;
  readonly coverOpen: boolean;
  readonly cutterError: boolean;
  readonly offline: boolean;
  readonly drawerOpen: boolean;
  /** automatic status back is enabled (GS a n, n != 0) */
  readonly asb: boolean;
  /** bytes received and not yet consumed by the print engine */
  readonly buffered: number;
}

export interface DropConnectionOptions {
  /**
   * Also throw away what the connection already put in the receive buffer and has not printed.
   * Default false: like a real printer, bytes already received still print; only bytes in flight
   * (not yet read from the socket) are lost.
   */
  discardBuffered?: boolean;
}

export type { EmulatedCommand };

export interface EscPosEmulator {
  readonly host: string;
  readonly port: number;
  readonly profile: PrinterProfile;
  /** decoded command log, in stream order, as the command interpreter executed it */
  readonly commands: readonly EmulatedCommand[];
  /** plain text of everything printed so far (consumed by the print engine), cuts as a line '--- cut ---' */
  text(): string;
  /** printed text split at cuts */
  receipts(): string[];
  /** valid kicks executed (ESC p m t1 t2, DLE DC4 1 m t); malformed ones are logged with an error and not counted */
  readonly drawerKicks: number;
  /** total accepted connections */
  readonly connections: number;
  /** total bytes read from sockets */
  readonly bytesReceived: number;
  state(): EscPosEmulatorState;
  setPaper(state: PaperState): void;
  setCoverOpen(open: boolean): void;
  /** an autocutter error (recoverable when cleared) */
  setCutterError(on: boolean): void;
  setOffline(on: boolean): void;
  /** the drawer sensor; a kick opens the drawer by itself, a test closes it */
  setDrawerOpen(open: boolean): void;
  /** destroy the current socket at once (bytes in flight are lost), keep listening */
  dropConnection(options?: DropConnectionOptions): void;
  /** close the listener and all sockets, lose the receive buffer and unprinted data, reset settings, reopen on the same port after powerCycleMs */
  powerCycle(): Promise<void>;
  /** polls every few ms; rejects with the emulator's state when `predicate` has not held within timeoutMs (default 2000) */
  waitFor(predicate: (e: EscPosEmulator) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

// a profile lists only the code pages its model has (zod 4 records over an enum are exhaustive)
const ProfileSchema = PrinterProfileSchema.extend({
  codePages: z.partialRecord(z.enum(['cp437', 'cp850', 'cp858', 'cp1252']), z.number().int().min(0).max(255)),
});

const OptionsSchema = z.object({
  host: z.string().min(1).optional(),
  port: z.number().int().min(0).max(65535).optional(),
  profile: ProfileSchema.optional(),
  receiveBufferBytes: z.number().int().min(1).optional(),
  printSpeedLinesPerSecond: z.number().positive().max(1e9).optional(),
  powerCycleMs: z.number().int().min(0).optional(),
  drawerConnected: z.boolean().optional(),
});

/** Start an ESC/POS printer emulator listening on a real TCP port. */
export async function startEscPosEmulator(options: EscPosEmulatorOptions = {}): Promise<EscPosEmulator> {
  const parsed = OptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new ValidationError(
      ErrorCode.VALIDATION_FAILED,
      `Invalid ESC/POS emulator options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      { issues: parsed.error.issues },
    );
  }
  const emulator = new Emulator(options);
  await emulator.listen(options.port ?? 0);
  return emulator;
}

interface Connection {
  readonly id: number;
  readonly socket: Socket;
  readonly scanner: EscPosRealtimeScanner;
  /** the client finished sending (FIN); the socket stays open until its data is printed */
  readEnded: boolean;
  closed: boolean;
}

interface ReceivedChunk {
  readonly conn: Connection;
  bytes: Uint8Array;
}

interface ParsedItem {
  readonly command: ParsedCommand;
  readonly conn: Connection;
  /** receive-buffer bytes released when this item has executed */
  readonly size: number;
}

/** parser slice: small enough to pace raster data row band by row band */
const SLICE_BYTES = 512;
/** how far the print engine may run ahead of real time before it sleeps */
const SLACK_MS = 4;
/** rows of raster data that take the time of one text line */
const ROWS_PER_LINE = 24;
/** dots of paper feed that take the time of one text line */
const DOTS_PER_LINE = 30;
const DEFAULT_BARCODE_HEIGHT = 162;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

class Emulator implements EscPosEmulator {
  readonly host: string;
  readonly profile: PrinterProfile;
  private readonly server: Server;
  private readonly capacity: number;
  private readonly msPerLine: number;
  private readonly powerCycleMs: number;
  private readonly drawerConnected: boolean;
  private currentPort = 0;

  // physical condition (survives power cycles)
  private paper: PaperState = 'ok';
  private coverOpen = false;
  private cutterError = false;
  private offline = false;
  private drawerOpen = false;

  // counters
  private kicks = 0;
  private accepted = 0;
  private received = 0;
  private nextConnectionId = 0;
  private readonly log: EmulatedCommand[] = [];

  // volatile state (lost on power cycle)
  private conns: Connection[] = [];
  private receiveBuffer: ReceivedChunk[] = [];
  private receiveBytes = 0;
  private parsedQueue: ParsedItem[] = [];
  private parsedBytes = 0;
  private parser = new EscPosCommandParser();
  private readonly renderer: EscPosTextRenderer;
  private asbMask = 0;
  private asbOwner: Connection | undefined;
  private lastStatus: Uint8Array;
  private pulseEnabled = true;
  private barcodeHeight = DEFAULT_BARCODE_HEIGHT;
  private readonly symbols = new Map<number, string>();
  private storedGraphics: { width: number; height: number } | undefined;
  private rasterCharged: { id: number; rows: number } | undefined;

  // print engine
  private clock = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private pumping = false;
  private reading = false;
  private poweredOff = false;
  private closed = false;
  private cycling: Promise<void> | undefined;

  constructor(options: EscPosEmulatorOptions) {
    this.host = options.host ?? '127.0.0.1';
    this.profile = options.profile ?? PRINTER_PROFILES['epson-tm-t88vi'];
    this.capacity = options.receiveBufferBytes ?? 4096;
    this.msPerLine = 1000 / (options.printSpeedLinesPerSecond ?? 400);
    this.powerCycleMs = options.powerCycleMs ?? 200;
    this.drawerConnected = options.drawerConnected ?? true;
    this.renderer = new EscPosTextRenderer(this.profile);
    this.lastStatus = asbStatus(this.condition(), this.profile);
    this.server = createServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
  }

  // ---- public API -------------------------------------------------------------------------

  get port(): number {
    return this.currentPort;
  }

  get commands(): readonly EmulatedCommand[] {
    return this.log;
  }

  get drawerKicks(): number {
    return this.kicks;
  }

  get connections(): number {
    return this.accepted;
  }

  get bytesReceived(): number {
    return this.received;
  }

  text(): string {
    return this.renderer.text();
  }

  receipts(): string[] {
    return this.renderer.receipts();
  }

  state(): EscPosEmulatorState {
    return {
      paper: this.paper,
      coverOpen: this.coverOpen,
      cutterError: this.cutterError,
      offline: this.offline,
      drawerOpen: this.drawerOpen,
      asb: this.asbMask !== 0,
      buffered: this.buffered(),
    };
  }

  setPaper(state: PaperState): void {
    this.paper = state;
    this.conditionChanged();
  }

  setCoverOpen(open: boolean): void {
    this.coverOpen = open;
    this.conditionChanged();
  }

  setCutterError(on: boolean): void {
    this.cutterError = on;
    this.conditionChanged();
  }

  setOffline(on: boolean): void {
    this.offline = on;
    this.conditionChanged();
  }

  setDrawerOpen(open: boolean): void {
    this.drawerOpen = open;
    this.conditionChanged();
  }

  dropConnection(options: DropConnectionOptions = {}): void {
    const conn = this.reader() ?? this.conns[0];
    if (conn === undefined) return;
    if (options.discardBuffered) {
      this.receiveBuffer = this.receiveBuffer.filter((chunk) => chunk.conn !== conn);
      this.receiveBytes = this.receiveBuffer.reduce((sum, chunk) => sum + chunk.bytes.length, 0);
      this.parsedQueue = this.parsedQueue.filter((item) => item.conn !== conn);
      this.parsedBytes = this.parsedQueue.reduce((sum, item) => sum + item.size, 0);
      this.parser.reset();
    }
    this.discard(conn);
    this.readMore();
  }

  powerCycle(): Promise<void> {
    this.assertOpen('powerCycle');
    this.cycling ??= this.cyclePower().finally(() => {
      this.cycling = undefined;
    });
    return this.cycling;
  }

  waitFor(predicate: (e: EscPosEmulator) => boolean, timeoutMs = 2000): Promise<void> {
    return new Promise((resolve, reject) => {
      const started = Date.now();
      const check = (): boolean => {
        let held: boolean;
        try {
          held = predicate(this);
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
          return true;
        }
        if (held) {
          resolve();
          return true;
        }
        if (Date.now() - started >= timeoutMs) {
          reject(new Error(this.timeoutMessage(predicate, timeoutMs)));
          return true;
        }
        return false;
      };
      if (check()) return;
      const interval = setInterval(() => {
        if (check()) clearInterval(interval);
      }, 5);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.poweredOff = true;
    this.stopTimer();
    for (const conn of [...this.conns]) this.discard(conn);
    await this.closeServer();
  }

  // ---- listening and connections ----------------------------------------------------------

  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => {
        reject(
          new DeviceError(
            ErrorCode.DEVICE_ERROR,
            `The ESC/POS emulator could not listen on ${this.host}:${port} (${error.message}); ` +
              'pass port 0 for a free port, or free the port',
            { cause: error },
          ),
        );
      };
      this.server.once('error', onError);
      this.server.listen(port, this.host, () => {
        this.server.off('error', onError);
        const address = this.server.address();
        if (address !== null && typeof address === 'object') this.currentPort = address.port;
        resolve();
      });
    });
  }

  private closeServer(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) {
        resolve();
        return;
      }
      this.server.close(() => resolve());
    });
  }

  private accept(socket: Socket): void {
    if (this.poweredOff) {
      socket.destroy();
      return;
    }
    this.accepted++;
    socket.setNoDelay(true);
    const conn: Connection = {
      id: this.nextConnectionId++,
      socket,
      scanner: new EscPosRealtimeScanner(),
      readEnded: false,
      closed: false,
    };
    this.conns.push(conn);
    socket.on('readable', () => {
      if (this.reader() === conn) this.readMore();
    });
    socket.on('end', () => {
      conn.readEnded = true;
      this.finishIfDone(conn);
      this.readMore();
    });
    socket.on('close', () => this.discard(conn));
    socket.on('error', () => {
      // ECONNRESET and the like: 'close' follows and cleans up
    });
    this.readMore();
  }

  /** The connection being read: the oldest one still sending. Later ones wait (not read). */
  private reader(): Connection | undefined {
    return this.conns.find((conn) => !conn.readEnded && !conn.closed);
  }

  private discard(conn: Connection): void {
    if (conn.closed) return;
    conn.closed = true;
    this.conns = this.conns.filter((c) => c !== conn);
    if (this.asbOwner === conn) {
      // ASB is a setting of the host connection: re-enable after every reconnect
      this.asbOwner = undefined;
      this.asbMask = 0;
    }
    conn.socket.destroy();
    this.readMore();
  }

  /** A half-closed connection is ended once everything it sent has executed (replies included). */
  private finishIfDone(conn: Connection): void {
    if (!conn.readEnded || conn.closed) return;
    if (this.receiveBuffer.some((chunk) => chunk.conn === conn)) return;
    if (this.parsedQueue.some((item) => item.conn === conn)) return;
    conn.socket.end();
  }

  private send(conn: Connection | undefined, bytes: Uint8Array): void {
    if (conn === undefined || conn.closed || !conn.socket.writable) return;
    conn.socket.write(bytes);
  }

  // ---- receive path -----------------------------------------------------------------------

  private buffered(): number {
    return this.receiveBytes + this.parsedBytes;
  }

  /** Read from the current connection while the receive buffer has room. */
  private readMore(): void {
    if (this.reading || this.poweredOff) return;
    this.reading = true;
    let added = false;
    try {
      for (;;) {
        const conn = this.reader();
        if (conn === undefined) break;
        const room = this.capacity - this.buffered();
        if (room <= 0) break; // full: leave the bytes in the socket, TCP backpressure builds
        const available = conn.socket.readableLength;
        const chunk = (available === 0 ? conn.socket.read() : conn.socket.read(Math.min(room, available))) as Buffer | null;
        if (chunk === null) break;
        this.receive(conn, new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        added = true;
      }
    } finally {
      this.reading = false;
    }
    if (added) this.pump();
  }

  private receive(conn: Connection, bytes: Uint8Array): void {
    this.received += bytes.length;
    let keepFrom = 0;
    for (const command of conn.scanner.scan(bytes)) {
      if (this.realtime(conn, command.bytes)) keepFrom = command.end;
    }
    if (keepFrom < bytes.length) {
      const kept = bytes.subarray(keepFrom);
      this.receiveBuffer.push({ conn, bytes: kept });
      this.receiveBytes += kept.length;
    }
  }

  /** Run a real-time command at once. Returns true when it cleared the buffers. */
  private realtime(conn: Connection, b: Uint8Array): boolean {
    const c = b[1];
    const fn = b[2] ?? 0;
    if (c === 0x04 && fn >= 1 && fn <= 4) {
      this.send(conn, Uint8Array.of(realtimeStatus(fn, this.condition(), this.profile)));
    } else if (c === 0x14 && fn === 1) {
      const m = b[3] ?? 0;
      const t = b[4] ?? 0;
      if (this.pulseEnabled && (m === 0 || m === 1) && t >= 1 && t <= 8) this.kick(m === 0 ? 2 : 5);
    } else if (c === 0x14 && fn === 7) {
      if (b[3] === 1) this.send(conn, asbStatus(this.condition(), this.profile));
    } else if (c === 0x14 && fn === 8) {
      this.clearBuffers();
      this.send(conn, Uint8Array.of(0x37, 0x25, 0x00));
      return true;
    }
    return false;
  }

  /** DLE DC4 8: drop received and unprinted data. */
  private clearBuffers(): void {
    this.receiveBuffer = [];
    this.receiveBytes = 0;
    this.parsedQueue = [];
    this.parsedBytes = 0;
    this.parser.reset();
    this.rasterCharged = undefined;
    this.renderer.clearLineBuffer();
    for (const conn of [...this.conns]) this.finishIfDone(conn);
  }

  // ---- print path -------------------------------------------------------------------------

  /** The command interpreter and print engine: executes buffered commands at print pace. */
  private pump(): void {
    if (this.pumping || this.poweredOff) return;
    this.pumping = true;
    try {
      for (;;) {
        if (isStopped(this.condition())) break; // resumes when the condition clears
        const now = performance.now();
        if (this.clock < now) this.clock = now;
        const next = this.parsedQueue[0];
        // GS ( H answers only once everything before it is printed: no running ahead for it
        const slack = next?.command.name === 'GS ( H' ? 0 : SLACK_MS;
        if (this.clock > now + slack) {
          this.schedule(this.clock - now);
          break;
        }
        if (next !== undefined) {
          this.parsedQueue.shift();
          this.parsedBytes -= next.size;
          this.execute(next);
          if (next.conn.readEnded) this.finishIfDone(next.conn);
          continue;
        }
        this.chargePartialRaster();
        if (this.clock > now + SLACK_MS) continue;
        if (!this.feedSlice()) break;
        this.readMore();
      }
    } finally {
      this.pumping = false;
    }
    this.readMore();
  }

  /** Move up to SLICE_BYTES from the receive buffer through the parser. */
  private feedSlice(): boolean {
    const head = this.receiveBuffer[0];
    if (head === undefined) return false;
    const slice = head.bytes.subarray(0, SLICE_BYTES);
    if (slice.length === head.bytes.length) this.receiveBuffer.shift();
    else head.bytes = head.bytes.subarray(slice.length);
    this.receiveBytes -= slice.length;
    const commands = this.parser.feed(slice);
    commands.forEach((command, i) => {
      const size = i === commands.length - 1 ? slice.length : 0;
      this.parsedQueue.push({ command, conn: head.conn, size });
      this.parsedBytes += size;
    });
    if (commands.length === 0) this.finishIfDone(head.conn);
    return true;
  }

  /** Raster rows print as they arrive: charge the rows of a GS v 0 image received so far. */
  private chargePartialRaster(): void {
    const partial = this.parser.partialRaster();
    if (partial === undefined) return;
    const charged = this.rasterCharged?.id === partial.id ? this.rasterCharged.rows : 0;
    if (partial.rowsReceived > charged) {
      this.cost((partial.rowsReceived - charged) / ROWS_PER_LINE);
      this.rasterCharged = { id: partial.id, rows: partial.rowsReceived };
    }
  }

  private schedule(ms: number): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.pump();
      },
      Math.max(1, Math.ceil(ms)),
    );
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private cost(lines: number): void {
    this.clock += lines * this.msPerLine;
  }

  private record(command: ParsedCommand): void {
    const { name, bytes, params, error } = command;
    if (name === 'TEXT') {
      const previous = this.log[this.log.length - 1];
      let merged: Uint8Array | undefined;
      if (command.continuesText && previous?.name === 'TEXT') {
        merged = new Uint8Array(previous.bytes.length + bytes.length);
        merged.set(previous.bytes);
        merged.set(bytes, previous.bytes.length);
      }
      const all = merged ?? bytes;
      const entry: EmulatedCommand = { name, bytes: all, params: { text: this.renderer.decode(all) } };
      if (merged) this.log[this.log.length - 1] = entry;
      else this.log.push(entry);
      return;
    }
    this.log.push({
      name,
      bytes,
      ...(params === undefined ? {} : { params }),
      ...(error === undefined ? {} : { error }),
    });
  }

  private execute({ command, conn }: ParsedItem): void {
    this.record(command);
    if (command.error !== undefined) return; // the printer ignores a malformed command
    const b = command.bytes;
    const n = b[2] ?? 0;
    const r = this.renderer;
    switch (command.name) {
      case 'TEXT':
        r.write(b);
        break;
      case 'LF':
        r.printAndFeed(1);
        this.cost(1);
        break;
      case 'HT':
        r.tab();
        break;
      case 'ESC @':
        this.initialize();
        break;
      case 'ESC !':
        r.setPrintMode(n);
        break;
      case 'ESC M':
        r.setFont(n);
        break;
      case 'GS !':
        r.setCharacterSize(n);
        break;
      case 'ESC SP':
        r.setCharacterSpacing(n);
        break;
      case 'GS L':
        r.setLeftMargin(n + (b[3] ?? 0) * 256);
        break;
      case 'GS W':
        r.setPrintAreaWidth(n + (b[3] ?? 0) * 256);
        break;
      case 'ESC D':
        r.setTabs(Array.from(b.subarray(2)).filter((column) => column !== 0));
        break;
      case 'ESC d':
        r.printAndFeed(n);
        this.cost(n);
        break;
      case 'ESC J':
        r.printAndFeed(n === 0 ? 0 : 1);
        this.cost(n / DOTS_PER_LINE);
        break;
      case 'ESC t':
        r.selectCodePage(n);
        break;
      case 'FS &':
        r.setKanjiMode(true);
        break;
      case 'FS .':
        r.setKanjiMode(false);
        break;
      case 'FS C':
        r.selectKanjiEncoding(n);
        break;
      case 'ESC p':
        this.kick(n % 48 === 0 ? 2 : 5);
        break;
      case 'GS V':
        if (this.profile.cutter !== 'none') r.cut();
        else r.printAndFeed(0);
        this.cost(1);
        break;
      case 'ESC *': {
        const width = (b[3] ?? 0) + (b[4] ?? 0) * 256;
        r.printInline(`[image ${width}x${n >= 32 ? 24 : 8}]`);
        break;
      }
      case 'GS v 0':
        this.printRaster(command);
        break;
      case 'GS h':
        this.barcodeHeight = Math.max(1, n);
        break;
      case 'GS k': {
        const type = command.params?.['type'] ?? '';
        const data = command.params?.['data'] ?? '';
        r.printBlock(`[barcode ${type}: ${data}]`);
        this.cost(this.barcodeHeight / ROWS_PER_LINE + 1);
        break;
      }
      case 'GS ( k':
        this.symbol(command);
        break;
      case 'GS ( L':
      case 'GS 8 L':
        this.graphics(command);
        break;
      case 'GS ( D':
        // fn 20, m 1: enable/disable DLE DC4 1 (pulse) as a real-time command
        if (b[5] === 20 && b[6] === 1) this.pulseEnabled = b[7] !== 0;
        break;
      case 'GS ( H':
        // executed only once everything before it has printed (see pump)
        if (this.profile.printCompletion === 'gs-paren-h') this.send(conn, Uint8Array.of(0x37, 0x22, ...b.subarray(7, 11), 0));
        break;
      case 'GS a':
        this.enableAsb(conn, n);
        break;
      case 'GS r': {
        const reply = transmitStatus(n, this.condition(), this.profile);
        if (reply !== undefined) this.send(conn, Uint8Array.of(reply));
        break;
      }
      case 'ESC v': {
        const reply = transmitStatus(1, this.condition(), this.profile);
        if (reply !== undefined) this.send(conn, Uint8Array.of(reply));
        break;
      }
      case 'ESC u': {
        const reply = transmitStatus(2, this.condition(), this.profile);
        if (reply !== undefined) this.send(conn, Uint8Array.of(reply));
        break;
      }
      case 'GS I': {
        const reply = printerInfo(n, this.profile, `EMU${String(this.currentPort).padStart(8, '0')}`);
        if (reply !== undefined) this.send(conn, reply);
        break;
      }
      default:
        // styles (ESC E, ESC -, ESC a, GS B, ...), real-time commands (already run on receipt)
        // and commands without visible effect: in the log only
        break;
    }
  }

  private printRaster(command: ParsedCommand): void {
    const width = Number(command.params?.['width'] ?? 0);
    const height = Number(command.params?.['height'] ?? 0);
    const charged = this.rasterCharged?.id === command.id ? this.rasterCharged.rows : 0;
    this.rasterCharged = undefined;
    this.renderer.printBlock(`[image ${width}x${height}]`);
    this.cost(Math.max(0, height - charged) / ROWS_PER_LINE);
  }

  private symbol(command: ParsedCommand): void {
    const cn = Number(command.params?.['cn'] ?? 0);
    const fn = Number(command.params?.['fn'] ?? 0);
    if (fn === 80) this.symbols.set(cn, String(command.params?.['data'] ?? ''));
    if (fn === 81) {
      const data = this.symbols.get(cn);
      if (data === undefined) return; // nothing stored: nothing prints
      this.renderer.printBlock(`[${SYMBOL_TYPES[cn] ?? `symbol ${cn}`}: ${data}]`);
      this.cost(6);
    }
  }

  private graphics(command: ParsedCommand): void {
    const fn = Number(command.params?.['fn'] ?? 0);
    if (fn === 112) {
      this.storedGraphics = {
        width: Number(command.params?.['width'] ?? 0),
        height: Number(command.params?.['height'] ?? 0),
      };
    } else if ((fn === 50 || fn === 2) && this.storedGraphics !== undefined) {
      const { width, height } = this.storedGraphics;
      this.storedGraphics = undefined;
      this.renderer.printBlock(`[image ${width}x${height}]`);
      this.cost(height / ROWS_PER_LINE);
    }
  }

  /** ESC @: back to power-on settings. ASB goes off (hosts must enable it again). */
  private initialize(): void {
    this.renderer.initialize();
    this.asbMask = 0;
    this.asbOwner = undefined;
    this.barcodeHeight = DEFAULT_BARCODE_HEIGHT;
  }

  private enableAsb(conn: Connection, n: number): void {
    if (!this.profile.asb) return; // a model without ASB ignores GS a
    this.asbMask = n;
    this.asbOwner = n === 0 ? undefined : conn;
    if (n !== 0) this.send(conn, asbStatus(this.condition(), this.profile));
  }

  private kick(pin: 2 | 5): void {
    this.kicks++;
    if (this.drawerConnected && pin === this.profile.drawer.pin && !this.drawerOpen) {
      this.drawerOpen = true;
      this.conditionChanged();
    }
  }

  // ---- condition and power ----------------------------------------------------------------

  private condition(): PrinterCondition {
    return {
      paper: this.paper,
      coverOpen: this.coverOpen,
      cutterError: this.cutterError,
      offline: this.offline,
      drawerOpen: this.drawerOpen,
      drawerConnected: this.drawerConnected,
    };
  }

  /** Send ASB on every change of an enabled status group, then let the engine resume if it can. */
  private conditionChanged(): void {
    const status = asbStatus(this.condition(), this.profile);
    const changed = asbChangedGroups(this.lastStatus, status);
    this.lastStatus = status;
    if (changed & this.asbMask) this.send(this.asbOwner, status);
    if (!this.pumping) this.pump();
  }

  private async cyclePower(): Promise<void> {
    this.poweredOff = true;
    this.stopTimer();
    for (const conn of [...this.conns]) this.discard(conn);
    await this.closeServer();
    this.receiveBuffer = [];
    this.receiveBytes = 0;
    this.parsedQueue = [];
    this.parsedBytes = 0;
    this.parser = new EscPosCommandParser();
    this.renderer.initialize();
    this.asbMask = 0;
    this.asbOwner = undefined;
    this.pulseEnabled = true;
    this.barcodeHeight = DEFAULT_BARCODE_HEIGHT;
    this.symbols.clear();
    this.storedGraphics = undefined;
    this.rasterCharged = undefined;
    await sleep(this.powerCycleMs);
    if (this.closed) return;
    await this.listen(this.currentPort);
    this.poweredOff = false;
    this.lastStatus = asbStatus(this.condition(), this.profile);
  }

  private assertOpen(operation: string): void {
    if (this.closed) {
      throw new DeviceError(ErrorCode.DEVICE_ERROR, `EscPosEmulator.${operation}: the emulator is closed; start a new one`);
    }
  }

  private timeoutMessage(predicate: (e: EscPosEmulator) => boolean, timeoutMs: number): string {
    const source = predicate.toString().replace(/\s+/g, ' ').slice(0, 200);
    const lastLines = this.text().split('\n').slice(-6).join(' | ');
    const lastCommands = this.log
      .slice(-8)
      .map((c) => c.name)
      .join(', ');
    return (
      `EscPosEmulator.waitFor: \`${source}\` did not hold within ${timeoutMs} ms. ` +
      `State: ${JSON.stringify(this.state())}; connections: ${this.conns.length} open, ${this.accepted} accepted; ` +
      `last commands: [${lastCommands}]; last printed lines: "${lastLines}". ` +
      'Check that the job reached the emulator (commands, bytesReceived) and that no paper-out, cover, ' +
      'cutter or offline condition is holding the print engine (state()).'
    );
  }
}
