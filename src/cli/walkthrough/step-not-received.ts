import { CliError } from '../../core/errors.js';
import type { MailProvider } from '../../core/mail-provider.js';
import { notReceivedChecklist, type NotReceivedItem } from '../../core/not-received-checklist.js';
import { MAILBOX_SERVICES, mailboxSteps, quarantineSteps, safeSenderPlan } from '../../mail/safe-sender-steps.js';
import { holderName } from '../../core/types.js';
import { messageOutcomeWords, sendCustomerMessage } from '../send-customer-message.js';
import { deliverReset } from './step-reset.js';
import { look, onward, plain, type StepOutcome, type Walk, type WalkFacts } from './walk.js';

// R4's items in words, with the recipient's own mail provider when DNS named it (Gmail's
// steps for a Gmail inbox, the company filter for Proofpoint); `said` is the advice the note records.
function itemWords(walk: Walk, item: NotReceivedItem, provider: MailProvider | null): { line: string; said: string }[] {
  const { out } = walk.ctx;
  switch (item.id) {
    case 'spam':
      return [{ line: `${out.bold('Spam / junk folder')}: ask them to look there first.`, said: 'Look in the spam / junk folder.' }];
    case 'right-address': {
      const relay = provider?.appleRelay ? ` It is an Apple "Hide My Email" relay address: it forwards to the inbox of their Apple ID, and they may not recognise it as theirs.` : '';
      return [
        {
          line: `${out.bold('Right address')}: the email went to ${item.address ? out.bold(item.address) : 'no address'}${item.role === 'primary' ? ' (the primary holder)' : ''}. Ask them to read out the address they check and compare it letter by letter.${relay}`,
          said: `Check the inbox of ${item.address ?? 'the address on file'}.`,
        },
      ];
    }
    case 'duplicate':
      return [{ line: `${out.bold('Duplicate email')}: ${item.inTwoAccounts ? out.red('the address is still in two accounts: it cannot work until that is fixed.') : 'the address is in one account only.'}`, said: '' }];
    case 'safe-senders': {
      const sender = item.sender ?? 'the sender address';
      const plan = safeSenderPlan(provider, false);
      const items: { line: string; said: string }[] = [];
      if (plan.quarantine !== null && provider) {
        items.push({
          line: `${out.bold('Company mail filter')}: their mail runs through ${provider.name.replace(/ \(.*\)$/, '')}, which can quarantine email without telling anyone; their IT team can find and release it. What to tell them: ${quarantineSteps(plan.quarantine, sender)}`,
          said: `Ask the IT team to release ${sender} from the ${provider.name.replace(/ \(.*\)$/, '')} quarantine.`,
        });
      }
      const steps = provider && plan.first.length < MAILBOX_SERVICES.length ? plan.first.map((service) => `\n     - ${mailboxSteps(service, sender)}`).join('') : '';
      items.push({
        line: `${out.bold('Safe senders')}: ask them to add ${item.sender ? out.bold(item.sender) : 'the sender address'} to their contacts / safe senders.${steps ? ` Their mail is ${provider!.name}:${steps}` : ''}`,
        said: `Add ${sender} to the safe senders / contacts${steps ? ` (the ${provider!.name} steps)` : ''}.`,
      });
      return items;
    }
  }
}

/**
 * Step 5 (R4): only when an email is on its way. Asks whether its recipient (the primary, for a
 * secondary without access) got it; if not, goes through the checklist and offers to resend
 * the reset or to email the steps for a missing email.
 */
export async function notReceivedStep(walk: Walk, facts: WalkFacts): Promise<StepOutcome> {
  const awaiting = facts.awaiting;
  if (!awaiting) return onward(facts, '');
  const { ctx } = walk;
  walk.heading('Did the reset email arrive?');
  // For a secondary without access, the email went to the primary: ask the primary, not the one who called.
  const whom = facts.decision.ok && facts.decision.requestedBy ? `${awaiting.name} (the primary holder, not ${holderName(facts.decision.requestedBy)})` : awaiting.name;
  walk.say(`    The reset email went to ${whom} at ${awaiting.to}.`);
  const arrived = await walk.ask.confirm(`Ask ${awaiting.name}: has the reset email arrived?`, true);
  if (arrived) return onward({ ...facts, awaiting: null }, `${awaiting.name} received the reset email.`);
  const sender = ctx.io.env.ENROLLSY_MAIL_FROM?.trim() || facts.facts.company.sender;
  // The provider is known only for the address the email went to.
  const mail = facts.facts.recipientMail ?? null;
  const provider = mail !== null && mail.address.toLowerCase() === awaiting.to.trim().toLowerCase() ? mail.provider : null;
  const items = notReceivedChecklist(facts.report, sender ?? null).flatMap((item) => itemWords(walk, item, provider));
  items.forEach((item, i) => walk.say(`  ${i + 1}. ${item.line}`));
  const said = items.map((i) => i.said).filter((s) => s !== '');
  const recipient = facts.decision.ok ? facts.decision.holder : null;
  const next = await walk.ask.select<'resend' | 'steps' | 'none'>('What now?', [
    { name: `Send the reset email again (it cancels the earlier link)`, value: 'resend' },
    ...(recipient ? [{ name: `Email ${awaiting.name} these steps (spam folder, safe senders)`, value: 'steps' as const }] : []),
    { name: 'Neither for now', value: 'none' },
  ]);
  let note = `${awaiting.name} did not receive the reset email; went through spam folder, address, duplicate and safe senders`;
  const done: string[] = [];
  let after: WalkFacts = { ...facts, awaiting: null };
  if (next === 'resend') {
    const delivered = await deliverReset(walk, facts, { send: true, force: true, domainConfirmed: true });
    note += `; resent: ${delivered.note.replace(/\.$/, '')}`;
    done.push(...delivered.done);
    after = await look(walk, facts.email, null);
  } else if (next === 'steps' && recipient?.email) {
    walk.commands.push(`enrollsy-help message ${recipient.email} --template not-received --send`);
    try {
      const sent = await sendCustomerMessage(ctx, walk.store, 'not-received', { ...recipient, email: recipient.email }, facts.facts.company, { mailProvider: provider });
      walk.say(`${sent.sent.transport === 'outbox' ? ctx.out.yellow('!') : ctx.out.green('✔')} ${messageOutcomeWords(sent)}`);
      note += sent.sent.transport === 'outbox' ? '; the steps for a missing email were saved to the outbox, not sent' : `; emailed the steps for a missing email to ${recipient.email}`;
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      walk.say(`${ctx.out.red('✖')} The steps were not sent: ${plain(walk, error.message)}`);
      note += `; sending the steps failed (${plain(walk, error.message)})`;
    }
  }
  // Nothing arrived and nothing more was done: the customer cannot log in yet, so on to the note.
  return { facts: after, done, said, note: `${note}.`, next: next === 'none' ? 'stop' : 'continue' };
}
