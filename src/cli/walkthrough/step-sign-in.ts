import { CliError } from '../../core/errors.js';
import { SIGN_IN_ROUTES } from '../../core/sign-in-routes.js';
import { holderName } from '../../core/types.js';
import { statusMark } from '../render/render-checks.js';
import { messageOutcomeWords, sendCustomerMessage } from '../send-customer-message.js';
import { onward, plain, type StepOutcome, type Walk, type WalkFacts } from './walk.js';

/**
 * Step 3 (R2): how the customer tried to reach the sign-in page. A wrong place gets the reason
 * and the Account Sign-In link, which the walkthrough can email right away.
 */
export async function signInStep(walk: Walk, facts: WalkFacts): Promise<StepOutcome> {
  const { ctx } = walk;
  walk.heading('How did the customer try to reach the sign-in page?');
  const value = await walk.ask.select(
    'Ask the customer: "How did you try to get to the Enrollsy sign-in page?"',
    SIGN_IN_ROUTES.map((r) => ({ name: r.name, value: r.value })),
  );
  const route = SIGN_IN_ROUTES.find((r) => r.value === value)!;
  if (route.right) {
    walk.say(`${statusMark(ctx.out, 'pass')} That is the right place. Next: a password reset.`);
    return onward(facts, `Customer reached the sign-in page ${route.name.charAt(0).toLowerCase()}${route.name.slice(1)}: the right place.`);
  }
  const company = facts.facts.company;
  walk.say(`${statusMark(ctx.out, route.value === 'unknown' ? 'info' : 'fail')} ${route.why}`);
  walk.say(`    Account Sign-In link: ${company.signInUrl ? ctx.out.bold(company.signInUrl) : ctx.out.yellow('not set (it is on the "My Company" page in Enrollsy)')}`);
  walk.commands.push(`enrollsy-help links   # the sign-in link and the website "Customer Sign-In" embed`);
  // The instructions go to the holder the customer is, never on a guess.
  const holder = facts.facts.holdersWithAddress.length === 1 || new Set(facts.report.holders.map((h) => h.accountId)).size === 1 ? facts.facts.holdersWithAddress[0] : undefined;
  const said = ['Use the Account Sign-In link, not enrollment, Admin or Instructor links or the Enrollsy website.'];
  const done: string[] = [];
  let how = 'the admin passed the Account Sign-In link on';
  // A secondary holder without login access has no login of their own: sign-in instructions would
  // tell them to sign in with a password they cannot have. The reset and access steps follow.
  const noLogin = holder?.role === 'secondary' && !holder.loginAccess;
  if (noLogin) {
    const primary = facts.facts.accountHolders.find((h) => h.accountId === holder.accountId && h.role === 'primary');
    walk.say(`    ${holderName(holder)} has no login of their own yet: the link works for them only after ${primary ? `${holderName(primary)} (primary)` : 'the primary'} grants login access. The next steps cover that.`);
    how = `the admin gave the Account Sign-In link; ${holderName(holder)} has no login access yet`;
  }
  if (holder?.email && company.signInUrl && !noLogin) {
    const send = await walk.ask.select('How will the customer get the link?', [
      { name: `Email ${holderName(holder)} the sign-in instructions now (${holder.email})`, value: true },
      { name: 'I will pass the link on myself (text or email)', value: false },
    ]);
    if (send) {
      walk.commands.push(`enrollsy-help message ${holder.email} --template sign-in --send`);
      try {
        const sent = await sendCustomerMessage(ctx, walk.store, 'sign-in', { ...holder, email: holder.email }, company);
        const words = messageOutcomeWords(sent);
        walk.say(`${sent.sent.transport === 'outbox' ? ctx.out.yellow('!') : ctx.out.green('✔')} ${words}`);
        if (sent.sent.transport === 'outbox') walk.say('    Nothing reached the customer: send that file yourself, or pass the link above on.');
        how = sent.sent.transport === 'outbox' ? 'sign-in instructions saved to the outbox (not sent); the admin passes the link on' : `sign-in instructions emailed to ${holder.email}`;
        done.push(words);
      } catch (error) {
        if (!(error instanceof CliError)) throw error;
        walk.say(`${ctx.out.red('✖')} The instructions were not sent: ${plain(walk, error.message)} Pass the link above on yourself.`);
        how = `emailing the sign-in instructions failed (${plain(walk, error.message)})`;
      }
    }
  }
  const solved = await walk.ask.confirm('Can they log in with the Account Sign-In link now?', false);
  const note = `Customer tried ${route.name.charAt(0).toLowerCase()}${route.name.slice(1)} (the wrong place); ${how}; they ${solved ? 'could' : 'still could not'} log in.`;
  return { facts, done, said, note, next: solved ? 'resolved' : 'continue' };
}
