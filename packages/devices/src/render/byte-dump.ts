import iconv from 'iconv-lite';
import type { PrinterProfile } from '../profiles';

/*
 * Test support (not exported): a readable transcript of printer bytes, one printed line per line,
 * commands in <angle brackets>, text decoded with the code page or Kanji encoding in force. Golden
 * tests snapshot it next to the exact hex, so a reviewer can read what the paper shows.
 */

const CJK_CODEC = { gb18030: 'gb18030', big5: 'cp950', shift_jis: 'shift_jis' } as const;

const NAMES: Record<number, string> = { 0x1b: 'ESC', 0x1d: 'GS', 0x1c: 'FS', 0x10: 'DLE' };

function hex(bytes: ArrayLike<number>): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** Exact hex, one line per printed line (split after each LF). */
export function hexLines(bytes: Uint8Array): string {
  const lines: string[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0a || i - start >= 63) {
      lines.push(hex(bytes.subarray(start, i + 1)));
      start = i + 1;
    }
  }
  if (start < bytes.length) lines.push(hex(bytes.subarray(start)));
  return lines.join('\n');
}

/** A readable transcript of a job for `profile` (see the top of this file). */
export function dumpBytes(bytes: Uint8Array, profile: PrinterProfile): string {
  const star = profile.dialect === 'star';
  const pageByNumber = new Map(Object.entries(profile.codePages).map(([page, n]) => [n, page]));
  const cjk = profile.cjk[0];
  let page = 'cp437';
  let kanji = false;
  const lines: string[] = [];
  let line = '';
  let i = 0;
  const at = (k: number) => bytes[i + k] ?? 0;
  const cmd = (length: number, name: string) => {
    line += `<${name}>`;
    i += length;
  };
  while (i < bytes.length) {
    const b = at(0);
    if (b === 0x0a) {
      lines.push(line + '<LF>');
      line = '';
      i++;
    } else if (b === 0x1b && at(1) === 0x40) cmd(2, 'ESC @');
    else if (!star && b === 0x1b && at(1) === 0x74) {
      page = pageByNumber.get(at(2)) ?? `page ${at(2)}`;
      cmd(3, `ESC t ${at(2)} ${page}`);
    } else if (star && b === 0x1b && at(1) === 0x1d && at(2) === 0x74) {
      page = pageByNumber.get(at(3)) ?? `page ${at(3)}`;
      cmd(4, `ESC GS t ${at(3)} ${page}`);
    } else if (!star && b === 0x1b && [0x4d, 0x61, 0x45, 0x2d, 0x64].includes(at(1)))
      cmd(3, `ESC ${String.fromCharCode(at(1))} ${at(2)}`);
    else if (!star && b === 0x1b && at(1) === 0x70) cmd(5, `ESC p ${hex([at(2), at(3), at(4)])}`);
    else if (b === 0x1d && (at(1) === 0x21 || at(1) === 0x48 || at(1) === 0x66 || at(1) === 0x77 || at(1) === 0x68))
      cmd(3, `GS ${String.fromCharCode(at(1))} ${hex([at(2)])}`);
    else if (b === 0x1d && at(1) === 0x56) cmd(4, `GS V ${at(2)} ${at(3)}`);
    else if (b === 0x1d && at(1) === 0x6b) {
      const n = at(3);
      const data = Buffer.from(bytes.subarray(i + 4, i + 4 + n)).toString('latin1');
      cmd(4 + n, `GS k ${at(2)} ${JSON.stringify(data)}`);
    } else if (b === 0x1d && at(1) === 0x28) {
      const n = at(3) + at(4) * 256;
      const body = bytes.subarray(i + 5, i + 5 + n);
      const text =
        n > 3 && at(5) === 0x31 && at(6) === 0x50 ? ` ${JSON.stringify(new TextDecoder().decode(body.subarray(3)))}` : '';
      cmd(5 + n, `GS ( ${String.fromCharCode(at(2))} ${hex(body.subarray(0, Math.min(3, n)))}${text}`);
    } else if (b === 0x1d && at(1) === 0x76 && at(2) === 0x30) {
      const w = at(4) + at(5) * 256;
      const h = at(6) + at(7) * 256;
      cmd(8 + w * h, `GS v 0 ${w}x${h}`);
    } else if (b === 0x1c && at(1) === 0x26) {
      kanji = true;
      cmd(2, 'FS &');
    } else if (b === 0x1c && at(1) === 0x2e) {
      kanji = false;
      cmd(2, 'FS .');
    } else if (b === 0x1c && (at(1) === 0x43 || at(1) === 0x2d)) cmd(3, `FS ${String.fromCharCode(at(1))} ${at(2)}`);
    else if (star && b === 0x1b && at(1) === 0x24) {
      kanji = at(2) === 1;
      cmd(3, `ESC $ ${at(2)}`);
    } else if (star && b === 0x1b && at(1) === 0x1e && at(2) === 0x46) cmd(4, `ESC RS F ${at(3)}`);
    else if (star && b === 0x1b && at(1) === 0x1d && at(2) === 0x61) cmd(4, `ESC GS a ${at(3)}`);
    else if (star && b === 0x1b && (at(1) === 0x45 || at(1) === 0x46 || at(1) === 0x30))
      cmd(2, `ESC ${String.fromCharCode(at(1))}`);
    else if (star && b === 0x1b && at(1) === 0x69) cmd(4, `ESC i ${at(2)} ${at(3)}`);
    else if (star && b === 0x1b && [0x2d, 0x64, 0x61, 0x7a].includes(at(1))) cmd(3, `ESC ${String.fromCharCode(at(1))} ${at(2)}`);
    else if (star && b === 0x1b && at(1) === 0x07) cmd(4, `ESC BEL ${at(2)} ${at(3)}`);
    else if (star && (b === 0x07 || b === 0x1a)) cmd(1, b === 0x07 ? 'BEL' : 'SUB');
    else if (star && b === 0x1b && at(1) === 0x62) {
      const end = bytes.indexOf(0x1e, i + 6);
      const data = Buffer.from(bytes.subarray(i + 6, end)).toString('latin1');
      cmd(end + 1 - i, `ESC b ${at(2)} ${at(3)} ${at(4)} ${at(5)} ${JSON.stringify(data)} RS`);
    } else if (star && b === 0x1b && at(1) === 0x1d && at(2) === 0x79) {
      if (at(3) === 0x44) {
        const n = at(6) + at(7) * 256;
        cmd(8 + n, `ESC GS y D 1 ${JSON.stringify(new TextDecoder().decode(bytes.subarray(i + 8, i + 8 + n)))}`);
      } else if (at(3) === 0x50) cmd(4, 'ESC GS y P');
      else cmd(6, `ESC GS y S ${String.fromCharCode(at(4))} ${at(5)}`);
    } else if (star && b === 0x1b && at(1) === 0x6b) {
      const w = at(2) + at(3) * 256;
      cmd(4 + w * 24, `ESC k ${w}x24`);
    } else if (b < 0x20 || b === 0x7f) {
      cmd(1, `${NAMES[b] ?? hex([b])}`);
    } else if (kanji && b >= 0x80 && cjk !== undefined) {
      const long = cjk === 'gb18030' && at(1) >= 0x30 && at(1) <= 0x39;
      const n = long ? 4 : 2;
      line += iconv.decode(Buffer.from(bytes.subarray(i, i + n)), CJK_CODEC[cjk]);
      i += n;
    } else {
      line += b < 0x80 ? String.fromCharCode(b) : iconv.decode(Buffer.of(b), page);
      i++;
    }
  }
  if (line !== '') lines.push(line);
  return lines.join('\n');
}
