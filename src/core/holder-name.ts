/**
 * A holder's name as conflict findings show it: first and last name joined by a space and
 * trimmed, or "(no name)". SQLite's full scan writes the same rule in SQL (conflicts-sqlite.ts),
 * tested against this one.
 */
export function holderName(firstName: string, lastName: string): string {
  return `${firstName} ${lastName}`.trim() || '(no name)';
}
