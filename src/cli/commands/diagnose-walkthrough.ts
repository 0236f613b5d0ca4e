import { diagnose, type Check, type DiagnosisReport } from '../../core/diagnose.js';
import { embedSnippet } from '../../core/embed-snippet.js';
import { CliError, ExitCode } from '../../core/errors.js';
import { normalizeEmail } from '../../core/email.js';
import { formatMoment } from '../../core/format-time.js';
import { groupByAccount } from '../../core/group-by-account.js';
import { planConflictFix } from '../../core/plan-conflict-fix.js';
import { holderName, type Company } from '../../core/types.js';
import type { Store } from '../../store/store.js';
import { terminalPrompter, type Prompter } from '../../ui/prompts.js';
import { startSpinner } from '../../ui/spinner.js';
import type { CommandResult } from '../command-result.js';
import type { Context } from '../context.js';
import { renderChecks, statusMark } from '../render/render-checks.js';
import { renderHolders } from '../render/render-holders.js';
import { askConflictFix } from '../ask-conflict-fix.js';
import { gatherFactsWithMail } from '../recipient-mail.js';
import type { RecipientMail } from '../../core/mail-domain.js';
import { MAILBOX_SERVICES, mailboxSteps, quarantineSteps, safeSenderPlan } from '../../mail/safe-sender-steps.js';
import { issueAndDeliver, renderReset } from '../reset-flow.js';

/** How the customer tried to reach the sign-in page (R2), and what that means. */
export const SIGN_IN_ROUTES = [
  { value: 'admin-link', name: 'With the Account Sign-In link an admin sent them', right: true, why: '' },
  { value: 'website', name: 'With the "Customer Sign-In" link on our website', right: true, why: '' },
  { value: 'app', name: 'In the Enrollsy mobile app (App Store / Google Play)', right: true, why: '' },
  { value: 'enrollment', name: 'Through an enrollment link', right: false, why: 'Enrollment links open a registration form for a program, not the account sign-in.' },
  { value: 'admin', name: 'Through the Admin link', right: false, why: 'The Admin link signs in company staff, not customers: customer logins are refused there.' },
  { value: 'instructor', name: 'Through the Instructor link', right: false, why: 'The Instructor link is for instructors only; customer logins are refused there.' },
  { value: 'vendor-site', name: "On Enrollsy's own website", right: false, why: "Enrollsy's website shows a message for consumers, not a sign-in form: customers sign in through their company's link." },
  { value: 'unknown', name: "They don't know", right: false, why: 'Send them the right link so they know where to go next time.' },
] as const;

interface LogEntry {
  at: Date;
  text: string;
}

/** The guided walkthrough of the login-support flow for one address (a terminal is required). */
export async function runWalkthrough(ctx: Context, store: Store, firstEmail: string): Promise<CommandResult> {
  const ask = await terminalPrompter(ctx.io);
  const log: LogEntry[] = [];
  const note = (text: string) => log.push({ at: ctx.clock.now(), text });
  const { out } = ctx;
  const heading = (n: number, title: string) => ctx.print(`\n${out.bold.cyan(`Step ${n}`)} ${out.bold(title)}`);
  let email = firstEmail;

  // Step 1: look the address up; offer suggestions when nobody uses it.
  let { report, facts } = await look(ctx, store, email);
  heading(1, `Who uses ${email.trim()}?`);
  while (!report.found) {
    ctx.print(renderChecks(out, report.checks.filter((c) => c.status !== 'pass' && c.status !== 'info')));
    note(`Looked up ${report.normalizedEmail}: no holder uses it.`);
    if (report.suggestions.length === 0) {
      ctx.print(`\nNo stored address is close to it. Ask the customer which address they signed up with, then run diagnose on that one.`);
      return finish(ctx, ask, report, log, false);
    }
    const choice = await ask.select<string | null>('Did the customer mean one of these?', [
      ...report.suggestions.map((s) => ({ name: s, value: s })),
      { name: 'None of these: stop here', value: null },
    ]);
    if (choice === null) return finish(ctx, ask, report, log, false);
    email = choice;
    note(`Customer confirmed the address ${choice} instead.`);
    ({ report, facts } = await look(ctx, store, email));
  }
  ctx.print(renderHolders(out, facts.holdersWithAddress, facts.emailKey));
  for (const check of report.checks.filter((c) => c.id === 'email-domain' || c.id === 'login-access')) ctx.print(renderChecks(out, [check]));
  note(`Looked up ${report.normalizedEmail}: ${report.holders.length} holder(s) in ${new Set(report.holders.map((h) => h.accountId)).size} account(s).`);

  // Step 2: R1 first: the same address in two accounts blocks every login with it.
  heading(2, 'Duplicate-email check');
  const duplicate = report.checks.find((c) => c.id === 'duplicate-email')!;
  ctx.print(renderChecks(out, [duplicate]));
  note(`Duplicate-email check: ${duplicate.status} (${duplicate.title}).`);
  if (duplicate.status === 'fail') {
    const fixed = await offerConflictFix(ctx, ask, store, email, note);
    if (fixed) {
      ({ report, facts } = await look(ctx, store, email));
      ctx.print(renderChecks(out, report.checks.filter((c) => c.id === 'duplicate-email')));
    } else {
      ctx.print(out.yellow('\nThe login cannot work while the address is in two accounts, so no reset email can be sent yet.'));
    }
  }

  // Step 3: R2: the right sign-in page.
  heading(3, 'How did the customer try to reach the sign-in page?');
  const routeValue = await ask.select(
    'Ask the customer: "How did you try to get to the Enrollsy sign-in page?"',
    SIGN_IN_ROUTES.map((r) => ({ name: r.name, value: r.value })),
  );
  const route = SIGN_IN_ROUTES.find((r) => r.value === routeValue)!;
  note(`How the customer tried to reach the sign-in page: ${route.name}.`);
  if (route.right) {
    ctx.print(`${statusMark(out, 'pass')} That is the right place. Next: a password reset.`);
  } else {
    ctx.print(`${statusMark(out, route.value === 'unknown' ? 'info' : 'fail')} ${route.why}`);
    ctx.print(signInHelp(ctx, facts.company, report.normalizedEmail));
    const solved = await ask.confirm('Send them the Account Sign-In link. Can they log in with it now?', false);
    note(`Sent the Account Sign-In link; customer ${solved ? 'could' : 'still could not'} log in.`);
    if (solved) return finish(ctx, ask, report, log, true);
  }

  // Step 4: R3: reset link to the right holder.
  heading(4, 'Password reset');
  const recipientCheck = report.checks.find((c) => c.id === 'reset-recipient')!;
  // The recipient mail check belongs here: it says whether an email to that address can arrive.
  const mailCheck = report.checks.find((c) => c.id === 'recipient-mail');
  ctx.print(renderChecks(out, [recipientCheck, ...(report.resetRecipient && mailCheck ? [mailCheck] : []), report.checks.find((c) => c.id === 'pending-reset')!]));
  const mailCannotArrive = report.resetRecipient !== null && mailCheck?.status === 'fail';
  // An email may be on its way: one sent now, an earlier one, or the customer's own request.
  let expectEmail = report.resetRecipient !== null && !mailCannotArrive;
  if (report.resetRecipient) {
    ctx.print(`    The link works for 2 hours; each new reset email cancels every earlier link, so send one and wait.`);
    const how = await ask.select('How should the reset link reach the customer?', [
      ...(mailCannotArrive ? [] : [{ name: `Email it now to ${report.resetRecipient.email}`, value: 'send' }]),
      { name: 'Issue it here and show it to me (I will text it to them)', value: 'show' },
      { name: 'Not now', value: 'skip' },
    ]);
    if (how !== 'skip') {
      await issueInWalkthrough(ctx, ask, store, email, how === 'send', note);
      // A link handed over by text is not an email that can go missing.
      expectEmail = how === 'send';
      ({ report, facts } = await look(ctx, store, email));
    } else {
      if (facts.company.resetUrl) ctx.print(`    Account Password Reset link to send yourself: ${out.bold(facts.company.resetUrl)}`);
      note('No reset link issued from the walkthrough.');
    }
  } else {
    note(`Reset not possible: ${recipientCheck.detail}`);
  }

  // Step 5: R4: the email did not arrive.
  if (expectEmail) {
    heading(5, 'Did the reset email arrive?');
    const arrived = await ask.confirm('Ask the customer: has the password-reset email arrived?', true);
    note(`Reset email ${arrived ? 'arrived' : 'did not arrive'}.`);
    if (!arrived) ctx.print(notReceivedChecklist(ctx, report, facts.company, facts.recipientMail ?? null));
  }

  const loggedIn = await ask.confirm('Can the customer log in now?', false);
  note(loggedIn ? 'Customer can log in.' : 'Customer still cannot log in.');
  return finish(ctx, ask, report, log, loggedIn);
}

async function look(ctx: Context, store: Store, email: string) {
  const spinner = await startSpinner(ctx, `Looking up ${email.trim()}…`);
  try {
    const facts = await gatherFactsWithMail(ctx, store, email);
    return { facts, report: diagnose(facts).report };
  } finally {
    spinner.stop();
  }
}

function signInHelp(ctx: Context, company: Company, emailKey: string): string {
  const embed = embedSnippet(company);
  const lines = [
    `    Account Sign-In link (copy it into an email or text to the customer):`,
    `      ${company.signInUrl ? ctx.out.bold(company.signInUrl) : ctx.out.yellow('(not set: enrollsy-help company set --sign-in-url <url>, from "My Company")')}`,
  ];
  if (embed) lines.push(`    For your website, the "Customer Sign-In" embed:`, `      ${embed}`);
  lines.push(`    Ready-made instructions: enrollsy-help message ${emailKey} --template sign-in`);
  return lines.join('\n');
}

async function offerConflictFix(ctx: Context, ask: Prompter, store: Store, email: string, note: (text: string) => void): Promise<boolean> {
  const facts = await store.diagnoseFacts(email, ctx.clock.now());
  const accounts = groupByAccount(facts.holdersWithAddress);
  const fixNow = await ask.confirm('Fix the duplicate now (remove or change the address in the other account)?', true);
  if (!fixNow) {
    note('Duplicate not fixed during the walkthrough.');
    return false;
  }
  const request = await askConflictFix(ask, email, accounts);
  const newEmail = request.newEmail;
  const using = newEmail ? ((await store.accountsUsingKeys([normalizeEmail(newEmail)])).get(normalizeEmail(newEmail)) ?? []) : [];
  let plan;
  try {
    plan = planConflictFix(request, facts.holdersWithAddress, using);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    ctx.print(`${statusMark(ctx.out, 'fail')} ${error.message} Nothing was changed.`);
    note(`Fix refused: ${error.message}`);
    return false;
  }
  for (const target of plan.targets) {
    ctx.print(`    ${target.accountName} (${target.accountId}): ${target.holders.map((h) => `${holderName(h)} ${h.email} → ${plan.newEmail ?? '(no email)'}`).join('; ')}`);
  }
  if (plan.primariesLeftWithoutAddress.length > 0) {
    ctx.print(ctx.out.yellow(`    ! ${plan.primariesLeftWithoutAddress.map(holderName).join(', ')} is a primary holder: without an address that account can receive no reset emails.`));
  }
  if (!(await ask.confirm('Apply this change?', false))) {
    note('Fix proposed but not applied.');
    return false;
  }
  const { holdersChanged, linksRevoked } = await store.applyConflictFix(plan, ctx.clock.now());
  ctx.print(`${statusMark(ctx.out, 'pass')} Changed ${holdersChanged} holder${holdersChanged === 1 ? '' : 's'}; recorded in the audit log.${linksRevoked > 0 ? ` ${linksRevoked} reset link${linksRevoked === 1 ? '' : 's'} sent to the removed address no longer work${linksRevoked === 1 ? 's' : ''}.` : ''}`);
  note(`Duplicate fixed: kept in ${plan.keep}, ${plan.action === 'delete' ? 'removed from' : `changed to ${plan.newEmail} in`} ${plan.targets.map((t) => t.accountId).join(', ')}.`);
  return true;
}

async function issueInWalkthrough(ctx: Context, ask: Prompter, store: Store, email: string, send: boolean, note: (text: string) => void): Promise<boolean> {
  let force = false;
  for (;;) {
    try {
      const outcome = await issueAndDeliver(ctx, store, email, { force, send });
      ctx.print(renderReset(ctx, outcome));
      note(`Reset link issued for ${outcome.issued.recipient.email} (${outcome.issued.recipient.role}), ${send ? 'emailed' : 'given to the admin to send'}; valid until ${formatMoment(new Date(outcome.issued.expiresAt))}; ${outcome.issued.invalidated} earlier link(s) cancelled.`);
      return true;
    } catch (error) {
      if (!(error instanceof CliError) || (error.exitCode !== ExitCode.problemsFound && error.exitCode !== ExitCode.delivery)) throw error;
      ctx.print(`${statusMark(ctx.out, error.exitCode === ExitCode.delivery ? 'fail' : 'warn')} ${error.message}`);
      if (error.exitCode === ExitCode.delivery) {
        note(`Reset link issued but the email failed: ${error.message}`);
        return true;
      }
      if (force || !error.message.includes('--force') || !(await ask.confirm('Issue a new link anyway (it cancels the earlier one)?', false))) {
        note(`Reset not issued: ${error.message}`);
        return false;
      }
      force = true;
    }
  }
}

function notReceivedChecklist(ctx: Context, report: DiagnosisReport, company: Company, mail: RecipientMail | null): string {
  const recipient = report.resetRecipient;
  const duplicate = report.checks.find((c) => c.id === 'duplicate-email')!;
  const sender = ctx.io.env.ENROLLSY_MAIL_FROM || company.sender;
  const senderWords = sender ? ctx.out.bold(sender) : 'the sender address';
  // The recipient's own provider first; the other providers' steps are one command away.
  const provider = mail !== null && recipient !== null && mail.address.toLowerCase() === recipient.email.trim().toLowerCase() ? mail.provider : null;
  const plan = safeSenderPlan(provider, false);
  const steps = plan.first.length === MAILBOX_SERVICES.length ? [] : plan.first.map((service) => `       ${mailboxSteps(service, sender || 'the sender address')}`);
  const relay = provider?.appleRelay
    ? ` It is an Apple "Hide My Email" relay address: it forwards to the inbox of their Apple ID, and they may not recognise it as theirs.`
    : '';
  const items = [
    `${ctx.out.bold('Spam / junk folder')}: ask them to look there first.`,
    `${ctx.out.bold('Right address')}: the email went to ${recipient ? ctx.out.bold(recipient.email) : 'no address'}${recipient?.role === 'primary' ? ' (the primary holder)' : ''}. Ask them to read out the address they check and compare it letter by letter.${relay}`,
    `${ctx.out.bold('Duplicate email')}: ${duplicate.status === 'fail' ? ctx.out.red('the address is still in two accounts: it cannot work until that is fixed.') : 'the address is in one account only.'}`,
  ];
  if (plan.quarantine !== null && provider) {
    items.push(`${ctx.out.bold('Company mail filter')}: their mail runs through ${provider.name.replace(/ \(.*\)$/, '')}, which can quarantine email without telling anyone; their IT team can find and release it. What to tell them: ${quarantineSteps(plan.quarantine, sender || 'the sender address')}`);
  }
  items.push(
    [`${ctx.out.bold('Safe senders')}: ask them to add ${senderWords} to their contacts / safe senders, then request once more.${provider && steps.length > 0 ? ` Their mail is ${provider.name}:` : ''}`, ...steps].join('\n'),
  );
  const lines = items.map((item, index) => `  ${index + 1}. ${item}`);
  lines.push(
    `    Ready-made instructions: enrollsy-help message ${report.normalizedEmail} --template not-received${plan.first.length < MAILBOX_SERVICES.length ? " (add --all-providers for every provider's steps)" : ''}`,
  );
  return lines.join('\n');
}

async function finish(ctx: Context, ask: Prompter, report: DiagnosisReport, log: LogEntry[], resolved: boolean): Promise<CommandResult> {
  ctx.print(`\n${ctx.out.bold('Summary')}`);
  ctx.print(renderChecks(ctx.out, report.checks));
  const failed = report.checks.some((c) => c.status === 'fail');
  // R6: the moment an admin has just dealt with a login problem is the moment to say it.
  const hygiene = ctx.out.dim('Tip for your team: admins and instructors should use a password manager; reused passwords are behind most breaches.');
  if (resolved) {
    ctx.print(`\n${ctx.out.green('✔ Resolved: the customer can log in.')}\n${hygiene}`);
    return { exitCode: failed ? ExitCode.problemsFound : ExitCode.ok, json: report, text: '' };
  }
  const escalate = await ask.confirm('The customer still cannot log in. Prepare an escalation note for Enrollsy support?', true);
  if (escalate) ctx.print(`\n${escalationNote(ctx, report, log)}`);
  ctx.print(hygiene);
  return { exitCode: failed ? ExitCode.problemsFound : ExitCode.ok, json: report, text: '' };
}

/** The note an admin pastes into the vendor's support chat (R5): what was checked, results, times. */
export function escalationNote(ctx: Pick<Context, 'clock' | 'out'>, report: DiagnosisReport, log: readonly { at: Date; text: string }[]): string {
  const line = (check: Check) => `- [${check.status}] ${check.title}: ${check.detail}`;
  return [
    ctx.out.bold('Escalation note (paste it into the Enrollsy support chat: the blue circle, lower right, in the Enrollsy app)'),
    '----',
    `Customer login problem: ${report.email.trim()}${report.holders[0] ? ` (account ${[...new Set(report.holders.map((h) => h.accountId))].join(', ')})` : ''}`,
    `Prepared ${formatMoment(ctx.clock.now())} with enrollsy-help.`,
    'Checks:',
    ...report.checks.map(line),
    'Steps taken:',
    ...log.map((entry) => `- ${formatMoment(entry.at)}: ${entry.text}`),
    'The customer still cannot log in. Please advise.',
    '----',
    ctx.out.yellow('Reminder: you (an admin) contact Enrollsy support; never ask the customer to contact Enrollsy directly.'),
  ].join('\n');
}
