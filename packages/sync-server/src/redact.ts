/** Keys whose values are secrets, whatever their case or separators (clientSecret, access_token, Authorization...). */
const SECRET_KEY = /secret|token|password|passwd|authorization|credential|api[-_]?key|cookie/i;
/** A bearer token inside a string (a logged header, an error message). */
const BEARER = /\b(Bearer)\s+[A-Za-z0-9._~+/=-]+/gi;

export const REDACTED = '[redacted]';

/**
 * A copy of a JSON value with secrets replaced by "[redacted]": values under keys that name a
 * secret, and bearer tokens inside strings. Clients strip secrets from telemetry before sending;
 * the server does it again before storing, so a careless client cannot put one in its database.
 */
export function redactSecrets(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(BEARER, `$1 ${REDACTED}`);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    out[key] =
      SECRET_KEY.test(key) && v !== null && typeof v !== 'boolean' && typeof v !== 'number' ? REDACTED : redactSecrets(v);
  }
  return out;
}
