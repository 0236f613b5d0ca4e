import { ConfirmationNeededError, DeliveryError, InterruptedError, ProblemError } from '../core/errors.js';
import { formatDuration, formatMoment } from '../core/format-time.js';
import type { Company } from '../core/types.js';
import { createMailer, MailDeliveryError, senderMailbox, type Mailbox, type Mailer, type SentMessage } from '../mail/mailer.js';
import { resetEmail } from '../mail/templates.js';
import type { DeliveryOutcome, IssuedLink } from '../store/reset-links.js';
import type { Store } from '../store/store.js';
import { onInterrupt } from '../ui/interrupt.js';
import type { Context } from './context.js';

/** How long recording a delivery outcome waits for another writer's lock: the email has gone, so it waits long. */
export const RECORD_PATIENCE_MS = 60_000;

/** A reset link issued and, unless --no-send, delivered. */
export interface ResetOutcome {
  issued: IssuedLink;
  delivery: SentMessage | null;
  /** False when the store stayed locked and the delivery outcome could not be recorded. */
  recorded?: boolean;
}

/** The contract's `reset --json` document. */
export function resetJson(outcome: ResetOutcome) {
  return {
    accountId: outcome.issued.accountId,
    recipient: { email: outcome.issued.recipient.email, role: outcome.issued.recipient.role },
    link: outcome.issued.link,
    expiresAt: outcome.issued.expiresAt,
    invalidated: outcome.issued.invalidated,
    delivery: outcome.delivery ? { transport: outcome.delivery.transport, messageId: outcome.delivery.messageId } : null,
    ...(outcome.recorded === false ? { deliveryRecorded: false } : {}),
  };
}

/** Who may receive a link, in words: its recipient only, never the holder who asked for it (the link controls the recipient's login). */
export function linkHolderWords(issued: Pick<IssuedLink, 'recipient' | 'requestedBy'>): string {
  const recipient = `${issued.recipient.name || 'the account holder'} (${issued.recipient.role})`;
  if (!issued.requestedBy) return `Give this link only to ${recipient}, for example by text message.`;
  const asker = issued.requestedBy.name || 'the holder who asked';
  return `Give this link only to ${recipient}, not to ${asker}: it sets ${issued.recipient.name || 'the primary holder'}'s password, and ${asker} has no login of their own.`;
}

/** What saving to the outbox means: nothing reached anyone. */
export function outboxWords(file: string): string {
  return `Saved to the outbox, not sent (no mail server is set: ENROLLSY_SMTP_URL): ${file}.`;
}

/** Human lines about an issued link (shared by `reset` and the diagnose walkthrough): the link, then what happened to the email. */
export function renderReset(ctx: Context, outcome: ResetOutcome): string {
  const { issued, delivery } = outcome;
  const now = ctx.clock.now();
  const expires = new Date(issued.expiresAt);
  const who = `${issued.recipient.name || 'the holder'} <${issued.recipient.email}>`;
  const lines = [
    `${ctx.out.green('✔')} Reset link issued for account ${issued.accountId}, for ${who} (${issued.recipient.role}).`,
    `    Valid until ${formatMoment(expires)} (${formatDuration(expires.getTime() - now.getTime())}); only this newest link of this login works.`,
  ];
  if (issued.invalidated > 0) lines.push(`    ${issued.invalidated} earlier link${issued.invalidated === 1 ? '' : 's'} to this address no longer work${issued.invalidated === 1 ? 's' : ''}.`);
  lines.push(`    ${ctx.out.bold(issued.link)}`);
  if (!delivery) lines.push(`${ctx.out.cyan('i')} Not emailed (--no-send). ${linkHolderWords(issued)}`);
  else if (delivery.transport === 'outbox') lines.push(`${ctx.out.yellow('!')} ${outboxWords(delivery.location)} Send that file yourself, or pass the link on. ${linkHolderWords(issued)}`);
  else lines.push(`${ctx.out.green('✔')} Emailed to ${who}: SMTP server ${delivery.location} accepted it.`);
  if (outcome.recorded === false) {
    lines.push(ctx.out.yellow(`! The store stayed locked by another writer, so this delivery is not recorded: diagnose will show the email as "being sent". The link works all the same.`));
  }
  return lines.join('\n');
}

/** How to issue: `domainConfirmed` when the admin already accepted a mistyped-looking domain; `quiet` leaves printing the link on failure to the caller (the walkthrough offers it). */
export interface IssueOptions {
  force: boolean;
  send: boolean;
  domainConfirmed?: boolean;
  quiet?: boolean;
}

/**
 * Issues a link through the store's rules, then emails it. The mail set-up is checked before
 * anything is recorded. Once the link is issued the command always prints it and ends with the
 * delivery outcome: a failure throws DeliveryError (exit 4), Ctrl-C InterruptedError (exit 130),
 * each carrying the link, which stays valid; recording the outcome waits for a busy store and
 * is never the reason the command fails.
 */
export async function issueAndDeliver(ctx: Context, store: Store, email: string, options: IssueOptions): Promise<ResetOutcome> {
  const mailer = options.send ? createMailer({ env: ctx.io.env, outbox: ctx.outboxFor(store) }) : null;
  try {
    const company = await store.company();
    const from = mailer ? senderMailbox(ctx.io.env, company) : null;
    const issued = await issueConfirmingDomain(ctx, store, email, options);
    if (!mailer || from === null) return { issued, delivery: null };
    return await deliver(ctx, store, { mailer, from, company, issued, email, quiet: options.quiet === true });
  } finally {
    mailer?.close();
  }
}

// A recipient domain that looks mistyped (gmial.com) needs --yes, or a yes on a terminal.
async function issueConfirmingDomain(ctx: Context, store: Store, email: string, options: IssueOptions): Promise<IssuedLink> {
  try {
    return await store.issueResetLink(email, { force: options.force, send: options.send, now: () => ctx.clock.now(), domainConfirmed: ctx.yes || options.domainConfirmed === true });
  } catch (error) {
    if (!(error instanceof ConfirmationNeededError) || !ctx.interactive) throw error;
    const ask = await ctx.prompter();
    if (!(await ask.confirm(error.question, false))) {
      throw new ProblemError('Nothing was issued. Confirm the address with the customer; if it is wrong, correct it with `enrollsy-help holder set-email <address on file> <corrected address>`.');
    }
    return store.issueResetLink(email, { force: options.force, send: options.send, now: () => ctx.clock.now(), domainConfirmed: true });
  }
}

async function deliver(
  ctx: Context,
  store: Store,
  { mailer, from, company, issued, email, quiet }: { mailer: Mailer; from: Mailbox; company: Company; issued: IssuedLink; email: string; quiet: boolean },
): Promise<ResetOutcome> {
  const expiry = formatMoment(new Date(issued.expiresAt));
  const resend = `\`enrollsy-help reset ${email.trim()} --force\``;
  const message = resetEmail({
    company,
    recipientName: issued.recipient.name,
    link: issued.link,
    expiresAt: new Date(issued.expiresAt),
    now: ctx.clock.now(),
    sender: from.address,
    ...(company.timeZone ? { timeZone: company.timeZone } : {}),
    ...(issued.requestedBy ? { requestedBy: issued.requestedBy.name } : {}),
  });
  // Ctrl-C: the first aborts the send (the outcome is then recorded as usual), a second stops
  // waiting for a busy store. Nothing is written from the signal handler itself.
  const stopSending = new AbortController();
  const stopWaiting = new AbortController();
  const stopWatching = onInterrupt(() => {
    if (!stopSending.signal.aborted) {
      ctx.notice('\n! Interrupted: stopping the send and recording it; the reset link will be printed.');
      stopSending.abort();
    } else stopWaiting.abort();
  });
  let sent: SentMessage | null = null;
  let failure: unknown = null;
  try {
    try {
      sent = await mailer.send({ to: issued.recipient.email, toName: issued.recipient.name, from, ...message }, { signal: stopSending.signal });
    } catch (error) {
      failure = error;
    }
    const interrupted = sent === null && stopSending.signal.aborted;
    const outcome: DeliveryOutcome = sent
      ? { status: 'sent', transport: sent.transport, messageId: sent.messageId }
      : { status: 'failed', transport: mailer.transport, messageId: null, error: interrupted ? 'interrupted (Ctrl-C)' : failure instanceof Error ? failure.message : String(failure) };
    const recorded = await store.recordDelivery(issued, outcome, ctx.clock.now(), {
      patienceMs: RECORD_PATIENCE_MS,
      signal: stopWaiting.signal,
      onWait: () => ctx.notice(`… Another enrollsy-help is writing to the store; waiting to record the delivery (the link is safe${interrupted ? '; Ctrl-C again stops waiting' : ''}).`),
    });
    if (sent) return { issued, delivery: sent, recorded };
    const outcomeJson = { reset: resetJson({ issued, delivery: null, recorded }) };
    const unrecorded = recorded ? '' : ' (The store stayed locked, so this is not recorded in it.)';
    if (!ctx.json && !quiet) ctx.print(`Link (valid until ${expiry}). ${linkHolderWords(issued)}\n    ${issued.link}`);
    if (interrupted) {
      throw new InterruptedError(
        `Interrupted while sending the reset email to ${issued.recipient.email}; it may or may not arrive. The reset link is recorded and valid until ${expiry}: copy it from above to its recipient yourself, or resend with ${resend} (that replaces it).${unrecorded}`,
        outcomeJson,
      );
    }
    if (!(failure instanceof MailDeliveryError)) throw failure;
    throw new DeliveryError(
      `${failure.message.replace(/\.$/, '')}. The reset link is recorded and valid until ${expiry}: copy it from above to its recipient, or resend with ${resend} (that replaces this link).${unrecorded} Check the mail set-up with \`enrollsy-help doctor\`.`,
      outcomeJson,
    );
  } finally {
    stopWatching();
  }
}
