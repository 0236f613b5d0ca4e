import type { Kysely } from 'kysely';
import type { ImportBatch } from '../core/import-batches.js';
import type { ConflictFindings } from './conflict-findings.js';
import type { ImportOutcome } from './import-outcome.js';
import type { StoreSchema } from './schema.js';

/** Which database a store lives in. */
export type EngineKind = 'sqlite' | 'postgres';

/** Where an open migrated the store from (SQLite keeps a copy of the old file; PostgreSQL relies on its transaction). */
export interface MigratedFrom {
  version: number;
  /** The copy of the old store, or null when the engine keeps none (PostgreSQL: use pg_dump). */
  backup: string | null;
}

/** How an import runs (the rows are already read and checked). */
export interface ImportOptions {
  skipInvalid: boolean;
  now: Date;
  sourceName: string;
  admin: string;
  onProgress?: (rowsRead: number) => void;
  /** Called once every row is read, before the account checks, indexes and commit (seconds on a large file, with no progress to report). */
  onSaving?: () => void;
}

/** What a waiting write may be told: give up after `patienceMs`, or when `signal` aborts. */
export interface PatienceOptions {
  patienceMs: number;
  signal?: AbortSignal;
  onWait?: () => void;
}

/**
 * The one seam between the store and a database engine, in the spirit of kysely's own
 * Dialect/adapter split: how to open and migrate, how a write transaction locks, how errors map to
 * exit codes, and the bulk paths each engine does its own way. Everything else (the store's
 * named operations) is written once over `db`.
 */
export interface Engine {
  readonly kind: EngineKind;
  /** The query builder; portable queries only. */
  readonly db: Kysely<StoreSchema>;
  /** The store as it may be printed: a file path, or a URL without its password. */
  readonly location: string;
  /** Set when this open migrated the store forward. */
  readonly migratedFrom: MigratedFrom | null;
  /** SQLite: the file's mode when others may read it, else null. */
  readonly looseMode: number | null;
  /** SQLite: the folder holding the store file, where `outbox/` goes by default; PostgreSQL: null. */
  readonly folder: string | null;
  /**
   * Runs `work` in one write transaction that serializes with every other writer touching the
   * same `lockKeys` (normalized addresses or account ids it reads then writes), so read-then-write
   * rules (the cooldown, newest-only, a conflict re-check) hold across processes and machines.
   */
  writeTransaction<T>(lockKeys: readonly string[], work: (trx: Kysely<StoreSchema>) => Promise<T>): Promise<T>;
  /** A write that must not be lost to a busy store: retried for up to `patienceMs`; false when it gave up. */
  patientWrite(work: (trx: Kysely<StoreSchema>) => Promise<void>, options: PatienceOptions): Promise<boolean>;
  /** Loads an accounts export (the engine's bulk path), atomically unless `skipInvalid`. */
  importAccounts(batches: AsyncIterable<ImportBatch> | Iterable<ImportBatch>, options: ImportOptions): Promise<ImportOutcome>;
  /** Every address used more than once (and Gmail look-alikes when asked), in one set-based pass. */
  scanConflicts(options: { advisories: boolean }): Promise<ConflictFindings & { checked: number }>;
  /** The given keys' conflicts, in one set-based query. */
  checkConflicts(keys: readonly string[], options: { advisories: boolean }): Promise<ConflictFindings>;
  /** Fails with a StoreError (exit 3) when the store's pages are damaged (SQLite's quick_check); a no-op where the server checks itself. */
  checkIntegrity(): Promise<void>;
  /** Turns this engine's failures (locks, connections, files) into a StoreError; other errors pass through. */
  storeError(error: unknown): unknown;
  close(): Promise<void>;
}
