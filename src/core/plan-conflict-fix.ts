import { UsageError } from './errors.js';
import { emailProblem, normalizeEmail, shortForMessage } from './email.js';
import { groupByAccount } from './group-by-account.js';
import { matchAccountId } from './match-account-id.js';
import type { Holder } from './types.js';

/** What the admin asked for: keep the address in one account, delete or change it elsewhere. */
export interface ConflictFixRequest {
  email: string;
  keep: string;
  action: 'delete' | 'change';
  newEmail?: string;
  /** Fix only this one of the other accounts. */
  only?: string;
}

/** A checked fix, ready to apply in one transaction. */
export interface ConflictFixPlan {
  emailKey: string;
  keep: string;
  action: 'delete' | 'change';
  newEmail: string | null;
  newEmailKey: string | null;
  /** The holders whose address changes, by account. */
  targets: { accountId: string; accountName: string; holders: Holder[] }[];
  /** Other accounts that keep using the address (left alone because of --only). */
  untouched: string[];
  /** Primaries that would be left with no address (no reset emails possible). */
  primariesLeftWithoutAddress: Holder[];
  /** Secondary holders with login access whose login goes with the removed address. */
  secondariesLosingLogin: Holder[];
}

/** Why a requested new address is refused, for a caller that words it itself (the walkthrough). */
export type NewAddressRefusal = 'malformed' | 'same-address' | 'used-elsewhere';

/**
 * R1's fix, checked before anything is written: the kept account must use the address, a
 * change needs one target and a well-formed new address no other account uses. Throws
 * UsageError (exit 2) when the fix would be refused; returns a plan with no targets when only
 * the kept account uses the address.
 */
export function planConflictFix(request: ConflictFixRequest, holdersWithAddress: readonly Holder[], accountsUsingNew: readonly string[]): ConflictFixPlan {
  const emailKey = normalizeEmail(request.email);
  const accounts = groupByAccount(holdersWithAddress);
  if (accounts.size === 0) throw new UsageError(`No holder uses ${emailKey}, so there is nothing to fix. Check the address with \`enrollsy-help diagnose ${emailKey}\`.`);
  const ids = [...accounts.keys()];
  // Account ids match regardless of letter case when that picks exactly one (a1003 → A1003).
  const keepMatch = matchAccountId(request.keep, ids);
  if (!keepMatch.ok) {
    throw new UsageError(
      keepMatch.problem === 'ambiguous'
        ? `--keep ${request.keep} matches ${keepMatch.candidates.join(' and ')} when capitals are ignored; type the account id exactly.`
        : `Account ${request.keep} does not use ${emailKey}; --keep must be one of: ${ids.join(', ')}.`,
    );
  }
  const keep = keepMatch.accountId;
  const others = ids.filter((id) => id !== keep);
  let only: string | undefined;
  if (request.only !== undefined) {
    const onlyMatch = matchAccountId(request.only, ids);
    if (!onlyMatch.ok || onlyMatch.accountId === keep) {
      throw new UsageError(
        onlyMatch.ok
          ? `--only names the account you keep (${keep}); name the other account to fix: ${others.join(', ') || 'none'}.`
          : onlyMatch.problem === 'ambiguous'
            ? `--only ${request.only} matches ${onlyMatch.candidates.join(' and ')} when capitals are ignored; type the account id exactly.`
            : `--only ${request.only}: that account does not use ${emailKey}; accounts to fix: ${others.join(', ') || 'none'}.`,
      );
    }
    only = onlyMatch.accountId;
  }
  const targetIds = only !== undefined ? [only] : others;
  let newEmail: string | null = null;
  let newEmailKey: string | null = null;
  if (request.action === 'change') {
    if (request.newEmail === undefined) throw new UsageError('--change-to needs the new address.');
    const problem = emailProblem(request.newEmail);
    if (problem !== null) throw new UsageError(`--change-to: "${shortForMessage(request.newEmail)}" is not a valid address (${problem}).`, { refusal: 'malformed', detail: problem });
    newEmail = request.newEmail.trim();
    newEmailKey = normalizeEmail(newEmail);
    if (newEmailKey === emailKey) throw new UsageError('--change-to gives the same address (ignoring case and spaces); choose a different one.', { refusal: 'same-address' });
    if (targetIds.length > 1) {
      throw new UsageError(`${emailKey} is in ${targetIds.length} other accounts (${targetIds.join(', ')}); --change-to needs --only <accountId> to say which one gets ${newEmail}.`);
    }
    const clash = accountsUsingNew.filter((id) => !targetIds.includes(id));
    if (clash.length > 0) {
      throw new UsageError(`${newEmail} is already used in account ${clash.join(', ')}; changing to it would create a new conflict. Choose another address.`, { refusal: 'used-elsewhere', accounts: clash });
    }
  }
  const targets = targetIds.map((accountId) => {
    const holders = accounts.get(accountId)!;
    return { accountId, accountName: holders[0]!.accountName, holders };
  });
  return {
    emailKey,
    keep,
    action: request.action,
    newEmail,
    newEmailKey,
    targets,
    untouched: others.filter((id) => !targetIds.includes(id)),
    primariesLeftWithoutAddress: request.action === 'delete' ? targets.flatMap((t) => t.holders.filter((h) => h.role === 'primary')) : [],
    // R3: a secondary's login is their own address; removing it ends the login as surely as a primary's.
    secondariesLosingLogin: request.action === 'delete' ? targets.flatMap((t) => t.holders.filter((h) => h.role === 'secondary' && h.loginAccess)) : [],
  };
}
