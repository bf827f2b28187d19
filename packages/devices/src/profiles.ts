import { z } from 'zod';

/** Character sets a printer can print, each selected with its own command sequence. */
export type Charset = 'cp437' | 'cp850' | 'cp858' | 'cp1252' | 'gb18030' | 'big5' | 'shift_jis';

/**
 * What a printer model can do. Drivers read every capability from here; nothing is assumed.
 * Add a model by writing one of these (see PRINTER_PROFILES).
 */
export interface PrinterProfile {
  readonly id: string;
  readonly vendor: string;
  readonly model: string;
  /** command dialect */
  readonly dialect: 'escpos' | 'star';
  /** characters per line for font A and font B */
  readonly columns: { readonly fontA: number; readonly fontB: number };
  readonly dpi: number;
  /** printable width in dots (576 for 80 mm at 203 dpi, 384 for 58 mm) */
  readonly widthDots: number;
  /** Latin code pages with their ESC t numbers, and which CJK encodings the firmware has */
  readonly codePages: Readonly<Partial<Record<'cp437' | 'cp850' | 'cp858' | 'cp1252', number>>>;
  readonly cjk: readonly ('gb18030' | 'big5' | 'shift_jis')[];
  readonly cutter: 'full' | 'partial' | 'both' | 'none';
  /** automatic status back (GS a) */
  readonly asb: boolean;
  /** GS ( H print-completion replies; otherwise a trailing GS r 1 confirms */
  readonly printCompletion: 'gs-paren-h' | 'gs-r';
  /** most raster rows per GS v 0 command */
  readonly maxRasterRows: number;
  /** drawer kick pin 2 or 5, and whether the drawer sensor reads high when the drawer is OPEN */
  readonly drawer: { readonly pin: 2 | 5; readonly openWhenHigh: boolean };
}

export const PrinterProfileSchema = z.object({
  id: z.string().min(1),
  vendor: z.string().min(1),
  model: z.string().min(1),
  dialect: z.enum(['escpos', 'star']),
  columns: z.object({ fontA: z.number().int().min(16).max(128), fontB: z.number().int().min(16).max(160) }),
  dpi: z.number().int().positive(),
  widthDots: z.number().int().min(128).max(4096),
  codePages: z.partialRecord(z.enum(['cp437', 'cp850', 'cp858', 'cp1252']), z.number().int().min(0).max(255)),
  cjk: z.array(z.enum(['gb18030', 'big5', 'shift_jis'])),
  cutter: z.enum(['full', 'partial', 'both', 'none']),
  asb: z.boolean(),
  printCompletion: z.enum(['gs-paren-h', 'gs-r']),
  maxRasterRows: z.number().int().min(1).max(255),
  drawer: z.object({ pin: z.union([z.literal(2), z.literal(5)]), openWhenHigh: z.boolean() }),
});

const LATIN = { cp437: 0, cp850: 2, cp858: 19, cp1252: 16 } as const;

/** Profiles of real models (from their technical reference manuals). */
export const PRINTER_PROFILES = {
  /** Epson TM-T88VI, 80 mm, 180 dpi: the ESC/POS reference printer */
  'epson-tm-t88vi': {
    id: 'epson-tm-t88vi',
    vendor: 'Epson',
    model: 'TM-T88VI',
    dialect: 'escpos',
    columns: { fontA: 42, fontB: 56 },
    dpi: 180,
    widthDots: 512,
    codePages: LATIN,
    cjk: [],
    cutter: 'both',
    asb: true,
    printCompletion: 'gs-paren-h',
    maxRasterRows: 255,
    drawer: { pin: 2, openWhenHigh: false },
  },
  /** Epson TM-T20III, 80 mm, 203 dpi, the common budget model */
  'epson-tm-t20iii': {
    id: 'epson-tm-t20iii',
    vendor: 'Epson',
    model: 'TM-T20III',
    dialect: 'escpos',
    columns: { fontA: 48, fontB: 64 },
    dpi: 203,
    widthDots: 576,
    codePages: LATIN,
    cjk: [],
    cutter: 'partial',
    asb: true,
    printCompletion: 'gs-paren-h',
    maxRasterRows: 255,
    drawer: { pin: 2, openWhenHigh: false },
  },
  /** Epson TM-T88VI-C (Simplified Chinese model, GB18030 font) */
  'epson-tm-t88vi-chinese': {
    id: 'epson-tm-t88vi-chinese',
    vendor: 'Epson',
    model: 'TM-T88VI (Simplified Chinese)',
    dialect: 'escpos',
    columns: { fontA: 42, fontB: 56 },
    dpi: 180,
    widthDots: 512,
    codePages: LATIN,
    cjk: ['gb18030'],
    cutter: 'both',
    asb: true,
    printCompletion: 'gs-paren-h',
    maxRasterRows: 255,
    drawer: { pin: 2, openWhenHigh: false },
  },
  /** Epson TM-T88VI-J (Japanese model, Shift-JIS Kanji) */
  'epson-tm-t88vi-japanese': {
    id: 'epson-tm-t88vi-japanese',
    vendor: 'Epson',
    model: 'TM-T88VI (Japanese)',
    dialect: 'escpos',
    columns: { fontA: 42, fontB: 56 },
    dpi: 180,
    widthDots: 512,
    codePages: LATIN,
    cjk: ['shift_jis'],
    cutter: 'both',
    asb: true,
    printCompletion: 'gs-paren-h',
    maxRasterRows: 255,
    drawer: { pin: 2, openWhenHigh: false },
  },
  /** Epson TM-T88VI-T (Traditional Chinese model, Big5) */
  'epson-tm-t88vi-traditional-chinese': {
    id: 'epson-tm-t88vi-traditional-chinese',
    vendor: 'Epson',
    model: 'TM-T88VI (Traditional Chinese)',
    dialect: 'escpos',
    columns: { fontA: 42, fontB: 56 },
    dpi: 180,
    widthDots: 512,
    codePages: LATIN,
    cjk: ['big5'],
    cutter: 'both',
    asb: true,
    printCompletion: 'gs-paren-h',
    maxRasterRows: 255,
    drawer: { pin: 2, openWhenHigh: false },
  },
  /** a generic 58 mm ESC/POS printer without ASB or GS ( H (many unbranded models) */
  'generic-58mm': {
    id: 'generic-58mm',
    vendor: 'Generic',
    model: '58 mm ESC/POS',
    dialect: 'escpos',
    columns: { fontA: 32, fontB: 42 },
    dpi: 203,
    widthDots: 384,
    codePages: { cp437: 0, cp858: 19 },
    cjk: [],
    cutter: 'none',
    asb: false,
    printCompletion: 'gs-r',
    maxRasterRows: 255,
    drawer: { pin: 2, openWhenHigh: false },
  },
  /** Star TSP143IV in ESC/POS emulation mode */
  'star-tsp143iv': {
    id: 'star-tsp143iv',
    vendor: 'Star Micronics',
    model: 'TSP143IV (StarPRNT, ESC/POS mode)',
    dialect: 'escpos',
    columns: { fontA: 48, fontB: 64 },
    dpi: 203,
    widthDots: 576,
    codePages: { cp437: 0, cp858: 19, cp1252: 16 },
    cjk: [],
    cutter: 'partial',
    asb: true,
    printCompletion: 'gs-r',
    maxRasterRows: 255,
    drawer: { pin: 2, openWhenHigh: true },
  },
} as const satisfies Record<string, PrinterProfile>;

export type PrinterProfileId = keyof typeof PRINTER_PROFILES;
