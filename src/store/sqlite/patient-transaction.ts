import type { Kysely } from 'kysely';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PatienceOptions } from '../engine.js';
import type { StoreSchema } from '../schema.js';
import type { SqliteEngine } from './sqlite-engine.js';

function isBusy(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : '';
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}

/**
 * Runs a write that must not be lost to a busy store (the outcome of an email already sent):
 * while another writer holds the lock it retries for up to `patienceMs`, waiting between tries
 * on the event loop (never in a blocking busy-wait), so Ctrl-C is still heard and `signal` can
 * stop the wait. Resolves to false when it gave up (the lock was still held, or aborted).
 */
export async function patientTransaction(
  store: SqliteEngine,
  work: (trx: Kysely<StoreSchema>) => Promise<void>,
  options: PatienceOptions,
): Promise<boolean> {
  const started = Date.now();
  const busyTimeout = store.sqlite.pragma('busy_timeout', { simple: true }) as number;
  // Each try blocks for at most this long; the waiting happens between tries.
  store.sqlite.pragma('busy_timeout = 100');
  let waited = false;
  try {
    for (;;) {
      try {
        await store.writeTransaction([], work);
        return true;
      } catch (error) {
        if (!isBusy(error)) throw error;
      }
      if (!waited) options.onWait?.();
      waited = true;
      if (options.signal?.aborted || Date.now() - started >= options.patienceMs) return false;
      try {
        await sleep(200, undefined, { signal: options.signal });
      } catch {
        return false; // aborted while waiting
      }
    }
  } finally {
    store.sqlite.pragma(`busy_timeout = ${busyTimeout}`);
  }
}
