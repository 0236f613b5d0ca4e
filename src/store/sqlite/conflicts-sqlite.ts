import type Database from 'better-sqlite3';
import type { ConflictQueries, SharedAddressRow } from '../conflict-findings.js';
import { gmailInboxSql, gmailKeyPredicate } from '../migrations.js';

/**
 * The conflict queries on SQLite, through better-sqlite3 directly (kysely prepares every
 * statement anew): key lists travel as one JSON array parameter read with json_each.
 */
export function sqliteConflictQueries(sqlite: Database.Database): ConflictQueries {
  return {
    async repeatedKeys() {
      const row = sqlite
        .prepare(
          `select count(*) as checked, json_group_array(email_key) filter (where n > 1) as repeated
           from (select email_key, count(*) as n from holders where email_key is not null group by email_key)`,
        )
        .get() as { checked: number; repeated: string };
      return { checked: row.checked, repeated: JSON.parse(row.repeated) as string[] };
    },
    async repeatedAmong(keys) {
      const { repeated } = sqlite
        .prepare(
          `select json_group_array(email_key) as repeated from (
             select email_key from holders where email_key in (select value from json_each(?)) group by email_key having count(*) > 1)`,
        )
        .get(JSON.stringify(keys)) as { repeated: string };
      return JSON.parse(repeated) as string[];
    },
    async holdersOfKeys(keys) {
      return sqlite
        .prepare(
          `select h.email_key, h.account_id, a.name as account_name, h.role, h.first_name, h.last_name, h.email
           from holders h join accounts a on a.id = h.account_id
           where h.email_key in (select value from json_each(?))
           order by h.email_key, h.account_id, h.position`,
        )
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
