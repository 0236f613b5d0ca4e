import type { Kysely } from 'kysely';
import type { Holder } from '../core/types.js';
import type { StoreSchema } from './schema.js';

function holderQuery(db: Kysely<StoreSchema>) {
  return db
    .selectFrom('holders')
    .innerJoin('accounts', 'accounts.id', 'holders.account_id')
    .select([
      'holders.account_id as accountId',
      'accounts.name as accountName',
      'holders.role',
      'holders.first_name as firstName',
      'holders.last_name as lastName',
      'holders.email',
      'holders.email_key as emailKey',
      'holders.login_access as loginAccess',
    ])
    .orderBy('holders.account_id')
    .orderBy('holders.position');
}

function toHolder(row: Omit<Holder, 'loginAccess'> & { loginAccess: number }): Holder {
  return { ...row, loginAccess: row.loginAccess === 1 };
}

/** Every holder whose normalized address is `key` (through the email-key index). */
export async function findHoldersByEmailKey(db: Kysely<StoreSchema>, key: string): Promise<Holder[]> {
  const rows = await holderQuery(db).where('holders.email_key', '=', key).execute();
  return rows.map(toHolder);
}

/** Every holder of the given accounts, primary first. */
export async function findHoldersOfAccounts(db: Kysely<StoreSchema>, accountIds: readonly string[]): Promise<Holder[]> {
  if (accountIds.length === 0) return [];
  const rows = await holderQuery(db).where('holders.account_id', 'in', accountIds).execute();
  return rows.map(toHolder);
}

/** Stored addresses whose key starts with `prefix` (an index range scan), for suggestions. */
export async function findEmailKeysWithPrefix(db: Kysely<StoreSchema>, prefix: string, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('holders')
    .select('email_key')
    .distinct()
    .where('email_key', '>=', prefix)
    .where('email_key', '<', `${prefix}\u{10FFFF}`)
    .orderBy('email_key')
    .limit(limit)
    .execute();
  return rows.map((row) => row.email_key as string);
}
