/** True when SQLite refused because another connection holds the lock (SQLITE_BUSY_*, SQLITE_LOCKED_*). */
export function isSqliteBusy(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : '';
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}
