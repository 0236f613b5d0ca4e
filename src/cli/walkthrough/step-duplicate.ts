import { conflictFixFlow } from '../conflict-fix-flow.js';
import { checkOf, look, onward, showChecks, type StepOutcome, type Walk, type WalkFacts } from './walk.js';

/**
 * Step 2 (R1, checked first): the same address in two accounts blocks every login with it. Offers
 * the fix there and then, through the same flow as `fix-conflict`.
 */
export async function duplicateStep(walk: Walk, facts: WalkFacts): Promise<StepOutcome> {
  const { ctx } = walk;
  walk.heading('Duplicate-email check');
  const check = checkOf(facts, 'duplicate-email')!;
  showChecks(walk, [check]);
  if (check.status !== 'fail') return onward(facts, `${check.title}.`);
  const fixNow = await walk.ask.confirm('Fix the duplicate now (remove or change the address in the other account)?', true);
  if (!fixNow) {
    walk.say(ctx.out.yellow('The login cannot work while the address is in two accounts, so no reset email can be sent yet.'));
    return onward(facts, `${check.title}; the duplicate was not fixed during the walkthrough.`);
  }
  const outcome = await conflictFixFlow(ctx, walk.store, walk.ask, facts.email, facts.facts.holdersWithAddress);
  if (!outcome.applied) {
    walk.say(`${ctx.out.yellow('!')} Nothing was changed: ${outcome.why}. The login cannot work while the address is in two accounts.`);
    return onward(facts, `${check.title}; not fixed (${outcome.why}).`);
  }
  const { plan, holdersChanged, linksRevoked } = outcome;
  walk.commands.push(`enrollsy-help fix-conflict ${plan.emailKey} --keep ${plan.keep} ${plan.action === 'delete' ? '--delete' : `--change-to ${plan.newEmail}`}`);
  walk.say(
    `${ctx.out.green('✔')} Changed ${holdersChanged} holder${holdersChanged === 1 ? '' : 's'}; recorded in the audit log.${linksRevoked > 0 ? ` ${linksRevoked} reset link${linksRevoked === 1 ? '' : 's'} sent to the removed address no longer work${linksRevoked === 1 ? 's' : ''}.` : ''}`,
  );
  const after = await look(walk, facts.email, facts.awaiting);
  showChecks(walk, [checkOf(after, 'duplicate-email')]);
  const what = `${plan.action === 'delete' ? 'removed from' : `changed to ${plan.newEmail} in`} ${plan.targets.map((t) => `${t.accountName} (${t.accountId})`).join(', ')}`;
  return onward(after, `${check.title}; fixed: kept in ${plan.keep}, ${what}.`, { done: [`Duplicate fixed: kept in ${plan.keep}, ${what}.`] });
}
