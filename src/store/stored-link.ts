import type { Kysely, Selectable } from 'kysely';
import type { StoredLink } from '../core/reset-link-state.js';
import type { StoreSchema } from './schema.js';

type LinkRow = Selectable<StoreSchema['reset_links']>;

/** A reset_links row as the rules see it; `newer` is the row that superseded it, when known. */
export function toStoredLink(row: LinkRow, newer?: Pick<LinkRow, 'recipient_name' | 'recipient_email'> | null): StoredLink {
  return {
    id: row.id,
    accountId: row.account_id,
    recipientEmail: row.recipient_email,
    recipientKey: row.recipient_key,
    recipientName: row.recipient_name,
    recipientRole: row.recipient_role,
    issuedAt: row.issued_at,
    expiresAt: row.expires_at,
    supersededAt: row.superseded_at,
    supersededBy: newer ? { name: newer.recipient_name, email: newer.recipient_email } : null,
    revokedAt: row.revoked_at,
    revokedReason: row.revoked_reason,
    deliveryStatus: row.delivery_status,
    deliveryTransport: row.delivery_transport,
  };
}

/** Reads links with the recipient of the link that superseded each (for "superseded by a link sent to John Doe"). */
export async function withSupersedingRecipient(db: Kysely<StoreSchema>, rows: readonly LinkRow[]): Promise<StoredLink[]> {
  const ids = [...new Set(rows.map((row) => row.superseded_by).filter((id): id is number => id !== null))];
  const newer = ids.length === 0 ? [] : await db.selectFrom('reset_links').select(['id', 'recipient_name', 'recipient_email']).where('id', 'in', ids).execute();
  const byId = new Map(newer.map((row) => [row.id, row]));
  return rows.map((row) => toStoredLink(row, row.superseded_by === null ? null : byId.get(row.superseded_by)));
}
