import type Database from 'better-sqlite3';
import { SharedAddressList, type ConflictQueries, type SharedAddressRow } from '../conflict-findings.js';
import { gmailInboxSql, gmailKeyPredicate, REPEATED_KEY_TRIGGERS, REPEATED_KEYS_OF_HOLDERS } from '../migrations.js';

// What String.prototype.trim removes (WhiteSpace and LineTerminator), as SQLite's trim() is told.
const TRIMMED = [0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff];

/** holderName's rule (src/core/holder-name.ts) in SQLite's SQL, over holders `h`: the scan writes names in SQL. */
export const HOLDER_NAME_SQL = `coalesce(nullif(trim(h.first_name || ' ' || h.last_name, char(${TRIMMED.join(', ')})), ''), '(no name)')`;

// The detail columns of SharedAddressRow, over holders h and accounts a. Text by cast: a value
// stored by hand as a BLOB would otherwise reach JSON as a Buffer, or fail json_object.
const DETAIL = `cast(h.email_key as text), cast(h.account_id as text), cast(a.name as text), h.role, ${HOLDER_NAME_SQL}, cast(h.email as text)`;

// Every repeated address as one JSON document per kind, built by SQLite: holders in file order
// within their account, accounts by id, addresses by key, as groupSharedAddresses orders them.
// The repeated keys come from repeated_keys, which triggers and the import keep exact (migration
// 0008), so the scan reads their holders by index instead of grouping every key; "cross join"
// keeps that order (without statistics the planner would rather walk the whole index).
// One statement, so the count of distinct addresses (the holders with an address, less the
// surplus holders of the repeated ones; count(*) reads only page headers) and the lists come
// from one snapshot. Holders whose account is gone (written with foreign keys off) count, but
// are not listed; an address left with one listed holder is not shared.
const repeatedAsJson = (repeated: string) => `
  with by_account as (
    select h.email_key as email_key, h.account_id as account_id, a.name as account_name, count(*) as holders_n,
      json_group_array(json_object('role', h.role, 'name', ${HOLDER_NAME_SQL}, 'email', cast(h.email as text)) order by h.position) as holders
    from ${repeated} r cross join holders h on h.email_key = r.email_key left join accounts a on a.id = h.account_id
    group by h.email_key, h.account_id),
  by_address as (
    select email_key, sum(holders_n) as holders_n,
      count(*) filter (where account_name is not null) as accounts,
      sum(holders_n) filter (where account_name is not null) as listed_n,
      json_object('normalizedEmail', cast(email_key as text), 'accounts',
        json_group_array(json_object('accountId', cast(account_id as text), 'accountName', cast(account_name as text), 'holders', json(holders)) order by account_id)
          filter (where account_name is not null)) as address
    from by_account group by email_key)
  select (select count(*) from holders) - (select count(*) from holders where email_key is null) - coalesce(sum(holders_n) - count(*), 0) as checked,
    count(*) filter (where accounts > 1) as conflicts,
    coalesce(json_group_array(json(address) order by email_key) filter (where accounts > 1), '[]') as conflicts_json,
    count(*) filter (where accounts = 1 and listed_n > 1) as shared,
    coalesce(json_group_array(json(address) order by email_key) filter (where accounts = 1 and listed_n > 1), '[]') as shared_json
  from by_address`;

// Should a trigger that keeps repeated_keys exact be gone (the schema edited by hand), the
// repeated keys are grouped from holders instead: slower, never stale.
function repeatedKeysSource(sqlite: Database.Database): string {
  const kept = sqlite
    .prepare(`select count(*) from sqlite_master where type = 'trigger' and tbl_name = 'holders' and name in (${REPEATED_KEY_TRIGGERS.map((name) => `'${name}'`).join(', ')})`)
    .pluck()
    .get() as number;
  return kept === REPEATED_KEY_TRIGGERS.length ? 'repeated_keys' : `(${REPEATED_KEYS_OF_HOLDERS})`;
}

/**
 * The conflict queries on SQLite, through better-sqlite3 directly (kysely prepares every
 * statement anew): key lists travel as one JSON array parameter read with json_each.
 */
export function sqliteConflictQueries(sqlite: Database.Database): ConflictQueries {
  return {
    async repeatedAddresses() {
      const found = sqlite.prepare(repeatedAsJson(repeatedKeysSource(sqlite))).get() as { checked: number; conflicts: number; conflicts_json: string; shared: number; shared_json: string };
      return {
        checked: found.checked,
        conflicts: SharedAddressList.fromJson(found.conflicts_json, found.conflicts),
        sharedWithinAccount: SharedAddressList.fromJson(found.shared_json, found.shared),
      };
    },
    // The given keys that repeated_keys holds, and their holders, in one statement.
    async holdersOfRepeatedAmong(keys) {
      return sqlite
        .prepare(
          `select ${DETAIL}
           from ${repeatedKeysSource(sqlite)} r cross join holders h on h.email_key = r.email_key join accounts a on a.id = h.account_id
           where r.email_key in (select value from json_each(?))
           order by h.email_key, h.account_id, h.position`,
        )
        .raw()
        .all(JSON.stringify(keys)) as SharedAddressRow[];
    },
    async holdersOfKeys(keys) {
      return sqlite
        .prepare(
          `select ${DETAIL}
           from holders h join accounts a on a.id = h.account_id
           where h.email_key in (select value from json_each(?))
           order by h.email_key, h.account_id, h.position`,
        )
        .raw()
        .all(JSON.stringify(keys)) as SharedAddressRow[];
    },
    // Read in inbox order from their partial index: only these few reach JavaScript, not every Gmail key.
    async gmailKeysSharingAnInbox() {
      const { groups } = sqlite
        .prepare(
          `select json_group_array(json(keys)) as groups from (
             select json_group_array(email_key) as keys from holders where ${gmailKeyPredicate('sqlite')}
             group by ${gmailInboxSql('sqlite')} having min(email_key) < max(email_key))`,
        )
        .get() as { groups: string };
      return (JSON.parse(groups) as string[][]).flat();
    },
  };
}
