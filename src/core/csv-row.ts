/** One CSV line (RFC 4180): fields quoted only when they contain a comma, quote, CR or LF. */
export function csvRow(fields: readonly (string | null)[]): string {
  return fields
    .map((field) => {
      const value = field ?? '';
      return /[",\r\n]/.test(value) || /^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
    })
    .join(',');
}
