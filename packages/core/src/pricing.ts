/**
 * The pricing engine: `priceSale(input)` turns a basket into a `PricedSale`. It is one pure
 * function (no I/O, no clock, no floats): every amount is an integer of minor units, quantities,
 * percentages and rates are exact decimals, and each value is rounded once, with `policy.mode`,
 * at the step below that produces it. Later steps use the rounded results of earlier ones and
 * never recompute them, so what is stored on a line is what returns replay.
 *
 * Order:
 * 1. Validate: the schema, then unknown tax ids, duplicate ids, quantities <= 0, percentages
 *    outside 0..100, discounts larger than what they discount, taxes on AFTER_TAX charges and
 *    amounts beyond the safe integer range. Any failure throws a typed error; there is no
 *    partial result.
 * 2. Line gross = (unit price + sum of modifier price x modifier quantity) x quantity. A measured
 *    quantity ("1.235" kg) makes the gross the one rounded value of the line.
 * 3. Line discounts: every percentage first, each on the running line amount, then fixed
 *    amounts, whatever the order given. Each is stored on the line (scope 'line').
 * 4. Order discounts: percentages first, each on the running order amount (the sum of the lines
 *    after line discounts and earlier order discounts), then fixed amounts. Each one is allocated to the lines by largest remainder weighted by their
 *    current amounts and stored on every line (scope 'order'), so returns replay the shares.
 *    base = gross - line discounts - order discounts.
 * 5. BEFORE_TAX service charges: a percentage of the sum of line bases or a fixed amount, taxed
 *    with their taxIds exactly like a line (none: not taxable).
 * 6. Taxes, per `policy` (see below), on lines and BEFORE_TAX charges.
 * 7. AFTER_TAX service charges (tips): a percentage of the taxed total of lines and BEFORE_TAX
 *    charges or a fixed amount; never taxed.
 * 8. Document rounding, when asked for: the total to a multiple of `increment`, the signed
 *    difference in `roundingAdjustment`. Cash rounding is not done here but when a cash tender is
 *    applied.
 *
 * Taxes. Rates are percentages; a line may carry several. With R the sum of a line's inclusive
 * rates, an inclusive tax is backed out of the base as base x r / (1 + R) (never base x r) and
 * additive taxes are net x r on the net = base / (1 + R). Lines carrying the same set of taxes
 * form a tax group. `policy.level` says where rounding happens:
 * - LINE: per line and tax. TAX first: each inclusive tax is rounded and the net is what is left;
 *   NET first: the net is rounded and the inclusive tax (base - net) split over the inclusive
 *   rates by largest remainder. Additive taxes are then rounded on that net.
 * - UNIT: as LINE on one unit, times the quantity. Lines whose base is not a whole number of
 *   minor units per unit (measured quantities, uneven discounts) fall back to LINE.
 * - RATE_BUCKET: per tax group, as LINE on the sum of its bases, then each tax is allocated back
 *   to the lines by largest remainder weighted by base (Japan: once per rate per invoice).
 * - DOCUMENT: the exact taxes of the whole document are summed and the total rounded once (NET
 *   first: the document net is rounded once instead, and additive taxes, which have no net of
 *   their own, are totalled and rounded once), then allocated to each group and rate by largest
 *   remainder weighted by the exact amounts, then to the lines by base.
 * At every level: for a line with only inclusive taxes total = base (the gross never moves);
 * net + taxes = total for every line and charge; net + tax = gross for every tax bucket; the lines,
 * charges and rounding adjustment add up to the total; and a non-negative base has no negative tax.
 *
 * Output: lines and service charges in input order; the taxes of a line and the tax buckets (one
 * per tax in use) in the order of `input.taxes`; the policy is recorded on the result.
 * `priceSaleTrusted` is the same function without the schema parse, for already validated input.
 */
import { allocateInteger } from './allocate';
import { formatDecimal, parseDecimal, POWERS_OF_TEN, type DecimalInput, type ScaledDecimal } from './decimal';
import { ErrorCode, MoneyError, ValidationError } from './errors';
import {
  PricingInputSchema,
  type AppliedDiscount,
  type DiscountInput,
  type LineInput,
  type LineTax,
  type PricedLine,
  type PricedSale,
  type PricedServiceCharge,
  type PricingInput,
  type ServiceChargeInput,
  type TaxBucket,
  type TaxRateInput,
} from './pricing-schema';
import { mulDivRound, roundDiv, type RoundingMode } from './rounding';
import {
  documentTaxes,
  lineTaxes,
  spreadSplit,
  taxGroupRates,
  unitTaxes,
  type TaxGroupRates,
  type TaxRounding,
  type TaxSplit,
} from './tax-calc';
import type { TaxPolicy } from './tax-policy';
import { parseInput } from './validate';
import { isPlainPricingInput } from './pricing-guard';

/** Prices a basket in the documented order. Validates `input` first; throws typed errors. */
export function priceSale(input: PricingInput): PricedSale {
  if (isPlainPricingInput(input)) return priceSaleTrusted(input);
  return priceSaleTrusted(parseInput(PricingInputSchema, input, 'pricing input'));
}

/**
 * `priceSale` without the schema parse, for input that has already passed `PricingInputSchema`
 * (a draft whose lines were validated as they were added). The schema parse costs about as much
 * as the pricing itself on large baskets. Every semantic check still runs; input that does not
 * match the schema gives undefined results.
 */
export function priceSaleTrusted(input: PricingInput): PricedSale {
  const mode = input.policy.mode;
  const catalog = new TaxCatalog(input.taxes);
  checkUniqueIds(input.lines, 'line');
  const lines = input.lines.map((line) => readLine(line, catalog, mode));
  applyOrderDiscounts(lines, input.orderDiscounts ?? NONE, mode);

  const charges = input.serviceCharges ?? NONE;
  checkUniqueIds(charges, 'service charge');
  const lineBases = safeSum(lines, (l) => l.base, 'The sum of the line amounts');
  const beforeTax = charges.filter((c) => c.phase === 'BEFORE_TAX').map((c) => readCharge(c, lineBases, catalog, mode));
  charges.forEach(checkUntaxed);

  applyTaxes([...lines, ...beforeTax], catalog, input.policy);

  const buckets = new BucketTotals(catalog.taxes.length);
  const pricedLines = lines.map((l) => pricedLine(l, catalog, buckets));
  const pricedBefore = beforeTax.map((c) => pricedCharge(c, catalog, buckets));
  const taxedTotal =
    safeSum(pricedLines, (l) => l.total, 'The total of the lines') +
    safeSum(pricedBefore, (c) => c.total, 'The total of the service charges');
  // Charges are listed in input order, whatever their phase.
  let before = 0;
  const serviceCharges = charges.map((c) =>
    c.phase === 'BEFORE_TAX' ? (pricedBefore[before++] as PricedServiceCharge) : tip(c, chargeAmount(c, taxedTotal, mode)),
  );
  return summarize({ input, lines: pricedLines, serviceCharges, buckets: buckets.toBuckets(catalog) });
}

// ---------------------------------------------------------------------------------------------
// Taxes and tax groups

interface TaxInfo {
  readonly id: string;
  readonly name: string;
  readonly code: string | undefined;
  /** canonical decimal percentage, as stored on every LineTax */
  readonly rate: string;
  readonly percent: ScaledDecimal;
  readonly inclusive: boolean;
}

interface TaxGroup {
  /** indices into TaxCatalog.taxes, ascending: a group's taxes are listed in input.taxes order */
  readonly taxIndices: readonly number[];
  readonly rates: TaxGroupRates;
}

/** Highest accepted rate, in percent. It keeps rate numerators well inside the safe range. */
const MAX_RATE_PERCENT = 1000;

/** The document's taxes, parsed once per call, and the tax groups its lines and charges use. */
class TaxCatalog {
  readonly taxes: readonly TaxInfo[];
  readonly groups: TaxGroup[] = [];
  private readonly indexById = new Map<string, number>();
  private readonly groupByKey = new Map<string, number>();
  /** group of the lines carrying only tax i: most lines, so they skip building a key */
  private readonly singleTaxGroups: (number | undefined)[] = [];

  constructor(inputs: readonly TaxRateInput[]) {
    this.taxes = inputs.map((t, i) => {
      if (this.indexById.has(t.id)) {
        throw new ValidationError(
          ErrorCode.DUPLICATE_ID,
          `Tax id "${t.id}" is listed twice in taxes; give each tax rate its own id.`,
          {
            details: { taxId: t.id },
          },
        );
      }
      this.indexById.set(t.id, i);
      return readTax(t);
    });
  }

  /** The group of a line or charge carrying `taxIds`, created on first use. */
  groupOf(taxIds: readonly string[], owner: string): number {
    if (taxIds.length === 1) {
      const index = this.indexOf(taxIds[0] as string, owner);
      return (this.singleTaxGroups[index] ??= this.addGroup([index]));
    }
    const indices = taxIds.map((id) => this.indexOf(id, owner));
    indices.sort((a, b) => a - b);
    for (let k = 1; k < indices.length; k++) {
      if (indices[k] === indices[k - 1]) {
        const id = (this.taxes[indices[k] as number] as TaxInfo).id;
        throw new ValidationError(ErrorCode.DUPLICATE_ID, `${owner} lists tax "${id}" twice; list each tax once.`, {
          details: { taxId: id },
        });
      }
    }
    const key = indices.join(',');
    let group = this.groupByKey.get(key);
    if (group === undefined) {
      group = this.addGroup(indices);
      this.groupByKey.set(key, group);
    }
    return group;
  }

  private addGroup(taxIndices: readonly number[]): number {
    this.groups.push({ taxIndices, rates: taxGroupRates(taxIndices.map((i) => this.taxes[i] as TaxInfo)) });
    return this.groups.length - 1;
  }

  private indexOf(id: string, owner: string): number {
    const index = this.indexById.get(id);
    if (index === undefined) {
      throw new ValidationError(
        ErrorCode.UNKNOWN_TAX,
        `${owner} uses tax "${id}", which is not in taxes; add the rate to taxes or fix the id.`,
        {
          details: { taxId: id },
        },
      );
    }
    return index;
  }
}

function readTax(t: TaxRateInput): TaxInfo {
  const percent = parseDecimal(t.rate, `Tax "${t.id}" rate`);
  if (percent.units < 0 || percent.units > MAX_RATE_PERCENT * (POWERS_OF_TEN[percent.scale] as number)) {
    throw new ValidationError(
      ErrorCode.VALIDATION_FAILED,
      `Tax "${t.id}" rate must be a percentage between 0 and ${MAX_RATE_PERCENT}; got ${formatDecimal(percent)}.`,
      { details: { taxId: t.id } },
    );
  }
  return { id: t.id, name: t.name, code: t.code, rate: formatDecimal(percent), percent, inclusive: t.inclusive };
}

/** Something taxed: a line or a BEFORE_TAX service charge. `split` is filled by applyTaxes. */
interface TaxItem {
  /** names the item in error messages: 'Line "a"' */
  readonly owner: string;
  /** the amount after discounts, inclusive taxes included */
  base: number;
  /** whole quantity for UNIT rounding; 1 for measured quantities and charges */
  readonly units: number;
  readonly group: number;
  split: TaxSplit;
}

/** Placeholder until applyTaxes runs. */
const NOT_YET_TAXED: TaxSplit = { net: 0, taxes: [] };

function applyTaxes(items: readonly TaxItem[], catalog: TaxCatalog, policy: TaxPolicy): void {
  const rounding: TaxRounding = { mode: policy.mode, roundFirst: policy.inclusiveRoundFirst };
  const groups = catalog.groups;
  switch (policy.level) {
    case 'UNIT':
      for (const item of items) item.split = unitTaxes(item.base, item.units, rates(groups, item.group), rounding);
      return;
    case 'LINE':
      for (const item of items) item.split = lineTaxes(item.base, rates(groups, item.group), rounding);
      return;
    case 'RATE_BUCKET': {
      const members = membersByGroup(items, groups.length);
      members.forEach((m, g) => spreadGroup(m, lineTaxes(sumBases(m), rates(groups, g), rounding), rates(groups, g)));
      return;
    }
    case 'DOCUMENT': {
      const members = membersByGroup(items, groups.length);
      const splits = documentTaxes(
        members.map(sumBases),
        groups.map((g) => g.rates),
        rounding,
      );
      members.forEach((m, g) => spreadGroup(m, splits[g] as TaxSplit, rates(groups, g)));
      return;
    }
  }
}

function rates(groups: readonly TaxGroup[], g: number): TaxGroupRates {
  return (groups[g] as TaxGroup).rates;
}

function membersByGroup(items: readonly TaxItem[], groupCount: number): TaxItem[][] {
  const members = Array.from({ length: groupCount }, (): TaxItem[] => []);
  for (const item of items) (members[item.group] as TaxItem[]).push(item);
  return members;
}

function sumBases(items: readonly TaxItem[]): number {
  return safeSum(items, (i) => i.base, 'The sum of a tax group');
}

function spreadGroup(members: readonly TaxItem[], split: TaxSplit, group: TaxGroupRates): void {
  const splits = spreadSplit(
    split,
    members.map((m) => m.base),
    group,
  );
  members.forEach((m, i) => (m.split = splits[i] as TaxSplit));
}

/** Per-tax totals over the document, filled as lines and charges are priced. */
class BucketTotals {
  private readonly net: number[];
  private readonly tax: number[];
  private readonly used: boolean[];

  constructor(taxCount: number) {
    this.net = new Array<number>(taxCount).fill(0);
    this.tax = new Array<number>(taxCount).fill(0);
    this.used = new Array<boolean>(taxCount).fill(false);
  }

  add(taxIndex: number, net: number, tax: number): void {
    this.net[taxIndex] = (this.net[taxIndex] as number) + net;
    this.tax[taxIndex] = (this.tax[taxIndex] as number) + tax;
    this.used[taxIndex] = true;
  }

  /** One bucket per tax used on the document, in the order of input.taxes. */
  toBuckets(catalog: TaxCatalog): TaxBucket[] {
    const buckets: TaxBucket[] = [];
    catalog.taxes.forEach((t, i) => {
      if (!this.used[i]) return;
      const net = assertSafe(this.net[i] as number, `The net of tax "${t.id}"`);
      const tax = assertSafe(this.tax[i] as number, `The tax of tax "${t.id}"`);
      const gross = assertSafe(net + tax, `The gross of tax "${t.id}"`);
      buckets.push({ taxId: t.id, name: t.name, code: t.code, rate: t.rate, inclusive: t.inclusive, net, tax, gross });
    });
    return buckets;
  }
}

/** The stored taxes of one line or charge; also adds them to the document's buckets. */
function itemTaxes(item: TaxItem, catalog: TaxCatalog, buckets: BucketTotals): LineTax[] {
  const { taxIndices } = catalog.groups[item.group] as TaxGroup;
  const { net, taxes } = item.split;
  const out = new Array<LineTax>(taxIndices.length);
  for (let k = 0; k < taxIndices.length; k++) {
    const index = taxIndices[k] as number;
    const tax = catalog.taxes[index] as TaxInfo;
    const amount = taxes[k] as number;
    buckets.add(index, net, amount);
    out[k] = { taxId: tax.id, rate: tax.rate, inclusive: tax.inclusive, taxable: net, amount };
  }
  return out;
}

function itemTotal(item: TaxItem): number {
  let total = item.split.net;
  for (const t of item.split.taxes) total += t;
  if (!Number.isSafeInteger(total)) throw overflow(`${item.owner} total`);
  return total;
}

// ---------------------------------------------------------------------------------------------
// Lines and discounts

interface WorkLine extends TaxItem {
  readonly input: LineInput;
  readonly quantity: string;
  readonly modifierUnitPrice: number;
  readonly gross: number;
  readonly discounts: AppliedDiscount[];
  readonly lineDiscount: number;
  orderDiscount: number;
}

function readLine(line: LineInput, catalog: TaxCatalog, mode: RoundingMode): WorkLine {
  const owner = lineName(line.id);
  const quantity = readQuantity(line.quantity, owner);
  const modifierUnitPrice = modifiersPerUnit(line, owner);
  const unitTotal = line.unitPrice + modifierUnitPrice;
  if (!Number.isSafeInteger(unitTotal)) throw overflow(`${owner} unit price with modifiers`);
  const gross = mulDivRound(unitTotal, quantity.units, POWERS_OF_TEN[quantity.scale] as number, mode);
  const discounts = applyLineDiscounts(gross, line.discounts ?? NONE, { owner, mode });
  let lineDiscount = 0;
  for (const d of discounts) lineDiscount += d.amount;
  const base = gross - lineDiscount;
  return {
    owner,
    input: line,
    quantity: formatDecimal(quantity),
    modifierUnitPrice,
    gross,
    discounts,
    lineDiscount,
    orderDiscount: 0,
    base,
    units: quantity.scale === 0 ? quantity.units : 1,
    group: catalog.groupOf(line.taxIds, owner),
    split: NOT_YET_TAXED,
  };
}

function lineName(id: string): string {
  return `Line "${id}"`;
}

function readQuantity(value: DecimalInput, owner: string): ScaledDecimal {
  // Whole counts are the common case: no parse, and no message built for one.
  const quantity =
    typeof value === 'number' && Number.isSafeInteger(value)
      ? { units: value, scale: 0 }
      : parseDecimal(value, `${owner} quantity`);
  if (quantity.units <= 0) {
    throw new ValidationError(
      ErrorCode.INVALID_DECIMAL,
      `${owner} quantity must be greater than 0; got ${formatDecimal(quantity)}. Void the line instead, or record a return.`,
    );
  }
  return quantity;
}

function modifiersPerUnit(line: LineInput, owner: string): number {
  if (line.modifiers === undefined) return 0;
  let sum = 0;
  for (const m of line.modifiers) sum += m.unitPrice * (m.quantity ?? 1);
  if (!Number.isSafeInteger(sum)) throw overflow(`${owner} modifiers`);
  return sum;
}

interface DiscountContext {
  /** names the line or the order in messages */
  readonly owner: string;
  readonly mode: RoundingMode;
}

/** Line discounts, percentages first, each on the amount the ones before left. */
function applyLineDiscounts(gross: number, discounts: readonly DiscountInput[], ctx: DiscountContext): AppliedDiscount[] {
  const applied: AppliedDiscount[] = [];
  let amount = gross;
  for (const kind of DISCOUNT_ORDER) {
    for (const d of discounts) {
      if (d.kind !== kind) continue;
      const value = discountAmount(d, amount, ctx);
      applied.push(appliedDiscount('line', d, value));
      amount -= value;
    }
  }
  return applied;
}

/** Percentages apply before fixed amounts, whatever the order given. */
const DISCOUNT_ORDER = ['percent', 'amount'] as const;

function discountAmount(d: DiscountInput, running: number, ctx: DiscountContext): number {
  if (d.kind === 'percent') {
    return percentOf(running, d.percent, { what: () => `${discountLabel(d)} on ${ctx.owner}`, max: 100, mode: ctx.mode });
  }
  if (d.amount > running) {
    throw new ValidationError(
      ErrorCode.DISCOUNT_EXCEEDS_AMOUNT,
      `${discountLabel(d)} of ${d.amount} on ${ctx.owner} exceeds the ${running} left to discount; lower the discount.`,
      { details: { discountId: d.id, amount: d.amount, available: running } },
    );
  }
  return d.amount;
}

function discountLabel(d: DiscountInput): string {
  return d.id === undefined ? 'A discount' : `Discount "${d.id}"`;
}

function appliedDiscount(scope: 'line' | 'order', d: DiscountInput, amount: number): AppliedDiscount {
  return { scope, id: d.id, name: d.name, kind: d.kind, amount };
}

/**
 * Order discounts, percentages first, each on the running order amount. Each is split over the
 * lines by largest remainder weighted by their current amounts (so no line goes below zero) and
 * the share is stored on every line, zero shares included, so every line lists every discount.
 */
function applyOrderDiscounts(lines: readonly WorkLine[], discounts: readonly DiscountInput[], mode: RoundingMode): void {
  if (discounts.length === 0) return;
  let running = safeSum(lines, (l) => l.base, 'The sum of the line amounts');
  const ctx: DiscountContext = { owner: 'the order', mode };
  const weights = new Array<number>(lines.length);
  for (const kind of DISCOUNT_ORDER) {
    for (const d of discounts) {
      if (d.kind !== kind) continue;
      const value = discountAmount(d, running, ctx);
      for (let i = 0; i < lines.length; i++) weights[i] = (lines[i] as WorkLine).base;
      const shares = allocateInteger(value, weights);
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i] as WorkLine;
        const share = shares[i] as number;
        line.base -= share;
        line.orderDiscount += share;
        line.discounts.push(appliedDiscount('order', d, share));
      }
      running -= value;
    }
  }
}

interface PercentRule {
  /** names the percentage in messages; a function so that it is only built for an error */
  readonly what: () => string;
  /** highest accepted percentage, or undefined for no upper bound */
  readonly max: number | undefined;
  readonly mode: RoundingMode;
}

function percentOf(amount: number, value: DecimalInput, rule: PercentRule): number {
  const percent = readDecimal(value, () => `${rule.what()} percent`);
  const hundred = 100 * (POWERS_OF_TEN[percent.scale] as number);
  const max = rule.max === undefined ? Infinity : rule.max * (POWERS_OF_TEN[percent.scale] as number);
  if (percent.units < 0 || percent.units > max) {
    const range = rule.max === undefined ? 'at least 0' : `between 0 and ${rule.max}`;
    throw new ValidationError(
      ErrorCode.VALIDATION_FAILED,
      `${rule.what()} percent must be ${range}; got ${formatDecimal(percent)}.`,
    );
  }
  return mulDivRound(amount, percent.units, hundred, rule.mode);
}

/** parseDecimal that builds the value's name for the error message only when there is an error. */
function readDecimal(value: DecimalInput, what: () => string): ScaledDecimal {
  try {
    return parseDecimal(value);
  } catch {
    return parseDecimal(value, what()); // throws again, naming the value
  }
}

function pricedLine(line: WorkLine, catalog: TaxCatalog, buckets: BucketTotals): PricedLine {
  const { input } = line;
  return {
    id: input.id,
    sku: input.sku,
    name: input.name,
    unitPrice: input.unitPrice,
    quantity: line.quantity,
    unit: input.unit,
    modifierUnitPrice: line.modifierUnitPrice,
    gross: line.gross,
    discounts: line.discounts,
    lineDiscount: line.lineDiscount,
    orderDiscount: line.orderDiscount,
    base: line.base,
    net: line.split.net,
    taxes: itemTaxes(line, catalog, buckets),
    total: itemTotal(line),
  };
}

// ---------------------------------------------------------------------------------------------
// Service charges

interface WorkCharge extends TaxItem {
  readonly input: ServiceChargeInput;
}

function readCharge(charge: ServiceChargeInput, lineBases: number, catalog: TaxCatalog, mode: RoundingMode): WorkCharge {
  const owner = chargeName(charge.id);
  return {
    owner,
    input: charge,
    base: chargeAmount(charge, lineBases, mode),
    units: 1,
    group: catalog.groupOf(charge.taxIds ?? NONE, owner),
    split: NOT_YET_TAXED,
  };
}

function chargeName(id: string): string {
  return `Service charge "${id}"`;
}

function chargeAmount(charge: ServiceChargeInput, on: number, mode: RoundingMode): number {
  if (charge.charge.kind === 'amount') return charge.charge.amount;
  return percentOf(on, charge.charge.percent, { what: () => chargeName(charge.id), max: undefined, mode });
}

/** AFTER_TAX charges (tips) are computed on the taxed total and are never taxed themselves. */
function checkUntaxed(charge: ServiceChargeInput): void {
  if (charge.phase === 'AFTER_TAX' && charge.taxIds !== undefined && charge.taxIds.length > 0) {
    throw new ValidationError(
      ErrorCode.VALIDATION_FAILED,
      `Service charge "${charge.id}" is AFTER_TAX and cannot carry taxes; remove its taxIds or make it BEFORE_TAX.`,
      { details: { chargeId: charge.id } },
    );
  }
}

function pricedCharge(charge: WorkCharge, catalog: TaxCatalog, buckets: BucketTotals): PricedServiceCharge {
  return {
    id: charge.input.id,
    name: charge.input.name,
    phase: charge.input.phase,
    net: charge.split.net,
    taxes: itemTaxes(charge, catalog, buckets),
    total: itemTotal(charge),
  };
}

function tip(charge: ServiceChargeInput, amount: number): PricedServiceCharge {
  return { id: charge.id, name: charge.name, phase: charge.phase, net: amount, taxes: [], total: amount };
}

// ---------------------------------------------------------------------------------------------
// Totals

interface Priced {
  readonly input: PricingInput;
  readonly lines: readonly PricedLine[];
  readonly serviceCharges: readonly PricedServiceCharge[];
  readonly buckets: readonly TaxBucket[];
}

function summarize({ input, lines, serviceCharges, buckets }: Priced): PricedSale {
  let subtotal = 0;
  let discountTotal = 0;
  let netTotal = 0;
  let taxTotal = 0;
  let linesTotal = 0;
  for (const line of lines) {
    subtotal += line.gross;
    discountTotal += line.lineDiscount + line.orderDiscount;
    netTotal += line.net;
    linesTotal += line.total;
    for (const t of line.taxes) taxTotal += t.amount;
  }
  let serviceChargeTotal = 0;
  for (const charge of serviceCharges) {
    netTotal += charge.net;
    serviceChargeTotal += charge.total;
    for (const t of charge.taxes) taxTotal += t.amount;
  }
  const beforeRounding = assertSafe(linesTotal + serviceChargeTotal, 'The document total');
  const rounding = input.documentRounding;
  const total =
    rounding === undefined
      ? beforeRounding
      : assertSafe(roundDiv(beforeRounding, rounding.increment, rounding.mode) * rounding.increment, 'The rounded total');
  const { mode, level, inclusiveRoundFirst } = input.policy;
  return {
    currency: input.currency,
    policy: { mode, level, inclusiveRoundFirst },
    lines,
    serviceCharges,
    taxBuckets: buckets,
    subtotal: assertSafe(subtotal, 'The subtotal'),
    discountTotal: assertSafe(discountTotal, 'The discount total'),
    netTotal: assertSafe(netTotal, 'The net total'),
    taxTotal: assertSafe(taxTotal, 'The tax total'),
    serviceChargeTotal: assertSafe(serviceChargeTotal, 'The service charge total'),
    roundingAdjustment: total - beforeRounding,
    total,
    documentRounding: rounding === undefined ? undefined : { increment: rounding.increment, mode: rounding.mode },
  };
}

// ---------------------------------------------------------------------------------------------
// Checks

/** An empty list for absent optional arrays, shared so a missing list allocates nothing. */
const NONE: readonly never[] = [];

function checkUniqueIds(items: readonly { readonly id: string }[], what: string): void {
  const seen = new Set<string>();
  for (const { id } of items) {
    if (seen.has(id)) {
      throw new ValidationError(ErrorCode.DUPLICATE_ID, `Two ${what}s have the id "${id}"; give each ${what} its own id.`, {
        details: { id },
      });
    }
    seen.add(id);
  }
}

/**
 * Sums non-negative safe integers. Checking the final sum is enough: once a partial sum leaves
 * the safe range the float sum stays at or above 2^53, so it cannot come back into range.
 */
function safeSum<T>(items: readonly T[], amount: (item: T) => number, what: string): number {
  let sum = 0;
  for (const item of items) sum += amount(item);
  return assertSafe(sum, what);
}

function assertSafe(value: number, what: string): number {
  if (!Number.isSafeInteger(value)) throw overflow(what);
  return value;
}

function overflow(what: string): MoneyError {
  return new MoneyError(
    ErrorCode.AMOUNT_OVERFLOW,
    `${what} is beyond the safe integer range of minor units and cannot be represented exactly; split the sale.`,
  );
}
