import { sql, type Kysely } from 'kysely';
import type { Store } from './open-store.js';
import type { StoreSchema } from './schema.js';

/**
 * Runs `work` in one write transaction that takes the write lock before it reads
 * (`begin immediate`): a second writer waits for the lock (busy timeout) instead of failing with
 * SQLITE_BUSY_SNAPSHOT as it would with kysely's deferred `begin`.
 */
export async function immediateTransaction<T>(store: Store, work: (trx: Kysely<StoreSchema>) => Promise<T>): Promise<T> {
  return store.db.connection().execute(async (connection) => {
    await sql`begin immediate`.execute(connection);
    try {
      const result = await work(connection);
      await sql`commit`.execute(connection);
      return result;
    } catch (error) {
      if (store.sqlite.inTransaction) await sql`rollback`.execute(connection);
      throw error;
    }
  });
}
