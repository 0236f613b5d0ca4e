import { UsageError } from '../../core/errors.js';
import { normalizeEmail, shortForMessage } from '../../core/email.js';
import { formatMoment } from '../../core/format-time.js';
import type { CommandResult } from '../command-result.js';
import type { Context } from '../context.js';

const ISO_DATE_OR_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Parses --since (an ISO 8601 date, or date and time) into the store's UTC ISO form. Without a
 * zone it means local time, as the audit list shows it: a date alone is local midnight.
 */
export function parseSince(value: string): string {
  const match = ISO_DATE_OR_TIME.exec(value.trim());
  const refuse = () =>
    new UsageError(`--since needs a real ISO 8601 date or time such as 2026-11-27 or 2026-11-27T09:30 (local) or 2026-11-27T09:30Z, got "${shortForMessage(value, 40)}".`);
  if (!match) throw refuse();
  const [, year, month, day, hour = '00', minute = '00', second = '00', zone] = match;
  const fields = [year, month, day, hour, minute, second].map(Number) as [number, number, number, number, number, number];
  // Date.parse would roll 2026-02-30 over into March; a real calendar date reads back unchanged.
  const probe = new Date(Date.UTC(fields[0], fields[1] - 1, fields[2], fields[3], fields[4], fields[5]));
  if (probe.getUTCMonth() !== fields[1] - 1 || probe.getUTCDate() !== fields[2] || probe.getUTCHours() !== fields[3] || probe.getUTCMinutes() !== fields[4]) throw refuse();
  const time = zone ? Date.parse(value.trim().replace(' ', 'T')) : new Date(fields[0], fields[1] - 1, fields[2], fields[3], fields[4], fields[5]).getTime();
  if (Number.isNaN(time)) throw refuse();
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
    const entries = await store.listAudit({ emailKey: options.email === undefined ? undefined : normalizeEmail(options.email), since });
    const json = { entries: entries.map(({ at, admin, action, accountId, details }) => ({ at, admin, action, accountId, details })) };
    // Entries from before the store recorded who acted show "(not recorded)".
    const who = (admin: string | null) => shortForMessage(admin ?? '(not recorded)', 20);
    const width = Math.max(0, ...entries.map((e) => who(e.admin).length));
    const text =
      entries.length === 0
        ? 'No audit entries match.'
        : entries
            .map((e) => `${formatMoment(new Date(e.at))}  ${who(e.admin).padEnd(width)}  ${ctx.out.bold(e.action.padEnd(24))} ${(e.accountId ?? '-').padEnd(8)} ${ctx.out.dim(summary(e.details))}`)
            .join('\n');
    return { exitCode: 0, json, text };
  } finally {
    await store.close();
  }
}
