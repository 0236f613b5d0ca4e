/** True when a --db value names a PostgreSQL store (a libpq URL) rather than a SQLite file. */
export function isPostgresUrl(value: string): boolean {
  return /^postgres(ql)?:\/\//i.test(value.trim());
}

/**
 * The URL as it may be printed: user, host, port and database, never a password (nor query
 * parameters, which may carry one). Used in every message about a PostgreSQL store.
 */
export function printablePostgresUrl(value: string): string {
  try {
    const url = new URL(value.trim());
    const user = url.username ? `${decodeURIComponent(url.username)}@` : '';
    const port = url.port ? `:${url.port}` : '';
    return `${url.protocol}//${user}${url.hostname}${port}${url.pathname === '/' ? '' : url.pathname}`;
  } catch {
    return 'the PostgreSQL URL in --db / ENROLLSY_DB';
  }
}
