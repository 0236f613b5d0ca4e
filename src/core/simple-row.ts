import { ASCII_LOWER, BACKSLASH, COMMA, CR, DEL, LF, QUOTE, SPACE, TILDE } from './ascii.js';
import { ATEXT as ATEXT_CLASS, MAX_EMAIL_LENGTH } from './email.js';
import { cleanText, MAX_TEXT_CHARS, type ColumnIndex } from './import-row.js';
import { utf8FromLatin1 } from './utf8-chunks.js';

/**
 * Where readSimpleRow puts a row it accepts: the trimmed range [start, end) of each field in the
 * text, then the role and the login access. An empty email range means no email.
 */
export const SIMPLE = {
  accountId: 0,
  accountName: 2,
  firstName: 4,
  lastName: 6,
  email: 8,
  /** 1: primary, 2: secondary. */
  role: 10,
  /** 1 when the login_access value says yes (the row's access is that and being a secondary). */
  access: 11,
  // (12–15: the role's and the login access's ranges, while they are read.)
  slots: 16,
} as const;
const ROLE_TEXT = 12;
const ACCESS_TEXT = 14;


// The ASCII characters of RFC 5322 atext, by code: email.ts's class, as a table.
const ATEXT = new Uint8Array(128);
const atext = new RegExp(`[${ATEXT_CLASS}]`);
for (let c = 0; c < 128; c++) ATEXT[c] = atext.test(String.fromCharCode(c)) ? 1 : 0;

// What a byte is to a field being read (the text is bytes as Latin-1: codes below 256): 0 part of
// it (a byte ≥ 0x80 too: noted apart); ENDS_FIELD; REFUSED, which the general reader must read
// (a control character, a backslash, DEL, and a quote where none may be). One table look-up
// a byte instead of a chain of comparisons, taken per byte of every simple row.
const ENDS_FIELD = 1;
const REFUSED = 2;
const UNQUOTED_CLASS = new Uint8Array(256);
const QUOTED_CLASS = new Uint8Array(256);
for (let c = 0; c < SPACE; c++) UNQUOTED_CLASS[c] = QUOTED_CLASS[c] = REFUSED;
UNQUOTED_CLASS[BACKSLASH] = QUOTED_CLASS[BACKSLASH] = REFUSED;
UNQUOTED_CLASS[DEL] = QUOTED_CLASS[DEL] = REFUSED;
UNQUOTED_CLASS[QUOTE] = REFUSED;
UNQUOTED_CLASS[COMMA] = UNQUOTED_CLASS[LF] = UNQUOTED_CLASS[CR] = ENDS_FIELD;
QUOTED_CLASS[QUOTE] = ENDS_FIELD;

const isAlnum = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

// Whether text[a, b) is `word` in any case (word in lower case).
function equalsFolded(text: string, a: number, b: number, word: string): boolean {
  if (b - a !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (ASCII_LOWER[text.charCodeAt(a + i)] !== word.charCodeAt(i)) return false;
  return true;
}

// login_access values (import-row.ts's ACCESS_VALUES): 1 yes, 0 no, -1 not one of them.
function accessValue(text: string, a: number, b: number): number {
  if (a === b) return 0;
  switch (ASCII_LOWER[text.charCodeAt(a)]) {
    case 121: // y
      return b - a === 1 || equalsFolded(text, a, b, 'yes') ? 1 : -1;
    case 110: // n
      return b - a === 1 || equalsFolded(text, a, b, 'no') ? 0 : -1;
    case 116: // t
      return equalsFolded(text, a, b, 'true') ? 1 : -1;
    case 102: // f
      return equalsFolded(text, a, b, 'false') ? 0 : -1;
    case 49: // 1
      return b - a === 1 ? 1 : -1;
    case 48: // 0
      return b - a === 1 ? 0 : -1;
    default:
      return -1;
  }
}

// Whether text[a, b) (printable ASCII, trimmed, not empty) is an address email.ts accepts with
// no more checks: its one-pass pattern, a local part of 64 characters at most, host-name labels
// of 63 at most, a top-level label that is not all digits, and no IDNA (xn--) label. Anything
// else is left to emailProblem (it may still accept it).
function plainAddress(text: string, a: number, b: number): boolean {
  if (b - a > MAX_EMAIL_LENGTH) return false;
  let i = a;
  // Local part: atext runs separated by single dots.
  for (;;) {
    const start = i;
    while (i < b && ATEXT[text.charCodeAt(i)] === 1) i++;
    if (i === start || i === b) return false;
    const c = text.charCodeAt(i);
    if (c === 64) break; // @
    if (c !== 46) return false; // .
    i++;
  }
  if (i - a > 64) return false;
  i++;
  // Domain: two labels or more, each a letter or digit, then letters, digits or inner hyphens.
  let labels = 0;
  for (;;) {
    const start = i;
    let digits = true;
    while (i < b) {
      const c = text.charCodeAt(i);
      if (isAlnum(c)) {
        if (c > 57) digits = false;
      } else if (c === 45 && i > start) digits = false; // - (not first)
      else break;
      i++;
    }
    if (i === start || i - start > 63 || text.charCodeAt(i - 1) === 45) return false;
    // An IDNA label (xn--…, any case) takes email.ts's longer path.
    if (i - start >= 4 && ASCII_LOWER[text.charCodeAt(start)] === 120 && ASCII_LOWER[text.charCodeAt(start + 1)] === 110 && text.charCodeAt(start + 2) === 45 && text.charCodeAt(start + 3) === 45) return false;
    labels++;
    if (i === b) return labels >= 2 && !digits;
    if (text.charCodeAt(i) !== 46) return false;
    i++;
  }
}

// A field's range, trimmed of spaces (the only white space in printable ASCII), put in row[slot],
// row[slot + 1]; returns its length.
function trimmed(text: string, bounds: Int32Array, column: number, row: Int32Array, slot: number): number {
  let a = bounds[2 * column]!;
  let b = bounds[2 * column + 1]!;
  while (a < b && text.charCodeAt(a) === SPACE) a++;
  while (b > a && text.charCodeAt(b - 1) === SPACE) b--;
  row[slot] = a;
  row[slot + 1] = b;
  return b - a;
}

// Whether text[a, b) has a byte ≥ 0x80 (part of a character beyond ASCII).
function hasHigh(text: string, a: number, b: number): boolean {
  for (let i = a; i < b; i++) if (text.charCodeAt(i) > TILDE) return true;
  return false;
}

/**
 * A row readSimpleRow accepted: the trimmed range of each field in the text read (see SIMPLE). A
 * name field's bytes are its UTF-8 text as stored, but for the account name's escaped quotes:
 * two in its range ("") for each one of its text. Those with characters beyond ASCII are either
 * all Latin letters (U+00C0–U+024F: marked in `latin`, nothing to decode to check them) or
 * decoded, their text here (null otherwise).
 */
export class SimpleRow {
  readonly ranges = new Int32Array(SIMPLE.slots);
  /** Each field's range as split, before trimming: two slots per column of the header. */
  bounds = new Int32Array(0);
  /** LATIN_ACCOUNT_NAME | LATIN_FIRST_NAME | LATIN_LAST_NAME: names with Latin letters beyond ASCII. */
  latin = 0;
  accountName: string | null = null;
  firstName: string | null = null;
  lastName: string | null = null;
}

/** SimpleRow.latin's bits. */
export const LATIN_ACCOUNT_NAME = 1;
export const LATIN_FIRST_NAME = 2;
export const LATIN_LAST_NAME = 4;

// The characters in text[a, b) (UTF-8 bytes as Latin-1, valid), if every one beyond ASCII is a
// Latin letter from U+00C0 to U+024F (two bytes, led by 0xC3 to 0xC9); else -1. None of those
// is a space, a control or an invisible character: cleanText keeps them as they are.
function latinLength(text: string, a: number, b: number): number {
  let chars = 0;
  for (let i = a; i < b; i++) {
    const c = text.charCodeAt(i);
    if (c > TILDE) {
      if (c < 0xc3 || c > 0xc9 || (c === 0xc9 && text.charCodeAt(i + 1) > 0x8f)) return -1;
      i++;
    }
    chars++;
  }
  return chars;
}

// Checks a name field with bytes beyond ASCII (its trimmed range at row.ranges[slot…]): Latin
// letters only, marked in row.latin; else decoded and checked the general way (decodedName).
// False when the general reader must read the row.
function readName(column: string, text: string, row: SimpleRow, slot: number, bit: number): boolean {
  const a = row.ranges[slot]!;
  const b = row.ranges[slot + 1]!;
  if (!hasHigh(text, a, b)) return b - a <= MAX_TEXT_CHARS;
  const chars = latinLength(text, a, b);
  if (chars >= 0) {
    row.latin |= bit;
    return chars <= MAX_TEXT_CHARS;
  }
  const name = decodedName(column, text, row.ranges, slot);
  if (name === undefined) return false;
  if (bit === LATIN_ACCOUNT_NAME) row.accountName = name;
  else if (bit === LATIN_FIRST_NAME) row.firstName = name;
  else row.lastName = name;
  return true;
}

// A name field with bytes beyond ASCII (its range trimmed of ASCII spaces in row[slot…]): its
// text, if the general reader would store exactly what these bytes say (cleanText accepts it and
// changes nothing: no other kind of space to trim either); else undefined. (A quote in a simple
// row's field is half of an escaped one, "": the account name's.)
function decodedName(column: string, text: string, row: Int32Array, slot: number): string | undefined {
  const decoded = utf8FromLatin1(text.slice(row[slot]!, row[slot + 1]!)).replaceAll('""', '"');
  const cleaned = cleanText(column, decoded);
  return cleaned === decoded ? decoded : undefined;
}

/**
 * Reads and checks, in one pass over its bytes, an export row that needs none of the general
 * reader's care: one physical line with no control character and no backslash, each field
 * unquoted or quoted with no quote inside (but for escaped quotes in the account name), the
 * header's number of fields, and values that readImportRow accepts as they are, once trimmed of
 * spaces (characters beyond ASCII only in names and account names). `text` is the file's bytes as
 * Latin-1 (csv-records.ts). Returns the index of the line break that ends the row, with its fields
 * in `row`; or -1 when the row is anything else (it goes on past the text, an escaped quote in
 * another field, an accented address, a value to refuse or to look at more closely): the general
 * reader then reads it, with the result it would have had anyway. Most rows of an export are
 * simple, and skip making a string of each field.
 */
export function readSimpleRow(text: string, start: number, index: ColumnIndex, row: SimpleRow): number {
  const n = text.length;
  const count = index.count;
  if (row.bounds.length !== 2 * count) row.bounds = new Int32Array(2 * count);
  const bounds = row.bounds;
  let field = 0;
  let i = start;
  // Every byte of the fields OR-ed: bit 7 says whether one is beyond ASCII.
  let bytes = 0;
  // The one field with escaped quotes, if any.
  let escapedField = -1;
  for (;;) {
    if (i === n) return -1;
    let c = text.charCodeAt(i);
    let from = i;
    let to: number;
    if (c === QUOTE) {
      // A quoted field (a name with a comma): its text is what is between, each "" in it an
      // escaped quote (in the account name only, checked below: "The ""Rivera"" Household").
      from = ++i;
      for (;;) {
        if (i === n) return -1;
        c = text.charCodeAt(i);
        const kind = QUOTED_CLASS[c]!;
        if (kind !== 0) {
          if (kind !== ENDS_FIELD) return -1;
          if (i + 1 === n || text.charCodeAt(i + 1) !== QUOTE) break;
          if (escapedField !== -1 && escapedField !== field) return -1;
          escapedField = field;
          i += 2;
          continue;
        }
        bytes |= c;
        i++;
      }
      to = i++;
      if (i === n) return -1;
      c = text.charCodeAt(i);
      if (UNQUOTED_CLASS[c] !== ENDS_FIELD) return -1;
    } else {
      for (;;) {
        const kind = UNQUOTED_CLASS[c]!;
        if (kind !== 0) {
          if (kind === ENDS_FIELD) break;
          return -1;
        }
        bytes |= c;
        if (++i === n) return -1;
        c = text.charCodeAt(i);
      }
      to = i;
    }
    if (2 * field + 1 >= bounds.length) return -1;
    bounds[2 * field] = from;
    bounds[2 * field + 1] = to;
    field++;
    if (c !== COMMA) break;
    i++;
  }
  if (field !== count) return -1;
  // (A quote in a simple row's field is always half of an escaped pair: decodedName and
  // CopyWriter's account lines keep one of each two, so no field may let a lone quote in.)
  if (escapedField !== -1 && escapedField !== index.account_name) return -1;
  const ranges = row.ranges;
  const idLength = trimmed(text, bounds, index.account_id, ranges, SIMPLE.accountId);
  if (idLength === 0 || idLength > MAX_TEXT_CHARS) return -1;
  // Names: their length limit counts characters, at most one per byte (checked again in
  // characters when the bytes exceed it, below).
  const nameLength = trimmed(text, bounds, index.account_name, ranges, SIMPLE.accountName);
  const firstLength = trimmed(text, bounds, index.first_name, ranges, SIMPLE.firstName);
  const lastLength = trimmed(text, bounds, index.last_name, ranges, SIMPLE.lastName);
  trimmed(text, bounds, index.role, ranges, ROLE_TEXT);
  const role = equalsFolded(text, ranges[ROLE_TEXT]!, ranges[ROLE_TEXT + 1]!, 'primary') ? 1 : equalsFolded(text, ranges[ROLE_TEXT]!, ranges[ROLE_TEXT + 1]!, 'secondary') ? 2 : 0;
  if (role === 0) return -1;
  const emailLength = trimmed(text, bounds, index.email, ranges, SIMPLE.email);
  trimmed(text, bounds, index.login_access, ranges, ACCESS_TEXT);
  const access = accessValue(text, ranges[ACCESS_TEXT]!, ranges[ACCESS_TEXT + 1]!);
  if (access < 0) return -1;
  row.accountName = row.firstName = row.lastName = null;
  row.latin = 0;
  if ((bytes & 0x80) !== 0) {
    // Beyond ASCII: only in names (more closely looked at in readName).
    if (hasHigh(text, ranges[SIMPLE.accountId]!, ranges[SIMPLE.accountId + 1]!) || hasHigh(text, ranges[ROLE_TEXT]!, ranges[ROLE_TEXT + 1]!)) return -1;
    if (hasHigh(text, ranges[SIMPLE.email]!, ranges[SIMPLE.email + 1]!) || hasHigh(text, ranges[ACCESS_TEXT]!, ranges[ACCESS_TEXT + 1]!)) return -1;
    if (!readName('account_name', text, row, SIMPLE.accountName, LATIN_ACCOUNT_NAME)) return -1;
    if (!readName('first_name', text, row, SIMPLE.firstName, LATIN_FIRST_NAME)) return -1;
    if (!readName('last_name', text, row, SIMPLE.lastName, LATIN_LAST_NAME)) return -1;
  } else if (nameLength > MAX_TEXT_CHARS || firstLength > MAX_TEXT_CHARS || lastLength > MAX_TEXT_CHARS) return -1;
  if (emailLength > 0 && !plainAddress(text, ranges[SIMPLE.email]!, ranges[SIMPLE.email + 1]!)) return -1;
  ranges[SIMPLE.role] = role;
  ranges[SIMPLE.access] = access;
  return i;
}
