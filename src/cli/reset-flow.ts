import { DeliveryError, ExitCode } from '../core/errors.js';
import { onInterrupt } from '../ui/interrupt.js';
import { formatDuration, formatMoment } from '../core/format-time.js';
import { createMailer, MailDeliveryError, senderAddress } from '../mail/mailer.js';
import { resetEmail } from '../mail/templates.js';
import { getCompany } from '../store/company.js';
import type { Store } from '../store/open-store.js';
import { issueResetLink, recordDelivery, recordInterruptedDeliverySync, type IssuedLink } from '../store/reset-links.js';
import type { Context } from './context.js';

/** A reset link issued and, unless --no-send, delivered. */
export interface ResetOutcome {
  issued: IssuedLink;
  delivery: { transport: string; messageId: string; location: string } | null;
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
  };
}

/** Human lines about an issued link (shared by `reset` and the diagnose walkthrough). */
export function renderReset(ctx: Context, outcome: ResetOutcome): string {
  const { issued, delivery } = outcome;
  const now = ctx.clock.now();
  const expires = new Date(issued.expiresAt);
  const lines = [
    `${ctx.out.green('✔')} Reset link issued for account ${issued.accountId}, for ${issued.recipient.name || 'the holder'} <${issued.recipient.email}> (${issued.recipient.role}).`,
    `    Valid until ${formatMoment(expires)} (${formatDuration(expires.getTime() - now.getTime())}); only this newest link works.`,
  ];
  if (issued.invalidated > 0) lines.push(`    ${issued.invalidated} earlier link${issued.invalidated === 1 ? '' : 's'} of this account no longer work${issued.invalidated === 1 ? 's' : ''}.`);
  lines.push(
    delivery
      ? `${ctx.out.green('✔')} Email sent via ${delivery.transport === 'outbox' ? `the outbox: ${delivery.location}` : `SMTP (${delivery.location})`}.`
      : `${ctx.out.cyan('i')} Not emailed: send the link below to the customer yourself, e.g. by text message.`,
  );
  lines.push(`    ${ctx.out.bold(issued.link)}`);
  return lines.join('\n');
}

/**
 * Issues a link through the store's rules, then emails it. The mail set-up is checked before
 * anything is recorded; a delivery failure after recording throws DeliveryError (exit 4) that
 * carries the link, which stays valid, and says how to retry.
 */
export async function issueAndDeliver(ctx: Context, store: Store, email: string, options: { force: boolean; send: boolean }): Promise<ResetOutcome> {
  const mailer = options.send ? createMailer({ env: ctx.io.env, storePath: store.path }) : null;
  try {
    const company = await getCompany(store.db);
    const from = mailer ? senderAddress(ctx.io.env, company) : null;
    const issued = await issueResetLink(store, email, { ...options, now: ctx.clock.now() });
    if (!mailer || from === null) return { issued, delivery: null };
    const message = resetEmail({ company, recipientName: issued.recipient.name, link: issued.link, expiresAt: new Date(issued.expiresAt), now: ctx.clock.now(), sender: from });
    const stopWatching = onInterrupt(() => {
      recordInterruptedDeliverySync(store, issued, mailer.transport, ctx.clock.now());
      const text = `Interrupted while sending the reset email to ${issued.recipient.email}; it may or may not arrive. The reset link is recorded and valid until ${formatMoment(new Date(issued.expiresAt))}: copy it to the customer yourself, or resend with \`enrollsy-help reset ${email.trim()} --force\` (that replaces it).`;
      if (ctx.json) ctx.io.stdout.write(`${JSON.stringify({ reset: resetJson({ issued, delivery: null }), error: { exitCode: ExitCode.interrupted, message: text } }, null, 2)}\n`);
      else ctx.print(`Link: ${issued.link}`);
      ctx.notice(`\n✖ ${text}`);
    });
    try {
      const sent = await mailer.send({ to: issued.recipient.email, from, ...message });
      await recordDelivery(store, issued, { status: 'sent', transport: sent.transport, messageId: sent.messageId }, ctx.clock.now());
      return { issued, delivery: sent };
    } catch (error) {
      if (!(error instanceof MailDeliveryError)) throw error;
      await recordDelivery(store, issued, { status: 'failed', transport: mailer.transport, messageId: null, error: error.message }, ctx.clock.now());
      const outcome = { issued, delivery: null };
      if (!ctx.json) ctx.print(`Link (valid until ${formatMoment(new Date(issued.expiresAt))}; copy it to the customer yourself):\n    ${issued.link}`);
      throw new DeliveryError(
        `${error.message.replace(/\.$/, '')}. The reset link is recorded and valid until ${formatMoment(new Date(issued.expiresAt))}: copy it from above to the customer, or resend with \`enrollsy-help reset ${email.trim()} --force\` (that replaces this link).`,
        { reset: resetJson(outcome) },
      );
    } finally {
      stopWatching();
    }
  } finally {
    mailer?.close();
  }
}
