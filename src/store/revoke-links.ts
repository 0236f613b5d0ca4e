import type { Kysely } from 'kysely';
import { planLinkRevocations, type LinkRevocation } from '../core/plan-link-revocations.js';
import { appendAudit } from './audit.js';
import { findHoldersOfAccounts } from './holders.js';
import type { StoreSchema } from './schema.js';
import { toStoredLink } from './stored-link.js';

// Account ids per `in (…)` list, well under SQLite's bound-parameter limit.
const CHUNK = 500;

/**
 * R3, "a link belongs to the address it was sent to": call inside the transaction that changed
 * holders' addresses or login access (fix-conflict, import, holder set-email) with the accounts
 * it touched, after the change. Every still-valid link whose login (account + recipient address)
 * is gone stops working in that same transaction, each audited as `reset.revoked` with its reason
 * and `cause` (the command), by `admin` (the store's acting admin). Returns what it revoked.
 */
export async function revokeLinksOfChangedLogins(trx: Kysely<StoreSchema>, accountIds: readonly string[], now: Date, cause: string, admin: string): Promise<LinkRevocation[]> {
  const nowIso = now.toISOString();
  const ids = [...new Set(accountIds)];
  const revocations: LinkRevocation[] = [];
  for (let at = 0; at < ids.length; at += CHUNK) {
    const chunk = ids.slice(at, at + CHUNK);
    // Valid links only: an expired one stays "expired", a superseded one "superseded".
    const rows = await trx
      .selectFrom('reset_links')
      .selectAll()
      .where('account_id', 'in', chunk)
      .where('revoked_at', 'is', null)
      .where('superseded_at', 'is', null)
      .where('expires_at', '>', nowIso)
      .where('issued_at', '<=', nowIso)
      .execute();
    if (rows.length === 0) continue;
    const holders = await findHoldersOfAccounts(trx, [...new Set(rows.map((row) => row.account_id))]);
    revocations.push(...planLinkRevocations(rows.map((row) => toStoredLink(row)), holders));
  }
  for (const { link, reason } of revocations) {
    await trx.updateTable('reset_links').set({ revoked_at: nowIso, revoked_reason: reason }).where('id', '=', link.id).execute();
    await appendAudit(trx, {
      at: nowIso,
      admin,
      action: 'reset.revoked',
      accountId: link.accountId,
      emailKey: link.recipientKey,
      details: { linkId: link.id, recipient: link.recipientEmail, recipientRole: link.recipientRole, reason, cause },
    });
  }
  return revocations;
}
