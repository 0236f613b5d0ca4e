import type { Kysely } from 'kysely';
import type { StoreSchema } from './schema.js';

/** One audit-log entry as commands read it. */
export interface AuditEntry {
  at: string;
  /** Who acted; null for entries written before the store recorded it. */
  admin: string | null;
  action: string;
  accountId: string | null;
  /** The normalized address the entry concerns, for `audit --email`. */
  emailKey: string | null;
  details: Record<string, unknown>;
}

/** An entry to write: who acted is required, so a call that forgets it does not compile (pass `store.admin`). */
export type NewAuditEntry = Omit<AuditEntry, 'admin'> & { admin: string };

/** Appends an entry to the audit log (inside the caller's transaction). */
export async function appendAudit(db: Kysely<StoreSchema>, entry: NewAuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({ at: entry.at, admin: entry.admin, action: entry.action, account_id: entry.accountId, email_key: entry.emailKey, details: JSON.stringify(entry.details) })
    .execute();
}

/** Audit entries, newest first, optionally for one address and/or since a moment. */
export async function listAudit(db: Kysely<StoreSchema>, filter: { emailKey?: string; since?: string }): Promise<AuditEntry[]> {
  let query = db.selectFrom('audit_log').selectAll().orderBy('at', 'desc').orderBy('id', 'desc');
  if (filter.emailKey !== undefined) query = query.where('email_key', '=', filter.emailKey);
  if (filter.since !== undefined) query = query.where('at', '>=', filter.since);
  const rows = await query.execute();
  return rows.map((row) => ({
    at: row.at,
    admin: row.admin,
    action: row.action,
    accountId: row.account_id,
    emailKey: row.email_key,
    details: JSON.parse(row.details) as Record<string, unknown>,
  }));
}
