import { DeliveryError } from '../core/errors.js';
import { normalizeEmail } from '../core/email.js';
import { holderName, type Company, type Holder } from '../core/types.js';
import { createMailer, senderAddress, senderMailbox, type SentMessage } from '../mail/mailer.js';
import { customerMessage, type CustomerTemplate } from '../mail/templates.js';
import type { MailProvider } from '../core/mail-provider.js';
import type { Store } from '../store/store.js';
import type { Context } from './context.js';

/** A customer message sent (by SMTP) or saved to the outbox, with its subject. */
export interface CustomerMessageSent {
  sent: SentMessage;
  subject: string;
  to: string;
}

/**
 * Emails one of the customer instruction templates to a holder's stored address and audits it
 * (`message.sent`, or `message.saved-to-outbox`: saving is not sending). Shared by
 * `message --send` and the walkthrough's steps. Throws DeliveryError when the send fails
 * (nothing was sent), UsageError when no sender is set.
 */
export async function sendCustomerMessage(
  ctx: Context,
  store: Store,
  template: CustomerTemplate,
  recipient: Holder & { email: string },
  company: Company,
  options: { mailProvider?: MailProvider | null; allProviders?: boolean } = {},
): Promise<CustomerMessageSent> {
  const message = customerMessage(template, { company, recipientName: holderName(recipient), sender: senderAddress(ctx.io.env, company), ...options });
  const from = senderMailbox(ctx.io.env, company);
  const mailer = createMailer({ env: ctx.io.env, outbox: ctx.outboxFor(store) });
  try {
    const sent = await mailer.send({ to: recipient.email, toName: holderName(recipient), from, ...message }).catch((error: unknown) => {
      if (error instanceof DeliveryError) throw new DeliveryError(`${error.message.replace(/\.$/, '')}. Nothing was sent; check the mail set-up with \`enrollsy-help doctor\`.`, error.extra);
      throw error;
    });
    const now = ctx.clock.now();
    await store.recordAudit({
        at: now.toISOString(),
        action: sent.transport === 'outbox' ? 'message.saved-to-outbox' : 'message.sent',
        accountId: recipient.accountId,
        emailKey: normalizeEmail(recipient.email),
        details: { template, to: recipient.email, transport: sent.transport, messageId: sent.messageId },
    });
    return { sent, subject: message.subject, to: recipient.email };
  } finally {
    mailer.close();
  }
}

/** What became of a customer message, claiming no more than happened. */
export function messageOutcomeWords(outcome: CustomerMessageSent): string {
  return outcome.sent.transport === 'outbox'
    ? `"${outcome.subject}" for ${outcome.to} was saved to the outbox, not sent (no mail server is set: ENROLLSY_SMTP_URL): ${outcome.sent.location}.`
    : `"${outcome.subject}" emailed to ${outcome.to}: the mail server ${outcome.sent.location} accepted it.`;
}
