import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { chmodSync, closeSync, existsSync, fsyncSync, openSync, lstatSync, mkdirSync, readlinkSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { shortForMessage } from '../../core/email.js';
import { StoreError } from '../../core/errors.js';
import type { MigratedFrom } from '../engine.js';
import { migrations, SCHEMA_VERSION } from '../migrations.js';
import type { StoreSchema } from '../schema.js';
import { assertIntact } from './assert-intact.js';
import { SqliteEngine } from './sqlite-engine.js';
import { isSqliteBusy } from './sqlite-busy.js';
import { MMAP_BYTES } from './mmap-bytes.js';
import { sqliteStoreError } from './sqlite-store-error.js';

/** How to open a store. */
export interface OpenStoreOptions {
  /** Create the store (or its schema) when missing (only `init` does). */
  create?: boolean;
  /** How long to wait for another writer's lock before failing (ms). */
  lockTimeoutMs?: number;
}


/** `PRAGMA application_id` of every enrollsy-help store ("EnRl"): how a store is told from another SQLite file. */
export const APPLICATION_ID = 0x456e526c;

// Tables every store since schema 1 has: how a store made before the marker existed is recognised.
const CORE_TABLES = ['accounts', 'audit_log', 'company', 'holders'];
// Every table an interrupted `init` of an older version could have left (kysely's bookkeeping included).
const EARLY_TABLES = new Set([...CORE_TABLES, 'reset_links', 'kysely_migration', 'kysely_migration_lock']);

/** Opens (or with `create`, creates) the SQLite store at `path` and brings its schema up to date. */
export async function openSqlite(path: string, options: OpenStoreOptions): Promise<SqliteEngine> {
  if (path.trim() === '') throw new StoreError('The store path is empty', { kind: 'give-a-store' });
  const shown = shortForMessage(path, 160);
  const absolute = resolve(path);
  const create = options.create === true;
  try {
    prepareFile(absolute, shown, create);
  } catch (error) {
    throw sqliteStoreError(error, path);
  }
  let sqlite: Database.Database;
  try {
    sqlite = new Database(absolute, { fileMustExist: true, timeout: options.lockTimeoutMs ?? 5000 });
  } catch (error) {
    throw sqliteStoreError(error, path);
  }
  try {
    const looseMode = tightenSidecars(absolute);
    // Decided by reading only: a file that is not ours is left exactly as it was.
    const deadline = Date.now() + (options.lockTimeoutMs ?? 5000);
    const found = whileBusy(deadline, () => identify(sqlite));
    if (found.kind === 'foreign') throw notOurs(shown);
    if (found.version > SCHEMA_VERSION) {
      throw new StoreError(
        `${shown} was written by a newer enrollsy-help (schema ${found.version}; this one knows up to ${SCHEMA_VERSION}). Upgrade enrollsy-help to use it.`,
      );
    }
    if (found.kind !== 'ours' && !create) throw new StoreError(`${shown} is empty, not an initialized store`, { kind: 'run-init', orPointElsewhere: false });
    // init checks a store it is given before writing anything to it (a marker, a migration).
    if (create && found.kind === 'ours') assertIntact(sqlite, path);
    // Switching a new file to WAL needs the file to itself: when another process opening the same
    // new store holds it, SQLite can answer busy without waiting, so wait here (up to --lock-timeout).
    whileBusy(deadline, () => sqlite.pragma('journal_mode = WAL'));
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma(`mmap_size = ${MMAP_BYTES}`);
    const db = new Kysely<StoreSchema>({ dialect: new SqliteDialect({ database: sqlite }) });
    let migratedFrom: MigratedFrom | null = null;
    // init also stamps the marker on a current store made before it existed.
    if (found.version < SCHEMA_VERSION || (create && !found.marked)) {
      // migrate() rolls back whatever it did when it fails, and decides again under the lock: a retry is safe.
      for (;;) {
        try {
          migratedFrom = await migrate(sqlite, db, absolute, shown);
          break;
        } catch (error) {
          if (!isSqliteBusy(error) || Date.now() >= deadline) throw error;
          pause(25);
        }
      }
    }
    return new SqliteEngine({ db, sqlite, path, absolute, migratedFrom, looseMode });
  } catch (error) {
    sqlite.close();
    throw sqliteStoreError(error, path);
  }
}

// A short synchronous pause (opening is synchronous; there is nothing else to run meanwhile).
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Runs `step`, again while SQLite answers busy without having waited (it does so to avoid a
 * deadlock, or while another connection sets up the same new file), until `deadline`.
 */
function whileBusy<T>(deadline: number, step: () => T): T {
  for (;;) {
    try {
      return step();
    } catch (error) {
      if (!isSqliteBusy(error) || Date.now() >= deadline) throw error;
      pause(25);
    }
  }
}

// Refuses what cannot be a store file before SQLite sees it; `create` makes a missing one.
function prepareFile(absolute: string, shown: string, create: boolean): void {
  let link: string | null = null;
  try {
    if (lstatSync(absolute).isSymbolicLink()) link = readlinkSync(absolute);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && (error as NodeJS.ErrnoException).code !== 'ENOTDIR') throw error;
  }
  if (existsSync(absolute)) {
    if (statSync(absolute).isDirectory()) {
      throw new StoreError(`${shown} is a folder, not a store file`, { kind: 'point-at-a-file', suggestion: `${shown.replace(/\/$/, '')}/enrollsy.db` });
    }
    return;
  }
  if (link !== null) {
    throw new StoreError(`${shown} is a symbolic link to ${shortForMessage(link, 160)}, which does not exist`, { kind: 'point-at-the-real-store', orRemoveTheLink: true });
  }
  if (!create) throw new StoreError(`No store at ${shown}`, { kind: 'run-init', orPointElsewhere: true });
  try {
    mkdirSync(dirname(absolute), { recursive: true });
  } catch (error) {
    // mkdir -p reports a file standing where a folder should be as EEXIST.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
    throw error;
  }
  try {
    // Created empty first so the file (and the -wal/-shm files SQLite copies its mode to) is
    // readable by its owner only: it holds customers' names and addresses.
    writeFileSync(absolute, '', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another init created it a moment ago: the migration's lock sorts out which one sets it up.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

// -wal and -shm files are never more open than the store itself (SQLite copies the store's
// mode when it creates them; ones left by another tool or a copy may be wider). Returns the
// store's mode when others may read or write it, for a warning.
function tightenSidecars(absolute: string): number | null {
  const mode = statSync(absolute).mode & 0o777;
  for (const suffix of ['-wal', '-shm']) {
    try {
      const sidecar = statSync(absolute + suffix).mode & 0o777;
      if ((sidecar & ~mode) !== 0) chmodSync(absolute + suffix, sidecar & mode);
    } catch {
      // absent, or not ours to change: SQLite reports what matters when it opens them
    }
  }
  return (mode & 0o077) !== 0 ? mode : null;
}

interface Identity {
  kind: 'ours' | 'empty' | 'foreign';
  marked: boolean;
  version: number;
}

// Ours by the marker; before the marker existed, by our tables and a version; empty when it
// holds nothing, or only the empty tables of an interrupted `init` of an older version.
function identify(sqlite: Database.Database): Identity {
  const applicationId = sqlite.pragma('application_id', { simple: true }) as number;
  const version = sqlite.pragma('user_version', { simple: true }) as number;
  if (applicationId === APPLICATION_ID) return { kind: 'ours', marked: true, version };
  if (applicationId !== 0) return { kind: 'foreign', marked: false, version };
  const tables = (sqlite.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'").all() as { name: string }[]).map((t) => t.name);
  if (version > 0) return { kind: CORE_TABLES.every((t) => tables.includes(t)) ? 'ours' : 'foreign', marked: false, version };
  if (tables.every((t) => EARLY_TABLES.has(t)) && tables.every((t) => t.startsWith('kysely_') || !hasRows(sqlite, t))) return { kind: 'empty', marked: false, version };
  return { kind: 'foreign', marked: false, version };
}

function hasRows(sqlite: Database.Database, table: string): boolean {
  return (sqlite.prepare(`select exists (select 1 from "${table}") as found`).get() as { found: number }).found === 1;
}

function notOurs(shown: string): StoreError {
  return new StoreError(`${shown} is an SQLite file but not an enrollsy-help store; it was left as it was`, { kind: 'point-at-your-store', orInitANewOne: true });
}

/**
 * Brings the schema up to date in one `begin immediate` transaction: every migration step, the
 * marker and the version are committed together or not at all, so a kill leaves the old store
 * or the new one. A second `init` or upgrade at the same moment waits for the lock, then finds
 * nothing left to do. kysely's Migrator is not used: on SQLite it runs without a transaction or a lock.
 */
async function migrate(sqlite: Database.Database, db: Kysely<StoreSchema>, absolute: string, shown: string): Promise<MigratedFrom | null> {
  sqlite.exec('begin immediate');
  try {
    const found = identify(sqlite);
    if (found.kind === 'foreign') throw notOurs(shown);
    if (found.version > SCHEMA_VERSION) throw new StoreError(`${shown} was upgraded by a newer enrollsy-help meanwhile (schema ${found.version}). Upgrade enrollsy-help to use it.`);
    let migratedFrom: MigratedFrom | null = null;
    if (found.version < SCHEMA_VERSION) {
      if (found.kind === 'empty') {
        // What an interrupted init of an older version left: empty tables, made again below.
        const tables = sqlite.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'").all() as { name: string }[];
        for (const { name } of tables) sqlite.exec(`drop table "${name}"`);
      } else {
        migratedFrom = { version: found.version, backup: backupBeforeMigration(absolute, found.version) };
      }
      const start = found.kind === 'empty' ? 0 : found.version;
      for (const migration of Object.values(migrations).slice(start)) await migration.up(db, 'sqlite');
    }
    sqlite.pragma(`application_id = ${APPLICATION_ID}`);
    sqlite.pragma(`user_version = ${SCHEMA_VERSION}`);
    sqlite.exec('commit');
    return migratedFrom;
  } catch (error) {
    if (sqlite.inTransaction) sqlite.exec('rollback');
    throw error;
  }
}

/**
 * A consistent copy of the store as it is, beside it, so an unwanted upgrade can be undone.
 * Called while this process holds the write lock: a second, read-only connection copies the
 * committed state. Written under a temporary name and renamed, so a copy cut short by a kill is
 * never taken for a good one; a retry replaces it, so there is one backup per schema version.
 */
function backupBeforeMigration(absolute: string, version: number): string {
  const backup = `${absolute}.schema-${version}.bak`;
  const partial = `${backup}.partial`;
  rmSync(partial, { force: true });
  // Created empty first, owner-only like the store: it holds the same names and addresses.
  writeFileSync(partial, '', { mode: 0o600, flag: 'wx' });
  const reader = new Database(absolute, { readonly: true, fileMustExist: true });
  try {
    reader.prepare('vacuum into ?').run(partial);
  } finally {
    reader.close();
  }
  const fd = openSync(partial, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(partial, backup);
  return backup;
}
