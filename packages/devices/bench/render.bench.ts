/*
 * Receipt rendering speed: a typical 40-line receipt and a 576x2000 logo, each next to
 * node-thermal-printer building the same content with its own buffer (the baseline, measured in
 * the same run). Run: npx vitest bench --run bench/render.bench.ts
 * Targets: receipt under 1 ms, logo under 50 ms. After the runs a small table prints the ratios.
 */
import {
  addLine,
  addTender,
  buildReceipt,
  completeSale,
  createTill,
  openSale,
  openSession,
  renderReceiptText,
  type ReceiptDocument,
} from '@tillkit/core';
import { PrinterTypes, ThermalPrinter } from 'node-thermal-printer';
import pngjs from 'pngjs';
import { afterAll, bench, describe } from 'vitest';
import { PRINTER_PROFILES } from '../src/profiles';
import { ditherImage, rasterCommands, type RasterImage } from '../src/render/image';
import { renderReceipt } from '../src/render/receipt-renderer';

const AT = '2026-03-02T09:00:00.000Z';
const PROFILE = PRINTER_PROFILES['epson-tm-t20iii'];

function typicalReceipt(): ReceiptDocument {
  const { till } = openSession(createTill({ tillId: 'till-1', currency: 'EUR' }), { id: 's1', at: AT, float: 0 });
  let sale = openSale({
    id: '01950000-0000-7000-8000-000000000001',
    tillId: 'till-1',
    currency: 'EUR',
    taxes: [
      { id: 'vat19', name: 'MwSt 19%', code: 'A', rate: '19', inclusive: true },
      { id: 'vat7', name: 'MwSt 7%', code: 'B', rate: '7', inclusive: true },
    ],
    at: AT,
  });
  const items = [
    'Café crème',
    'Croissant',
    'Brezel',
    'Müsli mit Joghurt',
    'Orangensaft 0,3 l',
    'Käsebrötchen',
    'Espresso',
    'Tee',
    'Apfelkuchen',
    'Mineralwasser',
    'Rührei',
    'Kakao',
  ];
  items.forEach((name, i) => {
    sale = addLine(
      sale,
      { id: `l${i}`, name, unitPrice: 150 + i * 35, quantity: i % 3 === 0 ? '2' : '1', taxIds: [i % 2 ? 'vat7' : 'vat19'] },
      { at: AT },
    );
  });
  sale = addTender(sale, { type: 'cash', amount: 6000 }, { at: AT });
  const tx = completeSale(sale, till, { at: AT }).transaction;
  return buildReceipt(tx, {
    locale: 'de-DE',
    timeZone: 'Europe/Berlin',
    header: { name: 'Café Luna', lines: ['Hauptstraße 1', '10115 Berlin', 'USt-IdNr. DE123456789'] },
    footer: ['Vielen Dank für Ihren Einkauf!', 'Öffnungszeiten: Mo-Sa 7-19 Uhr', 'www.cafe-luna.example'],
    barcode: 'receipt-number',
    qr: 'https://example.test/r/1',
  });
}

const receipt = typicalReceipt();
const printedLines = renderReceiptText(receipt, { width: 48 }).split('\n').length;

/** The same content through node-thermal-printer's own API and buffer (its usual use). */
function ntpReceipt(doc: ReceiptDocument): Buffer {
  const config = { type: PrinterTypes.EPSON, width: 48, characterSet: 'PC858_EURO' };
  const p = new ThermalPrinter(config as unknown as ConstructorParameters<typeof ThermalPrinter>[0]);
  for (const block of doc.blocks) {
    switch (block.type) {
      case 'text':
        if (block.align === 'center') p.alignCenter();
        else p.alignLeft();
        p.bold(block.bold === true);
        p.setTextSize(block.size === 'double' ? 1 : 0, block.size === 'double' ? 1 : 0);
        p.println(block.text);
        break;
      case 'columns':
        p.alignLeft();
        p.bold(block.bold === true);
        if (block.columns.length === 2) p.leftRight(block.columns[0]?.text ?? '', block.columns[1]?.text ?? '');
        else
          p.tableCustom(
            block.columns.map((c) => ({
              text: c.text,
              align: c.align === 'left' ? ('LEFT' as const) : ('RIGHT' as const),
              ...(c.width === 'fill' ? { width: 0.5 } : { cols: c.width }),
            })),
          );
        break;
      case 'divider':
        p.drawLine();
        break;
      case 'barcode':
        p.printBarcode(block.data, 73, { hriPos: 2, width: 3, height: 80 });
        break;
      case 'qr':
        p.printQR(block.data, { cellSize: 6 });
        break;
      case 'cut':
        p.partialCut();
        break;
      case 'drawer-kick':
      case 'feed':
      case 'image':
        break;
    }
  }
  return p.getBuffer();
}

function logo(width: number, height: number): RasterImage {
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) pixels[y * width + x] = (Math.sin(x / 23) * Math.cos(y / 31) * 127 + 128) | 0;
  return { width, height, pixels };
}

const LOGO = logo(576, 2000);
const LOGO_PNG = (() => {
  const png = new pngjs.PNG({ width: LOGO.width, height: LOGO.height });
  LOGO.pixels.forEach((g, i) => png.data.set([g, g, g, 255], i * 4));
  return new Uint8Array(pngjs.PNG.sync.write(png));
})();
const LOGO_DOC: ReceiptDocument = { ...receipt, blocks: [{ type: 'image', ref: 'logo' }] };

async function ntpLogo(): Promise<Buffer> {
  const p = new ThermalPrinter({ type: PrinterTypes.EPSON } as ConstructorParameters<typeof ThermalPrinter>[0]);
  await p.printImageBuffer(Buffer.from(LOGO_PNG.buffer, LOGO_PNG.byteOffset, LOGO_PNG.byteLength));
  return p.getBuffer();
}

// Warm up code page and Kanji tables once, as a running till has them.
renderReceipt(receipt, PROFILE);

describe(`typical receipt (${printedLines} lines)`, () => {
  bench('tillkit renderReceipt', () => {
    renderReceipt(receipt, PROFILE);
  });
  bench('node-thermal-printer own buffer (baseline)', () => {
    ntpReceipt(receipt);
  });
});

describe('576x2000 logo', () => {
  // A new image object each run: decoded and dithered every time (renderReceipt caches per object).
  bench('tillkit renderReceipt (RasterImage, Floyd-Steinberg, 8 slices)', () => {
    renderReceipt(LOGO_DOC, PROFILE, { images: { logo: { ...LOGO } } });
  });
  bench('tillkit renderReceipt (PNG bytes, decoded by pngjs)', () => {
    renderReceipt(LOGO_DOC, PROFILE, { images: { logo: LOGO_PNG.slice() } });
  });
  bench('tillkit renderReceipt (same logo object again: cached bitmap)', () => {
    renderReceipt(LOGO_DOC, PROFILE, { images: { logo: LOGO } });
  });
  bench('tillkit ditherImage + rasterCommands', () => {
    rasterCommands(ditherImage(LOGO), 255);
  });
  bench('node-thermal-printer printImageBuffer (PNG, threshold, one command) (baseline)', async () => {
    await ntpLogo();
  });
});

/** Median ms of `runs` runs: on a shared machine the mean follows other processes, the median the code. */
async function msPerRun(fn: () => unknown, runs: number): Promise<number> {
  for (let i = 0; i < Math.min(runs, 5); i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[runs >> 1] as number;
}

afterAll(async () => {
  const rows = [
    ['receipt: tillkit', await msPerRun(() => renderReceipt(receipt, PROFILE), 2000)],
    ['receipt: node-thermal-printer', await msPerRun(() => ntpReceipt(receipt), 2000)],
    [
      'logo: tillkit (RasterImage)',
      await msPerRun(() => renderReceipt(LOGO_DOC, PROFILE, { images: { logo: { ...LOGO } } }), 20),
    ],
    ['logo: tillkit (PNG)', await msPerRun(() => renderReceipt(LOGO_DOC, PROFILE, { images: { logo: LOGO_PNG.slice() } }), 10)],
    ['logo: tillkit (cached)', await msPerRun(() => renderReceipt(LOGO_DOC, PROFILE, { images: { logo: LOGO } }), 50)],
    ['logo: node-thermal-printer (PNG)', await msPerRun(ntpLogo, 5)],
  ] as const;
  const baseline = { receipt: rows[1][1], logo: rows[5][1] };
  console.log('\nrender.bench: median ms per job, and node-thermal-printer time / this time');
  console.table(
    rows.map(([name, ms]) => ({
      case: name,
      'median ms/job': Number(ms.toFixed(3)),
      'x faster than baseline': Number(((name.startsWith('receipt') ? baseline.receipt : baseline.logo) / ms).toFixed(1)),
    })),
  );
}, 300_000);
