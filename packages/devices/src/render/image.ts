import { ErrorCode, ValidationError } from '@tillkit/core';
import pngjs from 'pngjs';

/*
 * Images for thermal printers: 8-bit grayscale in, 1 bit per dot out (1 = black, most significant
 * bit leftmost), sent as GS v 0 raster slices. Written here rather than through node-thermal-printer's
 * printImageBuffer, which thresholds without dithering, builds one object per pixel, and sends one
 * GS v 0 of any height (printers take at most 255 rows per command on small buffers).
 */

/** An 8-bit grayscale image: row-major, width * height bytes, 0 black to 255 white. */
export interface RasterImage {
  width: number;
  height: number;
  /** 8-bit grayscale, row-major, width*height bytes */
  pixels: Uint8Array;
}

/** One bit per dot, rows of `widthBytes` bytes, 1 = black, most significant bit leftmost. */
export interface MonochromeBitmap {
  widthBytes: number;
  height: number;
  bits: Uint8Array;
}

export interface DitherOptions {
  /** gray level below which a dot prints black, 1 to 255 (default 128) */
  threshold?: number;
  /** 'floyd-steinberg' (default) keeps gray tones; 'threshold' suits line art and text */
  method?: 'floyd-steinberg' | 'threshold';
}

function invalid(message: string, details: Record<string, unknown> = {}): ValidationError {
  return new ValidationError(ErrorCode.VALIDATION_FAILED, message, { details });
}

function checkImage(image: RasterImage): void {
  const { width, height, pixels } = image;
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 1 || height < 1)
    throw invalid(`An image needs a positive integer width and height; got ${String(width)} x ${String(height)}.`, {
      width,
      height,
    });
  if (!(pixels instanceof Uint8Array) || pixels.length !== width * height)
    throw invalid(
      `An image of ${width} x ${height} needs ${width * height} grayscale bytes (one per pixel, row by row); got ${
        pixels instanceof Uint8Array ? pixels.length : typeof pixels
      }.`,
      { width, height },
    );
}

/**
 * Turns a grayscale image into printer dots: Floyd-Steinberg error diffusion (default) or a plain
 * threshold. Throws ValidationError for an image whose pixels do not match its size.
 */
export function ditherImage(image: RasterImage, options: DitherOptions = {}): MonochromeBitmap {
  checkImage(image);
  const { threshold = 128, method = 'floyd-steinberg' } = options;
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > 255)
    throw invalid(`The dither threshold must be an integer from 1 to 255; got ${String(threshold)}.`, { threshold });
  if (method !== 'floyd-steinberg' && method !== 'threshold')
    throw invalid(`The dither method must be 'floyd-steinberg' or 'threshold'; got ${JSON.stringify(method)}.`);
  const { width, height, pixels } = image;
  const widthBytes = (width + 7) >> 3;
  const bits = new Uint8Array(widthBytes * height);
  if (method === 'threshold') {
    for (let y = 0; y < height; y++) {
      const row = y * width;
      const out = y * widthBytes;
      for (let x = 0; x < width; x++) {
        const at = out + (x >> 3);
        if ((pixels[row + x] as number) < threshold) bits[at] = (bits[at] as number) | (0x80 >> (x & 7));
      }
    }
    return { widthBytes, height, bits };
  }
  // Errors are kept in 1/16 units, indexed x + 1 so x - 1 and x + 1 need no bounds checks.
  let current = new Int32Array(width + 2);
  let next = new Int32Array(width + 2);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const out = y * widthBytes;
    for (let x = 0; x < width; x++) {
      const value = (pixels[row + x] as number) + ((current[x + 1] as number) >> 4);
      let error: number;
      if (value < threshold) {
        const at = out + (x >> 3);
        bits[at] = (bits[at] as number) | (0x80 >> (x & 7));
        error = value;
      } else {
        error = value - 255;
      }
      current[x + 2] = (current[x + 2] as number) + error * 7;
      next[x] = (next[x] as number) + error * 3;
      next[x + 1] = (next[x + 1] as number) + error * 5;
      next[x + 2] = (next[x + 2] as number) + error;
    }
    [current, next] = [next, current];
    next.fill(0);
  }
  return { widthBytes, height, bits };
}

/** Largest row count one GS v 0 accepts (yL + yH x 256 <= 2303). */
const GS_V0_MAX_ROWS = 2303;

function checkBitmap(bitmap: MonochromeBitmap): void {
  const { widthBytes, height, bits } = bitmap;
  if (!Number.isInteger(widthBytes) || widthBytes < 1 || widthBytes > 0xffff || !Number.isInteger(height) || height < 1)
    throw invalid(`A bitmap needs 1 to 65535 bytes per row and at least 1 row; got ${String(widthBytes)} x ${String(height)}.`);
  if (bits.length !== widthBytes * height)
    throw invalid(`A bitmap of ${widthBytes} bytes x ${height} rows needs ${widthBytes * height} bytes; got ${bits.length}.`);
}

/**
 * GS v 0 commands (1D 76 30 00 xL xH yL yH d...) printing `bitmap` in slices of at most `maxRows`
 * rows each (a profile's maxRasterRows), so no command overflows a small receive buffer.
 */
export function rasterCommands(bitmap: MonochromeBitmap, maxRows: number): Uint8Array {
  checkBitmap(bitmap);
  if (!Number.isInteger(maxRows) || maxRows < 1 || maxRows > GS_V0_MAX_ROWS)
    throw invalid(`maxRows must be an integer from 1 to ${GS_V0_MAX_ROWS}; got ${String(maxRows)}.`, { maxRows });
  const { widthBytes, height, bits } = bitmap;
  const slices = Math.ceil(height / maxRows);
  const out = new Uint8Array(slices * 8 + bits.length);
  let at = 0;
  for (let y = 0; y < height; y += maxRows) {
    const rows = Math.min(maxRows, height - y);
    out.set([0x1d, 0x76, 0x30, 0x00, widthBytes & 0xff, widthBytes >> 8, rows & 0xff, rows >> 8], at);
    at += 8;
    out.set(bits.subarray(y * widthBytes, (y + rows) * widthBytes), at);
    at += rows * widthBytes;
  }
  return out;
}

/**
 * Star Line Mode raster: ESC 0 (24-dot line feed), then per band of 24 rows ESC k nL nH d... LF,
 * then ESC z 1 (the default 4 mm line feed) again. A last short band is padded with white rows.
 */
export function starRasterCommands(bitmap: MonochromeBitmap): Uint8Array {
  checkBitmap(bitmap);
  const { widthBytes, height, bits } = bitmap;
  const bands = Math.ceil(height / 24);
  const bandBytes = widthBytes * 24;
  const out = new Uint8Array(2 + bands * (4 + bandBytes + 1) + 3);
  out.set([0x1b, 0x30], 0);
  let at = 2;
  for (let band = 0; band < bands; band++) {
    out.set([0x1b, 0x6b, widthBytes & 0xff, widthBytes >> 8], at);
    at += 4;
    const start = band * bandBytes;
    out.set(bits.subarray(start, Math.min(start + bandBytes, bits.length)), at);
    at += bandBytes; // rows past the image stay 0 (white)
    out[at++] = 0x0a;
  }
  out.set([0x1b, 0x7a, 0x01], at);
  return out;
}

/**
 * Shrinks an image wider than `maxWidth` to that width, keeping its aspect ratio, by averaging
 * the source pixels under each target pixel (box filter). Narrower images are returned as they are:
 * printing them larger would only blur them.
 */
export function fitToWidth(image: RasterImage, maxWidth: number): RasterImage {
  checkImage(image);
  if (image.width <= maxWidth) return image;
  const { width, height, pixels } = image;
  const targetWidth = maxWidth;
  const targetHeight = Math.max(1, Math.round((height * targetWidth) / width));
  const out = new Uint8Array(targetWidth * targetHeight);
  const xStart = new Int32Array(targetWidth + 1);
  for (let x = 0; x <= targetWidth; x++) xStart[x] = Math.floor((x * width) / targetWidth);
  for (let y = 0; y < targetHeight; y++) {
    const y0 = Math.floor((y * height) / targetHeight);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * height) / targetHeight));
    for (let x = 0; x < targetWidth; x++) {
      const x0 = xStart[x] as number;
      const x1 = Math.max(x0 + 1, xStart[x + 1] as number);
      let sum = 0;
      for (let sy = y0; sy < y1; sy++) {
        const row = sy * width;
        for (let sx = x0; sx < x1; sx++) sum += pixels[row + sx] as number;
      }
      out[y * targetWidth + x] = Math.round(sum / ((y1 - y0) * (x1 - x0)));
    }
  }
  return { width: targetWidth, height: targetHeight, pixels: out };
}

/**
 * Decodes PNG bytes into grayscale, transparent parts composited onto white paper (luma
 * 0.299 R + 0.587 G + 0.114 B). Throws ValidationError when the bytes are not a readable PNG.
 */
export function decodePng(png: Uint8Array): RasterImage {
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    decoded = pngjs.PNG.sync.read(Buffer.from(png.buffer, png.byteOffset, png.byteLength));
  } catch (error) {
    throw new ValidationError(
      ErrorCode.VALIDATION_FAILED,
      `The image is not a readable PNG (${error instanceof Error ? error.message : String(error)}); pass PNG bytes or a RasterImage.`,
      { cause: error },
    );
  }
  const { width, height, data } = decoded;
  const pixels = new Uint8Array(width * height);
  for (let i = 0, p = 0; i < pixels.length; i++, p += 4) {
    const luma = ((data[p] as number) * 77 + (data[p + 1] as number) * 150 + (data[p + 2] as number) * 29) >> 8;
    const alpha = data[p + 3] as number;
    pixels[i] = Math.round((luma * alpha + 255 * (255 - alpha)) / 255);
  }
  return { width, height, pixels };
}
