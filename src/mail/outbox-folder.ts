import { join, resolve } from 'node:path';

/**
 * Where outbox `.eml` files go: env ENROLLSY_OUTBOX, else `outbox/` beside a SQLite store file
 * (`storeFolder`), else `outbox/` under the current directory (a PostgreSQL store has no folder).
 */
export function outboxFolder(env: NodeJS.ProcessEnv, storeFolder: string | null, cwd: string = process.cwd()): string {
  const configured = env.ENROLLSY_OUTBOX?.trim() ?? '';
  if (configured !== '') return resolve(cwd, configured);
  return join(storeFolder ?? cwd, 'outbox');
}
