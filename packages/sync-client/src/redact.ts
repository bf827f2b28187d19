/** Keys whose values are secrets wherever they appear (at any depth): the value is replaced. */
export const SECRET_KEY_PATTERN = /token|secret|password|authorization|credential/i;

/** What a removed secret is replaced with. */
export const REDACTED = '[redacted]';

const BEARER = /\bBearer\s+[A-Za-z0-9._~+/=-]+/gi;
const MAX_DEPTH = 64;

/**
 * Removes known secret values (tokens, client secrets) and anything that looks like a bearer token
 * from a text that will leave the client (an error message, a log line, a status).
 */
export function redactText(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const secret of secrets) {
    // very short values would blank out ordinary words; real secrets are long
    if (secret !== undefined && secret.length >= 8) out = out.split(secret).join(REDACTED);
  }
  return out.replace(BEARER, `Bearer ${REDACTED}`);
}

/**
 * A copy of `value` safe to send for support: every value under a key matching
 * SECRET_KEY_PATTERN (token, secret, password, authorization, credential; any case, any depth) is
 * replaced by "[redacted]", strings are passed through redactText (known secrets, bearer tokens),
 * errors become { name, message }, dates ISO strings, functions and symbols are dropped, cycles
 * and depth beyond 64 become "[circular]" / "[too deep]". The input is not changed.
 */
export function redactSecrets(value: unknown, secrets: readonly (string | undefined)[] = []): unknown {
  const seen = new WeakSet<object>();
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return redactText(v, secrets);
    if (v === null || typeof v === 'number' || typeof v === 'boolean') return v;
    if (typeof v === 'bigint') return v.toString();
    if (typeof v !== 'object') return undefined; // functions, symbols, undefined
    if (seen.has(v)) return '[circular]';
    if (depth >= MAX_DEPTH) return '[too deep]';
    if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
    seen.add(v);
    try {
      if (v instanceof Error) return { name: v.name, message: redactText(v.message, secrets) };
      if (Array.isArray(v)) return v.map((item) => walk(item, depth + 1) ?? null);
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(v as Record<string, unknown>)) {
        if (SECRET_KEY_PATTERN.test(key)) {
          out[key] = REDACTED;
          continue;
        }
        const walked = walk(item, depth + 1);
        if (walked !== undefined) out[key] = walked;
      }
      return out;
    } finally {
      seen.delete(v);
    }
  };
  return walk(value, 0);
}
