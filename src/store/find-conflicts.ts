import { gmailInbox, gmailLookAlikes } from '../core/gmail-inbox.js';
import type { Role } from '../core/types.js';
import { GMAIL_INBOX_SQL, GMAIL_KEY_PREDICATE } from './migrations.js';
import type { Store } from './open-store.js';

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

interface DetailRow {
  email_key: string;
  account_id: string;
  account_name: string;
  role: Role;
  first_name: string;
  last_name: string;
  email: string;
}

// Details for a set of keys in one indexed join; the keys travel as one JSON array parameter.
function holdersOfKeys(store: Store, keys: readonly string[]): SharedAddress[] {
  const found: SharedAddress[] = [];
  if (keys.length === 0) return found;
  const rows = store.sqlite
    .prepare(
      `select h.email_key, h.account_id, a.name as account_name, h.role, h.first_name, h.last_name, h.email
       from holders h join accounts a on a.id = h.account_id
       where h.email_key in (select value from json_each(?))
       order by h.email_key, h.account_id, h.position`,
    )
    .all(JSON.stringify(keys)) as DetailRow[];
  let current: SharedAddress | undefined;
  const flush = () => {
    if (current) found.push(current);
  };
  for (const row of rows) {
    if (current?.normalizedEmail !== row.email_key) {
      flush();
      current = { normalizedEmail: row.email_key, accounts: [] };
    }
    let account = current.accounts.at(-1);
    if (account?.accountId !== row.account_id) {
      account = { accountId: row.account_id, accountName: row.account_name, holders: [] };
      current.accounts.push(account);
    }
    account.holders.push({ role: row.role, name: `${row.first_name} ${row.last_name}`.trim() || '(no name)', email: row.email });
  }
  flush();
  return found;
}

function detailsFor(store: Store, keys: readonly string[]): Omit<ConflictFindings, 'advisories'> {
  const findings: Omit<ConflictFindings, 'advisories'> = { conflicts: [], sharedWithinAccount: [] };
  for (const shared of holdersOfKeys(store, keys)) (shared.accounts.length > 1 ? findings.conflicts : findings.sharedWithinAccount).push(shared);
  return findings;
}

// The Gmail keys that share an inbox with another key, read in inbox order from their partial
// index (migration 0006): only these few reach JavaScript, not every Gmail key in the store.
function storedGmailKeys(store: Store): string[] {
  const { groups } = store.sqlite
    .prepare(
      `select json_group_array(json(keys)) as groups from (
         select json_group_array(email_key) as keys from holders where ${GMAIL_KEY_PREDICATE}
         group by ${GMAIL_INBOX_SQL} having min(email_key) < max(email_key))`,
    )
    .get() as { groups: string };
  return (JSON.parse(groups) as string[][]).flat();
}

// The look-alike groups among `gmailKeys` (restricted to `inboxes` when given) that span two or more accounts.
function lookAlikeAdvisories(store: Store, gmailKeys: readonly string[], inboxes?: ReadonlySet<string>): LookAlikeAdvisory[] {
  const groups = [...gmailLookAlikes(gmailKeys)].filter(([inbox]) => inboxes === undefined || inboxes.has(inbox));
  if (groups.length === 0) return [];
  const byKey = new Map(holdersOfKeys(store, groups.flatMap(([, keys]) => keys)).map((shared) => [shared.normalizedEmail, shared]));
  const advisories: LookAlikeAdvisory[] = [];
  for (const [inbox, keys] of groups) {
    const addresses = keys.sort().map((key) => byKey.get(key)).filter((shared): shared is SharedAddress => shared !== undefined);
    if (new Set(addresses.flatMap((shared) => shared.accounts.map((a) => a.accountId))).size > 1) advisories.push({ inbox, addresses });
  }
  return advisories.sort((x, y) => (x.inbox < y.inbox ? -1 : x.inbox > y.inbox ? 1 : 0));
}

/**
 * Scans the whole store in one pass over the (email_key, account_id) index: counts the distinct
 * addresses and collects the keys used more than once, then fetches only those keys' holders.
 * Advisories read the Gmail keys from their own small index.
 */
export function scanAllConflicts(store: Store, options: { advisories?: boolean } = {}): ConflictFindings & { checked: number } {
  const row = store.sqlite
    .prepare(
      `select count(*) as checked, json_group_array(email_key) filter (where n > 1) as repeated
       from (select email_key, count(*) as n from holders where email_key is not null group by email_key)`,
    )
    .get() as { checked: number; repeated: string };
  return {
    checked: row.checked,
    ...detailsFor(store, JSON.parse(row.repeated) as string[]),
    advisories: options.advisories === false ? [] : lookAlikeAdvisories(store, storedGmailKeys(store)),
  };
}

/** Checks the given keys in one query: they travel as one JSON array and are probed through the index. */
export function checkConflicts(store: Store, keys: readonly string[], options: { advisories?: boolean } = {}): ConflictFindings {
  const { repeated } = store.sqlite
    .prepare(
      `select json_group_array(email_key) as repeated from (
         select email_key from holders where email_key in (select value from json_each(?)) group by email_key having count(*) > 1)`,
    )
    .get(JSON.stringify(keys)) as { repeated: string };
  return { ...detailsFor(store, JSON.parse(repeated) as string[]), advisories: options.advisories === false ? [] : givenLookAlikes(store, keys) };
}

// Look-alikes of the given Gmail addresses: one pass over the stored Gmail keys, only when any was given.
function givenLookAlikes(store: Store, keys: readonly string[]): LookAlikeAdvisory[] {
  const inboxes = new Set(keys.map(gmailInbox).filter((inbox): inbox is string => inbox !== null));
  return inboxes.size === 0 ? [] : lookAlikeAdvisories(store, storedGmailKeys(store), inboxes);
}
