import { gmailInbox, gmailLookAlikes } from '../core/gmail-inbox.js';
import type { Role } from '../core/types.js';

/** One account's holders of a shared address. */
export interface ConflictAccount {
  accountId: string;
  accountName: string;
  holders: { role: Role; name: string; email: string }[];
}

/** An address with the accounts that use it. */
export interface SharedAddress {
  normalizedEmail: string;
  accounts: ConflictAccount[];
}

/** Different addresses of two or more accounts that reach one Gmail inbox: no R1 conflict, one inbox. */
export interface LookAlikeAdvisory {
  /** The inbox they all reach (dots and +tags dropped, googlemail.com as gmail.com). */
  inbox: string;
  addresses: SharedAddress[];
}

/** R1 conflicts (two or more accounts), same-account repeats (allowed) and look-alike advisories. */
export interface ConflictFindings {
  conflicts: SharedAddress[];
  sharedWithinAccount: SharedAddress[];
  advisories: LookAlikeAdvisory[];
}

/**
 * A holder row of a shared address, as both engines' detail queries return it (ordered by key,
 * account, position): [email_key, account_id, account_name, role, first_name, last_name, email].
 * Arrays, not objects: a full scan at 1M holders reads ~30,000 of them.
 */
export type SharedAddressRow = [emailKey: string, accountId: string, accountName: string, role: Role, firstName: string, lastName: string, email: string];

/** Groups ordered detail rows into addresses and their accounts (shared by both engines). */
export function groupSharedAddresses(rows: readonly SharedAddressRow[]): SharedAddress[] {
  const found: SharedAddress[] = [];
  let current: SharedAddress | undefined;
  for (const [emailKey, accountId, accountName, role, firstName, lastName, email] of rows) {
    if (current?.normalizedEmail !== emailKey) {
      current = { normalizedEmail: emailKey, accounts: [] };
      found.push(current);
    }
    let account = current.accounts.at(-1);
    if (account?.accountId !== accountId) {
      account = { accountId, accountName, holders: [] };
      current.accounts.push(account);
    }
    account.holders.push({ role, name: `${firstName} ${lastName}`.trim() || '(no name)', email });
  }
  return found;
}

/**
 * The four set-based queries a conflict scan needs; each engine writes them its own way (SQLite
 * passes key lists as one JSON array, PostgreSQL as an array parameter). What the findings mean
 * is assembled once, below.
 */
export interface ConflictQueries {
  /**
   * How many distinct addresses the store holds, and every holder of an address used by more than
   * one holder, in one statement (the repeated keys never travel to JavaScript and back).
   */
  holdersOfRepeatedKeys(): Promise<{ checked: number; rows: SharedAddressRow[] }>;
  /**
   * Every holder of those of `keys` used by more than one holder, ordered like holdersOfKeys (the
   * check's probe and its details; on PostgreSQL one statement, so the repeated keys stay there).
   */
  holdersOfRepeatedAmong(keys: readonly string[]): Promise<SharedAddressRow[]>;
  /** Every holder of `keys`, ordered by key, account and position in the export. */
  holdersOfKeys(keys: readonly string[]): Promise<SharedAddressRow[]>;
  /** The stored Gmail keys that share an inbox with another stored key. */
  gmailKeysSharingAnInbox(): Promise<string[]>;
}

// R1 conflicts (two or more accounts) apart from addresses repeated within one account.
function sortShared(rows: readonly SharedAddressRow[]): Omit<ConflictFindings, 'advisories'> {
  const findings: Omit<ConflictFindings, 'advisories'> = { conflicts: [], sharedWithinAccount: [] };
  for (const shared of groupSharedAddresses(rows)) (shared.accounts.length > 1 ? findings.conflicts : findings.sharedWithinAccount).push(shared);
  return findings;
}

// The look-alike groups among `gmailKeys` (restricted to `inboxes` when given) that span two or more accounts.
async function lookAlikeAdvisories(queries: ConflictQueries, gmailKeys: readonly string[], inboxes?: ReadonlySet<string>): Promise<LookAlikeAdvisory[]> {
  const groups = [...gmailLookAlikes(gmailKeys)].filter(([inbox]) => inboxes === undefined || inboxes.has(inbox));
  if (groups.length === 0) return [];
  const byKey = new Map(groupSharedAddresses(await queries.holdersOfKeys(groups.flatMap(([, keys]) => keys))).map((shared) => [shared.normalizedEmail, shared]));
  const advisories: LookAlikeAdvisory[] = [];
  for (const [inbox, keys] of groups) {
    const addresses = keys.sort().map((key) => byKey.get(key)).filter((shared): shared is SharedAddress => shared !== undefined);
    if (new Set(addresses.flatMap((shared) => shared.accounts.map((a) => a.accountId))).size > 1) advisories.push({ inbox, addresses });
  }
  return advisories.sort((x, y) => (x.inbox < y.inbox ? -1 : x.inbox > y.inbox ? 1 : 0));
}

/**
 * The whole store: the keys used more than once come from one pass over the (email_key,
 * account_id) index, joined to their holders in the same statement. Advisories read the Gmail
 * keys from their own small index.
 */
export async function scanConflictsWith(queries: ConflictQueries, options: { advisories: boolean }): Promise<ConflictFindings & { checked: number }> {
  const { checked, rows } = await queries.holdersOfRepeatedKeys();
  return {
    checked,
    ...sortShared(rows),
    advisories: options.advisories ? await lookAlikeAdvisories(queries, await queries.gmailKeysSharingAnInbox()) : [],
  };
}

/** The given keys, probed through the index in one query; look-alikes only when a Gmail address was given. */
export async function checkConflictsWith(queries: ConflictQueries, keys: readonly string[], options: { advisories: boolean }): Promise<ConflictFindings> {
  const findings = sortShared(keys.length === 0 ? [] : await queries.holdersOfRepeatedAmong(keys));
  if (!options.advisories) return { ...findings, advisories: [] };
  const inboxes = new Set(keys.map(gmailInbox).filter((inbox): inbox is string => inbox !== null));
  const advisories = inboxes.size > 0 ? await lookAlikeAdvisories(queries, await queries.gmailKeysSharingAnInbox(), inboxes) : [];
  return { ...findings, advisories };
}
