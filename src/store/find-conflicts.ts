import type { Role } from '../core/types.js';
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

/** R1 conflicts (two or more accounts) and same-account repeats (allowed, shown as warnings). */
export interface ConflictFindings {
  conflicts: SharedAddress[];
  sharedWithinAccount: SharedAddress[];
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
function detailsFor(store: Store, keys: readonly string[]): ConflictFindings {
  const findings: ConflictFindings = { conflicts: [], sharedWithinAccount: [] };
  if (keys.length === 0) return findings;
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
    if (!current) return;
    (current.accounts.length > 1 ? findings.conflicts : findings.sharedWithinAccount).push(current);
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
  return findings;
}

/**
 * Scans the whole store in one pass over the (email_key, account_id) index: counts the distinct
 * addresses and collects the keys used more than once, then fetches only those keys' holders.
 */
export function scanAllConflicts(store: Store): ConflictFindings & { checked: number } {
  const row = store.sqlite
    .prepare(
      `select count(*) as checked, json_group_array(email_key) filter (where n > 1) as repeated
       from (select email_key, count(*) as n from holders where email_key is not null group by email_key)`,
    )
    .get() as { checked: number; repeated: string };
  return { checked: row.checked, ...detailsFor(store, JSON.parse(row.repeated) as string[]) };
}

/** Checks the given keys in one query: they travel as one JSON array and are probed through the index. */
export function checkConflicts(store: Store, keys: readonly string[]): ConflictFindings {
  const { repeated } = store.sqlite
    .prepare(
      `select json_group_array(email_key) as repeated from (
         select email_key from holders where email_key in (select value from json_each(?)) group by email_key having count(*) > 1)`,
    )
    .get(JSON.stringify(keys)) as { repeated: string };
  return detailsFor(store, JSON.parse(repeated) as string[]);
}
