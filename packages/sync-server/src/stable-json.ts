/**
 * JSON with object keys in sorted order at every level, so two values that are equal as JSON give
 * the same text whatever order their keys came in. Used to compare pushed content and to hash it.
 * Only for values parsed from JSON (no undefined, functions or cycles).
 */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => stableStringify(v)).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify(record[k])}`).join(',')}}`;
}
