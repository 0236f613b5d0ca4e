import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type Migration } from 'kysely';
import { writeFileSync } from 'node:fs';
import { migrations } from '../../src/store/migrations.js';

/** The store's migrations as kysely's Migrator runs them on SQLite (how older versions made stores). */
export const sqliteMigrations: Record<string, Migration> = Object.fromEntries(
  Object.entries(migrations).map(([name, migration]) => [name, { up: (db: Kysely<any>) => migration.up(db, 'sqlite') }]),
);

/**
 * A store as an older enrollsy-help left it: kysely's Migrator up to `version` (with its own
 * bookkeeping tables, no application_id marker), `user_version` set after, plus one holder.
 * `setVersion: false` is an `init` of that version killed before it recorded the version;
 * `filler` adds that many holders.
 */
export async function oldStore(path: string, version: number, options: { setVersion?: boolean; holder?: boolean; filler?: number } = {}): Promise<void> {
  // Owner-only, as every version made it.
  writeFileSync(path, '', { mode: 0o600 });
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  const kysely = new Kysely<any>({ dialect: new SqliteDialect({ database: sqlite }) });
  const target = Object.keys(migrations)[version - 1]!;
  const { error } = await new Migrator({ db: kysely, provider: { getMigrations: async () => sqliteMigrations } }).migrateTo(target);
  if (error) throw error;
  if (options.setVersion !== false) sqlite.pragma(`user_version = ${version}`);
  if (options.holder !== false) {
    sqlite.exec(`insert into accounts values ('A1', 'Old Family', '2026-01-01T00:00:00Z');
      insert into holders (account_id, position, role, first_name, last_name, email, email_key, login_access)
      values ('A1', 1, 'primary', 'Olga', 'Old', 'olga@example.com', 'olga@example.com', 0);`);
  }
  if (options.filler) {
    // Bulk, so that copying and migrating the store takes long enough to be interrupted.
    sqlite.exec(`insert into accounts values ('F', 'Filler Family', '2026-01-01T00:00:00Z');
      with recursive n(i) as (select 1 union all select i + 1 from n where i < ${options.filler})
      insert into holders (account_id, position, role, first_name, last_name, email, email_key, login_access)
      select 'F', i, 'secondary', 'Fill', 'Er', 'fill' || i || '@example.com', 'fill' || i || '@example.com', 0 from n;`);
  }
  await kysely.destroy();
}
