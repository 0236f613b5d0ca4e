import type { Kysely } from 'kysely';
import { ConfirmationNeededError, ProblemError, UsageError } from '../core/errors.js';
import { normalizeEmail } from '../core/email.js';
import { cooldownMessage, planResetIssue } from '../core/plan-reset-issue.js';
import { linkStatus, loginKey, RESET_LINK_LIFETIME_MS, type LinkStatus, type StoredLink } from '../core/reset-link-state.js';
import { resolveResetRecipient } from '../core/reset-recipient.js';
import { hashResetToken, newResetToken, resetLinkFor, tokenMatchesHash } from '../core/reset-token.js';
import type { Role } from '../core/types.js';
import { appendAudit } from './audit.js';
import { getCompany } from './company.js';
import { findHoldersByEmailKey, findHoldersOfAccounts } from './holders.js';
import type { Backend } from './backend.js';
import type { PatienceOptions } from './engine.js';
import type { StoreSchema } from './schema.js';
import { accountsUsingKeys } from './accounts-using.js';
import { toStoredLink, withSupersedingRecipient } from './stored-link.js';
import { suggestionsFor } from './suggestions-for.js';

/** A link just issued; `link` carries the token and exists only in memory. */
export interface IssuedLink {
  id: number;
  accountId: string;
  recipient: { email: string; role: Role; name: string };
  /** The holder whose address was asked about, when the link went to someone else: the link is the recipient's, never theirs. */
  requestedBy: { name: string; role: Role } | null;
  link: string;
  issuedAt: string;
  expiresAt: string;
  invalidated: number;
}

/** How to issue a link. */
export interface ResetIssueOptions {
  force: boolean;
  send: boolean;
  /**
   * The time of issue. Pass the clock (a function): it is read once the login's write lock is
   * held, so a writer that waited for another sees that one's link as issued before now, not in
   * the future (which the cooldown would ignore, letting two links through within 10 minutes).
   */
  now: Date | (() => Date);
  domainConfirmed?: boolean;
}

/** The newest link of each login (account + recipient key) of the given accounts, keyed by `loginKey`. */
export async function latestLinksByLogin(db: Kysely<StoreSchema>, accountIds: readonly string[]): Promise<Map<string, StoredLink>> {
  if (accountIds.length === 0) return new Map();
  const rows = await db.selectFrom('reset_links').selectAll().where('account_id', 'in', accountIds).orderBy('id', 'desc').execute();
  const newest = new Map<string, (typeof rows)[number]>();
  for (const row of rows) {
    const key = loginKey(row.account_id, row.recipient_key);
    if (!newest.has(key)) newest.set(key, row);
  }
  const links = await withSupersedingRecipient(db, [...newest.values()]);
  return new Map(links.map((link) => [loginKey(link.accountId, link.recipientKey), link]));
}

/**
 * Issues a reset link for the account holding `email` (R3), in one `begin immediate` transaction:
 * checks the recipient, then plans by the login's own earlier links (core planResetIssue: the
 * cooldown, a mistyped domain, which links the new one supersedes), records only the token's hash
 * and an audit entry. Throws ProblemError (exit 1) when the rules refuse, and
 * ConfirmationNeededError when the recipient's domain looks mistyped and `domainConfirmed` is not set.
 */
export async function issueResetLink(
  store: Backend,
  email: string,
  options: ResetIssueOptions,
): Promise<IssuedLink> {
  const emailKey = normalizeEmail(email);
  const company = await getCompany(store.engine.db);
  if (!company.resetUrl) {
    throw new UsageError('The Account Password Reset link is not set. Copy it from "My Company" in Enrollsy, then run `enrollsy-help company set --reset-url <url>`.');
  }
  return store.engine.writeTransaction([emailKey], async (trx) => {
    const now = typeof options.now === 'function' ? options.now() : options.now;
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
    const recipientName = `${decision.holder.firstName} ${decision.holder.lastName}`.trim();
    const earlierRows = await trx
      .selectFrom('reset_links')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('recipient_key', '=', decision.emailKey)
      .where('superseded_at', 'is', null)
      .where('revoked_at', 'is', null)
      .orderBy('id', 'desc')
      .execute();
    const plan = planResetIssue({
      earlier: earlierRows.map((row) => toStoredLink(row)),
      recipientEmail: decision.email,
      recipientKey: decision.emailKey,
      force: options.force,
      domainConfirmed: options.domainConfirmed === true,
      now,
    });
    if (!plan.ok) {
      switch (plan.refusal) {
        case 'cooldown':
          throw new ProblemError(cooldownMessage(plan.previous, plan.waitMs, now));
        case 'malformed-recipient':
          throw new ProblemError(
            `The address on file for ${recipientName || 'the recipient'} ("${decision.email}") is not a well-formed address (${plan.problem}), so no reset email can go to it. Nothing was issued. Correct it with \`enrollsy-help holder set-email\`.`,
          );
        case 'mistyped-domain':
          throw new ConfirmationNeededError(
            `The reset email would go to ${decision.email}, and "${plan.domain}" looks like a typo of "${plan.suggestedDomain}". Confirm the address with the customer; to send to it anyway, pass --yes. Nothing was issued.`,
            `"${plan.domain}" looks like a typo of "${plan.suggestedDomain}". Send the reset to ${decision.email} anyway?`,
          );
      }
    }
    const token = newResetToken();
    const issuedAt = now.toISOString();
    const expiresAt = new Date(now.getTime() + RESET_LINK_LIFETIME_MS).toISOString();
    const inserted = await trx
      .insertInto('reset_links')
      .values({
        account_id: accountId,
        token_hash: hashResetToken(token),
        recipient_email: decision.email,
        recipient_key: decision.emailKey,
        recipient_name: recipientName === '' ? null : recipientName,
        recipient_role: decision.role,
        issued_at: issuedAt,
        expires_at: expiresAt,
        superseded_at: null,
        superseded_by: null,
        revoked_at: null,
        revoked_reason: null,
        delivery_status: options.send ? 'pending' : 'not-sent',
        delivery_transport: null,
        message_id: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (plan.supersede.length > 0) {
      await trx.updateTable('reset_links').set({ superseded_at: issuedAt, superseded_by: inserted.id }).where('id', 'in', plan.supersede).execute();
    }
    await appendAudit(trx, {
      at: issuedAt,
      admin: store.admin,
      action: 'reset.issued',
      accountId,
      emailKey,
      details: {
        linkId: inserted.id,
        recipient: decision.email,
        recipientRole: decision.role,
        expiresAt,
        invalidated: plan.invalidated,
        forced: options.force && plan.forced,
        send: options.send,
        ...(options.domainConfirmed ? { domainConfirmed: true } : {}),
      },
    });
    return {
      id: inserted.id,
      accountId,
      recipient: { email: decision.email, role: decision.role, name: recipientName },
      requestedBy: decision.requestedBy ? { name: `${decision.requestedBy.firstName} ${decision.requestedBy.lastName}`.trim(), role: decision.requestedBy.role } : null,
      link: resetLinkFor(company.resetUrl!, token),
      issuedAt,
      expiresAt,
      invalidated: plan.invalidated,
    };
  });
}

/** How an issued link's email went. */
export interface DeliveryOutcome {
  status: 'sent' | 'failed';
  transport: string;
  messageId: string | null;
  error?: string;
}

/**
 * Records how the email of an issued link went (and audits it). The email has already gone (or
 * failed), so a busy store is waited for, up to `patienceMs` (patientTransaction), and never
 * makes the command fail: resolves to false when the outcome could not be recorded.
 */
export async function recordDelivery(
  store: Backend,
  link: IssuedLink,
  outcome: DeliveryOutcome,
  now: Date,
  options: PatienceOptions = { patienceMs: 0 },
): Promise<boolean> {
  return store.engine.patientWrite(
    async (trx) => {
      await trx
        .updateTable('reset_links')
        .set({ delivery_status: outcome.status, delivery_transport: outcome.transport, message_id: outcome.messageId })
        .where('id', '=', link.id)
        .execute();
      await appendAudit(trx, {
        at: now.toISOString(),
        admin: store.admin,
        // Saved to the outbox is not a delivery, and the log says so.
        action: outcome.status === 'failed' ? 'reset.delivery-failed' : outcome.transport === 'outbox' ? 'reset.saved-to-outbox' : 'reset.sent',
        accountId: link.accountId,
        emailKey: normalizeEmail(link.recipient.email),
        details: { linkId: link.id, recipient: link.recipient.email, transport: outcome.transport, messageId: outcome.messageId, ...(outcome.error ? { error: outcome.error } : {}) },
      });
    },
    options,
  );
}

/** What `reset verify` reports about a token: its status and, when known, the stored link. */
export interface LinkVerification {
  status: LinkStatus;
  link: StoredLink | null;
}

/** Looks a token up by its hash and tells whether it still works. */
export async function verifyResetToken(db: Kysely<StoreSchema>, token: string, now: Date): Promise<LinkVerification> {
  const row = await db.selectFrom('reset_links').selectAll().where('token_hash', '=', hashResetToken(token)).executeTakeFirst();
  if (!row || !tokenMatchesHash(token, row.token_hash)) return { status: 'unknown', link: null };
  const [link] = await withSupersedingRecipient(db, [row]);
  return { status: linkStatus(link, now), link: link! };
}
