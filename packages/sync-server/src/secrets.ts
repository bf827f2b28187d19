import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

// Secrets the server hands out (credentials, tokens, enrolment codes, the admin token) and the
// hashes it keeps of them. Secrets are 32 random bytes (or a 60-bit code), so a salted SHA-256
// is enough: there is nothing to guess that a slow hash would protect.

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A random secret in base64url: 32 bytes give 43 characters. */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** A client id: not secret, but unguessable so it reveals nothing about other devices. */
export function randomClientId(): string {
  return `tkc_${randomBytes(12).toString('hex')}`;
}

/** A salt and the hash of `secret` with it. */
export function hashSecret(secret: string): { salt: string; hash: string } {
  const salt = randomBytes(16).toString('hex');
  return { salt, hash: sha256Hex(`${salt}:${secret}`) };
}

/** Whether `secret` hashes to `hash` with `salt`, in constant time. */
export function secretMatches(secret: string, salt: string, hash: string): boolean {
  return sameHex(sha256Hex(`${salt}:${secret}`), hash);
}

/** Constant-time equality of two strings, compared by their SHA-256 (so lengths leak nothing). */
export function sameSecret(a: string, b: string): boolean {
  return sameHex(sha256Hex(a), sha256Hex(b));
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Letters and digits that cannot be mistaken for each other when read aloud or typed (no 0/O, 1/I/L, U). */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTVWXYZ23456789';

/** A one-time enrolment code such as "K7QM-3XPD-WT9R" (12 characters, about 59 bits). */
export function randomEnrolmentCode(): string {
  let code = '';
  for (let i = 0; i < 12; i++) {
    if (i > 0 && i % 4 === 0) code += '-';
    code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  }
  return code;
}

/** The form of a code that is hashed: upper case, without spaces and dashes ("k7qm 3xpd-wt9r" = "K7QM3XPDWT9R"). */
export function normalizeEnrolmentCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]+/g, '');
}

export function enrolmentCodeHash(code: string): string {
  return sha256Hex(`enrolment:${normalizeEnrolmentCode(code)}`);
}

export function tokenHash(token: string): string {
  return sha256Hex(`token:${token}`);
}
