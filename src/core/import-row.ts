import { emailProblem, normalizeEmail, shortForMessage, UNPRINTABLE } from './email.js';
import type { Role } from './types.js';

/** The columns an accounts export must have (order free, extra columns ignored). */
export const IMPORT_COLUMNS = ['account_id', 'account_name', 'role', 'first_name', 'last_name', 'email', 'login_access'] as const;

/** Where each required column sits in a record. */
export type ColumnIndex = Record<(typeof IMPORT_COLUMNS)[number], number> & { count: number };

/** Reads the header record into column positions, or says what is wrong with it. */
export function readHeader(fields: readonly string[]): { ok: true; index: ColumnIndex } | { ok: false; reason: string } {
  const names = fields.map((field) => field.trim().toLowerCase());
  const duplicate = names.find((name, i) => name !== '' && names.indexOf(name) !== i && (IMPORT_COLUMNS as readonly string[]).includes(name));
  if (duplicate) return { ok: false, reason: `the header names the column "${duplicate}" twice` };
  const missing = IMPORT_COLUMNS.filter((column) => !names.includes(column));
  if (missing.length > 0) {
    // Spreadsheets in many locales save "CSV" with semicolons (or tabs): one long field here.
    for (const [separator, name] of [[';', 'semicolons (;)'], ['\t', 'tabs']] as const) {
      const split = fields.join(',').split(separator).map((field) => field.trim().toLowerCase());
      if (IMPORT_COLUMNS.every((column) => split.includes(column))) {
        return { ok: false, reason: `the file separates its columns with ${name}, not commas; save it as comma-separated CSV (in Excel: "CSV UTF-8 (Comma delimited)") and import that` };
      }
    }
    return { ok: false, reason: `the header lacks the column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (expected ${IMPORT_COLUMNS.join(', ')})` };
  }
  const index = Object.fromEntries(IMPORT_COLUMNS.map((column) => [column, names.indexOf(column)])) as ColumnIndex;
  index.count = fields.length;
  return { ok: true, index };
}

/** One validated holder row of an export. */
export interface ImportRow {
  accountId: string;
  accountName: string;
  role: Role;
  firstName: string;
  lastName: string;
  email: string | null;
  emailKey: string | null;
  loginAccess: boolean;
}

/** Longest name, account name or account id accepted. */
export const MAX_TEXT_CHARS = 200;

/** A refusal of one field: why, in words that name the column. */
export class Refusal {
  constructor(readonly reason: string) {}
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * A name, account name or account id as stored, or why it is refused (a string, or not). Line
 * breaks and tabs inside a quoted field become one space; other control or invisible characters
 * are refused (they could drive the admin's terminal when printed). Printable ASCII, most of any
 * export, has neither: it is only trimmed.
 */
export function cleanText(column: string, raw: string): string | Refusal {
  let value: string;
  if (PRINTABLE_ASCII.test(raw)) value = raw.trim();
  else {
    value = raw.replace(/[\t\r\n]+/g, ' ').trim();
    if (UNPRINTABLE.test(value)) return new Refusal(`${column} contains a control or invisible character ("${shortForMessage(value, 40)}")`);
  }
  if (value.length > MAX_TEXT_CHARS) return new Refusal(`${column} is longer than ${MAX_TEXT_CHARS} characters`);
  return value;
}

const ACCESS_VALUES: Record<string, boolean> = { '': false, yes: true, no: false, true: true, false: false, '1': true, '0': false, y: true, n: false };

/** Validates one data record; the reason names the column and what to put there. */
export function readImportRow(fields: readonly string[], index: ColumnIndex): { ok: true; row: ImportRow } | { ok: false; reason: string; accountId: string } {
  const id = cleanText('account_id', fields[index.account_id] ?? '');
  const accountId = typeof id === 'string' ? id : '';
  const fail = (reason: string) => ({ ok: false as const, reason, accountId });
  if (fields.length !== index.count) return fail(`has ${fields.length} field${fields.length === 1 ? '' : 's'}, the header has ${index.count} (a comma too many or too few?)`);
  if (id instanceof Refusal) return fail(id.reason);
  if (accountId === '') return fail('account_id is empty');
  const accountName = cleanText('account_name', fields[index.account_name]!);
  if (accountName instanceof Refusal) return fail(accountName.reason);
  const firstName = cleanText('first_name', fields[index.first_name]!);
  if (firstName instanceof Refusal) return fail(firstName.reason);
  const lastName = cleanText('last_name', fields[index.last_name]!);
  if (lastName instanceof Refusal) return fail(lastName.reason);
  const rawRole = fields[index.role]!;
  const role = rawRole.trim().toLowerCase();
  if (role !== 'primary' && role !== 'secondary') return fail(`role must be primary or secondary, found "${shortForMessage(rawRole, 40)}"`);
  const rawEmail = fields[index.email]!;
  let email: string | null = null;
  if (rawEmail.trim() !== '') {
    const problem = emailProblem(rawEmail);
    if (problem !== null) return fail(`email "${shortForMessage(rawEmail, 60)}" is malformed: ${problem}`);
    email = rawEmail.trim();
  }
  const rawAccess = fields[index.login_access]!;
  const accessWord = rawAccess.trim().toLowerCase();
  // Own keys only: "constructor" or "__proto__" must not find Object's.
  const access = Object.hasOwn(ACCESS_VALUES, accessWord) ? ACCESS_VALUES[accessWord] : undefined;
  if (access === undefined) return fail(`login_access must be yes, no, true, false, 1, 0 or empty, found "${shortForMessage(rawAccess, 40)}"`);
  return {
    ok: true,
    row: {
      accountId,
      accountName,
      role,
      firstName,
      lastName,
      email,
      emailKey: email === null ? null : normalizeEmail(email),
      loginAccess: role === 'secondary' && access,
    },
  };
}
