import { domainToASCII, domainToUnicode } from 'node:url';

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

/** RFC 5322 atext, ASCII, as a character class's body (simple-row.ts reads it as a table). */
export const ATEXT = "A-Za-z0-9!#$%&'*+/=?^_`{|}~\\-";
// Non-ASCII letters, marks and digits too (RFC 6531, international customers).
const UNICODE_WORD = '\\p{L}\\p{M}\\p{N}';
// Made on first use (Unicode property classes cost ~0.4 ms to build, at every start otherwise).
let localChar: RegExp | undefined;
let domainChar: RegExp | undefined;
const LOCAL_CHAR = () => (localChar ??= new RegExp(`[${ATEXT}${UNICODE_WORD}]`, 'u'));
const DOMAIN_CHAR = () => (domainChar ??= new RegExp(`[A-Za-z0-9\\-${UNICODE_WORD}]`, 'u'));
// The common case, checked in one pass (import validates a million addresses).
const ASCII_LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?';
const ASCII_ADDRESS = new RegExp(`^[${ATEXT}]+(?:\\.[${ATEXT}]+)*@(?:${ASCII_LABEL}\\.)+${ASCII_LABEL}$`);

// How a character that has no place in an address is named in a reason.
const CHARACTER_NAMES: Record<string, string> = {
  '<': 'an angle bracket "<" (give the bare address, without <…>)',
  '>': 'an angle bracket ">" (give the bare address, without <…>)',
  '(': 'a parenthesis "(" (comments are not accepted: give the bare address)',
  ')': 'a parenthesis ")" (comments are not accepted: give the bare address)',
  '[': 'a square bracket "["',
  ']': 'a square bracket "]"',
  ',': 'a comma (one address only)',
  ';': 'a semicolon (one address only)',
  ':': 'a colon',
  '"': 'a quotation mark (quoted addresses are not accepted)',
  '\\': 'a backslash',
  _: 'an underscore',
};

function nameOf(char: string): string {
  return CHARACTER_NAMES[char] ?? `the character "${char}"`;
}

/**
 * Why an address is not well-formed, or null when it is (the contract's definition): one "@";
 * a dot-atom local part (no quotes, brackets, parentheses, commas, backslashes; dots only between
 * characters); a domain of host-name labels (letters, digits, inner hyphens; no IP literals);
 * Unicode letters allowed; invisible, format and control characters refused. The address then
 * reads the same to people, to the duplicate check and to the mail system.
 */
export function emailProblem(address: string): string | null {
  const trimmed = address.trim();
  if (trimmed === '') return 'the address is empty';
  if (trimmed.length > MAX_EMAIL_LENGTH && charLength(trimmed) > MAX_EMAIL_LENGTH) return `the address is longer than ${MAX_EMAIL_LENGTH} characters`;
  if (ASCII_ADDRESS.test(trimmed)) {
    const at = trimmed.indexOf('@');
    return at > 64 ? 'the part before the "@" is longer than 64 characters' : domainNameProblem(trimmed.slice(at + 1));
  }
  const at = trimmed.indexOf('@');
  if (at < 0) return 'the address has no "@"';
  if (trimmed.indexOf('@', at + 1) >= 0) return 'the address has more than one "@"';
  const local = trimmed.slice(0, at);
  const domain = trimmed.slice(at + 1);
  if (local === '') return 'nothing stands before the "@"';
  if (local.length > 64 && charLength(local) > 64) return 'the part before the "@" is longer than 64 characters';
  if (/[\s\p{Zs}]/u.test(trimmed)) return 'the address contains a space';
  if (UNPRINTABLE.test(trimmed)) return 'the address contains an invisible or control character';
  if (domain === '') return 'nothing stands after the "@"';
  for (const char of local) {
    if (char !== '.' && !LOCAL_CHAR().test(char)) return `the part before the "@" contains ${nameOf(char)}`;
  }
  if (local.startsWith('.')) return 'the part before the "@" starts with a dot';
  if (local.endsWith('.')) return 'the part before the "@" ends with a dot';
  if (local.includes('..')) return 'the part before the "@" has two dots in a row';
  if (domain.startsWith('[')) return 'the domain is an IP address in brackets; use the mail domain\'s name (e.g. example.com)';
  for (const char of domain) {
    if (char !== '.' && !DOMAIN_CHAR().test(char)) return `the domain "${domain}" contains ${nameOf(char)}`;
  }
  const labels = domain.split('.');
  if (labels.length < 2) return `the domain "${domain}" has no dot (e.g. example.com)`;
  if (labels.some((label) => label === '')) return `the domain "${domain}" has an empty part between dots`;
  if (labels.some((label) => label.startsWith('-') || label.endsWith('-'))) return `a part of the domain "${domain}" starts or ends with a hyphen`;
  return domainNameProblem(domain);
}

// Lists and exports repeat a few domains thousands of times: each is checked once (bounded).
const domainProblems = new Map<string, string | null>();

// What is left to check of a domain made of well-formed labels.
function domainNameProblem(domain: string): string | null {
  let problem = domainProblems.get(domain);
  if (problem === undefined) {
    problem = uncachedDomainNameProblem(domain);
    if (domainProblems.size >= 10_000) domainProblems.clear();
    domainProblems.set(domain, problem);
  }
  return problem;
}

function uncachedDomainNameProblem(domain: string): string | null {
  const labels = domain.split('.');
  if (/^[0-9]+$/.test(labels.at(-1)!)) return `the domain "${domain}" is an IP address or ends in digits; use the mail domain's name (e.g. example.com)`;
  if (labels.some((label) => label.length > 63 && charLength(label) > 63)) return 'a part of the domain is longer than 63 characters';
  // Mail software maps a domain to its internationalized (IDNA) form before it delivers: a
  // domain that maps to another spelling (full-width letters, an xn-- form) would reach an
  // inbox the duplicate check does not see under that key.
  if (!PRINTABLE_ASCII.test(domain) || /(^|\.)xn--/i.test(domain)) {
    const ascii = domainToASCII(domain);
    if (ascii === '') return `the domain "${domain}" is not a valid internationalized domain name`;
    const canonical = domainToUnicode(ascii);
    const typed = domain.normalize('NFC').toLowerCase();
    if (canonical !== typed) return `the domain "${domain}" is not written the way mail systems read it; type it as ${canonical}`;
  }
  return null;
}

/** True when the address is well-formed by the contract's definition. */
export function isWellFormedEmail(address: string): boolean {
  return emailProblem(address) === null;
}

/**
 * Control, format and invisible characters: never valid in data, never printed raw. Controls
 * (Cc), format characters (Cf: zero-width, bidi, soft hyphen U+00AD, U+061C, tags
 * U+E0001–U+E007F), line and paragraph separators (U+2028/U+2029), and letters or marks that
 * show nothing (U+034F, the Hangul fillers U+115F, U+1160, U+3164, U+FFA0; unassigned tag U+E0000…).
 */
export const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u034f\u115f\u1160\u3164\uffa0\u{e0000}-\u{e007f}]/u;

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
