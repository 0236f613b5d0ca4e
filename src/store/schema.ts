import type { ColumnType, Generated } from 'kysely';
import type { DeliveryStatus, RevokeReason } from '../core/reset-link-state.js';

/** The company settings row (one per store, id = 1). */
export interface CompanyTable {
  id: number;
  name: string;
  sign_in_url: string | null;
  reset_url: string | null;
  embed_html: string | null;
  sender: string | null;
  /** IANA zone for times in customer emails; null: the machine's zone. */
  time_zone: string | null;
  updated_at: string;
}

/** A customer account (a family or an individual). */
export interface AccountTable {
  id: string;
  name: string;
  imported_at: string;
}

/** A primary or secondary account holder; `email_key` is the normalized address. */
export interface HolderTable {
  id: Generated<number>;
  account_id: string;
  position: number;
  role: 'primary' | 'secondary';
  first_name: string;
  last_name: string;
  email: string | null;
  email_key: string | null;
  login_access: number;
  /** nameKey(first_name, last_name): the search key for finding a customer by name. */
  name_key: string | null;
}

/**
 * A password-reset link; only the SHA-256 of its token is stored. Its login is the account plus
 * `recipient_key` (the normalized recipient address).
 */
export interface ResetLinkTable {
  id: Generated<number>;
  account_id: string;
  token_hash: string;
  recipient_email: string;
  recipient_key: string;
  recipient_name: string | null;
  recipient_role: 'primary' | 'secondary';
  issued_at: string;
  expires_at: string;
  superseded_at: string | null;
  superseded_by: number | null;
  revoked_at: string | null;
  revoked_reason: RevokeReason | null;
  delivery_status: DeliveryStatus;
  delivery_transport: string | null;
  message_id: string | null;
}

/** What was changed or issued, when, for which account; details are JSON, never tokens. */
export interface AuditTable {
  id: Generated<number>;
  at: string;
  action: string;
  account_id: string | null;
  email_key: string | null;
  details: string;
  /** Who acted; null only in entries written before schema 3. Required on insert. */
  admin: ColumnType<string | null, string, never>;
}

/** The whole store as kysely sees it. */
export interface StoreSchema {
  company: CompanyTable;
  accounts: AccountTable;
  holders: HolderTable;
  reset_links: ResetLinkTable;
  audit_log: AuditTable;
}
