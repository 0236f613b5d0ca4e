import { UsageError } from '../../core/errors.js';
import { normalizeEmail } from '../../core/email.js';
import { groupByAccount } from '../../core/group-by-account.js';
import { matchAccountId } from '../../core/match-account-id.js';
import { planConflictFix, type ConflictFixPlan } from '../../core/plan-conflict-fix.js';
import { holderName } from '../../core/types.js';
import { askConflictFix } from '../ask-conflict-fix.js';
import { conflictFixFlow, renderConflictPlan } from '../conflict-fix-flow.js';
import type { CommandResult } from '../command-result.js';
import type { Context } from '../context.js';
import { requireWellFormed } from './reset.js';

/** Flags of `fix-conflict`. */
export interface FixConflictOptions {
  keep?: string;
  delete?: boolean;
  changeTo?: string;
  only?: string;
  dryRun?: boolean;
}

function planJson(plan: ConflictFixPlan, applied: boolean, dryRun: boolean) {
  return {
    normalizedEmail: plan.emailKey,
    keep: plan.keep,
    action: plan.action,
    newEmail: plan.newEmail,
    dryRun,
    applied,
    changes: plan.targets.map((t) => ({
      accountId: t.accountId,
      accountName: t.accountName,
      holders: t.holders.map((h) => ({ role: h.role, name: holderName(h), before: h.email, after: plan.newEmail })),
    })),
    untouched: plan.untouched,
    primariesLeftWithoutAddress: plan.primariesLeftWithoutAddress.map((h) => ({ accountId: h.accountId, name: holderName(h) })),
  };
}

function appliedText(ctx: Context, plan: ConflictFixPlan, holdersChanged: number, linksRevoked: number, withPlan: boolean): string {
  const revokedLine = linksRevoked > 0 ? `\n${ctx.out.yellow('!')} ${linksRevoked} valid reset link${linksRevoked === 1 ? '' : 's'} sent to ${plan.emailKey} in the changed account${linksRevoked === 1 ? ' no longer works' : 's no longer work'}.` : '';
  return `${withPlan ? `${renderConflictPlan(ctx, plan)}\n` : ''}${ctx.out.green('✔')} Changed ${holdersChanged} holder${holdersChanged === 1 ? '' : 's'}; recorded in the audit log (enrollsy-help audit --email ${plan.emailKey}).${revokedLine}`;
}

/**
 * `fix-conflict <email> --keep <id> (--delete | --change-to <new> [--only <id>])`: one transaction,
 * audit-logged. Asks for what is missing on a terminal; in scripts a missing decision is exit 2.
 */
export async function runFixConflict(ctx: Context, email: string, options: FixConflictOptions): Promise<CommandResult> {
  requireWellFormed(email);
  if (options.delete && options.changeTo !== undefined) throw new UsageError('Choose one: --delete or --change-to <new-email>.');
  if (options.only !== undefined && options.changeTo === undefined && !options.delete && !ctx.interactive) {
    throw new UsageError('--only goes with --delete or --change-to.');
  }
  const store = await ctx.openStore();
  try {
    const emailKey = normalizeEmail(email);
    const holders = await store.holdersByEmailKey(emailKey);
    const accounts = groupByAccount(holders);
    // a1003 means A1003 when that is the only match; the plan refuses what does not match.
    const exact = (typed: string | undefined) => {
      const match = typed === undefined ? undefined : matchAccountId(typed, [...accounts.keys()]);
      return match?.ok ? match.accountId : typed;
    };
    let { changeTo } = options;
    let keep = exact(options.keep);
    let only = exact(options.only);
    let action: 'delete' | 'change' | undefined = options.delete ? 'delete' : changeTo !== undefined ? 'change' : undefined;
    const asked = keep === undefined || action === undefined;
    if (asked && accounts.size > 1) {
      if (!ctx.interactive) {
        throw new UsageError(
          `Say which account keeps the address and what happens elsewhere: --keep <${[...accounts.keys()].join('|')}> and --delete or --change-to <new-email> (this is not an interactive terminal, so it cannot ask).`,
        );
      }
      const ask = await ctx.prompter();
      ctx.print(`${ctx.out.bold(emailKey)} is used in ${accounts.size} accounts:`);
      for (const [id, hs] of accounts) ctx.print(`    ${hs[0]!.accountName} (${id}): ${hs.map((h) => `${h.role} ${holderName(h)} <${h.email}>`).join(', ')}`);
      if (!options.dryRun) {
        // The same flow as the walkthrough's: a refused new address is asked again, in words.
        const outcome = await conflictFixFlow(ctx, store, ask, email, holders, { keep, action, only, newEmail: changeTo });
        if (!outcome.applied) return { exitCode: 0, json: outcome.plan ? planJson(outcome.plan, false, false) : { normalizedEmail: emailKey, applied: false, changes: [] }, text: `Nothing was changed: ${outcome.why}.` };
        return { exitCode: 0, json: { ...planJson(outcome.plan, true, false), linksRevoked: outcome.linksRevoked }, text: appliedText(ctx, outcome.plan, outcome.holdersChanged, outcome.linksRevoked, false) };
      }
      ({ keep, action, only, newEmail: changeTo } = await askConflictFix(ask, email, accounts, { keep, action, only, newEmail: changeTo }));
    }
    if (keep === undefined || action === undefined) {
      if (accounts.size <= 1) {
        return { exitCode: 0, json: { normalizedEmail: emailKey, applied: false, changes: [] }, text: `${ctx.out.green('✔')} ${emailKey} is not in more than one account: nothing to fix.` };
      }
      throw new UsageError('Give --keep <accountId> and --delete or --change-to <new-email>.');
    }
    const newKey = changeTo === undefined ? null : normalizeEmail(changeTo);
    const using = newKey === null ? [] : ((await store.accountsUsingKeys([newKey])).get(newKey) ?? []);
    const plan = planConflictFix({ email, keep, action, newEmail: changeTo, only }, holders, using);
    if (plan.targets.length === 0) {
      return { exitCode: 0, json: planJson(plan, false, options.dryRun === true), text: `${ctx.out.green('✔')} Only account ${plan.keep} uses ${emailKey}: nothing to fix.` };
    }
    const description = renderConflictPlan(ctx, plan);
    if (options.dryRun) {
      const needsYes = plan.primariesLeftWithoutAddress.length > 0 && !ctx.yes;
      const text = `${ctx.out.cyan('i')} Dry run, nothing changed. The fix would:\n${description}`;
      // Refused for real in a script: removing a primary's only address needs --yes.
      if (needsYes && !ctx.interactive) {
        if (!ctx.json) ctx.print(text);
        throw new UsageError('The fix would be refused: it removes the only address of a primary holder; pass --yes to confirm. Nothing was changed.', { ...planJson(plan, false, true), needsConfirmation: true });
      }
      return { exitCode: 0, json: { ...planJson(plan, false, true), needsConfirmation: needsYes }, text: needsYes ? `${text}\n    (it will ask for confirmation before removing a primary's address)` : text };
    }
    const mustConfirm = asked || plan.primariesLeftWithoutAddress.length > 0;
    if (mustConfirm && !ctx.yes) {
      if (!ctx.interactive) {
        throw new UsageError(`This removes the only address of a primary holder (${plan.primariesLeftWithoutAddress.map(holderName).join(', ')}), so that account can receive no reset emails. Pass --yes to confirm. Nothing was changed.`);
      }
      ctx.print(description);
      const ask = await ctx.prompter();
      if (!(await ask.confirm('Apply this change?', false))) {
        return { exitCode: 0, json: planJson(plan, false, false), text: 'Nothing was changed.' };
      }
    }
    const { holdersChanged, linksRevoked } = await store.applyConflictFix(plan, ctx.clock.now());
    return { exitCode: 0, json: { ...planJson(plan, true, false), linksRevoked }, text: appliedText(ctx, plan, holdersChanged, linksRevoked, !(mustConfirm && !ctx.yes)) };
  } finally {
    await store.close();
  }
}
