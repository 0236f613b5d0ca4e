import { ProblemError, UsageError, type CliError } from '../core/errors.js';
import { normalizeEmail, shortForMessage } from '../core/email.js';
import { planEmailChange, type EmailChangeDecision, type EmailChangePlan, type EmailChangeRequest } from '../core/plan-email-change.js';
import { holderName, type Holder } from '../core/types.js';
import type { Store } from '../store/store.js';
import type { CommandResult } from './command-result.js';
import type { Context } from './context.js';

/** Reads what the rules need, plans the change (core) and applies it (store); shared by both forms and the walkthrough. */
export async function planEmailChangeIn(store: Store, request: EmailChangeRequest): Promise<EmailChangeDecision> {
  const holders =
    request.current !== null
      ? await store.holdersByEmailKey(normalizeEmail(request.current))
      : await store.holdersOfAccounts(request.account === undefined ? [] : await store.accountIdsLike(request.account));
  const accountHolders = await store.holdersOfAccounts([...new Set(holders.map((h) => h.accountId))]);
  const newKey = normalizeEmail(request.newEmail);
  const accountsUsingNew = (await store.accountsUsingKeys([newKey])).get(newKey) ?? [];
  return planEmailChange(request, { holders, accountHolders, accountsUsingNew });
}

/**
 * Corrects or gives an address (`holder set-email`, `holder add-email`; the walkthrough can call
 * it too): reads, plans by the rules in core, asks when a secondary would lose their login,
 * applies in one transaction, and words the outcome or the refusal.
 */
export async function changeEmail(ctx: Context, request: EmailChangeRequest): Promise<CommandResult> {
  const store = await ctx.openStore();
  try {
    const decision = await planEmailChangeIn(store, request);
    if (!decision.ok) throw await refusalError(store, request, decision);
    if (decision.plan.loginLost.length > 0 && !ctx.yes) {
      const why = `${decision.plan.loginLost.map(holderName).join(' and ')} would have the primary's address, so their own login (access granted by the primary) would stop working`;
      if (!ctx.interactive) throw new UsageError(`${why}. Pass --yes to confirm. Nothing was changed.`);
      const ask = await ctx.prompter();
      ctx.notice(`${ctx.err.yellow('!')} ${why}.`);
      if (!(await ask.confirm('Change the address anyway?', false))) {
        return { exitCode: 0, json: { ...changeJson(decision.plan, 0), applied: false, linksRevoked: 0 }, text: 'Nothing was changed.' };
      }
    }
    const outcome = await store.applyEmailChange(decision.plan, ctx.clock.now());
    return { exitCode: 0, json: { ...changeJson(decision.plan, outcome.holdersChanged), linksRevoked: outcome.linksRevoked }, text: renderChange(ctx, decision.plan, outcome.linksRevoked) };
  } finally {
    await store.close();
  }
}

function changeJson(plan: EmailChangePlan, holdersChanged: number) {
  const brief = (h: Holder) => ({ role: h.role, name: holderName(h), email: h.email });
  return {
    applied: true,
    form: plan.form,
    accountId: plan.accountId,
    accountName: plan.accountName,
    newEmail: plan.newEmail,
    holdersChanged,
    changes: plan.holders.map((h) => ({ role: h.role, name: holderName(h), before: h.email, after: plan.newEmail })),
    sharedWith: plan.sharedWith.map(brief),
    loginLost: plan.loginLost.map(brief),
  };
}

/** The outcome in words: who changed, what it means for their login. */
export function renderChange(ctx: Context, plan: EmailChangePlan, linksRevoked: number): string {
  const lines = plan.holders.map(
    (h) =>
      `${ctx.out.green('✔')} ${plan.form === 'add' ? 'Gave' : 'Changed the address of'} ${holderName(h)} (${h.role}) in ${plan.accountName} (${plan.accountId})${plan.form === 'add' ? ` the address ${plan.newEmail}` : `: ${h.email} → ${plan.newEmail}`}.`,
  );
  for (const h of plan.sharedWith) lines.push(`${ctx.out.cyan('i')} ${holderName(h)} (${h.role}) in the same account uses this address too; that is allowed within one account.`);
  for (const h of plan.loginLost) {
    lines.push(ctx.out.yellow(`! ${holderName(h)} (secondary with login access) now has the primary's address, so their own login stops working: a secondary holder needs an address of their own.`));
  }
  if (linksRevoked > 0) {
    lines.push(`${ctx.out.yellow('!')} ${linksRevoked} valid reset link${linksRevoked === 1 ? '' : 's'} issued before this change no longer work${linksRevoked === 1 ? 's' : ''}: a link belongs to the address it was sent to (see enrollsy-help audit).`);
  }
  if (plan.holders.some((h) => h.role === 'primary')) lines.push(`    Password-reset emails for this account now go to ${plan.newEmail}.`);
  lines.push(`    Recorded in the audit log (enrollsy-help audit --email ${plan.newEmailKey}).`);
  return lines.join('\n');
}

/** The refusal in words, with its exit code: 1 for an address no holder uses (as `reset`), 2 for the rest (nothing changed). */
export async function refusalError(store: Store, request: EmailChangeRequest, refusal: Extract<EmailChangeDecision, { ok: false }>): Promise<CliError> {
  const shown = (value: string) => shortForMessage(value.trim());
  const nothing = 'Nothing was changed.';
  switch (refusal.problem) {
    case 'malformed-current':
      return new UsageError(`The current address "${shown(request.current ?? '')}" is not valid: ${refusal.detail}. ${nothing}`);
    case 'malformed-new':
      return new UsageError(`The new address "${shown(request.newEmail)}" is not valid: ${refusal.detail}. ${nothing}`);
    case 'unknown-current': {
      const suggestions = await store.suggestionsFor(refusal.emailKey);
      return new ProblemError(
        `No holder uses ${refusal.emailKey}${suggestions.length > 0 ? `; did you mean ${suggestions.join(' or ')}?` : '.'} ${nothing} To look a customer up by name or account id: enrollsy-help find <name>.`,
        { suggestions },
      );
    }
    case 'same-address':
      return new UsageError(`The new address is the same as the current one, ${refusal.emailKey} (ignoring capitals and spaces). ${nothing}`);
    case 'account-needed':
      return new UsageError(`${normalizeEmail(request.current ?? '')} is in ${refusal.accounts.length} accounts (${refusal.accounts.join(', ')}); say which one to change with --account <accountId>. ${nothing}`);
    case 'account-not-using':
      return new UsageError(`Account ${shown(refusal.account)} does not use ${normalizeEmail(request.current ?? '')}; it is used in: ${refusal.accounts.join(', ')}. ${nothing}`);
    case 'account-ambiguous':
      return new UsageError(`"${shown(refusal.account)}" matches more than one account when capitals are ignored (${refusal.accounts.join(', ')}); type the id exactly. ${nothing}`);
    case 'unknown-account':
      return new UsageError(`No account ${shown(refusal.account)} in the store. Look it up with: enrollsy-help find <name or account id>. ${nothing}`);
    case 'primary-has-address':
      return new UsageError(
        `The primary holder of ${refusal.accountId}, ${holderName(refusal.primary)}, already has the address ${refusal.primary.email}; to correct it: enrollsy-help holder set-email ${refusal.primary.email} ${request.newEmail.trim()}. ${nothing}`,
      );
    case 'role-not-using':
      return new UsageError(`No ${refusal.role} holder of ${refusal.accountId} uses ${normalizeEmail(request.current ?? '')}. ${nothing}`);
    case 'used-elsewhere':
      return new UsageError(`${request.newEmail.trim()} is already used in account ${refusal.accounts.join(', ')}; one address can be in only one account, so this would make a duplicate. Choose another address. ${nothing}`);
  }
}
