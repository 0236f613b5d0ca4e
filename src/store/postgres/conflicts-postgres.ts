import { sql, type Kysely } from 'kysely';
import type { ConflictQueries, SharedAddressRow } from '../conflict-findings.js';
import { gmailInboxSql, gmailKeyPredicate } from '../migrations.js';
import type { StoreSchema } from '../schema.js';
import type { Role } from '../../core/types.js';

type DetailRow = { email_key: string; account_id: string; name: string; role: Role; first_name: string; last_name: string; email: string };
const asArray = (row: DetailRow): SharedAddressRow => [row.email_key, row.account_id, row.name, row.role, row.first_name, row.last_name, row.email];

/** The conflict queries on PostgreSQL: key lists travel as one text[] parameter (`= any($1)`). */
export function postgresConflictQueries(db: Kysely<StoreSchema>): ConflictQueries {
  return {
    async holdersOfRepeatedKeys() {
      const { rows: counted } = await sql<{ checked: number }>`select count(distinct email_key)::int as checked from holders`.execute(db);
      const { rows } = await sql<DetailRow>`
        with repeated as (select email_key from holders where email_key is not null group by email_key having count(*) > 1)
        select h.email_key, h.account_id, a.name, h.role, h.first_name, h.last_name, h.email
        from repeated r join holders h on h.email_key = r.email_key join accounts a on a.id = h.account_id
        order by h.email_key, h.account_id, h.position`.execute(db);
      return { checked: counted[0]?.checked ?? 0, rows: rows.map(asArray) };
    },
    async repeatedAmong(keys) {
      const { rows } = await sql<{ email_key: string }>`
        select email_key from holders where email_key = any(${[...keys]}::text[])
        group by email_key having count(*) > 1 order by email_key`.execute(db);
      return rows.map((row) => row.email_key);
    },
    async holdersOfKeys(keys) {
      const { rows } = await sql<DetailRow>`
        select h.email_key, h.account_id, a.name, h.role, h.first_name, h.last_name, h.email
        from holders h join accounts a on a.id = h.account_id
        where h.email_key = any(${[...keys]}::text[])
        order by h.email_key, h.account_id, h.position`.execute(db);
      return rows.map(asArray);
    },
    async gmailKeysSharingAnInbox() {
      const { rows } = await sql<{ keys: string[] }>`
        select array_agg(email_key order by email_key) as keys from holders where ${sql.raw(gmailKeyPredicate('postgres'))}
        group by ${sql.raw(gmailInboxSql('postgres'))} having min(email_key) < max(email_key)`.execute(db);
      return rows.flatMap((row) => row.keys);
    },
  };
}
