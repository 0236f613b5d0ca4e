/** The contract's link states. */
export type LinkStatus = 'valid' | 'expired' | 'superseded' | 'unknown';

/** How long a reset link works (R3). */
export const RESET_LINK_LIFETIME_MS = 2 * 60 * 60 * 1000;

/** How soon after one link another for the same account is refused without --force. */
export const RESET_COOLDOWN_MS = 10 * 60 * 1000;

/** What the rules need to know about a stored link. */
export interface StoredLink {
  accountId: string;
  issuedAt: string;
  expiresAt: string;
  supersededAt: string | null;
  recipientEmail: string;
  deliveryStatus: string;
}

/** R3: a link with a newer one for its account is superseded whatever its age; else valid until it expires. */
export function linkStatus(link: StoredLink | undefined, now: Date): LinkStatus {
  if (!link) return 'unknown';
  if (link.supersededAt !== null) return 'superseded';
  return now.getTime() < Date.parse(link.expiresAt) ? 'valid' : 'expired';
}

/** Whether a new link for the account must wait (the previous email may still be on its way). */
export function cooldownRemainingMs(latest: StoredLink | undefined, now: Date): number {
  if (!latest) return 0;
  return Math.max(0, Date.parse(latest.issuedAt) + RESET_COOLDOWN_MS - now.getTime());
}
