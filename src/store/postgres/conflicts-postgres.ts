import { sql, type Kysely } from 'kysely';
import { holderName } from '../../core/holder-name.js';
import { sortShared, type ConflictQueries, type SharedAddressRow } from '../conflict-findings.js';
import { gmailInboxSql, gmailKeyPredicate } from '../migrations.js';
import type { StoreSchema } from '../schema.js';
import type { Role } from '../../core/types.js';

type DetailRow = { email_key: string; account_id: string; account_name: string; role: Role; first_name: string; last_name: string; email: string };
// Names are made here, not in SQL: the trim rule's Unicode spaces written as E'\u…' escapes would
// fail on a database whose encoding is not UTF8.
const asArray = (row: DetailRow): SharedAddressRow => [row.email_key, row.account_id, row.account_name, row.role, holderName(row.first_name, row.last_name), row.email];
// The detail columns of DetailRow, over holders h and accounts a.
const DETAIL = sql.raw('h.email_key, h.account_id, a.name as account_name, h.role, h.first_name, h.last_name, h.email');

/** The conflict queries on PostgreSQL: key lists travel as one text[] parameter. */
export function postgresConflictQueries(db: Kysely<StoreSchema>): ConflictQueries {
  return {
    async repeatedAddresses() {
      // Grouped on the key index, not count(distinct), which sorts every key (~0.12 s against
      // ~0.6 s at 1M holders).
      const { rows: counted } = await sql<{ checked: number }>`
        select count(*)::int as checked from (select email_key from holders where email_key is not null group by email_key) as k`.execute(db);
      // The repeated keys' holders by index (`offset 0` keeps that a nested loop): left to its
      // guess of how many keys repeat, the planner hashes every holder and, in parallel, groups
      // the whole index once per worker.
      const { rows } = await sql<DetailRow>`
        with repeated as materialized (select email_key from holders where email_key is not null group by email_key having count(*) > 1)
        select ${DETAIL}
        from repeated r cross join lateral (select * from holders h where h.email_key = r.email_key offset 0) h
        join accounts a on a.id = h.account_id
        order by h.email_key, h.account_id, h.position`.execute(db);
      return { checked: counted[0]?.checked ?? 0, ...sortShared(rows.map(asArray)) };
    },
    // The keys are joined as rows (`join unnest`), not probed with `= any`: the planner then
    // merge-joins the sorted list with the key index in one pass (~0.2 s for 100,000 keys at 1M
    // holders, against ~0.5 s for 100,000 index probes). They travel as one newline-separated text
    // (no well-formed address has whitespace), which costs a fraction of pg's array encoding,
    // and repeats go here, where the planner would guess their count. The repeated keys' holders
    // are read by index in the same statement (`offset 0` keeps that a nested loop: the planner's
    // guess of how many keys repeat would have it hash every holder).
    async holdersOfRepeatedAmong(keys) {
      // A key with a line break (never a stored one: no address with whitespace is) matches nothing.
      const unique = [...new Set(keys)].filter((key) => !key.includes('\n'));
      const { rows } = await sql<DetailRow>`
        with repeated as materialized (
          select h.email_key from unnest(string_to_array(${unique.join('\n')}::text, E'\n')) as l(k) join holders h on h.email_key = l.k
          group by h.email_key having count(*) > 1)
        select ${DETAIL}
        from repeated r cross join lateral (select * from holders h where h.email_key = r.email_key offset 0) h
        join accounts a on a.id = h.account_id
        order by h.email_key, h.account_id, h.position`.execute(db);
      return rows.map(asArray);
    },
    async holdersOfKeys(keys) {
      const { rows } = await sql<DetailRow>`
        select ${DETAIL}
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
