import { CliError, UsageError } from '../core/errors.js';
import { emailProblem, normalizeEmail } from '../core/email.js';
import { groupByAccount } from '../core/group-by-account.js';
import { planConflictFix, type ConflictFixPlan, type ConflictFixRequest, type NewAddressRefusal } from '../core/plan-conflict-fix.js';
import { holderName, type Holder } from '../core/types.js';
import type { Store } from '../store/store.js';
import type { Prompter } from '../ui/prompts.js';
import { askConflictFix } from './ask-conflict-fix.js';
import type { Context } from './context.js';

/** How the interactive fix ended: applied (with what it did), or not, and why in words. */
export type ConflictFixFlowResult =
  | { applied: true; plan: ConflictFixPlan; holdersChanged: number; linksRevoked: number }
  | { applied: false; plan: ConflictFixPlan | null; why: string };

/** The plan in lines: what is kept, what changes in which account, and who loses what. */
export function renderConflictPlan(ctx: Pick<Context, 'out'>, plan: ConflictFixPlan): string {
  const lines = [`Keep ${ctx.out.bold(plan.emailKey)} in account ${plan.keep}; ${plan.action === 'delete' ? 'remove it from' : `change it to ${ctx.out.bold(plan.newEmail!)} in`}:`];
  for (const target of plan.targets) {
    for (const h of target.holders) lines.push(`    ${target.accountName} (${target.accountId}) ${h.role} ${holderName(h)}: ${h.email} → ${plan.newEmail ?? '(no email)'}`);
  }
  if (plan.untouched.length > 0) lines.push(`    (left as they are: ${plan.untouched.join(', ')}; the conflict remains there)`);
  for (const primary of plan.primariesLeftWithoutAddress) {
    lines.push(ctx.out.yellow(`    ! ${holderName(primary)} is the primary of ${primary.accountId}: without an address that account can receive no reset emails.`));
  }
  for (const secondary of plan.secondariesLosingLogin) {
    lines.push(ctx.out.yellow(`    ! ${holderName(secondary)} has login access in ${secondary.accountId}: without an address they lose that login (the primary can give them access again with an address of their own).`));
  }
  return lines.join('\n');
}

/** A refused new address in words, without flags: what is wrong and what to type instead. */
function refusalWords(refusal: NewAddressRefusal, newEmail: string, extra: Record<string, unknown>, accounts: ReadonlyMap<string, readonly Holder[]>): string {
  switch (refusal) {
    case 'same-address':
      return `${newEmail.trim()} is the address the holder has now (capitals and spaces do not count), so it would not end the conflict. Type the holder's other address, one no other account uses.`;
    case 'used-elsewhere': {
      const ids = (extra.accounts as string[] | undefined) ?? [];
      const names = ids.map((id) => (accounts.get(id)?.[0] ? `${accounts.get(id)![0]!.accountName} (${id})` : id));
      return `${newEmail.trim()} is already used in ${names.join(' and ') || 'another account'}; one address can be in only one account. Type another address.`;
    }
    case 'malformed':
      return `${newEmail.trim()} is not a valid address: ${String(extra.detail ?? 'check it')}. Type it again.`;
  }
}

/**
 * R1's fix on a terminal, shared by `fix-conflict` and the diagnose walkthrough: asks what the
 * admin has not said, plans it (core), shows it with its warnings, confirms and applies it in one
 * transaction. A new address the rules refuse is explained in words and asked again, or the admin
 * removes the address instead, or leaves it. Never throws for a refusal; the result says why.
 */
export async function conflictFixFlow(
  ctx: Context,
  store: Store,
  ask: Prompter,
  email: string,
  holders: readonly Holder[],
  given: Partial<Omit<ConflictFixRequest, 'email'>> = {},
): Promise<ConflictFixFlowResult> {
  const accounts = groupByAccount(holders);
  let request = await askConflictFix(ask, email, accounts, given);
  let plan: ConflictFixPlan;
  for (;;) {
    const newKey = request.newEmail === undefined ? null : normalizeEmail(request.newEmail);
    const using = newKey === null || emailProblem(request.newEmail!) !== null ? [] : ((await store.accountsUsingKeys([newKey])).get(newKey) ?? []);
    try {
      plan = planConflictFix(request, holders, using);
      break;
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      const refusal = error.extra?.refusal as NewAddressRefusal | undefined;
      if (refusal === undefined) return { applied: false, plan: null, why: error.message };
      ctx.print(`${ctx.out.red('✖')} ${refusalWords(refusal, request.newEmail ?? '', error.extra ?? {}, accounts)}`);
      const next = await ask.select<'again' | 'delete' | 'leave'>('What now?', [
        { name: 'Type another address', value: 'again' },
        { name: 'Remove the address from that account instead', value: 'delete' },
        { name: 'Leave it as it is for now', value: 'leave' },
      ]);
      if (next === 'leave') return { applied: false, plan: null, why: 'the new address was refused and the admin left the address as it is' };
      request =
        next === 'delete'
          ? { ...request, action: 'delete', newEmail: undefined }
          : await askConflictFix(ask, email, accounts, { keep: request.keep, action: 'change', only: request.only });
    }
  }
  if (plan.targets.length === 0) return { applied: false, plan, why: `only account ${plan.keep} uses the address: nothing to fix` };
  ctx.print(renderConflictPlan(ctx, plan));
  if (!(await ask.confirm('Apply this change?', false))) return { applied: false, plan, why: 'the change was proposed but not applied' };
  try {
    const { holdersChanged, linksRevoked } = await store.applyConflictFix(plan, ctx.clock.now());
    return { applied: true, plan, holdersChanged, linksRevoked };
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    return { applied: false, plan, why: error.message };
  }
}
