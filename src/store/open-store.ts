import { KyselyStore } from './kysely-store.js';
import { isPostgresUrl } from './postgres/postgres-location.js';
import type { Store } from './store.js';

/** How to open a store. */
export interface OpenStoreOptions {
  /** Create the store (a SQLite file, or the schema in a PostgreSQL database) when missing: only `init` does. */
  create?: boolean;
  /** How long to wait for another writer's lock before failing (ms). */
  lockTimeoutMs?: number;
  /**
   * Who is acting (the caller resolves it; store code never reads the environment): a name, or a
   * function asked on the first audit entry, so a read-only command never asks the system.
   */
  admin: string | (() => string);
  /** PostgreSQL: the schema to use or (with `create`) create, instead of the URL's `schema` parameter or `public`. */
  schema?: string;
}

/**
 * Opens the store at `location` (a SQLite file path, or a postgres:// URL), bringing its schema up
 * to date. Each engine's module loads only when used: a PostgreSQL user never loads better-sqlite3.
 */
export async function openStore(location: string, options: OpenStoreOptions): Promise<Store> {
  if (isPostgresUrl(location)) {
    const { openPostgres } = await import('./postgres/open-postgres.js');
    return new KyselyStore(await openPostgres(location, options), options.admin);
  }
  const { openSqlite } = await import('./sqlite/open-sqlite.js');
  return new KyselyStore(await openSqlite(location, options), options.admin);
}
