import { ProblemError, UsageError } from '../../core/errors.js';
import { normalizeEmail } from '../../core/email.js';
import { holderName, type Company, type Holder } from '../../core/types.js';
import { senderAddress } from '../../mail/mailer.js';
import { CUSTOMER_TEMPLATES, customerMessage, type CustomerTemplate } from '../../mail/templates.js';
import { PLACEHOLDER_COMPANY_NAME } from '../../core/company-setup.js';
import type { CommandResult } from '../command-result.js';
import type { Context } from '../context.js';
import { checkRecipientMail, mailGate } from '../recipient-mail.js';
import { recipientMailCheck } from '../../core/recipient-mail-check.js';
import { requireWellFormed } from './reset.js';
import { resolveResetRecipient } from '../../core/reset-recipient.js';
import { messageMisfit } from '../../core/message-misfit.js';
import { messageOutcomeWords, sendCustomerMessage } from '../send-customer-message.js';

// An email that says "your Your company account" or "[link: ask … for it]" helps nobody.
function requireCompanySetUp(company: Company, template: CustomerTemplate): void {
  const missing = [
    company.name === PLACEHOLDER_COMPANY_NAME && '--name',
    (template === 'sign-in' || template === 'grant-access' || template === 'reset') && !company.signInUrl && '--sign-in-url',
    template === 'reset' && !company.resetUrl && '--reset-url',
  ].filter((flag): flag is string => typeof flag === 'string');
  if (missing.length > 0) {
    throw new UsageError(`Set the company's ${missing.join(', ')} first (enrollsy-help company set ${missing.map((flag) => `${flag} <…>`).join(' ')}), so the email says who it is from and where to sign in. Nothing was sent.`);
  }
}

function senderOrNull(env: NodeJS.ProcessEnv, company: Company): string | null {
  try {
    return senderAddress(env, company);
  } catch {
    return null;
  }
}

/** `message <email> --template …`: customer instructions to paste, or to email with --send. */
export async function runMessage(ctx: Context, email: string, options: { template: string; send?: boolean; allProviders?: boolean }): Promise<CommandResult> {
  if (!(CUSTOMER_TEMPLATES as readonly string[]).includes(options.template)) {
    throw new UsageError(`--template must be one of ${CUSTOMER_TEMPLATES.join(', ')}, got "${options.template}".`);
  }
  const template = options.template as CustomerTemplate;
  requireWellFormed(email);
  const store = await ctx.openStore();
  try {
    const company = await store.company();
    if (options.send) requireCompanySetUp(company, template);
    // Printing needs no sender; the text then names it in general words.
    const sender = options.send ? senderAddress(ctx.io.env, company) : senderOrNull(ctx.io.env, company) ?? '';
    // One read of everything about the address: its holders, and whom a reset would reach.
    const facts = await store.diagnoseFacts(email, ctx.clock.now());
    const holders = facts.holdersWithAddress;
    const accountCount = new Set(holders.map((h) => h.accountId)).size;
    // R1 and R3: advice about signing in helps only a holder whose login can work. Sending it to
    // anyone else is refused; printed text gets a warning, so the admin does not read it out as is.
    const misfit = messageMisfit(template, normalizeEmail(email), holders, resolveResetRecipient(facts));
    if (misfit && options.send) {
      const fix = accountCount > 1 ? ` Fix that first: enrollsy-help fix-conflict ${normalizeEmail(email)}.` : '';
      throw new ProblemError(`${misfit}${fix} Nothing was sent.`);
    }
    if (misfit) ctx.notice(`${ctx.err.yellow('!')} ${misfit}`);
    // grant-access is for the primary: only they can give a secondary holder login access.
    let recipient: Holder | undefined = holders[0];
    if (template === 'grant-access' && holders.length > 0) {
      const accountIds = [...new Set(holders.map((h) => h.accountId))];
      if (accountIds.length > 1) throw new ProblemError(`${normalizeEmail(email)} is in ${accountIds.length} accounts; fix that first (enrollsy-help fix-conflict), then send grant-access to the right primary.`);
      recipient = (await store.holdersOfAccounts(accountIds)).find((h) => h.role === 'primary');
      if (!recipient?.email && options.send) {
        throw new ProblemError(`The primary holder of account ${accountIds[0]} has no email address, so nothing was sent: run without --send and read or text the instructions to them.`);
      }
    }
    // null: the primary has no address (grant-access); the text is then read out or texted.
    const to = recipient ? recipient.email : email.trim();
    // Sending needs the domain to take mail; not-received advice needs to know whose mail it is.
    const mail =
      to === null || (!options.send && template !== 'not-received')
        ? null
        : options.send
          ? await mailGate(ctx, to, (why) => `${why}; nothing was sent. Correct the address in the account, or print the instructions (without --send) and give them another way.`)
          : await checkRecipientMail(ctx, to).then((found) => ({ mail: found, check: recipientMailCheck(found) }));
    const message = customerMessage(template, {
      company,
      recipientName: recipient ? holderName(recipient) : null,
      sender,
      mailProvider: mail?.mail.provider ?? null,
      allProviders: options.allProviders === true,
    });
    const json = {
      template,
      to,
      subject: message.subject,
      text: message.text,
      html: message.html,
      delivery: null as null | { transport: string; messageId: string },
      ...(mail ? { recipientMail: mail.check } : {}),
    };
    if (!options.send) {
      const note =
        recipient && recipient.emailKey !== normalizeEmail(email)
          ? `\n(For the primary holder, ${holderName(recipient)}${recipient.email ? ` <${recipient.email}>` : ', who has no email address on file: read it to them or send it by text'}.)`
          : '';
      if (holders.length === 0) {
        ctx.notice(`${ctx.err.yellow('!')} No holder uses ${normalizeEmail(email)}, so this text is not addressed to anyone on file. Check the address (enrollsy-help diagnose ${email.trim()}), or look the customer up: enrollsy-help find <name>.`);
      }
      return { exitCode: holders.length === 0 ? 1 : 0, json, text: `Subject: ${message.subject}\n\n${message.text}${note}` };
    }
    if (!recipient || to === null) throw new ProblemError(`No holder uses ${normalizeEmail(email)}; nothing was sent. Check the address with \`enrollsy-help diagnose ${email.trim()}\`.`);
    const outcome = await sendCustomerMessage(ctx, store, template, { ...recipient, email: to }, company, { mailProvider: mail?.mail.provider ?? null, allProviders: options.allProviders === true });
    json.delivery = { transport: outcome.sent.transport, messageId: outcome.sent.messageId };
    return { exitCode: 0, json, text: `${outcome.sent.transport === 'outbox' ? ctx.out.yellow('!') : ctx.out.green('✔')} ${messageOutcomeWords(outcome)}` };
  } finally {
    await store.close();
  }
}
