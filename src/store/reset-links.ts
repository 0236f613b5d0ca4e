import type { Kysely, Selectable } from 'kysely';
import { ProblemError, UsageError } from '../core/errors.js';
import { normalizeEmail } from '../core/email.js';
import { formatDuration } from '../core/format-time.js';
import { cooldownRemainingMs, linkStatus, RESET_LINK_LIFETIME_MS, type LinkStatus, type StoredLink } from '../core/reset-link-state.js';
import { resolveResetRecipient } from '../core/reset-recipient.js';
import { hashResetToken, newResetToken, resetLinkFor, tokenMatchesHash } from '../core/reset-token.js';
import type { Role } from '../core/types.js';
import { appendAudit } from './audit.js';
import { getCompany } from './company.js';
import { findHoldersByEmailKey, findHoldersOfAccounts } from './holders.js';
import { immediateTransaction } from './immediate-transaction.js';
import type { Store } from './open-store.js';
import type { StoreSchema } from './schema.js';
import { accountsUsingKeys } from './accounts-using.js';
import { suggestionsFor } from './suggestions-for.js';

/** A link just issued; `link` carries the token and exists only in memory. */
export interface IssuedLink {
  id: number;
  accountId: string;
  recipient: { email: string; role: Role; name: string };
  link: string;
  issuedAt: string;
  expiresAt: string;
  invalidated: number;
}

/** The newest link of each of the given accounts. */
export async function latestLinks(db: Kysely<StoreSchema>, accountIds: readonly string[]): Promise<Map<string, StoredLink>> {
  const result = new Map<string, StoredLink>();
  for (const accountId of accountIds) {
    const row = await db.selectFrom('reset_links').selectAll().where('account_id', '=', accountId).orderBy('id', 'desc').limit(1).executeTakeFirst();
    if (row) result.set(accountId, toStoredLink(row));
  }
  return result;
}

function toStoredLink(row: Selectable<StoreSchema['reset_links']>): StoredLink {
  return {
    accountId: row.account_id,
    issuedAt: row.issued_at,
    expiresAt: row.expires_at,
    supersededAt: row.superseded_at,
    recipientEmail: row.recipient_email,
    deliveryStatus: row.delivery_status,
  };
}

/**
 * Issues a reset link for the account holding `email` (R3), in one `begin immediate` transaction:
 * checks the recipient and the cooldown, supersedes every earlier link of the account, records
 * only the token's hash and an audit entry. Throws ProblemError (exit 1) when the rules refuse.
 */
export async function issueResetLink(
  store: Store,
  email: string,
  options: { force: boolean; send: boolean; now: Date },
): Promise<IssuedLink> {
  const emailKey = normalizeEmail(email);
  const company = await getCompany(store.db);
  if (!company.resetUrl) {
    throw new UsageError('The Account Password Reset link is not set. Copy it from "My Company" in Enrollsy, then run `enrollsy-help company set --reset-url <url>`.');
  }
  return immediateTransaction(store, async (trx) => {
    const holdersWithAddress = await findHoldersByEmailKey(trx, emailKey);
    if (holdersWithAddress.length === 0) {
      const suggestions = await suggestionsFor(trx, emailKey);
      throw new ProblemError(
        `No holder uses ${emailKey}${suggestions.length > 0 ? `; did you mean ${suggestions.join(' or ')}?` : '.'} Nothing was issued.`,
        { suggestions },
      );
    }
    const accountIds = [...new Set(holdersWithAddress.map((h) => h.accountId))];
    const accountHolders = await findHoldersOfAccounts(trx, accountIds.length === 1 ? accountIds : []);
    const using = await accountsUsingKeys(trx, [emailKey, ...accountHolders.map((h) => h.emailKey).filter((k): k is string => k !== null)]);
    const decision = resolveResetRecipient({ emailKey, holdersWithAddress, accountHolders, accountsUsing: (key) => using.get(key) ?? [] });
    if (!decision.ok) throw new ProblemError(`${decision.reason} Nothing was issued. ${decision.fix}`);

    const accountId = decision.holder.accountId;
    const earlier = await trx.selectFrom('reset_links').selectAll().where('account_id', '=', accountId).where('superseded_at', 'is', null).orderBy('id', 'desc').execute();
    const newest = earlier[0] ? toStoredLink(earlier[0]) : undefined;
    const wait = cooldownRemainingMs(newest, options.now);
    if (wait > 0 && !options.force) {
      throw new ProblemError(
        `A reset link for this account was issued ${formatDuration(options.now.getTime() - Date.parse(newest!.issuedAt))} ago; its email may still be on its way, and a new one would cancel it. Wait ${formatDuration(wait)}, or pass --force to issue a new one anyway.`,
      );
    }
    const invalidated = earlier.filter((row) => linkStatus(toStoredLink(row), options.now) === 'valid').length;
    const token = newResetToken();
    const issuedAt = options.now.toISOString();
    const expiresAt = new Date(options.now.getTime() + RESET_LINK_LIFETIME_MS).toISOString();
    const inserted = await trx
      .insertInto('reset_links')
      .values({
        account_id: accountId,
        token_hash: hashResetToken(token),
        recipient_email: decision.email,
        recipient_role: decision.role,
        issued_at: issuedAt,
        expires_at: expiresAt,
        superseded_at: null,
        superseded_by: null,
        delivery_status: options.send ? 'pending' : 'not-sent',
        delivery_transport: null,
        message_id: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (earlier.length > 0) {
      await trx
        .updateTable('reset_links')
        .set({ superseded_at: issuedAt, superseded_by: inserted.id })
        .where('account_id', '=', accountId)
        .where('superseded_at', 'is', null)
        .where('id', '<>', inserted.id)
        .execute();
    }
    await appendAudit(trx, {
      at: issuedAt,
      action: 'reset.issued',
      accountId,
      emailKey,
      details: { linkId: inserted.id, recipient: decision.email, recipientRole: decision.role, expiresAt, invalidated, forced: options.force && wait > 0, send: options.send },
    });
    return {
      id: inserted.id,
      accountId,
      recipient: { email: decision.email, role: decision.role, name: `${decision.holder.firstName} ${decision.holder.lastName}`.trim() },
      link: resetLinkFor(company.resetUrl!, token),
      issuedAt,
      expiresAt,
      invalidated,
    };
  });
}

/** Records how the email of an issued link went (and audits it). */
export async function recordDelivery(
  store: Store,
  link: IssuedLink,
  outcome: { status: 'sent' | 'failed'; transport: string; messageId: string | null; error?: string },
  now: Date,
): Promise<void> {
  await immediateTransaction(store, async (trx) => {
    await trx
      .updateTable('reset_links')
      .set({ delivery_status: outcome.status, delivery_transport: outcome.transport, message_id: outcome.messageId })
      .where('id', '=', link.id)
      .execute();
    await appendAudit(trx, {
      at: now.toISOString(),
      action: outcome.status === 'sent' ? 'reset.sent' : 'reset.delivery-failed',
      accountId: link.accountId,
      emailKey: normalizeEmail(link.recipient.email),
      details: { linkId: link.id, recipient: link.recipient.email, transport: outcome.transport, messageId: outcome.messageId, ...(outcome.error ? { error: outcome.error } : {}) },
    });
  });
}

/**
 * Records, synchronously (it runs in a Ctrl-C handler, which cannot wait), that a link's email
 * was interrupted mid-send: it may or may not arrive, and the link itself stays valid.
 */
export function recordInterruptedDeliverySync(store: Store, link: IssuedLink, transport: string, now: Date): void {
  store.sqlite.prepare("update reset_links set delivery_status = 'failed', delivery_transport = ? where id = ?").run(transport, link.id);
  store.sqlite
    .prepare('insert into audit_log (at, action, account_id, email_key, details) values (?, ?, ?, ?, ?)')
    .run(now.toISOString(), 'reset.delivery-failed', link.accountId, normalizeEmail(link.recipient.email), JSON.stringify({ linkId: link.id, recipient: link.recipient.email, transport, error: 'interrupted (Ctrl-C)' }));
}

/** What `reset verify` reports about a token. */
export interface LinkVerification {
  status: LinkStatus;
  accountId: string | null;
  expiresAt: string | null;
  issuedAt: string | null;
  recipientEmail: string | null;
  /** When the newer link that replaced this one was issued (never its token). */
  supersededAt: string | null;
}

/** Looks a token up by its hash and tells whether it still works. */
export async function verifyResetToken(db: Kysely<StoreSchema>, token: string, now: Date): Promise<LinkVerification> {
  const row = await db.selectFrom('reset_links').selectAll().where('token_hash', '=', hashResetToken(token)).executeTakeFirst();
  if (!row || !tokenMatchesHash(token, row.token_hash)) {
    return { status: 'unknown', accountId: null, expiresAt: null, issuedAt: null, recipientEmail: null, supersededAt: null };
  }
  return {
    status: linkStatus(toStoredLink(row), now),
    accountId: row.account_id,
    expiresAt: row.expires_at,
    issuedAt: row.issued_at,
    recipientEmail: row.recipient_email,
    supersededAt: row.superseded_at,
  };
}
