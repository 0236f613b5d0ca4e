import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Bytes of OS randomness in a token: 256 bits. */
export const TOKEN_BYTES = 32;

/** A fresh URL-safe token (base64url, 43 characters) from the OS's secure random source. */
export function newResetToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/** The SHA-256 (hex) the store keeps instead of the token. */
export function hashResetToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Constant-time comparison of a token against a stored hash. */
export function tokenMatchesHash(token: string, storedHash: string): boolean {
  const computed = Buffer.from(hashResetToken(token), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return computed.length === stored.length && timingSafeEqual(computed, stored);
}

/** The company's Account Password Reset link carrying the token. */
export function resetLinkFor(resetUrl: string, token: string): string {
  const url = new URL(resetUrl);
  url.searchParams.set('token', token);
  return url.toString();
}

// A token as issued: TOKEN_BYTES (32) random bytes in base64url, 43 characters.
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** Whether `value` is a bare token as issued (one in 64 starts with "-", like an option). */
export function isBareToken(value: string): boolean {
  return TOKEN.test(value);
}

/** The token inside a reset link, or the argument itself when it is a bare token; null when neither. */
export function tokenFromLinkOrToken(value: string): string | null {
  const trimmed = value.trim();
  if (TOKEN.test(trimmed)) return trimmed;
  try {
    const token = new URL(trimmed).searchParams.get('token');
    return token !== null && TOKEN.test(token) ? token : null;
  } catch {
    return null;
  }
}

/**
 * When `value` is a link whose page (origin and path) is not the company's reset page, the two
 * pages; null for a bare token, a matching link, or no reset page set. A real token on another
 * page means the link was copied or rewritten somewhere: it must not be used.
 */
export function foreignResetPage(value: string, resetUrl: string | null): { linkPage: string; resetPage: string } | null {
  if (resetUrl === null || TOKEN.test(value.trim())) return null;
  try {
    const link = new URL(value.trim());
    const reset = new URL(resetUrl);
    const page = (url: URL) => `${url.origin}${url.pathname}`;
    return page(link) === page(reset) ? null : { linkPage: page(link), resetPage: page(reset) };
  } catch {
    return null;
  }
}
