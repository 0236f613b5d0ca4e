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
      // count(distinct) reads the covering index alone (~55 ms at 1M holders); the grouping
      // below stays inside SQLite, so the repeated keys are never a JSON list to parse and bind.
      const { checked } = sqlite.prepare('select count(distinct email_key) as checked from holders').get() as { checked: number };
      const rows = sqlite
        .prepare(
          `with repeated as (select email_key from holders where email_key is not null group by email_key having count(*) > 1)
           select h.email_key, h.account_id, a.name, h.role, h.first_name, h.last_name, h.email
           from repeated r join holders h on h.email_key = r.email_key join accounts a on a.id = h.account_id
           order by h.email_key, h.account_id, h.position`,
        )
        .raw()
        .all() as SharedAddressRow[];
      return { checked, rows };
    },
    // Two statements: the repeated keys are few, and the detail query reads them by index.
    async holdersOfRepeatedAmong(keys) {
      const { repeated } = sqlite
        .prepare(
          `select json_group_array(email_key) as repeated from (
             select email_key from holders where email_key in (select value from json_each(?)) group by email_key having count(*) > 1)`,
        )
        .get(JSON.stringify(keys)) as { repeated: string };
      return repeated === '[]' ? [] : this.holdersOfKeys(JSON.parse(repeated) as string[]);
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
