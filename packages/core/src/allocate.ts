import { ErrorCode, MoneyError } from './errors';

/**
 * Splits the integer `amount` over non-negative integer `weights` by the largest-remainder method.
 * The parts always sum to `amount` exactly. Each part is the floor of its exact share (toward zero
 * for negative amounts, so the split is symmetric: allocate(-a) === allocate(a).map(neg)); the
 * leftover units go one each to the largest remainders, ties to the lower index.
 */
export function allocateInteger(amount: number, weights: readonly number[]): number[] {
  if (!Number.isSafeInteger(amount)) {
    throw new MoneyError(
      ErrorCode.INVALID_AMOUNT,
      `Cannot allocate ${String(amount)}: amounts are safe integers in minor units.`,
    );
  }
  let total = 0;
  for (const w of weights) {
    if (!Number.isSafeInteger(w) || w < 0) {
      throw new MoneyError(
        ErrorCode.INVALID_ALLOCATION,
        `Allocation weights must be non-negative safe integers; got ${String(w)}.`,
      );
    }
    total += w;
  }
  if (weights.length === 0 || total === 0) {
    if (amount === 0) return weights.map(() => 0);
    throw new MoneyError(
      ErrorCode.INVALID_ALLOCATION,
      `Cannot allocate ${amount} over ${weights.length === 0 ? 'no weights' : 'weights that are all zero'}; give at least one positive weight.`,
    );
  }
  if (!Number.isSafeInteger(total)) {
    throw new MoneyError(ErrorCode.AMOUNT_OVERFLOW, 'The allocation weights add up beyond the safe integer range.');
  }
  const negative = amount < 0;
  const abs = Math.abs(amount);
  const parts = new Array<number>(weights.length);
  const rems = new Array<number>(weights.length);
  let given = 0;
  const exact = abs * total <= Number.MAX_SAFE_INTEGER;
  const bigAbs = exact ? 0n : BigInt(abs);
  const bigTotal = exact ? 0n : BigInt(total);
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i] as number;
    let q: number;
    let r: number;
    if (exact || abs * w <= Number.MAX_SAFE_INTEGER) {
      const p = abs * w;
      q = Math.floor(p / total);
      r = p - q * total;
      if (r < 0) {
        q -= 1;
        r += total;
      } else if (r >= total) {
        q += 1;
        r -= total;
      }
    } else {
      const p = bigAbs * BigInt(w);
      q = Number(p / bigTotal);
      r = Number(p % bigTotal);
    }
    parts[i] = q;
    rems[i] = r;
    given += q;
  }
  const left = abs - given;
  if (left > 0) for (const i of largestRemainders(rems, left)) parts[i] = (parts[i] as number) + 1;
  if (negative) for (let i = 0; i < parts.length; i++) parts[i] = -(parts[i] as number) || 0;
  return parts;
}

/** True when index a ranks before b: larger remainder first, then the lower index. */
function ranksBefore(rems: readonly number[], a: number, b: number): boolean {
  const ra = rems[a] as number;
  const rb = rems[b] as number;
  return ra > rb || (ra === rb && a < b);
}

/**
 * The `k` indices with the largest remainders (ties to the lower index), 0 < k < rems.length.
 * A quickselect: linear on average, where sorting every index would cost n log n per allocation.
 */
function largestRemainders(rems: readonly number[], k: number): number[] {
  const idx = rems.map((_, i) => i);
  let lo = 0;
  let hi = idx.length - 1;
  while (lo < hi) {
    const pivot = idx[(lo + hi) >>> 1] as number;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (ranksBefore(rems, idx[i] as number, pivot)) i++;
      while (ranksBefore(rems, pivot, idx[j] as number)) j--;
      if (i <= j) {
        const t = idx[i] as number;
        idx[i] = idx[j] as number;
        idx[j] = t;
        i++;
        j--;
      }
    }
    if (k - 1 <= j) hi = j;
    else if (k - 1 >= i) lo = i;
    else break;
  }
  return idx.slice(0, k);
}
