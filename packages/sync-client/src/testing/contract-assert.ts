import { TillkitError } from '@tillkit/core';

// Small assertions for the catalog store contract cases. They run under vitest in Node and inside a browser
// page (no test framework there), so they throw plain Errors with a readable message.

function stable(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Map) return { __map: [...v.entries()] };
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>)
          .filter(([, inner]) => inner !== undefined)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      );
    }
    return v;
  });
}

export class ContractFailure extends Error {
  override readonly name = 'ContractFailure';
}

/** Deep equality, treating an absent property and one that is undefined alike. */
export function equal(actual: unknown, expected: unknown, what: string): void {
  const a = stable(actual);
  const e = stable(expected);
  if (a !== e) throw new ContractFailure(`${what}: expected ${e}, got ${a}`);
}

export function ok(condition: boolean, what: string): void {
  if (!condition) throw new ContractFailure(what);
}

/** Runs `action` and checks it throws a TillkitError with `code`. Returns the error. */
export async function rejects(action: () => Promise<unknown>, code: string, what: string): Promise<TillkitError> {
  let result: unknown;
  try {
    result = await action();
  } catch (error) {
    if (!TillkitError.isInstance(error)) {
      throw new ContractFailure(`${what}: expected a TillkitError ${code}, got ${String(error)}`);
    }
    if (error.code !== code) throw new ContractFailure(`${what}: expected code ${code}, got ${error.code}: ${error.message}`);
    return error;
  }
  throw new ContractFailure(`${what}: expected a TillkitError ${code}, but it resolved with ${stable(result)}`);
}
