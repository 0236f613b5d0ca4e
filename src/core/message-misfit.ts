import type { ResetRecipientDecision } from './reset-recipient.js';
import { holderName, type Holder } from './types.js';

/** The customer templates whose advice only helps someone who has a login that can work. */
const LOGIN_TEMPLATES = new Set(['sign-in', 'reset', 'not-received']);

/**
 * Why a customer message about signing in would not help the holder of this address (or null
 * when it would): the address is in two accounts (R1: its login fails), the holder is a secondary
 * without login access (R3: no login of their own; resets go to the primary), or no reset email
 * can go anywhere. Pure: the cli decides whether to refuse (sending) or warn (printing).
 */
export function messageMisfit(template: string, emailKey: string, holders: readonly Holder[], decision: ResetRecipientDecision): string | null {
  if (!LOGIN_TEMPLATES.has(template) || holders.length === 0) return null;
  const accounts = new Set(holders.map((h) => h.accountId)).size;
  if (accounts > 1) return `${emailKey} is in ${accounts} accounts, so its login cannot work until the duplicate is fixed; these instructions would not help yet.`;
  // Everyone using the address is a secondary holder without access: nobody here has a login.
  const asked = holders.every((h) => h.role === 'secondary' && !h.loginAccess) ? holders[0]! : null;
  if (asked) {
    const primary = decision.ok && decision.role === 'primary' ? decision.holder : null;
    const primaryWords = primary ? `the primary, ${holderName(primary)}` : 'the primary';
    const who = `${holderName(asked)} has no login of their own (a secondary holder without login access)`;
    if (template === 'sign-in') return `${who}, so sign-in instructions would not work for them: ${primaryWords}${primary ? ',' : ''} must grant access first (the grant-access template).`;
    return primary
      ? `${who}: a reset email goes to ${primaryWords}, not to them.`
      : `${who}, and no reset email can be sent for this account: ${decision.ok ? '' : `${decision.reason.charAt(0).toLowerCase()}${decision.reason.slice(1)}`}`.replace(/: $/, '.');
  }
  if (!decision.ok && (decision.problem === 'no-address' || decision.problem === 'recipient-conflict') && template !== 'sign-in') {
    return `No reset email can arrive for this login: ${decision.reason.charAt(0).toLowerCase()}${decision.reason.slice(1)}`;
  }
  return null;
}
