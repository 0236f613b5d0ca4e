import { Kysely, PostgresDialect, sql } from 'kysely';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { ImportBatch } from '../../core/import-batches.js';
import { checkConflictsWith, scanConflictsWith, type ConflictFindings } from '../conflict-findings.js';
import type { Engine, ImportOptions, MigratedFrom, PatienceOptions } from '../engine.js';
import type { ImportOutcome } from '../import-outcome.js';
import { retryWhileBusy } from '../retry-while-busy.js';
import type { StoreSchema } from '../schema.js';
import { postgresConflictQueries } from './conflicts-postgres.js';
import { importAccountsPostgres } from './import-accounts-postgres.js';
import { postgresStoreError } from './postgres-store-error.js';

/** Advisory lock ids (one bigint key space): the store-wide lock an import takes alone, and the class of per-key locks. */
export const STORE_LOCK = 0x456e526c00000001n;
const KEY_LOCK_CLASS = 0x456e526c;

// SQLSTATEs after which a serializable transaction is simply run again: a serialization failure
// and a deadlock. Neither changed anything; the user never sees them.
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 30;

function sqlState(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : '';
}

/**
 * The PostgreSQL engine: a team's shared store. Writers on several machines run side by side, so a
 * write transaction here is chosen to keep SQLite's guarantees without its one-writer lock:
 *
 * - It runs at SERIALIZABLE. Correctness then never depends on picking lock keys right: two
 *   writers whose reads and writes overlap (a reset and a fix-conflict on the same account, two
 *   resets of one login) cannot both commit; the loser gets a serialization failure, which is
 *   retried here, invisibly, a bounded number of times.
 * - Before it begins, it takes an advisory lock per key it names (the normalized address of a
 *   reset, the addresses of a fix): writers that predictably collide (twelve resets of one login)
 *   queue on the lock instead of retrying in a storm. The locks are session-level and taken before
 *   BEGIN on purpose: a serializable snapshot starts at the first statement, so a lock taken inside
 *   the transaction would leave it reading what was there before the other writer committed.
 * - Every writer also holds the store-wide lock in shared mode; an import takes it exclusively, so
 *   a million-row load (which cannot be re-run from a consumed stream) never has to retry.
 * `lock_timeout` (from --lock-timeout) bounds every wait: past it, exit 3 "locked".
 */
export class PostgresEngine implements Engine {
  readonly kind = 'postgres' as const;
  readonly looseMode = null;
  readonly folder = null;

  constructor(
    readonly db: Kysely<StoreSchema>,
    readonly pool: pg.Pool,
    readonly location: string,
    readonly migratedFrom: MigratedFrom | null,
  ) {}

  async writeTransaction<T>(lockKeys: readonly string[], work: (trx: Kysely<StoreSchema>) => Promise<T>): Promise<T> {
    return this.db.connection().execute(async (connection) => {
      await sql`select pg_advisory_lock_shared(${STORE_LOCK})`.execute(connection);
      try {
        // Sorted, so two writers naming the same keys take them in the same order (no deadlock).
        for (const key of [...new Set(lockKeys)].sort()) await sql`select pg_advisory_lock(${KEY_LOCK_CLASS}, hashtext(${key}))`.execute(connection);
        return await serializable(connection, work);
      } finally {
        await sql`select pg_advisory_unlock_all()`.execute(connection);
      }
    });
  }

  /** Runs `work` with every other writer shut out (an import): the store-wide lock, exclusively. */
  async exclusiveTransaction<T>(work: (trx: Kysely<StoreSchema>, client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('select pg_advisory_lock($1)', [STORE_LOCK.toString()]);
      try {
        await client.query('begin');
        try {
          const result = await work(kyselyOn(client), client);
          await client.query('commit');
          return result;
        } catch (error) {
          await client.query('rollback').catch(() => {
            broken = true;
          });
          throw error;
        }
      } finally {
        await client.query('select pg_advisory_unlock_all()').catch(() => {
          broken = true;
        });
      }
    } finally {
      client.release(broken);
    }
  }

  patientWrite(work: (trx: Kysely<StoreSchema>) => Promise<void>, options: PatienceOptions): Promise<boolean> {
    // No advisory lock: recording an outcome touches one link row and appends to the log, and
    // must not wait behind an import's store-wide lock; row locks and SERIALIZABLE suffice.
    return retryWhileBusy(
      () => this.db.connection().execute((connection) => serializable(connection, work)),
      (error) => sqlState(error) === '55P03' || RETRYABLE.has(sqlState(error)),
      options,
    );
  }

  importAccounts(batches: AsyncIterable<ImportBatch> | Iterable<ImportBatch>, options: ImportOptions): Promise<ImportOutcome> {
    return importAccountsPostgres(this, batches, options);
  }

  scanConflicts(options: { advisories: boolean }): Promise<ConflictFindings & { checked: number }> {
    return scanConflictsWith(postgresConflictQueries(this.db), options);
  }

  checkConflicts(keys: readonly string[], options: { advisories: boolean }): Promise<ConflictFindings> {
    return checkConflictsWith(postgresConflictQueries(this.db), keys, options);
  }

  /** The server checks its own pages (and data checksums, when the cluster has them): nothing to do here. */
  async checkIntegrity(): Promise<void> {}

  storeError(error: unknown): unknown {
    return postgresStoreError(error, this.location);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}

// One serializable transaction on `connection`, run again after a serialization failure or a deadlock.
async function serializable<T>(connection: Kysely<StoreSchema>, work: (trx: Kysely<StoreSchema>) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    await sql`begin isolation level serializable`.execute(connection);
    try {
      const result = await work(connection);
      await sql`commit`.execute(connection);
      return result;
    } catch (error) {
      await sql`rollback`.execute(connection).catch(() => undefined);
      if (!RETRYABLE.has(sqlState(error)) || attempt >= MAX_ATTEMPTS) throw error;
      // Back off a little, with jitter, so the writers that collided do not collide again.
      await sleep(Math.min(200, 5 * attempt) + Math.random() * 20 * attempt);
    }
  }
}

/**
 * A kysely instance that runs every query on one checked-out client: for work that mixes kysely
 * queries with a COPY on that same client, inside one transaction.
 */
export function kyselyOn(client: pg.PoolClient): Kysely<StoreSchema> {
  const borrowed = { query: client.query.bind(client), release: () => {} };
  return new Kysely<StoreSchema>({
    dialect: new PostgresDialect({ pool: { connect: async () => borrowed, end: async () => {} } as unknown as pg.Pool }),
  });
}
