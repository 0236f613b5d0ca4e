import { emailProblem } from './email.js';
import { deliveryWords, recipientWords } from './explain-link.js';
import { formatDuration } from './format-time.js';
import { cooldownRemainingMs, linkStatus, type StoredLink } from './reset-link-state.js';
import { likelyDomain } from './suggest.js';

/** What the R3 rules need to decide on a new link for one login (an account and a recipient address). */
export interface ResetIssueInput {
  /** That login's earlier links not yet superseded or revoked, newest first. Other logins' links never count. */
  earlier: readonly StoredLink[];
  recipientEmail: string;
  recipientKey: string;
  force: boolean;
  /** The admin confirmed sending to an address whose domain looks mistyped. */
  domainConfirmed: boolean;
  now: Date;
}

/** The decision: which earlier links the new one supersedes, or why none may be issued now. */
export type ResetIssuePlan =
  | { ok: true; supersede: number[]; invalidated: number; forced: boolean }
  | { ok: false; refusal: 'cooldown'; previous: StoredLink; waitMs: number }
  | { ok: false; refusal: 'malformed-recipient'; problem: string }
  | { ok: false; refusal: 'mistyped-domain'; domain: string; suggestedDomain: string };

/**
 * R3 per login: only the newest link of a login works, so a new one supersedes that login's
 * earlier links (and only those: John's reset never touches Jane's); a new one within 10
 * minutes of the last is refused unless forced. An address on file that is not well-formed is
 * never mailed, and one whose provider domain looks mistyped needs the admin's confirmation.
 */
export function planResetIssue(input: ResetIssueInput): ResetIssuePlan {
  const problem = emailProblem(input.recipientEmail);
  if (problem !== null) return { ok: false, refusal: 'malformed-recipient', problem };
  const newest = input.earlier[0];
  const waitMs = cooldownRemainingMs(newest, input.now);
  if (waitMs > 0 && !input.force) return { ok: false, refusal: 'cooldown', previous: newest!, waitMs };
  const domain = input.recipientKey.slice(input.recipientKey.lastIndexOf('@') + 1);
  const suggestedDomain = likelyDomain(domain);
  if (suggestedDomain !== null && !input.domainConfirmed) return { ok: false, refusal: 'mistyped-domain', domain, suggestedDomain };
  return {
    ok: true,
    supersede: input.earlier.map((link) => link.id),
    invalidated: input.earlier.filter((link) => linkStatus(link, input.now) === 'valid').length,
    forced: waitMs > 0,
  };
}

/** The cooldown refusal in words: when the earlier link was issued and what really happened to its email. */
export function cooldownMessage(previous: StoredLink, waitMs: number, now: Date): string {
  const age = formatDuration(now.getTime() - Date.parse(previous.issuedAt));
  const what = `A reset link for this login, ${recipientWords(previous)}, was issued ${age} ago and ${deliveryWords(previous)}`;
  const wait = `Wait ${formatDuration(waitMs)}, or pass --force to issue a new one anyway (it cancels that link).`;
  switch (previous.deliveryStatus) {
    case 'sent':
      return previous.deliveryTransport === 'outbox'
        ? `${what}: send that .eml yourself, or hand the customer its link; a new link would cancel it. ${wait}`
        : `${what}; it may still be on its way, and a new one would cancel it. ${wait}`;
    case 'not-sent':
      return `${what}; if it was passed on to the customer, a new one would cancel it. ${wait}`;
    case 'failed':
      return `${what}, so it never reached the customer. Pass --force to issue and send a new one (it cancels the undelivered link).`;
    case 'pending':
      return `${what}. ${wait}`;
  }
}
