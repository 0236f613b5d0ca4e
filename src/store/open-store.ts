import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type MigrationProvider } from 'kysely';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { StoreError } from '../core/errors.js';
import { migrations, SCHEMA_VERSION } from './migrations.js';
import type { StoreSchema } from './schema.js';
import { storeErrorFrom } from './store-error-from.js';

/** An open account store: kysely for queries, the raw handle for bulk work. */
export interface Store {
  readonly db: Kysely<StoreSchema>;
  readonly sqlite: Database.Database;
  /** Absolute path of the store file. */
  readonly path: string;
  /** Where the store was migrated from, when this open migrated it (the backup path). */
  readonly migratedFrom: { version: number; backup: string } | null;
  close(): Promise<void>;
}

/** How to open a store. */
export interface OpenStoreOptions {
  /** Create the file when missing (only `init` does). */
  create?: boolean;
  /** How long to wait for another writer's lock before failing (ms). */
  lockTimeoutMs?: number;
}

/** How much of the store is read memory-mapped: scans and lookups skip a read() per page. */
export const MMAP_BYTES = 256 * 1024 * 1024;

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Opens (or with `create`, creates) the store at `path` and brings its schema up to date. */
export async function openStore(path: string, options: OpenStoreOptions = {}): Promise<Store> {
  if (path.trim() === '') throw new StoreError('The store path is empty: give --db <path>, or set ENROLLSY_DB.');
  const absolute = resolve(path);
  if (existsSync(absolute) && statSync(absolute).isDirectory()) {
    throw new StoreError(`${path} is a folder, not a store file: point --db at a file such as ${path.replace(/\/$/, '')}/enrollsy.db.`);
  }
  if (!existsSync(absolute)) {
    if (!options.create) {
      throw new StoreError(`No store at ${path}. Run \`enrollsy-help init\` to create it, or point --db / ENROLLSY_DB at your store.`);
    }
    try {
      mkdirSync(dirname(absolute), { recursive: true });
      // Created empty first so the file (and the -wal/-shm files SQLite copies its mode to) is
      // readable by its owner only: it holds customers' names and addresses.
      writeFileSync(absolute, '', { mode: 0o600, flag: 'wx' });
    } catch (error) {
      throw storeErrorFrom(error, path);
    }
  }
  let sqlite: Database.Database;
  try {
    sqlite = new Database(absolute, { fileMustExist: true, timeout: options.lockTimeoutMs ?? 5000 });
  } catch (error) {
    throw storeErrorFrom(error, path);
  }
  try {
    const version = sqlite.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new StoreError(
        `${path} was written by a newer enrollsy-help (schema ${version}; this one knows up to ${SCHEMA_VERSION}). Upgrade enrollsy-help to use it.`,
      );
    }
    if (version === 0) assertEmptyOrOurs(sqlite, path, options.create === true);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma(`mmap_size = ${MMAP_BYTES}`);
    const db = new Kysely<StoreSchema>({ dialect: new SqliteDialect({ database: sqlite }) });
    let migratedFrom: Store['migratedFrom'] = null;
    if (version < SCHEMA_VERSION) {
      if (version > 0) migratedFrom = { version, backup: backupBeforeMigration(sqlite, absolute, version) };
      const { error } = await new Migrator({ db, provider }).migrateToLatest();
      if (error) throw error;
      sqlite.pragma(`user_version = ${SCHEMA_VERSION}`);
    }
    return {
      db,
      sqlite,
      path: absolute,
      migratedFrom,
      close: async () => {
        await db.destroy();
      },
    };
  } catch (error) {
    sqlite.close();
    throw storeErrorFrom(error, path);
  }
}

// A version-0 file is either brand new (init is creating it) or not ours at all.
function assertEmptyOrOurs(sqlite: Database.Database, path: string, creating: boolean): void {
  const tables = sqlite.prepare("select count(*) as n from sqlite_master where type = 'table'").get() as { n: number };
  if (tables.n > 0) {
    throw new StoreError(`${path} is an SQLite file but not an enrollsy-help store. Point --db at your store, or run \`enrollsy-help init --db <new file>\`.`);
  }
  if (!creating) {
    throw new StoreError(`${path} is empty, not an initialized store. Run \`enrollsy-help init\` first.`);
  }
}

// A consistent copy of the old store beside it, so a failed or unwanted upgrade can be undone.
function backupBeforeMigration(sqlite: Database.Database, absolute: string, version: number): string {
  let backup = `${absolute}.schema-${version}.bak`;
  if (existsSync(backup)) backup = `${absolute}.schema-${version}.${Date.now()}.bak`;
  // Created empty first, owner-only like the store: it holds the same names and addresses.
  writeFileSync(backup, '', { mode: 0o600, flag: 'wx' });
  sqlite.prepare('vacuum into ?').run(backup);
  return backup;
}
