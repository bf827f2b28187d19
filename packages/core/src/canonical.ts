import { ErrorCode, ValidationError } from './errors';

/** A value `canonicalize` accepts: JSON without floats. Properties set to `undefined` are left out. */
export type CanonicalValue =
  null | boolean | number | string | readonly CanonicalValue[] | { readonly [key: string]: CanonicalValue | undefined };

/** Raised inside the walk; turned into a ValidationError with the path once, at the top. */
class Rejection extends Error {
  readonly path: (string | number)[] = [];
  constructor(
    readonly reason: string,
    readonly tooDeep = false,
  ) {
    super(reason);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'bigint') return `${value}n (bigint)`;
  if (value === null) return 'null';
  if (typeof value === 'object') return `an instance of ${value.constructor?.name ?? 'an unknown class'}`;
  return typeof value;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Deeper than this is refused; it also stops cycles without tracking every object. */
const MAX_DEPTH = 64;

/** Quoted object keys, memoised: entries reuse a small set of field names. Bounded. */
const quotedKeys = new Map<string, string>();

function quoteKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = JSON.stringify(key);
    if (quotedKeys.size < 4096) quotedKeys.set(key, quoted);
  }
  return quoted;
}

function write(value: unknown, depth: number): string {
  switch (typeof value) {
    case 'string':
      // JSON.stringify escapes quotes, backslashes, control characters and lone surrogates
      // (well-formed JSON.stringify, ES2019); everything else is written as is.
      return JSON.stringify(value);
    case 'number':
      if (!Number.isSafeInteger(value)) {
        throw new Rejection(`must be a safe integer (amounts are integer minor units); got ${describe(value)}`);
      }
      // -0 is a safe integer equal to 0 and is written as 0, like every other JSON serializer does.
      return value === 0 ? '0' : String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      if (depth >= MAX_DEPTH) throw new Rejection(`is nested more than ${MAX_DEPTH} levels deep`, true);
      return Array.isArray(value) ? writeArray(value as readonly unknown[], depth + 1) : writeObject(value, depth + 1);
    case 'undefined':
    case 'bigint':
    case 'function':
    case 'symbol':
      throw new Rejection(
        `must be null, a boolean, a safe integer, a string, an array or a plain object; got ${describe(value)}`,
      );
  }
}

function writeArray(items: readonly unknown[], depth: number): string {
  let out = '[';
  let index = 0;
  try {
    for (; index < items.length; index++) {
      const item = items[index];
      if (item === undefined) throw new Rejection('is undefined (or a hole); arrays may not contain undefined');
      out += (index === 0 ? '' : ',') + write(item, depth);
    }
  } catch (error) {
    if (error instanceof Rejection) error.path.unshift(index);
    throw error;
  }
  return out + ']';
}

/** Object.keys in UTF-16 code unit order; skips the sort when they already are (cheap check). */
function sortedKeys(obj: object): string[] {
  const keys = Object.keys(obj);
  for (let i = 1; i < keys.length; i++) {
    // The default sort compares strings by UTF-16 code units, as does `<`.
    if ((keys[i - 1] as string) > (keys[i] as string)) return keys.sort();
  }
  return keys;
}

function writeObject(obj: object, depth: number): string {
  if (!isPlainObject(obj)) throw new Rejection(`must be a plain object; got ${describe(obj)}`);
  const keys = sortedKeys(obj);
  const record = obj as Record<string, unknown>;
  let out = '{';
  let first = true;
  let key = '';
  try {
    for (key of keys) {
      const item = record[key];
      if (item === undefined) continue;
      out += (first ? '' : ',') + quoteKey(key) + ':' + write(item, depth);
      first = false;
    }
  } catch (error) {
    if (error instanceof Rejection) error.path.unshift(key);
    throw error;
  }
  return out + '}';
}

function formatPath(path: readonly (string | number)[]): string {
  const parts = path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${part}`));
  return parts.length > 12 ? `${parts.slice(0, 12).join('')}…` : parts.join('');
}

/**
 * After a too-deep rejection: the length of the path prefix that leads back to an object already
 * on the path (a cycle), or undefined when the value is just deep. Only runs on the error path.
 */
function cycleAt(root: unknown, path: readonly (string | number)[]): number | undefined {
  const onPath = new Set<unknown>();
  let node = root;
  for (let i = 0; i <= path.length; i++) {
    if (onPath.has(node)) return i;
    onPath.add(node);
    if (i < path.length) node = (node as Record<string | number, unknown>)[path[i] as string | number];
  }
  return undefined;
}

/**
 * Deterministic JSON for hashing: object keys sorted by UTF-16 code units, no whitespace, arrays in
 * order, strings JSON-escaped (non-ASCII written as is, lone surrogates escaped). Numbers must be
 * safe integers: floats, NaN, Infinity and unsafe integers are refused, as are bigints, functions,
 * symbols, `undefined` in arrays or at the top, non-plain objects (Date, Map, class instances),
 * nesting deeper than 64 levels and cycles. Object properties whose value is `undefined` are left out. `-0` is written as `0`.
 *
 * Throws ValidationError (VALIDATION_FAILED) naming the path of the first offending value.
 */
export function canonicalize(value: unknown): string {
  try {
    if (value === undefined) throw new Rejection('is undefined; there is nothing to serialize');
    return write(value, 0);
  } catch (error) {
    if (!(error instanceof Rejection)) throw error;
    const cycle = error.tooDeep ? cycleAt(value, error.path) : undefined;
    const path = cycle === undefined ? error.path : error.path.slice(0, cycle);
    const reason = cycle === undefined ? error.reason : 'is a circular reference';
    const at = `$${formatPath(path)}`;
    throw new ValidationError(
      ErrorCode.VALIDATION_FAILED,
      `Cannot canonicalize: ${at} ${reason}. Store amounts as integer minor units and use only JSON values.`,
      { details: { path: at } },
    );
  }
}
