import { ProblemError } from '../core/errors.js';
import type { ConflictFixPlan } from '../core/plan-conflict-fix.js';
import { holderName } from '../core/types.js';
import { appendAudit } from './audit.js';
import type { Backend } from './backend.js';
import { revokeLinksOfChangedLogins } from './revoke-links.js';

/**
 * Applies a checked fix in one `begin immediate` transaction, one audit entry per account with
 * the before and after values. Re-checks that the holders still have the address, so a fix
 * planned from a stale read changes nothing. Links sent to an address that leaves an account
 * stop working in the same transaction (R3).
 */
export async function applyConflictFix(store: Backend, plan: ConflictFixPlan, now: Date): Promise<{ holdersChanged: number; linksRevoked: number }> {
  const lockKeys = [plan.emailKey, ...(plan.newEmailKey === null ? [] : [plan.newEmailKey])];
  return store.engine.writeTransaction(lockKeys, async (trx) => {
    if (plan.newEmailKey !== null) {
      const clash = await trx
        .selectFrom('holders')
        .select('account_id')
        .where('email_key', '=', plan.newEmailKey)
        .where('account_id', 'not in', plan.targets.map((t) => t.accountId))
        .executeTakeFirst();
      if (clash) throw new ProblemError(`${plan.newEmail} was just put into account ${clash.account_id} by someone else; nothing was changed. Run the fix again.`);
    }
    let holdersChanged = 0;
    for (const target of plan.targets) {
      const result = await trx
        .updateTable('holders')
        .set({ email: plan.newEmail, email_key: plan.newEmailKey })
        .where('account_id', '=', target.accountId)
        .where('email_key', '=', plan.emailKey)
        .executeTakeFirst();
      const changed = Number(result.numUpdatedRows);
      if (changed !== target.holders.length) {
        throw new ProblemError(`Account ${target.accountId} changed while the fix was being prepared; nothing was changed. Run the fix again.`);
      }
      holdersChanged += changed;
      await appendAudit(trx, {
        at: now.toISOString(),
        admin: store.admin,
        action: plan.action === 'delete' ? 'conflict.email-removed' : 'conflict.email-changed',
        accountId: target.accountId,
        emailKey: plan.emailKey,
        details: {
          keptIn: plan.keep,
          holders: target.holders.map((h) => ({ role: h.role, name: holderName(h), before: h.email, after: plan.newEmail })),
        },
      });
      // A changed address is found under its new key too.
      if (plan.newEmailKey !== null) {
        await appendAudit(trx, {
          at: now.toISOString(),
          admin: store.admin,
          action: 'conflict.email-received',
          accountId: target.accountId,
          emailKey: plan.newEmailKey,
          details: { replaced: plan.emailKey, keptIn: plan.keep },
        });
      }
    }
    const revoked = await revokeLinksOfChangedLogins(trx, plan.targets.map((t) => t.accountId), now, `fix-conflict ${plan.action === 'delete' ? '--delete' : '--change-to'}`, store.admin);
    return { holdersChanged, linksRevoked: revoked.length };
  });
}
