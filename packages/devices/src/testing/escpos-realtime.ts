import { measureDle } from './escpos-command-parser';

/** A real-time command found in received bytes. */
export interface RealtimeCommand {
  readonly bytes: Uint8Array;
  /** index in the scanned chunk just after the command's last byte */
  readonly end: number;
}

const DLE = 0x10;

/**
 * The receive path of a printer: it watches every received byte for real-time commands
 * (DLE EOT, DLE DC4, DLE ENQ) and runs them at once, before the bytes reach the command
 * interpreter, so status is answered while the printer is offline, out of paper or busy. Like the
 * real interface it does not know the command context: a DLE EOT pattern inside image data is
 * answered too (which is why Epson tells hosts not to let it occur there).
 *
 * Incremental: a command split across chunks is found when its last byte arrives.
 */
export class EscPosRealtimeScanner {
  private window: number[] = [];

  scan(chunk: Uint8Array): RealtimeCommand[] {
    const found: RealtimeCommand[] = [];
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i] ?? 0;
      if (this.window.length === 0 && b !== DLE) continue;
      this.window.push(b);
      this.settle(found, i + 1);
    }
    return found;
  }

  reset(): void {
    this.window = [];
  }

  private settle(found: RealtimeCommand[], end: number): void {
    while (this.window.length > 0) {
      const bytes = Uint8Array.from(this.window);
      const m = measureDle(bytes, bytes.length);
      if (m.kind === 'need') return;
      if (m.kind === 'done') {
        found.push({ bytes: bytes.slice(0, m.length), end });
        this.window = this.window.slice(m.length);
        continue;
      }
      // not a real-time command: drop the DLE and look for the next one in what is left
      this.window.shift();
      while (this.window.length > 0 && this.window[0] !== DLE) this.window.shift();
    }
  }
}
