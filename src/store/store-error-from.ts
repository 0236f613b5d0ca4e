import { CliError, StoreError } from '../core/errors.js';
import { nativeModuleProblem } from './native-module-problem.js';
import { isPostgresUrl, printablePostgresUrl } from './postgres/postgres-location.js';
import { postgresStoreError } from './postgres/postgres-store-error.js';
import { sqliteStoreError } from './sqlite/sqlite-store-error.js';

/**
 * Turns a failure to reach or use the store at `location` (the --db value) into a one-line
 * StoreError (exit 3), by its engine's rules; anything else (a bug in a statement) passes through.
 */
export function storeErrorFrom(error: unknown, location: string): unknown {
  if (error instanceof CliError) return error;
  const native = nativeModuleProblem(error);
  if (native) return new StoreError(native);
  return isPostgresUrl(location) ? postgresStoreError(error, printablePostgresUrl(location)) : sqliteStoreError(error, location);
}
