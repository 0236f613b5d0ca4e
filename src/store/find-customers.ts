import { sql, type Kysely } from 'kysely';
import { nameKey } from '../core/name-key.js';
import type { Holder } from '../core/types.js';
import { findHoldersOfAccounts } from './holders.js';
import type { StoreSchema } from './schema.js';

/** An account found by `findCustomers`, with all its holders in the export's order. */
export interface CustomerMatch {
  accountId: string;
  accountName: string;
  /** Why it matched: its id, or the name of one or more of its holders. */
  matchedBy: 'account-id' | 'name';
  holders: Holder[];
  /** Which of `holders` matched the name (same order); all false for an id match. */
  nameMatches: boolean[];
}

/** What a search found; `truncated` when more accounts matched than `limit`. */
export interface CustomerSearch {
  query: string;
  accounts: CustomerMatch[];
  truncated: boolean;
}

/** The words of a query, each matched as the start of a word of a holder's name. */
export function nameQueryWords(query: string): string[] {
  return nameKey(query).split(' ').filter((word) => word !== '');
}

/** True when every query word starts a word of the name (what the SQL below selects). */
export function nameMatches(words: readonly string[], holder: Pick<Holder, 'firstName' | 'lastName'>): boolean {
  const key = ` ${nameKey(holder.firstName, holder.lastName)}`;
  return words.length > 0 && words.every((word) => key.includes(` ${word}`));
}

/** Stored account ids equal to `typed` as given, upper- or lower-cased (case variants are folded in TypeScript; the primary key is searched as is). */
export async function accountIdsLike(db: Kysely<StoreSchema>, typed: string): Promise<string[]> {
  const trimmed = typed.trim();
  if (trimmed === '') return [];
  const rows = await db.selectFrom('accounts').select('id').where('id', 'in', [...new Set([trimmed, trimmed.toUpperCase(), trimmed.toLowerCase()])]).execute();
  return rows.map((row) => row.id).sort();
}

/**
 * Finds customers by account id (exact, or in another letter case) or by holders' names
 * (case- and accent-insensitive: "nguyen" finds "Nguyễn"; each word of the query must start a
 * word of the name, in any order). Names are compared through the stored name key, computed
 * in TypeScript; SQL only compares it.
 */
export async function findCustomers(db: Kysely<StoreSchema>, query: string, limit = 20): Promise<CustomerSearch> {
  const trimmed = query.trim();
  const idMatches = await accountIdsLike(db, trimmed);
  const words = nameQueryWords(trimmed);
  let nameIds: string[] = [];
  if (words.length > 0) {
    let search = db.selectFrom('holders').select('account_id').distinct();
    // A word starts a word of the name: ' ' || name_key contains ' ' || word. LIKE with its
    // wildcards escaped, which both engines read alike; no case folding in SQL (the key is folded already).
    for (const word of words) {
      const pattern = `% ${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      search = search.where(sql<boolean>`(' ' || name_key) like ${pattern} escape '\\'`);
    }
    const rows = await search.orderBy('account_id').limit(limit + 1).execute();
    nameIds = rows.map((row) => row.account_id).filter((id) => !idMatches.includes(id));
  }
  const ids = [...idMatches, ...nameIds];
  const truncated = ids.length > limit;
  const shown = ids.slice(0, limit);
  const holders = await findHoldersOfAccounts(db, shown);
  const accounts = shown.map((accountId): CustomerMatch => {
    const own = holders.filter((h) => h.accountId === accountId);
    const byName = !idMatches.includes(accountId);
    return {
      accountId,
      accountName: own[0]?.accountName ?? '',
      matchedBy: byName ? 'name' : 'account-id',
      holders: own,
      nameMatches: own.map((h) => byName && nameMatches(words, h)),
    };
  });
  return { query: trimmed, accounts, truncated };
}
