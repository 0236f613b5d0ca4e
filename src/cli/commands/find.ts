import { Command, Option } from '@commander-js/extra-typings';
import { UsageError } from '../../core/errors.js';
import { shortForMessage } from '../../core/email.js';
import { holderName } from '../../core/types.js';
import type { CustomerSearch } from '../../store/find-customers.js';
import type { CommandResult } from '../command-result.js';
import type { Context } from '../context.js';
import { positiveInt } from '../options/positive-int.js';

/** `find`'s arguments and flags; the handler's types are inferred from them. */
export function findCommand() {
  return new Command('find')
    .description('find a customer by name or account id (capitals and accents ignored): matching accounts with their holders')
    .argument('<name-or-account-id...>', 'a name ("maria smith", "nguyen"), part of one, or an account id')
    .addOption(new Option('--limit <n>', 'show at most this many accounts').default(20).argParser(positiveInt('--limit')));
}

/** Flags of `find`, as commander parses them. */
export type FindOptions = ReturnType<ReturnType<typeof findCommand>['opts']>;

/** The JSON document of `find` (also what the walkthrough shows when an address is unknown). */
export function searchJson(search: CustomerSearch) {
  return {
    query: search.query,
    accounts: search.accounts.map((account) => ({
      accountId: account.accountId,
      accountName: account.accountName,
      matchedBy: account.matchedBy,
      holders: account.holders.map((h, i) => ({ role: h.role, name: holderName(h), email: h.email, loginAccess: h.role === 'secondary' ? h.loginAccess : true, matched: account.nameMatches[i]! })),
    })),
    truncated: search.truncated,
  };
}

/** The accounts found, one block each, the matching holders in bold. */
export function renderSearch(ctx: Context, search: CustomerSearch): string {
  if (search.accounts.length === 0) return `No account id or holder name matches "${shortForMessage(search.query)}".`;
  const lines: string[] = [];
  for (const account of search.accounts) {
    lines.push(`${ctx.out.bold(`${account.accountName} (${account.accountId})`)}${account.matchedBy === 'account-id' ? ctx.out.dim('  (account id)') : ''}`);
    account.holders.forEach((h, i) => {
      const access = h.role === 'primary' ? '' : h.loginAccess ? ', login access' : ', no login access';
      const line = `    ${h.role.padEnd(9)} ${holderName(h)} <${h.email ?? 'no email'}>${access}`;
      lines.push(account.nameMatches[i] ? ctx.out.bold(line) : line);
    });
  }
  const n = search.accounts.length;
  lines.push('', `${n} account${n === 1 ? '' : 's'}${search.truncated ? ` shown; more match: narrow the search or raise --limit` : ''}. Next: enrollsy-help diagnose <email>.`);
  return lines.join('\n');
}

/** `find <name or account id>`: exit 0 when something matches, 1 when nothing does. */
export async function runFind(ctx: Context, words: string[], options: FindOptions): Promise<CommandResult> {
  const query = words.join(' ').trim();
  if (query === '') throw new UsageError('Give a name or an account id to look for.');
  const store = await ctx.openStore();
  try {
    const { findCustomers } = await import('../../store/find-customers.js');
    const search = await store.findCustomers(query, options.limit);
    return { exitCode: search.accounts.length > 0 ? 0 : 1, json: searchJson(search), text: renderSearch(ctx, search) };
  } finally {
    await store.close();
  }
}
