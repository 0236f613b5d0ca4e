import type Database from 'better-sqlite3';
import { holderNameSql, SharedAddressList, type ConflictQueries, type SharedAddressRow } from '../conflict-findings.js';
import { gmailInboxSql, gmailKeyPredicate, REPEATED_KEY_TRIGGERS, REPEATED_KEYS_OF_HOLDERS } from '../migrations.js';

const HOLDER_NAME = holderNameSql('sqlite');
// The detail columns of SharedAddressRow, over holders h and accounts a.
const DETAIL = `h.email_key, h.account_id, a.name, h.role, ${HOLDER_NAME}, h.email`;

// Every repeated address as one JSON document per kind, built by SQLite: holders in file order
// within their account, accounts by id, addresses by key, as groupSharedAddresses orders them.
// The repeated keys come from repeated_keys, which triggers and the import keep exact (migration
// 0008), so the scan reads their holders by index instead of grouping every key; "cross join"
// keeps that order (without statistics the planner would rather walk the whole index).
const repeatedAsJson = (repeated: string) => `
  with by_account as (
    select h.email_key as email_key, h.account_id as account_id, a.name as account_name, count(*) as holders_n,
      json_group_array(json_object('role', h.role, 'name', ${HOLDER_NAME}, 'email', h.email) order by h.position) as holders
    from ${repeated} r cross join holders h on h.email_key = r.email_key join accounts a on a.id = h.account_id
    group by h.email_key, h.account_id),
  by_address as (
    select email_key, count(*) as accounts, sum(holders_n) as holders_n,
      json_object('normalizedEmail', email_key, 'accounts',
        json_group_array(json_object('accountId', account_id, 'accountName', account_name, 'holders', json(holders)) order by account_id)) as address
    from by_account group by email_key)
  select coalesce(sum(holders_n) - count(*), 0) as surplus,
    count(*) filter (where accounts > 1) as conflicts,
    coalesce(json_group_array(json(address) order by email_key) filter (where accounts > 1), '[]') as conflicts_json,
    count(*) filter (where accounts = 1) as shared,
    coalesce(json_group_array(json(address) order by email_key) filter (where accounts = 1), '[]') as shared_json
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
      // Distinct addresses without count(distinct) (~60 ms of index reading at 1M holders): the
      // holders with an address, less the surplus holders of the repeated ones. count(*) reads
      // only page headers, and the holders without an address are one range of the key index.
      const { withAddress } = sqlite
        .prepare('select (select count(*) from holders) - (select count(*) from holders where email_key is null) as withAddress')
        .get() as { withAddress: number };
      const found = sqlite.prepare(repeatedAsJson(repeatedKeysSource(sqlite))).get() as { surplus: number; conflicts: number; conflicts_json: string; shared: number; shared_json: string };
      return {
        checked: withAddress - found.surplus,
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
