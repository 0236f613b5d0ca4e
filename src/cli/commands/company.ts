import { UsageError } from '../../core/errors.js';
import { shortForMessage, UNPRINTABLE } from '../../core/email.js';
import type { Company } from '../../core/types.js';
import type { CommandResult } from '../command-result.js';
import type { Context } from '../context.js';
import { checkEmailOption, checkUrl } from '../options/url-option.js';
import { embedSnippet } from '../../core/embed-snippet.js';
import { canonicalTimeZone } from '../../core/time-zone.js';
import { machineTimeZone } from '../../ui/machine-time-zone.js';

/** Flags of `company set` (and of `init`). */
export interface CompanySetOptions {
  name?: string;
  signInUrl?: string;
  resetUrl?: string;
  sender?: string;
  embed?: string;
  timeZone?: string;
}

/** Validates company flags into settings changes (exit 2 on a bad link or address). */
export function companyChanges(options: CompanySetOptions): Partial<Company> {
  if (options.name !== undefined && options.name.trim() === '') throw new UsageError('--name cannot be empty: customers see it in every email.');
  // Settings reach every email and terminal: control characters (escape sequences) have no place in them.
  if (options.name !== undefined && UNPRINTABLE.test(options.name)) {
    throw new UsageError(`--name contains a control or invisible character ("${shortForMessage(options.name, 40)}"); type the name as customers should see it.`);
  }
  if (options.embed !== undefined && UNPRINTABLE.test(options.embed.replace(/[\t\r\n]/g, ' '))) {
    throw new UsageError(`--embed contains a control or invisible character ("${shortForMessage(options.embed, 40)}"); paste the snippet from "My Company" as it is.`);
  }
  const changes: Partial<Company> = {
    name: options.name?.trim(),
    signInUrl: checkUrl('--sign-in-url', options.signInUrl),
    resetUrl: checkUrl('--reset-url', options.resetUrl),
    sender: checkEmailOption('--sender', options.sender),
    embedHtml: options.embed,
    timeZone: checkTimeZone(options.timeZone),
  };
  return Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
}

/** An IANA zone name as Intl spells it; exit 2 for one Intl does not know. */
function checkTimeZone(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const zone = canonicalTimeZone(value);
  if (zone === null) throw new UsageError(`--time-zone "${shortForMessage(value, 40)}" is not a time zone this system knows; give an IANA name such as Europe/Berlin or America/New_York.`);
  return zone;
}

/** Renders the settings as aligned lines. */
export function renderCompany(ctx: Context, company: Company): string {
  const unset = ctx.out.dim('(not set)');
  return [
    `Company:                      ${company.name}`,
    `Account Sign-In link:         ${company.signInUrl ?? unset}`,
    `Account Password Reset link:  ${company.resetUrl ?? unset}`,
    `Sender address:               ${company.sender ?? unset}`,
    `Website embed:                ${company.embedHtml ? 'custom snippet' : company.signInUrl ? 'generated from the sign-in link' : unset}`,
    `Time zone of emails:          ${company.timeZone ?? `${machineTimeZone()} ${ctx.out.dim("(this machine's; not set)")}`}`,
  ].join('\n');
}

function companyJson(company: Company) {
  return { name: company.name, signInUrl: company.signInUrl, resetUrl: company.resetUrl, sender: company.sender, embed: embedSnippet(company), timeZone: company.timeZone ?? null };
}

/** `company show`. */
export async function runCompanyShow(ctx: Context): Promise<CommandResult> {
  const store = await ctx.openStore();
  try {
    const company = await store.company();
    return { exitCode: 0, json: companyJson(company), text: renderCompany(ctx, company) };
  } finally {
    await store.close();
  }
}

/** `company set`: changes the given settings, audit-logged. */
export async function runCompanySet(ctx: Context, options: CompanySetOptions): Promise<CommandResult> {
  const changes = companyChanges(options);
  if (Object.keys(changes).length === 0) {
    throw new UsageError('Nothing to change: give at least one of --name, --sign-in-url, --reset-url, --sender, --embed, --time-zone.');
  }
  const store = await ctx.openStore();
  try {
    const now = ctx.clock.now();
    const company = await store.setCompany(changes, now);
    return { exitCode: 0, json: companyJson(company), text: `${ctx.out.green('✔')} Company settings saved.\n${renderCompany(ctx, company)}` };
  } finally {
    await store.close();
  }
}
