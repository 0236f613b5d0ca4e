import type { Role } from './types.js';

/** The contract's link states. */
export type LinkStatus = 'valid' | 'expired' | 'superseded' | 'revoked' | 'unknown';

/** Why a link stopped working before its time: its login changed (R3: a link belongs to the address it was sent to). */
export type RevokeReason = 'address-changed' | 'address-removed' | 'access-withdrawn' | 'role-changed';

/** What happened to a link's email. */
export type DeliveryStatus = 'pending' | 'sent' | 'failed' | 'not-sent';

/** How long a reset link works (R3). */
export const RESET_LINK_LIFETIME_MS = 2 * 60 * 60 * 1000;

/** How soon after one link another for the same login is refused without --force. */
export const RESET_COOLDOWN_MS = 10 * 60 * 1000;

/** What the rules need to know about a stored link. */
export interface StoredLink {
  id: number;
  accountId: string;
  recipientEmail: string;
  /** Normalized key of `recipientEmail`: with the account, the login the link belongs to. */
  recipientKey: string;
  /** The recipient's name when the link was issued (null for links issued before it was kept). */
  recipientName: string | null;
  recipientRole: Role;
  issuedAt: string;
  expiresAt: string;
  supersededAt: string | null;
  /** Who the newer link that replaced this one was sent to. */
  supersededBy: { name: string | null; email: string } | null;
  revokedAt: string | null;
  revokedReason: RevokeReason | null;
  deliveryStatus: DeliveryStatus;
  /** 'smtp' or 'outbox' once a send was tried. */
  deliveryTransport: string | null;
}

/** One key for a login (an account and the recipient's address key), for maps. */
export function loginKey(accountId: string, recipientKey: string): string {
  return `${accountId}\n${recipientKey}`;
}

/** True when the link claims to be issued later than `now` (the clock was ahead when it was issued). */
export function issuedInFuture(link: Pick<StoredLink, 'issuedAt'>, now: Date): boolean {
  return Date.parse(link.issuedAt) > now.getTime();
}

/**
 * R3: a revoked link (its login changed) or one with a newer link for its login is dead whatever
 * its age; one whose issue time lies in the future is treated as expired (its two hours cannot
 * be trusted); else it is valid until it expires.
 */
export function linkStatus(link: StoredLink | undefined, now: Date): LinkStatus {
  if (!link) return 'unknown';
  if (link.revokedAt !== null) return 'revoked';
  if (link.supersededAt !== null) return 'superseded';
  if (issuedInFuture(link, now)) return 'expired';
  return now.getTime() < Date.parse(link.expiresAt) ? 'valid' : 'expired';
}

/** How long a new link for the login must wait after `latest` (its email may still be on its way); 0 when it need not. */
export function cooldownRemainingMs(latest: StoredLink | undefined, now: Date): number {
  if (!latest || latest.revokedAt !== null || latest.supersededAt !== null || issuedInFuture(latest, now)) return 0;
  return Math.max(0, Date.parse(latest.issuedAt) + RESET_COOLDOWN_MS - now.getTime());
}
