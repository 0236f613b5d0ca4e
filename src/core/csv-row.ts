/**
 * One CSV line (RFC 4180) that a spreadsheet opens as plain text: fields quoted only when they
 * contain a comma, quote, CR or LF (or start or end with a space), and every field a
 * spreadsheet would run as a formula neutralised by spreadsheetSafe.
 */
export function csvRow(fields: readonly (string | null)[]): string {
  return fields
    .map((field) => {
      const value = spreadsheetSafe(field ?? '');
      return /[",\r\n]/.test(value) || /^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
    })
    .join(',');
}

// What a spreadsheet treats as the start of a formula (OWASP, CSV injection): = + - @, a tab or
// a carriage return, also after leading spaces, and the full-width forms some locales accept.
const FORMULA_START = /^[\s\u3000]*[=+\-@\uff1d\uff0b\uff0d\uff20]|^[\t\r]/;

/** A cell a spreadsheet would run as a formula, prefixed with `'` so it shows as text; others unchanged. */
export function spreadsheetSafe(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}
