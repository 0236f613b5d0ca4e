import type { Holder, Role } from './types.js';

/** Who a reset email goes to, and why; or why none can be sent. */
export type ResetRecipientDecision =
  | {
      ok: true;
      email: string;
      emailKey: string;
      role: Role;
      holder: Holder;
      reason: string;
      /** The holder whose address was asked about, when the email goes to someone else (a secondary without access: the link is the primary's). */
      requestedBy?: Holder;
    }
  | { ok: false; problem: 'not-found' | 'conflict' | 'recipient-conflict' | 'no-address'; reason: string; fix: string };

/** Inputs of the R3 rule: the address asked about and what the store says about it. */
export interface ResetRecipientInput {
  /** Normalized key of the address the customer gave. */
  emailKey: string;
  /** Every holder (in any account) using that address. */
  holdersWithAddress: readonly Holder[];
  /** Every holder of the account that holds the address (when exactly one account does). */
  accountHolders: readonly Holder[];
  /** Account ids using the recipient's address, for each candidate recipient key. */
  accountsUsing: (emailKey: string) => readonly string[];
}

/** True when a secondary holder's login access actually works (R3): granted, own address, not a primary's elsewhere. */
export function secondaryAccessWorks(secondary: Holder, primary: Holder | undefined, accountsUsingKey: readonly string[]): boolean {
  if (secondary.role !== 'secondary' || !secondary.loginAccess || !secondary.emailKey) return false;
  if (primary?.emailKey === secondary.emailKey) return false;
  return accountsUsingKey.every((id) => id === secondary.accountId);
}

/**
 * R3: the reset email goes to the primary's address, unless the address asked about belongs to a
 * secondary holder whom the primary granted login access. Never to an address in an R1 conflict.
 */
export function resolveResetRecipient(input: ResetRecipientInput): ResetRecipientDecision {
  const accounts = new Set(input.holdersWithAddress.map((h) => h.accountId));
  if (accounts.size === 0) {
    return { ok: false, problem: 'not-found', reason: 'No holder uses this address.', fix: 'Check the spelling with the customer, or look the account up by another address.' };
  }
  if (accounts.size > 1) {
    return {
      ok: false,
      problem: 'conflict',
      reason: `This address is used in ${accounts.size} accounts, so its login cannot work and no reset email can be sent.`,
      fix: `Fix the duplicate first: \`enrollsy-help fix-conflict ${input.emailKey} --keep <accountId> --delete\`.`,
    };
  }
  const primary = input.accountHolders.find((h) => h.role === 'primary');
  const asked = input.holdersWithAddress.find((h) => h.role === 'primary') ?? input.holdersWithAddress[0]!;
  if (asked.role === 'secondary' && secondaryAccessWorks(asked, primary, input.accountsUsing(input.emailKey))) {
    return {
      ok: true,
      email: asked.email!,
      emailKey: asked.emailKey!,
      role: 'secondary',
      holder: asked,
      reason: 'This secondary holder has login access granted by the primary, so the reset email goes to their own address.',
    };
  }
  if (!primary?.emailKey || !primary.email) {
    return {
      ok: false,
      problem: 'no-address',
      reason: 'The primary holder has no email address and no secondary holder with access applies, so there is no address to send a reset email to.',
      fix: `Add the primary holder's own email address (\`enrollsy-help holder add-email ${primary?.accountId ?? '<accountId>'} <address>\`), then send the reset.`,
    };
  }
  const primaryAccounts = new Set(input.accountsUsing(primary.emailKey));
  if (primaryAccounts.size > 1) {
    return {
      ok: false,
      problem: 'recipient-conflict',
      reason: `The primary's address ${primary.email} is also used in another account, so the reset email cannot work.`,
      fix: `Fix that duplicate first: \`enrollsy-help fix-conflict ${primary.email} --keep ${primary.accountId} --delete\`.`,
    };
  }
  const why =
    asked.role === 'primary'
      ? 'This is the primary account holder: the reset email goes to this address.'
      : asked.loginAccess
        ? "This secondary holder's access cannot work while their address equals the primary's, so the reset email goes to the primary."
        : 'This secondary holder has no login access, so the reset email goes to the primary account holder.';
  return { ok: true, email: primary.email, emailKey: primary.emailKey, role: 'primary', holder: primary, reason: why, ...(asked.role === 'primary' ? {} : { requestedBy: asked }) };
}
