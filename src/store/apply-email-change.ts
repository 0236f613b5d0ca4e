import { ProblemError } from '../core/errors.js';
import type { EmailChangePlan } from '../core/plan-email-change.js';
import { holderName } from '../core/types.js';
import { appendAudit } from './audit.js';
import type { Backend } from './backend.js';
import { revokeLinksOfChangedLogins } from './revoke-links.js';

/** What applying a change did. */
export interface EmailChangeOutcome {
  holdersChanged: number;
  /** Still-valid reset links that stopped working because their login changed (R3). */
  linksRevoked: number;
}

/**
 * Applies a checked address change in one `begin immediate` transaction, audited under the old
 * and the new address, revoking the reset links whose login the change ended. Re-checks what the plan was made from (the holders still have the old
 * address, no other account took the new one), so a plan from a stale read changes nothing.
 */
export async function applyEmailChange(store: Backend, plan: EmailChangePlan, now: Date): Promise<EmailChangeOutcome> {
  const lockKeys = [plan.newEmailKey, ...(plan.oldEmailKey === null ? [] : [plan.oldEmailKey])];
  return store.engine.writeTransaction(lockKeys, async (trx) => {
    const clash = await trx
      .selectFrom('holders')
      .select('account_id')
      .where('email_key', '=', plan.newEmailKey)
      .where('account_id', '<>', plan.accountId)
      .executeTakeFirst();
    if (clash) throw new ProblemError(`${plan.newEmail} was just put into account ${clash.account_id} by someone else; nothing was changed. Run the command again.`);
    let update = trx.updateTable('holders').set({ email: plan.newEmail, email_key: plan.newEmailKey }).where('account_id', '=', plan.accountId);
    update = plan.oldEmailKey === null ? update.where('role', '=', 'primary').where('email_key', 'is', null) : update.where('email_key', '=', plan.oldEmailKey);
    const roles = [...new Set(plan.holders.map((h) => h.role))];
    if (roles.length === 1) update = update.where('role', '=', roles[0]!);
    const changed = Number((await update.executeTakeFirst()).numUpdatedRows);
    if (changed !== plan.holders.length) {
      throw new ProblemError(`Account ${plan.accountId} changed while the change was being prepared; nothing was changed. Run the command again.`);
    }
    const at = now.toISOString();
    const holders = plan.holders.map((h) => ({ role: h.role, name: holderName(h), before: h.email, after: plan.newEmail }));
    if (plan.oldEmailKey !== null) {
      await appendAudit(trx, { at, admin: store.admin, action: 'holder.email-changed', accountId: plan.accountId, emailKey: plan.oldEmailKey, details: { holders } });
    }
    // The new address finds the entry too (`audit --email <new>`).
    await appendAudit(trx, {
      at,
      admin: store.admin,
      action: plan.oldEmailKey === null ? 'holder.email-added' : 'holder.email-received',
      accountId: plan.accountId,
      emailKey: plan.newEmailKey,
      details: plan.oldEmailKey === null ? { holders } : { replaced: plan.oldEmailKey },
    });
    // R3: a link belongs to the address it was sent to; links to the old address stop working here.
    const revoked = await revokeLinksOfChangedLogins(trx, [plan.accountId], now, plan.form === 'add' ? 'holder add-email' : 'holder set-email', store.admin);
    return { holdersChanged: changed, linksRevoked: revoked.length };
  });
}
