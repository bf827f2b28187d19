import { isCurrencyCode } from './currency';
import type { PricingInput } from './pricing-schema';
import { ROUNDING_MODES } from './rounding';

/**
 * A fast structural check that mirrors PricingInputSchema. It answers `true` only when the schema
 * would accept the input; on `false` the caller parses with the zod schema, which writes the error
 * messages. Schema parsing costs as much as pricing itself on large baskets; this check costs a
 * fraction of it. pricing-guard.test.ts checks that the two agree on generated input: change both
 * together.
 */
export function isPlainPricingInput(input: unknown): input is PricingInput {
  if (!isRecord(input)) return false;
  if (input.serviceCharges !== undefined && !isChargeList(input.serviceCharges)) return false;
  if (input.documentRounding !== undefined && !isDocumentRounding(input.documentRounding)) return false;
  if (!isCurrencyCode(input.currency) || !isPolicy(input.policy)) return false;
  const { lines, taxes, orderDiscounts } = input;
  if (!Array.isArray(lines) || lines.length > 100_000 || !Array.isArray(taxes) || taxes.length > 64) return false;
  for (const t of taxes as unknown[]) if (!isTax(t)) return false;
  if (orderDiscounts !== undefined && !isDiscountList(orderDiscounts)) return false;
  for (const l of lines as unknown[]) if (!isLine(l)) return false;
  return true;
}

const DECIMAL_RE = /^-?\d+(\.\d+)?$/;
const MODES: ReadonlySet<unknown> = new Set(ROUNDING_MODES);
const LEVELS: ReadonlySet<unknown> = new Set(['UNIT', 'LINE', 'RATE_BUCKET', 'DOCUMENT']);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isId(v: unknown): boolean {
  return typeof v === 'string' && v.length >= 1 && v.length <= 128;
}

function isText(v: unknown, min: number, max: number): boolean {
  return typeof v === 'string' && v.length >= min && v.length <= max;
}

function isOptionalText(v: unknown, max: number): boolean {
  return v === undefined || (typeof v === 'string' && v.length <= max);
}

function isMinor(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v);
}

function isDecimal(v: unknown): boolean {
  return typeof v === 'number' ? Number.isFinite(v) : typeof v === 'string' && DECIMAL_RE.test(v);
}

function isPolicy(v: unknown): boolean {
  return (
    isRecord(v) &&
    MODES.has(v.mode) &&
    LEVELS.has(v.level) &&
    (v.inclusiveRoundFirst === 'TAX' || v.inclusiveRoundFirst === 'NET')
  );
}

function isTax(v: unknown): boolean {
  return (
    isRecord(v) &&
    isId(v.id) &&
    isText(v.name, 1, 64) &&
    isOptionalText(v.code, 4) &&
    isDecimal(v.rate) &&
    typeof v.inclusive === 'boolean'
  );
}

function isDiscount(v: unknown): boolean {
  if (!isRecord(v) || (v.id !== undefined && !isId(v.id)) || !isOptionalText(v.name, 64)) return false;
  if (v.kind === 'percent') return isDecimal(v.percent);
  return v.kind === 'amount' && isMinor(v.amount) && v.amount >= 0;
}

function isDiscountList(v: unknown): boolean {
  if (!Array.isArray(v) || v.length > 20) return false;
  for (const d of v as unknown[]) if (!isDiscount(d)) return false;
  return true;
}

function isModifier(v: unknown): boolean {
  return (
    isRecord(v) &&
    (v.id === undefined || isId(v.id)) &&
    isText(v.name, 1, 128) &&
    isMinor(v.unitPrice) &&
    v.unitPrice >= 0 &&
    (v.quantity === undefined || (isMinor(v.quantity) && v.quantity > 0))
  );
}

function isLine(v: unknown): boolean {
  if (!isRecord(v)) return false;
  if (!isId(v.id) || !isText(v.name, 1, 256) || !isOptionalText(v.sku, 64) || !isOptionalText(v.unit, 16)) return false;
  if (!isMinor(v.unitPrice) || v.unitPrice < 0 || !isDecimal(v.quantity)) return false;
  const { taxIds, modifiers, discounts } = v;
  if (!Array.isArray(taxIds) || taxIds.length > 8) return false;
  for (const id of taxIds as unknown[]) if (!isId(id)) return false;
  if (discounts !== undefined && !isDiscountList(discounts)) return false;
  if (modifiers !== undefined) {
    if (!Array.isArray(modifiers) || modifiers.length > 100) return false;
    for (const m of modifiers as unknown[]) if (!isModifier(m)) return false;
  }
  return true;
}

function isCharge(v: unknown): boolean {
  if (!isRecord(v) || !isId(v.id) || !isText(v.name, 1, 64) || (v.phase !== 'BEFORE_TAX' && v.phase !== 'AFTER_TAX'))
    return false;
  const { charge, taxIds } = v;
  if (!isRecord(charge)) return false;
  if (
    charge.kind === 'percent'
      ? !isDecimal(charge.percent)
      : charge.kind !== 'amount' || !isMinor(charge.amount) || charge.amount < 0
  ) {
    return false;
  }
  if (taxIds === undefined) return true;
  if (!Array.isArray(taxIds) || taxIds.length > 8) return false;
  for (const id of taxIds as unknown[]) if (!isId(id)) return false;
  return true;
}

function isChargeList(v: unknown): boolean {
  if (!Array.isArray(v) || v.length > 10) return false;
  for (const c of v as unknown[]) if (!isCharge(c)) return false;
  return true;
}

function isDocumentRounding(v: unknown): boolean {
  return isRecord(v) && isMinor(v.increment) && v.increment > 0 && MODES.has(v.mode);
}
