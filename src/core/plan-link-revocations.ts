import type { RevokeReason, StoredLink } from './reset-link-state.js';
import type { Holder, Role } from './types.js';

/** A link to revoke, and why. */
export interface LinkRevocation {
  link: StoredLink;
  reason: RevokeReason;
}

/**
 * The logins of one account (R3), by address key: the primary's address, and the own address of
 * each secondary holder with login access (which works only when it differs from the primary's).
 */
export function accountLogins(holders: readonly Holder[]): Map<string, Role> {
  const logins = new Map<string, Role>();
  const primary = holders.find((h) => h.role === 'primary');
  if (primary?.emailKey) logins.set(primary.emailKey, 'primary');
  for (const h of holders) {
    if (h.role === 'secondary' && h.loginAccess && h.emailKey && !logins.has(h.emailKey)) logins.set(h.emailKey, 'secondary');
  }
  return logins;
}

const fullName = (h: Pick<Holder, 'firstName' | 'lastName'>) => `${h.firstName} ${h.lastName}`.trim();

/**
 * R3: a link belongs to the address it was sent to. After a change to the holders of its
 * account, a still-valid link whose login is gone (the address left the account, the secondary
 * lost access, the address now belongs to another role) must stop working. `holdersAfter`
 * holds every holder of the links' accounts as they are after the change.
 */
export function planLinkRevocations(validLinks: readonly StoredLink[], holdersAfter: readonly Holder[]): LinkRevocation[] {
  const revocations: LinkRevocation[] = [];
  for (const link of validLinks) {
    const holders = holdersAfter.filter((h) => h.accountId === link.accountId);
    if (accountLogins(holders).get(link.recipientKey) === link.recipientRole) continue;
    const withAddress = holders.filter((h) => h.emailKey === link.recipientKey);
    // The holder the link was for: the primary, or the secondary of that name.
    const same = holders.find((h) => h.role === link.recipientRole && (h.role === 'primary' || link.recipientName === null || fullName(h) === link.recipientName));
    let reason: RevokeReason;
    if (link.recipientRole === 'secondary' && withAddress.some((h) => h.role === 'secondary')) reason = 'access-withdrawn';
    else if (withAddress.length > 0) reason = 'role-changed';
    else if (same?.emailKey) reason = 'address-changed';
    else reason = 'address-removed';
    revocations.push({ link, reason });
  }
  return revocations;
}
