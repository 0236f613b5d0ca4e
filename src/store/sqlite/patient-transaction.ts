import type { Kysely } from 'kysely';
import type { PatienceOptions } from '../engine.js';
import { retryWhileBusy } from '../retry-while-busy.js';
import type { StoreSchema } from '../schema.js';
import { isSqliteBusy } from './sqlite-busy.js';
import type { SqliteEngine } from './sqlite-engine.js';

/**
 * Runs a write that must not be lost to a busy store (the outcome of an email already sent):
 * while another writer holds the lock it retries for up to `patienceMs` (retryWhileBusy). Each
 * try blocks for at most 100 ms in SQLite's own busy wait; the waiting happens between tries.
 */
export async function patientTransaction(store: SqliteEngine, work: (trx: Kysely<StoreSchema>) => Promise<void>, options: PatienceOptions): Promise<boolean> {
  const busyTimeout = store.sqlite.pragma('busy_timeout', { simple: true }) as number;
  store.sqlite.pragma('busy_timeout = 100');
  try {
    return await retryWhileBusy(() => store.writeTransaction([], work), isSqliteBusy, options);
  } finally {
    store.sqlite.pragma(`busy_timeout = ${busyTimeout}`);
  }
}
