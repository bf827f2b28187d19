/** What a pole display can show: code page 437 (most VFDs) or plain ASCII. */
export type DisplayCharset = 'cp437' | 'ascii';

/** Code page 437, bytes 0x80-0xFF. */
const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀' +
  'αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

const CP437_BYTE: ReadonlyMap<string, number> = new Map([...CP437_HIGH].map((c, i) => [c, 0x80 + i]));

/** Characters no code page has, spelled out. Applied before accents are stripped. */
const TRANSLITERATION: Readonly<Record<string, string>> = {
  '€': 'EUR',
  '£': 'GBP',
  '¥': 'JPY',
  '¢': 'c',
  ß: 'ss',
  Æ: 'AE',
  æ: 'ae',
  Ø: 'O',
  ø: 'o',
  Œ: 'OE',
  œ: 'oe',
  Ł: 'L',
  ł: 'l',
  Đ: 'D',
  đ: 'd',
  Ð: 'D',
  ð: 'd',
  Þ: 'Th',
  þ: 'th',
  ı: 'i',
  '\u2018': "'",
  '\u2019': "'",
  '\u201a': "'",
  '\u2032': "'",
  '\u201c': '"',
  '\u201d': '"',
  '\u201e': '"',
  '\u2033': '"',
  '\u2010': '-',
  '\u2011': '-',
  '\u2012': '-',
  '\u2013': '-',
  '\u2014': '-',
  '\u2015': '-',
  '\u2212': '-',
  '\u2026': '...',
  '\u2022': '*',
  '×': 'x',
  '÷': '/',
  '©': '(c)',
  '®': '(R)',
  '™': 'TM',
  '°': 'o',
  '±': '+/-',
  '½': '1/2',
  '¼': '1/4',
  '¾': '3/4',
  '«': '"',
  '»': '"',
  '¡': '!',
  '¿': '?',
  µ: 'u',
};

const PRINTABLE_ASCII = /^[\x20-\x7e]$/;
const WHITESPACE = /^\s$/u;
const INVISIBLE = /^[\p{Cf}\p{M}]$/u;
const MARKS = /\p{M}/gu;

function representable(c: string, charset: DisplayCharset): boolean {
  return PRINTABLE_ASCII.test(c) || (charset === 'cp437' && CP437_BYTE.has(c) && c !== '\u00a0');
}

/**
 * Makes text showable on a pole display: every character of the result takes one display cell
 * and exists in `charset`. Characters the code page has are kept; others are transliterated
 * ("€" -> "EUR", "ł" -> "l", accents dropped when the code page lacks the accented letter), and
 * what cannot be shown becomes "?". Whitespace becomes a space and control characters "?", so
 * text can never inject display commands.
 */
export function toDisplayText(text: string, charset: DisplayCharset = 'cp437'): string {
  let out = '';
  for (const c of text.normalize('NFC')) {
    if (representable(c, charset)) out += c;
    else if (WHITESPACE.test(c)) out += ' ';
    else if (INVISIBLE.test(c)) continue;
    else {
      const spelled = TRANSLITERATION[c];
      if (spelled !== undefined && [...spelled].every((s) => representable(s, charset))) {
        out += spelled;
        continue;
      }
      const stripped = c.normalize('NFD').replace(MARKS, '');
      out += stripped !== '' && [...stripped].every((s) => representable(s, charset)) ? stripped : '?';
    }
  }
  return out;
}

/** Cuts or pads display text (from toDisplayText) to exactly `columns` cells. */
export function fitDisplayLine(displayText: string, columns: number, align: 'left' | 'right' = 'left'): string {
  const cut = displayText.slice(0, columns);
  return align === 'right' ? cut.padStart(columns, ' ') : cut.padEnd(columns, ' ');
}

/** Encodes display text (from toDisplayText) as bytes in code page 437 (ASCII is its lower half). */
export function encodeDisplayText(displayText: string): Uint8Array {
  const bytes = new Uint8Array(displayText.length);
  for (let i = 0; i < displayText.length; i++) {
    const c = displayText[i] as string;
    const code = c.charCodeAt(0);
    bytes[i] = code >= 0x20 && code < 0x7f ? code : (CP437_BYTE.get(c) ?? 0x3f);
  }
  return bytes;
}

/** Decodes code page 437 bytes (0x20-0xFF) to text; control bytes become "?". */
export function decodeDisplayByte(byte: number): string {
  if (byte >= 0x20 && byte < 0x7f) return String.fromCharCode(byte);
  if (byte >= 0x80 && byte <= 0xff) return CP437_HIGH[byte - 0x80] as string;
  return '?';
}
