import { UsageError } from '../../core/errors.js';
import { normalizeEmail, shortForMessage } from '../../core/email.js';
import { formatMoment } from '../../core/format-time.js';
import { listAudit } from '../../store/audit.js';
import type { CommandResult } from '../command-result.js';
import type { Context } from '../context.js';

const ISO_DATE_OR_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** Parses --since (an ISO 8601 date, or date and time) into the store's UTC ISO form. */
export function parseSince(value: string): string {
  const trimmed = value.trim();
  const time = ISO_DATE_OR_TIME.test(trimmed) ? Date.parse(trimmed.replace(' ', 'T')) : Number.NaN;
  if (Number.isNaN(time)) throw new UsageError(`--since needs an ISO 8601 date or time such as 2026-11-27 or 2026-11-27T09:30Z, got "${shortForMessage(value, 40)}".`);
  return new Date(time).toISOString();
}

function summary(details: Record<string, unknown>): string {
  return Object.entries(details)
    .filter(([, value]) => value !== null && value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join(' ');
}

/** `audit`: what was changed or issued, newest first (never tokens: none are stored). */
export async function runAudit(ctx: Context, options: { email?: string; since?: string }): Promise<CommandResult> {
  const since = options.since === undefined ? undefined : parseSince(options.since);
  const store = await ctx.openStore();
  try {
    const entries = await listAudit(store.db, { emailKey: options.email === undefined ? undefined : normalizeEmail(options.email), since });
    const json = { entries: entries.map(({ at, action, accountId, details }) => ({ at, action, accountId, details })) };
    const text =
      entries.length === 0
        ? 'No audit entries match.'
        : entries.map((e) => `${formatMoment(new Date(e.at))}  ${ctx.out.bold(e.action.padEnd(22))} ${(e.accountId ?? '-').padEnd(8)} ${ctx.out.dim(summary(e.details))}`).join('\n');
    return { exitCode: 0, json, text };
  } finally {
    await store.close();
  }
}
