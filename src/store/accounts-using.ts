import type { Kysely } from 'kysely';
import type { StoreSchema } from './schema.js';

/** For each key, the distinct accounts whose holders use it (through the email-key index). */
export async function accountsUsingKeys(db: Kysely<StoreSchema>, keys: readonly string[]): Promise<Map<string, string[]>> {
  const unique = [...new Set(keys)];
  const result = new Map<string, string[]>(unique.map((key) => [key, []]));
  if (unique.length === 0) return result;
  const rows = await db.selectFrom('holders').select(['email_key', 'account_id']).distinct().where('email_key', 'in', unique).execute();
  for (const row of rows) result.get(row.email_key!)!.push(row.account_id);
  return result;
}
