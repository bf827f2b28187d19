import { TillkitError } from './errors';

/**
 * For the package's own tests: runs `fn` and returns the code of the TillkitError it throws,
 * undefined when it does not throw, or a marker when it throws something else (which then fails
 * any `toBe(code)` assertion with a readable message).
 */
export function errorCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return TillkitError.isInstance(error) ? error.code : `not a TillkitError: ${String(error)}`;
  }
  return undefined;
}
