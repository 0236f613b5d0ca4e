/** The normalized key of an address: trim, NFC, locale-independent lower-case, NFC again. */
export function normalizeEmail(address: string): string {
  // Fast path: NFC leaves printable ASCII unchanged, and import normalizes a million of these.
  if (PRINTABLE_ASCII.test(address)) return address.trim().toLowerCase();
  return address.trim().normalize('NFC').toLowerCase().normalize('NFC');
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Length in characters (code points), counting a surrogate pair once. */
function charLength(value: string): number {
  let length = value.length;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) length--;
  }
  return length;
}

/** The longest address the contract accepts, in characters after trimming. */
export const MAX_EMAIL_LENGTH = 254;

/** Why an address is not well-formed, or null when it is (the contract's definition). */
export function emailProblem(address: string): string | null {
  const trimmed = address.trim();
  if (trimmed === '') return 'the address is empty';
  if (trimmed.length > MAX_EMAIL_LENGTH && charLength(trimmed) > MAX_EMAIL_LENGTH) return `the address is longer than ${MAX_EMAIL_LENGTH} characters`;
  const at = trimmed.indexOf('@');
  if (at < 0) return 'the address has no "@"';
  if (trimmed.indexOf('@', at + 1) >= 0) return 'the address has more than one "@"';
  const local = trimmed.slice(0, at);
  const domain = trimmed.slice(at + 1);
  if (local === '') return 'nothing stands before the "@"';
  if (local.length > 64 && charLength(local) > 64) return 'the part before the "@" is longer than 64 characters';
  if (/\s/u.test(trimmed)) return 'the address contains a space';
  if (UNPRINTABLE.test(trimmed)) return 'the address contains an invisible or control character';
  if (domain === '') return 'nothing stands after the "@"';
  const labels = domain.split('.');
  if (labels.length < 2) return `the domain "${domain}" has no dot (e.g. example.com)`;
  if (labels.some((label) => label === '')) return `the domain "${domain}" has an empty part between dots`;
  return null;
}

/** True when the address is well-formed by the contract's definition. */
export function isWellFormedEmail(address: string): boolean {
  return emailProblem(address) === null;
}

/** Control characters and invisible formatting (bidi overrides, zero-width): never valid in data, never printed raw. */
export const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/u;

/**
 * A value made safe for a one-line message: control and invisible characters shown as \u{…}
 * (so input cannot drive the terminal), and shortened so a 10 kB paste does not flood it.
 */
export function shortForMessage(value: string, max = 80): string {
  const visible = escapeUnprintable(value.replace(/[\r\n\t]+/g, ' '));
  return visible.length > max ? `${visible.slice(0, max - 1)}…` : visible;
}

/** Every control or invisible character shown as \u{…}: the one escaping used wherever text from outside may reach a terminal. */
export function escapeUnprintable(value: string): string {
  return value.replace(new RegExp(UNPRINTABLE.source, 'gu'), (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}
