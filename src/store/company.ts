import type { Kysely } from 'kysely';
import { PLACEHOLDER_COMPANY_NAME } from '../core/company-setup.js';
import type { Company } from '../core/types.js';
import type { StoreSchema } from './schema.js';


/** The company settings, or defaults when none were set yet. */
export async function getCompany(db: Kysely<StoreSchema>): Promise<Company> {
  const row = await db.selectFrom('company').selectAll().where('id', '=', 1).executeTakeFirst();
  return {
    name: row?.name ?? PLACEHOLDER_COMPANY_NAME,
    signInUrl: row?.sign_in_url ?? null,
    resetUrl: row?.reset_url ?? null,
    embedHtml: row?.embed_html ?? null,
    sender: row?.sender ?? null,
    timeZone: row?.time_zone ?? null,
  };
}

/** Changes the given company settings (others keep their value); returns the result. */
export async function updateCompany(db: Kysely<StoreSchema>, changes: Partial<Company>, at: Date): Promise<Company> {
  const merged = { ...(await getCompany(db)), ...Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)) };
  const row = {
    id: 1,
    name: merged.name,
    sign_in_url: merged.signInUrl,
    reset_url: merged.resetUrl,
    embed_html: merged.embedHtml,
    sender: merged.sender,
    time_zone: merged.timeZone ?? null,
    updated_at: at.toISOString(),
  };
  await db
    .insertInto('company')
    .values(row)
    .onConflict((oc) => oc.column('id').doUpdateSet(row))
    .execute();
  return merged;
}
