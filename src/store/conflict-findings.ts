import { gmailInbox, gmailLookAlikes } from '../core/gmail-inbox.js';
import type { RawJson } from '../core/raw-json.js';
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

/**
 * Shared addresses as the store found them: objects, or the JSON text the database wrote (SQLite's
 * full scan builds its ~5 MB document in SQL, so --json prints it without ~30,000 objects being
 * made, grouped and serialized first). Text, CSV and look-ups read `items`, parsed once.
 */
export class SharedAddressList implements RawJson {
  #items: SharedAddress[] | undefined;
  readonly #text: string | undefined;
  /** How many addresses the list holds (known without parsing). */
  readonly length: number;

  private constructor(items: SharedAddress[] | undefined, text: string | undefined, length: number) {
    this.#items = items;
    this.#text = text;
    this.length = length;
  }

  /** A list of objects already made. */
  static of(items: SharedAddress[]): SharedAddressList {
    return new SharedAddressList(items, undefined, items.length);
  }

  /** A list still in JSON text (an array of SharedAddress) of `length` addresses. */
  static fromJson(text: string, length: number): SharedAddressList {
    return new SharedAddressList(undefined, text, length);
  }

  /** The addresses as objects. */
  get items(): SharedAddress[] {
    this.#items ??= JSON.parse(this.#text ?? '[]') as SharedAddress[];
    return this.#items;
  }

  rawJson(): string {
    return this.#text ?? JSON.stringify(this.#items);
  }

  toJSON(): SharedAddress[] {
    return this.items;
  }
}

/** R1 conflicts (two or more accounts), same-account repeats (allowed) and look-alike advisories. */
export interface ConflictFindings {
  conflicts: SharedAddressList;
  sharedWithinAccount: SharedAddressList;
  advisories: LookAlikeAdvisory[];
}

/**
 * A holder row of a shared address, as both engines' detail queries return it (ordered by key,
 * account, position): [email_key, account_id, account_name, role, name, email], the name by
 * holderName's rule. Arrays, not objects: a check can read tens of thousands of them.
 */
export type SharedAddressRow = [emailKey: string, accountId: string, accountName: string, role: Role, name: string, email: string];

/** Groups ordered detail rows into addresses and their accounts (shared by both engines). */
export function groupSharedAddresses(rows: readonly SharedAddressRow[]): SharedAddress[] {
  const found: SharedAddress[] = [];
  let current: SharedAddress | undefined;
  for (const [emailKey, accountId, accountName, role, name, email] of rows) {
    if (current?.normalizedEmail !== emailKey) {
      current = { normalizedEmail: emailKey, accounts: [] };
      found.push(current);
    }
    let account = current.accounts.at(-1);
    if (account?.accountId !== accountId) {
      account = { accountId, accountName, holders: [] };
      current.accounts.push(account);
    }
    account.holders.push({ role, name, email });
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
   * How many distinct addresses the store holds, and every address used by more than one holder
   * with its holders: in two or more accounts (conflicts) or in one (allowed).
   */
  repeatedAddresses(): Promise<{ checked: number } & Omit<ConflictFindings, 'advisories'>>;
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

/** Detail rows sorted into R1 conflicts (two or more accounts) and addresses repeated within one account. */
export function sortShared(rows: readonly SharedAddressRow[]): Omit<ConflictFindings, 'advisories'> {
  const conflicts: SharedAddress[] = [];
  const sharedWithinAccount: SharedAddress[] = [];
  for (const shared of groupSharedAddresses(rows)) {
    if (shared.accounts.length > 1) conflicts.push(shared);
    // One holder left (a stale repeated_keys row, or the others' account gone): not shared.
    else if (shared.accounts[0]!.holders.length > 1) sharedWithinAccount.push(shared);
  }
  return { conflicts: SharedAddressList.of(conflicts), sharedWithinAccount: SharedAddressList.of(sharedWithinAccount) };
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

/** The whole store: every repeated address with its holders; advisories read the Gmail keys from their own small index. */
export async function scanConflictsWith(queries: ConflictQueries, options: { advisories: boolean }): Promise<ConflictFindings & { checked: number }> {
  return {
    ...(await queries.repeatedAddresses()),
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
