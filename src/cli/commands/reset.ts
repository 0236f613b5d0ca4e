import { UsageError } from '../../core/errors.js';
import { emailProblem, shortForMessage } from '../../core/email.js';
import { formatDuration, formatMoment } from '../../core/format-time.js';
import { tokenFromLinkOrToken } from '../../core/reset-token.js';
import { verifyResetToken } from '../../store/reset-links.js';
import type { CommandResult } from '../command-result.js';
import type { Context } from '../context.js';
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
  const store = await ctx.openStore();
  try {
    const outcome = await issueAndDeliver(ctx, store, email, { force: options.force === true, send: options.send !== false });
    return { exitCode: 0, json: resetJson(outcome), text: renderReset(ctx, outcome) };
  } finally {
    await store.close();
  }
}

/** `reset verify <link-or-token>`: valid, expired, superseded or unknown (exit 0 only when valid). */
export async function runResetVerify(ctx: Context, value: string): Promise<CommandResult> {
  const token = tokenFromLinkOrToken(value);
  if (token === null) {
    throw new UsageError(`"${shortForMessage(value, 60)}" is neither a reset link (…?token=…) nor a 43-character token. Paste the whole link.`);
  }
  const store = await ctx.openStore();
  try {
    const now = ctx.clock.now();
    const result = await verifyResetToken(store.db, token, now);
    const json = { status: result.status, accountId: result.accountId, expiresAt: result.expiresAt, issuedAt: result.issuedAt, supersededAt: result.supersededAt };
    const when = (iso: string | null) => (iso === null ? '' : formatMoment(new Date(iso)));
    const text = {
      valid: `${ctx.out.green('✔ valid')}: account ${result.accountId}, sent to ${result.recipientEmail}; works until ${when(result.expiresAt)} (${formatDuration(Date.parse(result.expiresAt ?? '') - now.getTime())} left).`,
      expired: `${ctx.out.red('✖ expired')}: account ${result.accountId}; it stopped working at ${when(result.expiresAt)} (links last 2 hours). Issue a new one: enrollsy-help reset ${result.recipientEmail}`,
      superseded: `${ctx.out.red('✖ superseded')}: account ${result.accountId}; a newer link was issued ${when(result.supersededAt)}, and only the newest link works. The customer should use the latest email.`,
      unknown: `${ctx.out.red('✖ unknown')}: no link with this token was issued from this store (check the link was copied whole).`,
    }[result.status];
    return { exitCode: result.status === 'valid' ? 0 : 1, json, text };
  } finally {
    await store.close();
  }
}
