import { TillkitError } from '@tillkit/core';
import pngjs from 'pngjs';
import { describe, expect, it } from 'vitest';
import { decodePng, ditherImage, fitToWidth, rasterCommands, starRasterCommands, type RasterImage } from './image';

function gray(width: number, height: number, value: (x: number, y: number) => number): RasterImage {
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) pixels[y * width + x] = value(x, y);
  return { width, height, pixels };
}

function blackDots(bits: Uint8Array): number {
  let n = 0;
  for (const byte of bits) for (let b = byte; b; b &= b - 1) n++;
  return n;
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return TillkitError.isInstance(error) ? error.code : `not a TillkitError: ${String(error)}`;
  }
  return undefined;
}

/** Every GS v 0 header in a stream of slices: [xL + xH*256, yL + yH*256, offset]. */
function slices(stream: Uint8Array): [number, number, number][] {
  const out: [number, number, number][] = [];
  let at = 0;
  while (at < stream.length) {
    expect([...stream.subarray(at, at + 4)]).toEqual([0x1d, 0x76, 0x30, 0x00]);
    const x = (stream[at + 4] as number) + (stream[at + 5] as number) * 256;
    const y = (stream[at + 6] as number) + (stream[at + 7] as number) * 256;
    out.push([x, y, at]);
    at += 8 + x * y;
  }
  expect(at).toBe(stream.length);
  return out;
}

describe('ditherImage', () => {
  it('packs dots most significant bit first, 1 = black, rows padded to whole bytes', () => {
    const image = gray(10, 2, (x, y) => (y === 0 ? (x === 0 || x === 9 ? 0 : 255) : 0));
    const { widthBytes, height, bits } = ditherImage(image, { method: 'threshold' });
    expect({ widthBytes, height }).toEqual({ widthBytes: 2, height: 2 });
    expect([...bits]).toEqual([0x80, 0x40, 0xff, 0xc0]);
  });

  it('keeps mid-gray as about half the dots (Floyd-Steinberg) where a threshold prints none or all', () => {
    const mid = gray(64, 64, () => 128);
    const dithered = blackDots(ditherImage(mid).bits);
    expect(dithered / (64 * 64)).toBeGreaterThan(0.45);
    expect(dithered / (64 * 64)).toBeLessThan(0.55);
    expect(blackDots(ditherImage(mid, { method: 'threshold' }).bits)).toBe(0);
    const ramp = ditherImage(gray(256, 8, (x) => x));
    const left = blackDots(ramp.bits.filter((_, i) => i % 32 < 8));
    const right = blackDots(ramp.bits.filter((_, i) => i % 32 >= 24));
    expect(left).toBeGreaterThan(right * 4);
  });

  it('prints pure black and pure white exactly', () => {
    expect(blackDots(ditherImage(gray(16, 4, () => 0)).bits)).toBe(64);
    expect(blackDots(ditherImage(gray(16, 4, () => 255)).bits)).toBe(0);
  });

  it('refuses images whose pixels do not match their size', () => {
    expect(code(() => ditherImage({ width: 4, height: 4, pixels: new Uint8Array(15) }))).toBe('VALIDATION_FAILED');
    expect(code(() => ditherImage({ width: 0, height: 4, pixels: new Uint8Array(0) }))).toBe('VALIDATION_FAILED');
    expect(
      code(() =>
        ditherImage(
          gray(2, 2, () => 0),
          { threshold: 0 },
        ),
      ),
    ).toBe('VALIDATION_FAILED');
  });
});

describe('rasterCommands', () => {
  it('slices a 576x2000 image into ceil(2000/255) = 8 GS v 0 commands with the right xL xH yL yH', () => {
    const bitmap = ditherImage(gray(576, 2000, (x, y) => (x + y) % 256));
    const stream = rasterCommands(bitmap, 255);
    const headers = slices(stream);
    expect(headers).toHaveLength(Math.ceil(2000 / 255));
    expect(headers.map(([x]) => x)).toEqual(Array(8).fill(72));
    expect(headers.map(([, y]) => y)).toEqual([255, 255, 255, 255, 255, 255, 255, 215]);
    // xL xH yL yH of the last slice: 72 0 215 0
    const last = headers[7]?.[2] as number;
    expect([...stream.subarray(last + 4, last + 8)]).toEqual([72, 0, 215, 0]);
    expect(stream.length).toBe(8 * 8 + 72 * 2000);
    // The slices hold the bitmap's rows in order.
    const rows = headers.flatMap(([x, y, at]) => [...stream.subarray(at + 8, at + 8 + x * y)]);
    expect(rows).toEqual([...bitmap.bits]);
  });

  it('writes heights above 255 in yH when maxRows allows', () => {
    const stream = rasterCommands({ widthBytes: 1, height: 300, bits: new Uint8Array(300) }, 2303);
    expect([...stream.subarray(0, 8)]).toEqual([0x1d, 0x76, 0x30, 0, 1, 0, 300 & 0xff, 1]);
  });

  it('refuses a maxRows a printer cannot take', () => {
    const bitmap = { widthBytes: 1, height: 1, bits: new Uint8Array(1) };
    expect(code(() => rasterCommands(bitmap, 0))).toBe('VALIDATION_FAILED');
    expect(code(() => rasterCommands(bitmap, 2304))).toBe('VALIDATION_FAILED');
  });
});

describe('starRasterCommands', () => {
  it('sends 24-row ESC k bands, the last padded with white, between ESC 0 and ESC z 1', () => {
    const bitmap = { widthBytes: 2, height: 30, bits: new Uint8Array(60).fill(0xff) };
    const out = starRasterCommands(bitmap);
    expect([...out.subarray(0, 2)]).toEqual([0x1b, 0x30]);
    expect([...out.subarray(2, 6)]).toEqual([0x1b, 0x6b, 2, 0]);
    const second = 2 + 4 + 48 + 1;
    expect(out[second - 1]).toBe(0x0a);
    expect([...out.subarray(second, second + 4)]).toEqual([0x1b, 0x6b, 2, 0]);
    const band = out.subarray(second + 4, second + 4 + 48);
    expect(blackDots(band)).toBe(6 * 16);
    expect([...out.subarray(out.length - 3)]).toEqual([0x1b, 0x7a, 1]);
  });
});

describe('fitToWidth and decodePng', () => {
  it('shrinks a wider image to the paper, keeping the aspect ratio and the gray level', () => {
    const fitted = fitToWidth(
      gray(1024, 100, (x) => (x % 2 === 0 ? 0 : 200)),
      512,
    );
    expect({ width: fitted.width, height: fitted.height }).toEqual({ width: 512, height: 50 });
    expect(new Set(fitted.pixels)).toEqual(new Set([100]));
    const narrow = gray(100, 10, () => 0);
    expect(fitToWidth(narrow, 512)).toBe(narrow);
  });

  it('decodes PNG to grayscale with transparency on white paper', () => {
    const png = new pngjs.PNG({ width: 3, height: 1 });
    png.data.set([0, 0, 0, 255, 255, 0, 0, 255, 0, 0, 0, 0]); // black, red, transparent
    const image = decodePng(new Uint8Array(pngjs.PNG.sync.write(png)));
    expect({ width: image.width, height: image.height }).toEqual({ width: 3, height: 1 });
    expect([...image.pixels]).toEqual([0, 76, 255]);
    expect(code(() => decodePng(new Uint8Array([1, 2, 3])))).toBe('VALIDATION_FAILED');
  });
});
