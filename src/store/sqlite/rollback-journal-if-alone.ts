import type Database from 'better-sqlite3';
import { isSqliteBusy } from './sqlite-busy.js';

/**
 * Runs `work` (one write transaction) with a rollback journal instead of the WAL, when no other
 * connection has the store open; otherwise as it is. Pages added to the file are not journaled,
 * so a load into an empty store writes each page once, where the WAL writes it twice (to the WAL,
 * then again at the checkpoint). The transaction stays all or nothing: a kill leaves a hot
 * journal that SQLite rolls back at the next open. Leaving WAL mode needs the file to itself, so
 * the attempt fails at once while another connection is open (an idle one included), and that
 * connection keeps reading and writing the same file. Meanwhile other commands wait for the
 * store as for any writer (up to their --lock-timeout), reads included; the WAL is back after.
 * Returns what `work` returns.
 */
export async function rollbackJournalIfAlone<T>(sqlite: Database.Database, work: () => Promise<T>): Promise<T> {
  const busyTimeout = sqlite.pragma('busy_timeout', { simple: true }) as number;
  const synchronous = sqlite.pragma('synchronous', { simple: true }) as number;
  let alone = false;
  sqlite.pragma('busy_timeout = 0');
  try {
    alone = sqlite.pragma('journal_mode = DELETE', { simple: true }) === 'delete';
  } catch (error) {
    if (!isSqliteBusy(error)) throw error;
  } finally {
    sqlite.pragma(`busy_timeout = ${busyTimeout}`);
  }
  if (!alone) return work();
  // FULL: with a rollback journal, NORMAL could lose a commit's atomicity on a power cut.
  sqlite.pragma('synchronous = FULL');
  try {
    return await work();
  } finally {
    sqlite.pragma(`synchronous = ${synchronous}`);
    try {
      // Waits for a command that opened the store meanwhile and holds a read (busy_timeout).
      sqlite.pragma('journal_mode = WAL');
    } catch (error) {
      // Still busy: the store stays in rollback mode until the next open, which sets WAL again.
      if (!isSqliteBusy(error)) throw error;
    }
  }
}
