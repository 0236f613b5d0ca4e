import { UsageError } from '../../core/errors.js';
import { emailProblem, shortForMessage } from '../../core/email.js';
import { explainLink } from '../../core/explain-link.js';
import { resolveResetRecipient } from '../../core/reset-recipient.js';
import { foreignResetPage, tokenFromLinkOrToken } from '../../core/reset-token.js';
import type { CommandResult } from '../command-result.js';
import type { Context } from '../context.js';
import { mailGate } from '../recipient-mail.js';
import { issueAndDeliver, renderReset, resetJson } from '../reset-flow.js';

/** Refuses a malformed address for commands that act on it (exit 2). */
export function requireWellFormed(email: string, what = 'The address'): string {
  const problem = emailProblem(email);
  if (problem !== null) throw new UsageError(`${what} "${shortForMessage(email)}" is not valid: ${problem}. Nothing was changed.`);
  return email;
}

/** `reset <email>`: issues a reset link by the R3 rules and emails it (or only prints it with --no-send). */
export async function runReset(ctx: Context, email: string, options: { send?: boolean; force?: boolean }): Promise<CommandResult> {
  requireWellFormed(email);
  const send = options.send !== false;
  const store = await ctx.openStore();
  try {
    // Before anything is issued: an email to a domain that takes no mail can never arrive.
    // A link for texting (--no-send) needs no mail; the store's own refusals come from issuing.
    const decision = send ? resolveResetRecipient(await store.diagnoseFacts(email, ctx.clock.now())) : null;
    const gate = decision?.ok
      ? await mailGate(ctx, decision.email, (why) => `${why}; no reset link was issued. Correct the address in the account, or issue the link with --no-send and text it to the customer.`)
      : null;
    const outcome = await issueAndDeliver(ctx, store, email, { force: options.force === true, send });
    return { exitCode: 0, json: { ...resetJson(outcome), ...(gate ? { recipientMail: gate.check } : {}) }, text: renderReset(ctx, outcome) };
  } finally {
    await store.close();
  }
}

/** `reset verify <link-or-token>`: valid, expired, superseded, revoked or unknown, and in words what happened (exit 0 only when valid). */
export async function runResetVerify(ctx: Context, value: string): Promise<CommandResult> {
  const token = tokenFromLinkOrToken(value);
  if (token === null) {
    throw new UsageError(`"${shortForMessage(value, 60)}" is neither a reset link (…?token=…) nor a 43-character token. Paste the whole link.`);
  }
  const store = await ctx.openStore();
  try {
    const now = ctx.clock.now();
    const { status, link } = await store.verifyResetToken(token, now);
    const explanation = link === null ? 'no link with this token was issued from this store' : explainLink(link, now);
    // Whatever its token, a link that opens another page than the company's reset page is not ours to vouch for.
    const foreign = foreignResetPage(value, (await store.company()).resetUrl);
    const json = {
      status,
      accountId: link?.accountId ?? null,
      expiresAt: link?.expiresAt ?? null,
      issuedAt: link?.issuedAt ?? null,
      supersededAt: link?.supersededAt ?? null,
      supersededBy: link?.supersededBy ? (link.supersededBy.name ?? link.supersededBy.email) : null,
      revokedAt: link?.revokedAt ?? null,
      revokedReason: link?.revokedReason ?? null,
      explanation,
      foreignPage: foreign,
    };
    const account = `account ${link?.accountId}`;
    const text = {
      valid: `${ctx.out.green('✔ valid')}: ${account}; ${explanation}.`,
      expired: `${ctx.out.red('✖ expired')}: ${account}; ${explanation}. Issue a new one: enrollsy-help reset ${link?.recipientEmail}`,
      superseded: `${ctx.out.red('✖ superseded')}: ${account}; ${explanation}. The customer should use the newest email.`,
      revoked: `${ctx.out.red('✖ revoked')}: ${account}; ${explanation}. Check the address on file (enrollsy-help diagnose <address>), then issue a new link to it.`,
      unknown: `${ctx.out.red('✖ unknown')}: ${explanation} (check the link was copied whole).`,
    }[status];
    if (foreign !== null) {
      const warning = `${ctx.out.red('✖ not the company\'s reset page')}: this link opens ${foreign.linkPage}, not ${foreign.resetPage}. Tell the customer not to use it, and send a new link from here.`;
      const token = link === null ? `unknown (${explanation})` : `${status}, account ${link.accountId}; ${explanation}`;
      return { exitCode: 1, json, text: `${warning}\n  The token in it alone: ${token}.` };
    }
    return { exitCode: status === 'valid' ? 0 : 1, json, text };
  } finally {
    await store.close();
  }
}
