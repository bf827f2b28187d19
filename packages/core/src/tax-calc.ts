import { allocateInteger } from './allocate';
import { POWERS_OF_TEN, type ScaledDecimal } from './decimal';
import { ErrorCode, MoneyError } from './errors';
import { mulDivRound, roundRational, type RoundingMode } from './rounding';
import type { InclusiveRoundFirst } from './tax-policy';

/**
 * Integer tax arithmetic for one tax group (the set of taxes carried by a line). Every function
 * here is exact: rates are integer fractions, amounts are integer minor units, and each rounding
 * happens once, where the policy says. No schema types: pricing.ts maps its input onto these.
 */

/** One tax of a group: a percentage ("19" -> { units: 19, scale: 0 }) and whether prices include it. */
export interface GroupTax {
  readonly percent: ScaledDecimal;
  readonly inclusive: boolean;
}

/**
 * The rates of a tax group on one common scale: tax k is `numerators[k] / denominator` of the net.
 * With R the sum of the inclusive numerators, a base (what the customer is charged for the line,
 * inclusive taxes included) is `(denominator + R) / denominator` of the net, so every exact tax of
 * the group is `base * numerators[k] / (denominator + R)`.
 */
export interface TaxGroupRates {
  readonly numerators: readonly number[];
  readonly inclusive: readonly boolean[];
  /** 100 * 10^scale: rates are percentages */
  readonly denominator: number;
  /** sum of the inclusive numerators (R) */
  readonly inclusiveSum: number;
  /** the inclusive numerators, 0 for additive taxes: weights of the NET-first split */
  readonly inclusiveWeights: readonly number[];
  /** index of the only inclusive tax with a non-zero rate, or -1: spares the NET-first split */
  readonly soleInclusive: number;
}

export interface TaxRounding {
  readonly mode: RoundingMode;
  readonly roundFirst: InclusiveRoundFirst;
}

/** An amount split into its net and one tax amount per tax of the group (same order). */
export interface TaxSplit {
  readonly net: number;
  readonly taxes: readonly number[];
}

/** Puts a group's percentages on their largest common scale so they add up as integers. */
export function taxGroupRates(taxes: readonly GroupTax[]): TaxGroupRates {
  let scale = 0;
  for (const t of taxes) scale = Math.max(scale, t.percent.scale);
  const numerators = taxes.map((t) => t.percent.units * (POWERS_OF_TEN[scale - t.percent.scale] as number));
  const inclusiveWeights = numerators.map((n, k) => ((taxes[k] as GroupTax).inclusive ? n : 0));
  const inclusiveSum = inclusiveWeights.reduce((s, n) => s + n, 0);
  const nonZero = inclusiveWeights.filter((n) => n > 0).length;
  return {
    numerators,
    inclusive: taxes.map((t) => t.inclusive),
    denominator: 100 * (POWERS_OF_TEN[scale] as number),
    inclusiveSum,
    inclusiveWeights,
    soleInclusive: nonZero === 1 ? inclusiveWeights.findIndex((n) => n > 0) : -1,
  };
}

/**
 * LINE level: the taxes of one amount, each rounded once.
 * - TAX first: each inclusive tax = round(base * r_i / (1 + R)); net = base - their sum.
 * - NET first: net = round(base / (1 + R)); the inclusive tax (base - net) is split over the
 *   inclusive rates by largest remainder weighted by rate.
 * - Additive taxes: round(net * r_j) each, on the net just found.
 * Symmetric modes give lineTaxes(-b) = -lineTaxes(b), which returns rely on.
 */
export function lineTaxes(base: number, group: TaxGroupRates, rounding: TaxRounding): TaxSplit {
  const { numerators, inclusive, denominator, inclusiveSum } = group;
  const mode = rounding.mode;
  const taxes = new Array<number>(numerators.length).fill(0);
  let net = base;
  if (inclusiveSum > 0) {
    const divisor = denominator + inclusiveSum;
    if (rounding.roundFirst === 'NET') {
      net = mulDivRound(base, denominator, divisor, mode);
      splitInclusive(base - net, group, taxes);
    } else {
      for (let k = 0; k < numerators.length; k++) {
        if (!inclusive[k]) continue;
        const tax = mulDivRound(base, numerators[k] as number, divisor, mode);
        taxes[k] = tax;
        net -= tax;
      }
    }
  }
  for (let k = 0; k < numerators.length; k++) {
    if (!inclusive[k]) taxes[k] = mulDivRound(net, numerators[k] as number, denominator, mode);
  }
  return { net, taxes };
}

function splitInclusive(total: number, group: TaxGroupRates, taxes: number[]): void {
  if (group.soleInclusive >= 0) {
    taxes[group.soleInclusive] = total;
    return;
  }
  const parts = allocateInteger(total, group.inclusiveWeights);
  for (let k = 0; k < parts.length; k++) if (group.inclusive[k]) taxes[k] = parts[k] as number;
}

/**
 * UNIT level: the taxes of one unit, rounded as for LINE, times the quantity. This needs a whole
 * number of minor units per unit; otherwise (a measured quantity, passed as `units` 1, or a
 * discounted base that does not divide by the quantity) it falls back to LINE. Rounding a
 * fractional unit amount and multiplying by the quantity would scale the rounding error with the
 * quantity and can make a tax negative (a 0 % inclusive rate on 4 units for 7 cents gives a net of
 * 4 x round(1.75) = 8 and a tax of -1).
 */
export function unitTaxes(base: number, units: number, group: TaxGroupRates, rounding: TaxRounding): TaxSplit {
  if (units <= 1 || base % units !== 0) return lineTaxes(base, group, rounding);
  const one = lineTaxes(base / units, group, rounding);
  return { net: one.net * units, taxes: one.taxes.map((t) => t * units) };
}

/**
 * Spreads a group's split back over its items (lines and taxable charges) by largest remainder
 * weighted by each item's base, one tax at a time, so each tax sums exactly to the group's. Each
 * item's net follows from its base minus its inclusive taxes, so its gross never moves.
 */
export function spreadSplit(split: TaxSplit, bases: readonly number[], group: TaxGroupRates): TaxSplit[] {
  if (bases.length === 1) return [split];
  const taxCount = group.numerators.length;
  const perItem = bases.map(() => new Array<number>(taxCount));
  for (let k = 0; k < taxCount; k++) {
    const parts = allocateInteger(split.taxes[k] as number, bases);
    for (let i = 0; i < bases.length; i++) (perItem[i] as number[])[k] = parts[i] as number;
  }
  return bases.map((base, i) => {
    const taxes = perItem[i] as number[];
    let net = base;
    for (let k = 0; k < taxCount; k++) if (group.inclusive[k]) net -= taxes[k] as number;
    return { net, taxes };
  });
}

/**
 * DOCUMENT level: the exact (rational) taxes of every group summed over the document and rounded
 * once, then allocated to each (group, tax) by largest remainder weighted by its exact amount.
 * - TAX first: the total of all taxes is rounded once.
 * - NET first: the document's net is rounded once; the inclusive tax is the bases minus that net.
 *   Additive taxes, which have no net of their own to round, are totalled and rounded once.
 * `bases[g]` is the (non-negative) sum of the bases of group g. Returns one split per group.
 */
export function documentTaxes(bases: readonly number[], groups: readonly TaxGroupRates[], rounding: TaxRounding): TaxSplit[] {
  // Bring every group's exact amounts, base * numerator / (denominator + R), over one common
  // denominator so they can be summed and compared exactly. This is per group, not per line, so
  // bigints cost nothing measurable and keep any product exact.
  const divisors = groups.map((g) => BigInt(g.denominator + g.inclusiveSum));
  const common = divisors.reduce(lcm, 1n);
  const scaled = bases.map((b, g) => BigInt(b) * (common / (divisors[g] as bigint)));
  const weights: bigint[] = [];
  const isInclusive: boolean[] = [];
  groups.forEach((group, g) => {
    group.numerators.forEach((n, k) => {
      weights.push((scaled[g] as bigint) * BigInt(n));
      isInclusive.push(group.inclusive[k] as boolean);
    });
  });
  const amounts =
    rounding.roundFirst === 'NET'
      ? netFirstDocument(bases, groups, { scaled, weights, isInclusive, common }, rounding.mode)
      : allocateBig(roundRational(sumBig(weights), common, rounding.mode), weights);
  let at = 0;
  return groups.map((group, g) => {
    const taxes = amounts.slice(at, at + group.numerators.length);
    at += group.numerators.length;
    let net = bases[g] as number;
    taxes.forEach((t, k) => {
      if (group.inclusive[k]) net -= t;
    });
    return { net, taxes };
  });
}

interface ExactDocument {
  readonly scaled: readonly bigint[];
  readonly weights: readonly bigint[];
  readonly isInclusive: readonly boolean[];
  readonly common: bigint;
}

function netFirstDocument(
  bases: readonly number[],
  groups: readonly TaxGroupRates[],
  exact: ExactDocument,
  mode: RoundingMode,
): number[] {
  const { scaled, weights, isInclusive, common } = exact;
  // net_g = base_g * denominator_g / (denominator_g + R_g); groups without inclusive taxes add
  // their base exactly and do not change the rounding.
  const exactNet = groups.reduce((s, group, g) => s + (scaled[g] as bigint) * BigInt(group.denominator), 0n);
  const net = roundRational(exactNet, common, mode);
  const inclusiveTax = bases.reduce((s, b) => s + b, 0) - net;
  const inclusiveWeights = weights.map((w, i) => (isInclusive[i] ? w : 0n));
  const additiveWeights = weights.map((w, i) => (isInclusive[i] ? 0n : w));
  const inclusive = allocateBig(inclusiveTax, inclusiveWeights);
  const additive = allocateBig(roundRational(sumBig(additiveWeights), common, mode), additiveWeights);
  return inclusive.map((t, i) => (isInclusive[i] ? t : (additive[i] as number)));
}

/**
 * Largest-remainder allocation of a safe integer over non-negative bigint weights (exact
 * rationals on a common denominator), with the rules of allocateInteger: floors toward zero,
 * leftover units to the largest remainders, ties to the lower index, symmetric in the sign of the
 * amount.
 */
export function allocateBig(amount: number, weights: readonly bigint[]): number[] {
  const total = sumBig(weights);
  if (total === 0n) {
    // A zero exact total rounds to zero in every mode, so this only guards against misuse.
    if (amount === 0) return weights.map(() => 0);
    throw new MoneyError(ErrorCode.INVALID_ALLOCATION, `Cannot allocate ${amount} over weights that are all zero.`);
  }
  const negative = amount < 0;
  const abs = BigInt(negative ? -amount : amount);
  const parts = weights.map((w) => (abs * w) / total);
  const rems = weights.map((w, i) => abs * w - (parts[i] as bigint) * total);
  let left = abs - sumBig(parts);
  const order = weights.map((_, i) => i).sort((a, b) => compareBig(rems[b] as bigint, rems[a] as bigint) || a - b);
  for (let k = 0; left > 0n; k++, left--) {
    const i = order[k] as number;
    parts[i] = (parts[i] as bigint) + 1n;
  }
  return parts.map((p) => (negative ? -Number(p) : Number(p)) || 0);
}

function compareBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sumBig(values: readonly bigint[]): bigint {
  let s = 0n;
  for (const v of values) s += v;
  return s;
}

function lcm(a: bigint, b: bigint): bigint {
  let x = a;
  let y = b;
  while (y !== 0n) [x, y] = [y, x % y];
  return (a / x) * b;
}
