import type { Kysely } from 'kysely';
import { appendAudit } from './audit.js';
import type { ImportOptions } from './engine.js';
import type { ImportOutcome, RejectedRow } from './import-outcome.js';
import { revokeLinksOfChangedLogins } from './revoke-links.js';
import type { StoreSchema } from './schema.js';

/**
 * The end of an import on either engine, inside its transaction: R3 (a replaced account may have
 * lost an address or an access that a valid link was sent for: those links stop working), then the
 * one `import` audit entry, and the outcome the command reports.
 */
export async function finishImport(
  trx: Kysely<StoreSchema>,
  accountsWithValidLinks: readonly string[],
  options: ImportOptions,
  counts: { rowsRead: number; accounts: number; holders: number; rejected: RejectedRow[]; skippedAccounts: number },
): Promise<ImportOutcome> {
  const { rowsRead, accounts, holders, rejected, skippedAccounts } = counts;
  const revoked = accountsWithValidLinks.length === 0 ? [] : await revokeLinksOfChangedLogins(trx, accountsWithValidLinks, options.now, 'import', options.admin);
  await appendAudit(trx, {
    at: options.now.toISOString(),
    admin: options.admin,
    action: 'import',
    accountId: null,
    emailKey: null,
    details: { source: options.sourceName, rowsRead, accounts, holders, rejectedRows: rejected.length, skippedAccounts, ...(revoked.length > 0 ? { linksRevoked: revoked.length } : {}) },
  });
  return { imported: { accounts, holders }, rejected, skippedAccounts, rowsRead, linksRevoked: revoked.length };
}
