import { CliError, DeliveryError, InterruptedError, ProblemError } from '../../core/errors.js';
import { emailProblem, normalizeEmail } from '../../core/email.js';
import { formatMoment } from '../../core/format-time.js';
import { likelyDomain } from '../../core/suggest.js';
import { holderName, type Holder } from '../../core/types.js';
import { planEmailChangeIn, refusalError } from '../email-change-flow.js';
import { issueAndDeliver, linkHolderWords, type ResetOutcome } from '../reset-flow.js';
import { messageOutcomeWords, sendCustomerMessage } from '../send-customer-message.js';
import { checkOf, look, plain, showChecks, type AwaitedEmail, type StepOutcome, type Walk, type WalkFacts } from './walk.js';

/** What came of trying to get a reset link to its recipient. */
interface Delivered {
  note: string;
  awaiting: AwaitedEmail | null;
  done: string[];
}

/**
 * Issues a reset link and emails it (or only shows it), and says what really happened: emailed
 * (the mail server accepted it), saved to the outbox (not sent: then the link or the .eml is
 * offered), or failed (retry, show the link, or stop). Never throws for a refusal or a failure.
 */
export async function deliverReset(walk: Walk, facts: WalkFacts, options: { send: boolean; force: boolean; domainConfirmed: boolean }): Promise<Delivered> {
  const { ctx } = walk;
  const recipient = facts.decision.ok ? facts.decision.holder : null;
  const name = recipient ? holderName(recipient) : 'the recipient';
  let force = options.force;
  const notes: string[] = [];
  for (let attempt = 1; ; attempt += 1) {
    let outcome: ResetOutcome;
    try {
      outcome = await issueAndDeliver(ctx, walk.store, facts.email, { force, send: options.send, domainConfirmed: options.domainConfirmed, quiet: true });
    } catch (error) {
      if (error instanceof InterruptedError || !(error instanceof CliError)) throw error;
      const words = plain(walk, error.message);
      if (error instanceof DeliveryError && error.extra?.reset) {
        const link = (error.extra.reset as { link: string; expiresAt: string }).link;
        walk.say(`${ctx.out.red('✖')} The reset email to ${name} was not sent: ${words}`);
        walk.say(`    Nothing reached ${name}. The mail set-up can be checked with the set-up check (enrollsy-help doctor).`);
        notes.push(`attempt ${attempt}: the email failed (${words.split('. ')[0]})`);
        const next = await walk.ask.select<'retry' | 'show' | 'stop'>('What now?', [
          { name: 'Try sending it again (a new link replaces the undelivered one)', value: 'retry' },
          { name: 'Show me the link to text it', value: 'show' },
          { name: 'Stop here', value: 'stop' },
        ]);
        if (next === 'retry') {
          force = true;
          continue;
        }
        if (next === 'show') {
          walk.say(`    ${ctx.out.bold(link)}`);
          walk.say(`    ${linkWords(facts, recipient)}`);
          notes.push('the admin was shown the link to text it');
        } else notes.push('the admin stopped');
        return { note: `Reset link issued for ${name}; ${notes.join('; ')}.`, awaiting: null, done: [] };
      }
      if (error instanceof ProblemError && /--force/.test(error.message) && !force) {
        walk.say(`${ctx.out.yellow('!')} ${words}`);
        if (await walk.ask.confirm('Issue a new link anyway (it cancels the earlier one)?', false)) {
          force = true;
          continue;
        }
        return { note: `No new link: ${words}`, awaiting: null, done: [] };
      }
      walk.say(`${ctx.out.red('✖')} ${words || error.message}`);
      return { note: `Reset not issued: ${words || error.message}`, awaiting: null, done: [] };
    }
    const { issued, delivery } = outcome;
    const until = formatMoment(new Date(issued.expiresAt));
    walk.commands.push(`enrollsy-help reset ${facts.email.trim()}${options.send ? '' : ' --no-send'}${force ? ' --force' : ''}`);
    walk.say(`${ctx.out.green('✔')} Reset link issued for ${name} (${issued.recipient.role}), valid until ${until}; only this newest link works.${issued.invalidated > 0 ? ` ${issued.invalidated} earlier link${issued.invalidated === 1 ? '' : 's'} no longer work${issued.invalidated === 1 ? 's' : ''}.` : ''}`);
    if (outcome.recorded === false) walk.say(ctx.out.yellow('! The store stayed locked by another admin, so how the email went is not recorded. The link works all the same.'));
    const prefix = notes.length > 0 ? `${notes.join('; ')}; then ` : '';
    if (!delivery) {
      walk.say(`    ${ctx.out.bold(issued.link)}`);
      walk.say(`    ${linkHolderWords(issued)}`);
      return { note: `${prefix}reset link issued for ${name} and shown to the admin to pass on (valid until ${until}).`, awaiting: null, done: [`Reset link shown for ${name}.`] };
    }
    if (delivery.transport === 'smtp') {
      walk.say(`${ctx.out.green('✔')} Emailed to ${name} <${issued.recipient.email}>: the mail server ${delivery.location} accepted it.`);
      const awaiting: AwaitedEmail = { to: issued.recipient.email, name, role: issued.recipient.role, via: 'smtp' };
      return { note: `${prefix}reset link emailed to ${name} <${issued.recipient.email}>; the mail server accepted it (valid until ${until}).`, awaiting, done: [`Reset email sent to ${issued.recipient.email}.`] };
    }
    // The outbox is not a delivery: nothing reached anyone until the admin passes it on, either way.
    walk.say(`${ctx.out.yellow('!')} Saved to the outbox, not sent (no mail server is set: ENROLLSY_SMTP_URL). Nothing has reached ${name} yet. Pass it on yourself, one way or the other:`);
    walk.say(`  - text the link: ${ctx.out.bold(issued.link)}`);
    walk.say(`    ${linkHolderWords(issued)}`);
    walk.say(`  - or open the saved email in your mail program and send it to ${issued.recipient.email}: ${delivery.location}`);
    walk.say('    To send emails from here, a mail server has to be set up; the set-up check (enrollsy-help doctor) says what is missing.');
    return {
      note: `${prefix}reset link for ${name} saved to the outbox, not sent; the link and the saved email were given to the admin to pass on (valid until ${until}).`,
      awaiting: null,
      done: [`Reset link for ${name} saved to the outbox.`],
    };
  }
}

// Who may receive the link, for a link the walkthrough shows after a failure.
function linkWords(facts: WalkFacts, recipient: Holder | null): string {
  const requestedBy = facts.decision.ok && facts.decision.requestedBy ? facts.decision.requestedBy : null;
  return linkHolderWords({
    recipient: { email: recipient?.email ?? '', role: recipient?.role ?? 'primary', name: recipient ? holderName(recipient) : '' },
    requestedBy: requestedBy ? { name: holderName(requestedBy), role: requestedBy.role } : null,
  });
}

/** Asks for an address until the rules accept it (or the admin gives up); applies it. Returns the note and the new address, or null when nothing changed. */
async function correctAddress(
  walk: Walk,
  request: { current: string | null; account: string },
  suggested: string | null,
  /** The primary's login must reach the primary: never give them the address of this other holder (the customer asking). */
  notOf: { holder: Holder; primary: Holder } | null = null,
): Promise<{ note: string; newEmail: string } | null> {
  const { ctx } = walk;
  let typed = suggested;
  for (;;) {
    typed ??= await walk.ask.input(notOf ? `${holderName(notOf.primary)}'s own address (from ${holderName(notOf.primary)}, not from ${holderName(notOf.holder)}):` : 'The right address (ask the customer to spell it out):', (value) => {
      const problem = emailProblem(value);
      if (problem !== null) return `Not a valid address: ${problem}.`;
      if (notOf?.holder.emailKey && normalizeEmail(value) === notOf.holder.emailKey) {
        return `That is ${holderName(notOf.holder)}'s own address. The primary's login (full control of the account) must reach ${holderName(notOf.primary)} only: ask ${holderName(notOf.primary)} for their own address.`;
      }
      return true;
    });
    const decision = await planEmailChangeIn(walk.store, { current: request.current, newEmail: typed, account: request.account });
    if (decision.ok) {
      const plan = decision.plan;
      for (const h of plan.loginLost) walk.say(ctx.out.yellow(`! ${holderName(h)} would then have the primary's address, so their own login would stop working.`));
      const outcome = await walk.store.applyEmailChange(plan, ctx.clock.now());
      walk.commands.push(request.current === null ? `enrollsy-help holder add-email ${plan.accountId} ${plan.newEmail}` : `enrollsy-help holder set-email ${request.current} ${plan.newEmail} --account ${plan.accountId}`);
      const who = plan.holders.map(holderName).join(' and ');
      walk.say(`${ctx.out.green('✔')} ${request.current === null ? `Gave ${who} the address ${plan.newEmail}` : `Changed ${who}'s address: ${request.current} → ${plan.newEmail}`}; recorded in the audit log.${outcome.linksRevoked > 0 ? ` ${outcome.linksRevoked} link(s) sent to the old address no longer work.` : ''}`);
      const note = request.current === null ? `gave ${who} (primary of ${plan.accountId}) the address ${plan.newEmail}` : `corrected ${who}'s address from ${request.current} to ${plan.newEmail}`;
      return { note, newEmail: plan.newEmail };
    }
    const refusal = await refusalError(walk.store, { current: request.current, newEmail: typed, account: request.account }, decision);
    walk.say(`${ctx.out.red('✖')} ${plain(walk, refusal.message)}`);
    typed = null;
    const again = await walk.ask.select('What now?', [
      { name: 'Type another address', value: true },
      { name: 'Leave the address as it is', value: false },
    ]);
    if (!again) return null;
  }
}

/**
 * Step 4 (R3): the reset link, to the right person. Before anything is emailed it offers to
 * correct a mistyped stored domain, to give an address to a primary who has none, and, for a
 * secondary without login access, explains that the link is the primary's.
 */
export async function resetStep(walk: Walk, facts: WalkFacts): Promise<StepOutcome> {
  const { ctx } = walk;
  walk.heading('Password reset');
  const notes: string[] = [];
  const done: string[] = [];
  const said: string[] = [];
  let domainChecked = false;
  for (let round = 0; round < 4; round += 1) {
    const decision = facts.decision;
    showChecks(walk, [checkOf(facts, 'reset-recipient'), checkOf(facts, 'recipient-mail'), checkOf(facts, 'pending-reset')]);
    if (!decision.ok) {
      const primary = facts.facts.accountHolders.find((h) => h.role === 'primary');
      if (decision.problem === 'no-address' && primary) {
        const asked = facts.facts.holdersWithAddress.find((h) => h.role === 'secondary');
        if (asked) walk.say(`    ${holderName(asked)} has no login access, so they cannot reset a password of their own; only the primary, ${holderName(primary)}, can sign in, and ${holderName(primary)} has no email address on file.`);
        const give = await walk.ask.select(`Give ${holderName(primary)} (primary) an email address now?`, [
          { name: `Yes, I have ${holderName(primary)}'s address`, value: true },
          { name: 'Not now', value: false },
        ]);
        if (give) {
          const changed = await correctAddress(walk, { current: null, account: primary.accountId }, null, asked ? { holder: asked, primary } : null);
          if (changed) {
            notes.push(changed.note);
            done.push(changed.note);
            facts = await look(walk, facts.email, facts.awaiting);
            continue;
          }
        }
        notes.push(`no reset possible: the primary ${holderName(primary)} has no email address`);
      } else {
        notes.push(`no reset possible: ${plain(walk, decision.reason)}`);
        if (decision.problem === 'conflict' || decision.problem === 'recipient-conflict') walk.say(ctx.out.yellow('    The duplicate has to be fixed before any reset email can work.'));
      }
      return { facts, done, said, note: notes.join('; ') + '.', next: 'continue' };
    }

    const recipient = decision.holder;
    const name = holderName(recipient);
    const domain = decision.email.slice(decision.email.lastIndexOf('@') + 1);
    const intended = domainChecked ? null : likelyDomain(domain.toLowerCase());
    type Choice = 'fix-suggested' | 'fix-other' | 'send' | 'show' | 'grant' | 'skip';
    const choices: { name: string; value: Choice }[] = [];
    if (intended !== null) {
      walk.say(`${ctx.out.yellow('!')} The address on file, ${decision.email}, looks mistyped: "${domain}" is probably "${intended}". Confirm it with the customer before anything is emailed.`);
      choices.push(
        { name: `Correct it to ${decision.email.slice(0, decision.email.lastIndexOf('@') + 1)}${intended}`, value: 'fix-suggested' },
        { name: 'Correct it to another address', value: 'fix-other' },
      );
    }
    const requestedBy = decision.requestedBy;
    if (requestedBy) {
      const asker = holderName(requestedBy);
      walk.say(`    ${asker} has no login access, so they cannot reset a password of their own: a reset sets the password of ${name} (the primary), and only ${name} may receive the link.`);
      walk.say(`    For ${asker} to sign in with their own login, ${name} has to give them login access.`);
    }
    const mailCheck = checkOf(facts, 'recipient-mail');
    const mailCannotArrive = mailCheck?.status === 'fail';
    if (!mailCannotArrive) choices.push({ name: intended !== null ? `Email it to ${decision.email} as it is` : `Email the reset link to ${name}`, value: 'send' });
    if (requestedBy && facts.facts.company.signInUrl) choices.push({ name: `Email ${name} the steps to give ${requestedBy.firstName || holderName(requestedBy)} access`, value: 'grant' });
    choices.push({ name: requestedBy ? `Show me the link (for ${name} only)` : 'Show me the link to text it', value: 'show' });
    choices.push({ name: 'Not now', value: 'skip' });
    if (!requestedBy) walk.say('    The link works for 2 hours; each new reset email cancels every earlier link, so send one and wait.');
    const how = await walk.ask.select<Choice>(requestedBy ? `What should ${name} receive?` : 'How should the reset link reach the customer?', choices);
    if (how === 'fix-suggested' || how === 'fix-other') {
      const suggestion = how === 'fix-suggested' ? `${decision.email.slice(0, decision.email.lastIndexOf('@') + 1)}${intended}` : null;
      const changed = await correctAddress(walk, { current: decision.email, account: recipient.accountId }, suggestion);
      domainChecked = true;
      if (changed) {
        notes.push(changed.note);
        done.push(changed.note);
        // When the customer is the recipient, their address is the corrected one from now on.
        facts = await look(walk, facts.facts.emailKey === decision.emailKey ? changed.newEmail : facts.email, facts.awaiting);
      }
      continue;
    }
    if (how === 'skip') {
      walk.say(`    The customer can ask for a reset email themselves: on the Account Sign-In page, the "Setup/Reset Password" button sends one to ${name}'s address.`);
      said.push('Use the "Setup/Reset Password" button on the Account Sign-In page to get a reset email.');
      notes.push('no reset link issued from the walkthrough; the customer was told about the "Setup/Reset Password" button on the sign-in page');
      return { facts: { ...facts, awaiting: null }, done, said, note: notes.join('; ') + '.', next: 'continue' };
    }
    if (how === 'grant') {
      walk.commands.push(`enrollsy-help message ${decision.email} --template grant-access --send`);
      try {
        const sent = await sendCustomerMessage(ctx, walk.store, 'grant-access', { ...recipient, email: decision.email }, facts.facts.company);
        walk.say(`${sent.sent.transport === 'outbox' ? ctx.out.yellow('!') : ctx.out.green('✔')} ${messageOutcomeWords(sent)}`);
        notes.push(`${sent.sent.transport === 'outbox' ? 'grant-access steps for' : 'emailed grant-access steps to'} ${name}${sent.sent.transport === 'outbox' ? ' saved to the outbox, not sent' : ''}`);
        said.push(`${name} (primary) can give ${holderName(requestedBy!)} login access in the customer portal.`);
      } catch (error) {
        if (!(error instanceof CliError)) throw error;
        walk.say(`${ctx.out.red('✖')} The steps were not sent: ${plain(walk, error.message)}`);
        notes.push(`sending the grant-access steps to ${name} failed (${plain(walk, error.message)})`);
      }
      return { facts: { ...facts, awaiting: null }, done, said, note: notes.join('; ') + '.', next: 'continue' };
    }
    const delivered = await deliverReset(walk, facts, { send: how === 'send', force: false, domainConfirmed: intended !== null || domainChecked });
    notes.push(delivered.note.replace(/\.$/, ''));
    done.push(...delivered.done);
    const after = await look(walk, facts.email, delivered.awaiting);
    return { facts: after, done, said, note: notes.join('; ') + '.', next: 'continue' };
  }
  return { facts, done, said, note: notes.join('; ') + '.', next: 'continue' };
}
