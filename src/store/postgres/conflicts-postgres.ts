import { sql, type Kysely } from 'kysely';
import type { ConflictQueries, SharedAddressRow } from '../conflict-findings.js';
import { gmailInboxSql, gmailKeyPredicate } from '../migrations.js';
import type { StoreSchema } from '../schema.js';

/** The conflict queries on PostgreSQL: key lists travel as one text[] parameter (`= any($1)`). */
export function postgresConflictQueries(db: Kysely<StoreSchema>): ConflictQueries {
  return {
    async repeatedKeys() {
      const { rows } = await sql<{ checked: number; repeated: string[] | null }>`
        select count(*)::int as checked, array_agg(email_key order by email_key) filter (where n > 1) as repeated
        from (select email_key, count(*) as n from holders where email_key is not null group by email_key) as keys`.execute(db);
      return { checked: rows[0]?.checked ?? 0, repeated: rows[0]?.repeated ?? [] };
    },
    async repeatedAmong(keys) {
      const { rows } = await sql<{ email_key: string }>`
        select email_key from holders where email_key = any(${[...keys]}::text[])
        group by email_key having count(*) > 1 order by email_key`.execute(db);
      return rows.map((row) => row.email_key);
    },
    async holdersOfKeys(keys) {
      const { rows } = await sql<SharedAddressRow>`
        select h.email_key, h.account_id, a.name as account_name, h.role, h.first_name, h.last_name, h.email
        from holders h join accounts a on a.id = h.account_id
        where h.email_key = any(${[...keys]}::text[])
        order by h.email_key, h.account_id, h.position`.execute(db);
      return rows;
    },
    async gmailKeysSharingAnInbox() {
      const { rows } = await sql<{ keys: string[] }>`
        select array_agg(email_key order by email_key) as keys from holders where ${sql.raw(gmailKeyPredicate('postgres'))}
        group by ${sql.raw(gmailInboxSql('postgres'))} having min(email_key) < max(email_key)`.execute(db);
      return rows.flatMap((row) => row.keys);
    },
  };
}
