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

/** The address shortened for a one-line error message, so a 10 kB paste does not flood the terminal. */
export function shortForMessage(value: string, max = 80): string {
  const oneLine = value.replace(/[\r\n\t]+/g, ' ');
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}
