import type Database from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import { dirname } from 'node:path';
import type { ImportBatch } from '../../core/import-batches.js';
import type { ConflictFindings } from '../conflict-findings.js';
import type { Engine, ImportOptions, MigratedFrom, PatienceOptions } from '../engine.js';
import type { ImportOutcome } from '../import-outcome.js';
import type { StoreSchema } from '../schema.js';
import { checkIntactInBackground } from './assert-intact.js';
import { checkConflictsWith, scanConflictsWith } from '../conflict-findings.js';
import { sqliteConflictQueries } from './conflicts-sqlite.js';
import { importAccountsSqlite } from './import-accounts-sqlite.js';
import { patientTransaction } from './patient-transaction.js';
import { sqliteStoreError } from './sqlite-store-error.js';

/** The SQLite engine: one file, one writer at a time (`begin immediate`), better-sqlite3 for the bulk paths. */
export class SqliteEngine implements Engine {
  readonly kind = 'sqlite' as const;
  readonly db: Kysely<StoreSchema>;
  /** The raw handle, for this engine's bulk paths only. */
  readonly sqlite: Database.Database;
  readonly location: string;
  /** Absolute path of the store file. */
  readonly path: string;
  readonly folder: string;
  readonly migratedFrom: MigratedFrom | null;
  readonly looseMode: number | null;

  constructor(opened: { db: Kysely<StoreSchema>; sqlite: Database.Database; path: string; absolute: string; migratedFrom: MigratedFrom | null; looseMode: number | null }) {
    this.db = opened.db;
    this.sqlite = opened.sqlite;
    this.location = opened.path;
    this.path = opened.absolute;
    this.folder = dirname(opened.absolute);
    this.migratedFrom = opened.migratedFrom;
    this.looseMode = opened.looseMode;
  }

  /**
   * SQLite has one writer at a time, so every write transaction takes the store's write lock
   * before it reads (`begin immediate`), whatever it touches: a second writer waits for the lock
   * (busy timeout) instead of failing with SQLITE_BUSY_SNAPSHOT as it would with kysely's
   * deferred `begin`. The lock keys only matter where writers can run side by side (PostgreSQL).
   */
  async writeTransaction<T>(_lockKeys: readonly string[], work: (trx: Kysely<StoreSchema>) => Promise<T>): Promise<T> {
    return this.db.connection().execute(async (connection) => {
      await sql`begin immediate`.execute(connection);
      try {
        const result = await work(connection);
        await sql`commit`.execute(connection);
        return result;
      } catch (error) {
        if (this.sqlite.inTransaction) await sql`rollback`.execute(connection);
        throw error;
      }
    });
  }

  patientWrite(work: (trx: Kysely<StoreSchema>) => Promise<void>, options: PatienceOptions): Promise<boolean> {
    return patientTransaction(this, work, options);
  }

  importAccounts(batches: AsyncIterable<ImportBatch> | Iterable<ImportBatch>, options: ImportOptions): Promise<ImportOutcome> {
    return importAccountsSqlite(this, batches, options);
  }

  async scanConflicts(options: { advisories: boolean }): Promise<ConflictFindings & { checked: number }> {
    return scanConflictsWith(sqliteConflictQueries(this.sqlite), options);
  }

  async checkConflicts(keys: readonly string[], options: { advisories: boolean }): Promise<ConflictFindings> {
    return checkConflictsWith(sqliteConflictQueries(this.sqlite), keys, options);
  }

  /** Runs on a worker thread with its own connection: the caller may scan meanwhile, then awaits it. */
  checkIntegrity(): Promise<void> {
    return checkIntactInBackground(this.path, this.location);
  }

  storeError(error: unknown): unknown {
    return sqliteStoreError(error, this.location);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
