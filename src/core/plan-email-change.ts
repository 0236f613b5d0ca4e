import { emailProblem, normalizeEmail } from './email.js';
import { groupByAccount } from './group-by-account.js';
import { matchAccountId } from './match-account-id.js';
import type { Holder, Role } from './types.js';

/**
 * What the admin asked for: change the address `current` to `newEmail` (a typo, an old
 * address), or, with `current` null, give the primary of `account` the address it lacks.
 */
export interface EmailChangeRequest {
  /** The address to correct; null to give an address to a primary who has none. */
  current: string | null;
  newEmail: string;
  /** The account to change in: needed when `current` is in more than one, and for an added address. */
  account?: string;
  /** Only the holder with this role, when two holders of the account share `current`. */
  role?: Role;
}

/** What the store says about the request (read before planning, re-checked when applying). */
export interface EmailChangeFacts {
  /** Every holder using `current` (any account); for an added address, the account's holders. */
  holders: readonly Holder[];
  /** Every account id whose holders use the new address. */
  accountsUsingNew: readonly string[];
  /** The account's holders (to warn about a secondary whose address would equal the primary's). */
  accountHolders: readonly Holder[];
}

/** A checked change, ready to apply in one transaction. */
export interface EmailChangePlan {
  form: 'change' | 'add';
  accountId: string;
  accountName: string;
  /** The old address's key; null when the holder had none. */
  oldEmailKey: string | null;
  newEmail: string;
  newEmailKey: string;
  /** The holders whose address changes (before the change). */
  holders: Holder[];
  /** Other holders of the same account who already use the new address (allowed by R1). */
  sharedWith: Holder[];
  /** Secondary holders with access whose login stops working: their address would equal the primary's (R3). */
  loginLost: Holder[];
}

/** Why a change is refused; the CLI words each one. */
export type EmailChangeRefusal =
  | { problem: 'malformed-current' | 'malformed-new'; detail: string }
  | { problem: 'unknown-current'; emailKey: string }
  | { problem: 'same-address'; emailKey: string }
  | { problem: 'account-needed'; accounts: string[] }
  | { problem: 'account-not-using'; account: string; accounts: string[] }
  | { problem: 'account-ambiguous'; account: string; accounts: string[] }
  | { problem: 'unknown-account'; account: string }
  | { problem: 'primary-has-address'; accountId: string; primary: Holder }
  | { problem: 'role-not-using'; role: Role; accountId: string }
  | { problem: 'used-elsewhere'; accounts: string[] };

/** A plan, or the reason it is refused. */
export type EmailChangeDecision = { ok: true; plan: EmailChangePlan } | ({ ok: false } & EmailChangeRefusal);

/**
 * The rules of correcting an address (R1, R3), checked before anything is written: both
 * addresses well-formed, one account (named when the address is in several), a new address no
 * other account uses. Giving an address is only for a primary who has none.
 */
export function planEmailChange(request: EmailChangeRequest, facts: EmailChangeFacts): EmailChangeDecision {
  const refuse = (refusal: EmailChangeRefusal): EmailChangeDecision => ({ ok: false, ...refusal });
  if (request.current !== null) {
    const problem = emailProblem(request.current);
    if (problem !== null) return refuse({ problem: 'malformed-current', detail: problem });
  }
  const newProblem = emailProblem(request.newEmail);
  if (newProblem !== null) return refuse({ problem: 'malformed-new', detail: newProblem });
  const newEmail = request.newEmail.trim();
  const newEmailKey = normalizeEmail(newEmail);

  let accountId: string;
  let holders: Holder[];
  let oldEmailKey: string | null = null;
  if (request.current !== null) {
    oldEmailKey = normalizeEmail(request.current);
    const accounts = groupByAccount(facts.holders.filter((h) => h.emailKey === oldEmailKey));
    if (accounts.size === 0) return refuse({ problem: 'unknown-current', emailKey: oldEmailKey });
    if (newEmailKey === oldEmailKey) return refuse({ problem: 'same-address', emailKey: oldEmailKey });
    const ids = [...accounts.keys()];
    if (request.account === undefined) {
      if (ids.length > 1) return refuse({ problem: 'account-needed', accounts: ids });
      accountId = ids[0]!;
    } else {
      const match = matchAccountId(request.account, ids);
      if (!match.ok) return refuse({ problem: match.problem === 'ambiguous' ? 'account-ambiguous' : 'account-not-using', account: request.account, accounts: match.candidates });
      accountId = match.accountId;
    }
    holders = accounts.get(accountId)!;
    if (request.role !== undefined) {
      holders = holders.filter((h) => h.role === request.role);
      if (holders.length === 0) return refuse({ problem: 'role-not-using', role: request.role, accountId });
    }
  } else {
    const ids = [...new Set(facts.holders.map((h) => h.accountId))];
    if (request.account === undefined || ids.length === 0) return refuse({ problem: 'unknown-account', account: request.account ?? '' });
    const match = matchAccountId(request.account, ids);
    if (!match.ok) return refuse(match.problem === 'ambiguous' ? { problem: 'account-ambiguous', account: request.account, accounts: match.candidates } : { problem: 'unknown-account', account: request.account });
    accountId = match.accountId;
    const primary = facts.holders.find((h) => h.accountId === accountId && h.role === 'primary');
    if (!primary) return refuse({ problem: 'unknown-account', account: request.account });
    if (primary.emailKey !== null) return refuse({ problem: 'primary-has-address', accountId, primary });
    holders = [primary];
  }

  const elsewhere = [...new Set(facts.accountsUsingNew)].filter((id) => id !== accountId);
  if (elsewhere.length > 0) return refuse({ problem: 'used-elsewhere', accounts: elsewhere });

  // R3: a secondary's access works only while their address differs from the primary's.
  const accountHolders = facts.accountHolders.filter((h) => h.accountId === accountId);
  const changes = (h: Holder) => holders.some((c) => sameHolder(c, h));
  const keyAfter = (h: Holder) => (changes(h) ? newEmailKey : h.emailKey);
  const primary = accountHolders.find((h) => h.role === 'primary');
  const loginLost = accountHolders.filter(
    (h) => h.role === 'secondary' && h.loginAccess && h.emailKey !== primary?.emailKey && primary !== undefined && keyAfter(h) === keyAfter(primary),
  );
  return {
    ok: true,
    plan: {
      form: request.current === null ? 'add' : 'change',
      accountId,
      accountName: holders[0]!.accountName,
      oldEmailKey,
      newEmail,
      newEmailKey,
      holders,
      sharedWith: accountHolders.filter((h) => h.emailKey === newEmailKey && !changes(h)),
      loginLost,
    },
  };
}

// Holders carry no id; within one account, role + name + address tells them apart.
function sameHolder(a: Holder, b: Holder): boolean {
  return a.accountId === b.accountId && a.role === b.role && a.firstName === b.firstName && a.lastName === b.lastName && a.emailKey === b.emailKey;
}
