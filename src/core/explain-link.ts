import { formatDuration, formatNear } from './format-time.js';
import { issuedInFuture, linkStatus, type RevokeReason, type StoredLink } from './reset-link-state.js';

const REVOKE_WORDS: Record<RevokeReason, string> = {
  'address-changed': 'the address changed',
  'address-removed': 'the address was removed from the account',
  'access-withdrawn': "the holder's login access was withdrawn",
  'role-changed': "the holder's place in the account changed",
};

/** Why a link was revoked, in words ("the address changed"). */
export function revokeReasonWords(reason: RevokeReason | null): string {
  return reason === null ? 'its login changed' : REVOKE_WORDS[reason];
}

/** What became of a link's email, in words that claim no more than happened. */
export function deliveryWords(link: Pick<StoredLink, 'deliveryStatus' | 'deliveryTransport'>): string {
  switch (link.deliveryStatus) {
    case 'sent':
      return link.deliveryTransport === 'outbox' ? 'saved to the outbox, not sent' : 'emailed (the mail server accepted it)';
    case 'not-sent':
      return 'shown to the admin to pass on, not emailed';
    case 'failed':
      return 'its email failed';
    case 'pending':
      return 'its email was being sent and the outcome was not recorded; it may or may not arrive';
  }
}

/** The recipient as "Jane Doe <jane@…>" (or the bare address for links issued before names were kept). */
export function recipientWords(link: Pick<StoredLink, 'recipientName' | 'recipientEmail'>): string {
  return link.recipientName ? `${link.recipientName} <${link.recipientEmail}>` : link.recipientEmail;
}

/**
 * What happened to a link, with times and people: "expired 40 minutes ago (issued 2 hours 40
 * minutes ago)", "superseded at 10:12 UTC by a newer link issued for John Doe", "revoked at 10:30 UTC
 * when the address changed", or how long it still works.
 */
export function explainLink(link: StoredLink, now: Date): string {
  const issued = new Date(link.issuedAt);
  const ago = (date: Date) => `${formatDuration(now.getTime() - date.getTime())} ago`;
  switch (linkStatus(link, now)) {
    case 'revoked':
      return `revoked at ${formatNear(new Date(link.revokedAt!), now)} when ${revokeReasonWords(link.revokedReason)} (issued ${ago(issued)} to ${recipientWords(link)})`;
    case 'superseded': {
      const by = link.supersededBy ? ` issued for ${link.supersededBy.name || link.supersededBy.email}` : '';
      return `superseded at ${formatNear(new Date(link.supersededAt!), now)} by a newer link${by} (only the newest link of a login works)`;
    }
    case 'expired': {
      if (issuedInFuture(link, now)) {
        return `treated as expired: it was issued at ${formatNear(issued, now)}, ${formatDuration(issued.getTime() - now.getTime())} from now, so the clock was ahead when it was issued and its 2 hours cannot be trusted`;
      }
      return `expired ${ago(new Date(link.expiresAt))} (issued ${ago(issued)}; links last 2 hours)`;
    }
    default: {
      const expires = new Date(link.expiresAt);
      return `valid until ${formatNear(expires, now)} (${formatDuration(expires.getTime() - now.getTime())} left); issued ${ago(issued)} to ${recipientWords(link)}, ${deliveryWords(link)}`;
    }
  }
}
