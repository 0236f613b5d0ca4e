import type Database from 'better-sqlite3';
import type { ConflictQueries, SharedAddressRow } from '../conflict-findings.js';
import { gmailInboxSql, gmailKeyPredicate } from '../migrations.js';

/**
 * The conflict queries on SQLite, through better-sqlite3 directly (kysely prepares every
 * statement anew): key lists travel as one JSON array parameter read with json_each.
 */
export function sqliteConflictQueries(sqlite: Database.Database): ConflictQueries {
  return {
    async holdersOfRepeatedKeys() {
      // count(distinct) reads the covering index alone (~55 ms at 1M holders). The repeated keys
      // come from repeated_keys, which triggers and the import keep exact (migration 0008), so the
      // scan reads their holders by index instead of grouping every key; "cross join" keeps that
      // order (the planner, without statistics, would rather walk the whole index).
      const { checked } = sqlite.prepare('select count(distinct email_key) as checked from holders').get() as { checked: number };
      const rows = sqlite
        .prepare(
          `select h.email_key, h.account_id, a.name, h.role, h.first_name, h.last_name, h.email
           from repeated_keys r cross join holders h on h.email_key = r.email_key join accounts a on a.id = h.account_id
           order by h.email_key, h.account_id, h.position`,
        )
        .raw()
        .all() as SharedAddressRow[];
      return { checked, rows };
    },
    // The given keys that repeated_keys holds, and their holders, in one statement.
    async holdersOfRepeatedAmong(keys) {
      return sqlite
        .prepare(
          `select h.email_key, h.account_id, a.name, h.role, h.first_name, h.last_name, h.email
           from repeated_keys r cross join holders h on h.email_key = r.email_key join accounts a on a.id = h.account_id
           where r.email_key in (select value from json_each(?))
           order by h.email_key, h.account_id, h.position`,
        )
        .raw()
        .all(JSON.stringify(keys)) as SharedAddressRow[];
    },
    async holdersOfKeys(keys) {
      return sqlite
        .prepare(
          `select h.email_key, h.account_id, a.name, h.role, h.first_name, h.last_name, h.email
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
