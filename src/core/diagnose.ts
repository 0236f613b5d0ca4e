import { emailProblem } from './email.js';
import { formatDuration, formatMoment } from './format-time.js';
import { groupByAccount } from './group-by-account.js';
import { deliveryWords, explainLink, recipientWords } from './explain-link.js';
import { linkStatus, loginKey, type StoredLink } from './reset-link-state.js';
import { resolveResetRecipient, secondaryAccessWorks, type ResetRecipientDecision } from './reset-recipient.js';
import { diagnosisSummary } from './diagnosis-summary.js';
import type { RecipientMail } from './mail-domain.js';
import { recipientMailCheck } from './recipient-mail-check.js';
import { likelyDomain } from './suggest.js';
import { holderName, type Company, type Holder, type Role } from './types.js';

/** A check's outcome, as the contract names them. */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'info' | 'skip';

/** One line of the diagnosis: what was checked, the result, and the fix for a problem. */
export interface Check {
  id: string;
  status: CheckStatus;
  title: string;
  detail: string;
  fix: string;
}

/** Everything the store knows that bears on one address; gathered by the caller. */
export interface DiagnoseFacts {
  /** The address as the admin typed it. */
  email: string;
  emailKey: string;
  holdersWithAddress: readonly Holder[];
  /** Every holder of the accounts in `holdersWithAddress`. */
  accountHolders: readonly Holder[];
  /** Which accounts use a key; must answer for `emailKey` and the primaries' keys. */
  accountsUsing: (emailKey: string) => readonly string[];
  /** The newest reset link of each login (account + recipient key, keyed by `loginKey`) of the accounts involved. */
  latestLinks: ReadonlyMap<string, StoredLink>;
  company: Company;
  /** True while the company name is still the placeholder (never set). */
  companyNameIsPlaceholder?: boolean;
  suggestions: readonly string[];
  now: Date;
  /** The recipient mail check's finding (null: nothing to look up); absent when no lookup was made. */
  recipientMail?: RecipientMail | null;
}

/** The diagnosis report of the contract (`diagnose --json`). */
export interface DiagnosisReport {
  email: string;
  normalizedEmail: string;
  /** One sentence: the blocking problem and its fix, or that nothing blocks. */
  summary: string;
  found: boolean;
  holders: { accountId: string; accountName: string; role: Role; name: string; email: string; loginAccess: boolean }[];
  checks: Check[];
  resetRecipient: { email: string; role: Role } | null;
  suggestions: string[];
}

/** Runs every automatic check of the login-support flow (R1–R4) on the gathered facts. */
export function diagnose(facts: DiagnoseFacts): { report: DiagnosisReport; decision: ResetRecipientDecision } {
  const checks: Check[] = [];
  const found = facts.holdersWithAddress.length > 0;
  const accounts = groupByAccount(facts.holdersWithAddress);
  const suggestionText = facts.suggestions.length > 0 ? ` Did they mean ${facts.suggestions.join(' or ')}?` : '';

  const formatProblem = emailProblem(facts.email);
  checks.push(
    formatProblem === null
      ? { id: 'email-format', status: 'pass', title: 'Address is well-formed', detail: `${facts.email.trim()} is a well-formed address.`, fix: '' }
      : { id: 'email-format', status: 'fail', title: 'Address is malformed', detail: `The address as given is malformed: ${formatProblem}.`, fix: `Ask the customer to spell the address out again, letter by letter.${suggestionText}` },
  );

  checks.push(
    found
      ? {
          id: 'account-found',
          status: 'pass',
          title: 'Address is on file',
          detail: `Used by ${facts.holdersWithAddress.length} holder${facts.holdersWithAddress.length === 1 ? '' : 's'} in ${accounts.size} account${accounts.size === 1 ? '' : 's'}.`,
          fix: '',
        }
      : {
          id: 'account-found',
          status: 'fail',
          title: 'No holder uses this address',
          detail: `No account holder has the address ${facts.emailKey}; the customer cannot log in with it.${suggestionText}`,
          fix: 'Ask which address the customer signed up with, then run diagnose on that one (never create or change an address on a guess).',
        },
  );

  const domain = facts.emailKey.slice(facts.emailKey.lastIndexOf('@') + 1);
  const intendedDomain = facts.emailKey.includes('@') ? likelyDomain(domain) : null;
  if (intendedDomain !== null) {
    checks.push({
      id: 'email-domain',
      status: 'warn',
      title: 'Domain looks mistyped',
      detail: `"${domain}" looks like a typo of "${intendedDomain}".${found ? ' Mail to the address on file may never arrive.' : ''}`,
      fix: found
        ? `Confirm the address with the customer; if it is wrong, correct it: \`enrollsy-help holder set-email ${facts.emailKey} <corrected address>\` (e.g. @${intendedDomain}).`
        : `Ask whether the customer meant @${intendedDomain}.`,
    });
  }

  if (!found) {
    checks.push({ id: 'duplicate-email', status: 'info', title: 'Duplicate-email check skipped', detail: 'No holder uses this address, so it cannot be in two accounts.', fix: '' });
  } else if (accounts.size > 1) {
    const where = [...accounts.entries()]
      .map(([id, holders]) => `${holders[0]!.accountName} (${id}) as ${holders.map((h) => `${h.role} ${holderName(h)}`).join(' and ')}`)
      .join('; ');
    checks.push({
      id: 'duplicate-email',
      status: 'fail',
      title: `Address is used in ${accounts.size} accounts`,
      detail: `The same address cannot be in two accounts; login fails in all of them until it is removed from the others. Used by: ${where}.`,
      fix: `Keep it in the account of the customer who is logging in, and remove or change it in the other: \`enrollsy-help fix-conflict ${facts.emailKey} --keep <${[...accounts.keys()].join(' or ')}> --delete\` (or --change-to <new-email>).`,
    });
  } else {
    const holders = [...accounts.values()][0]!;
    checks.push({
      id: 'duplicate-email',
      status: 'pass',
      title: 'Address is in one account only',
      detail:
        holders.length > 1
          ? `Used twice inside account ${holders[0]!.accountId} (${holders.map((h) => h.role).join(' and ')}); that is allowed and not a conflict.`
          : 'No other account uses this address.',
      fix: '',
    });
  }

  const primary = facts.accountHolders.find((h) => h.role === 'primary' && accounts.has(h.accountId) && accounts.size === 1);
  for (const secondary of facts.holdersWithAddress.filter((h) => h.role === 'secondary')) {
    if (accounts.size > 1) break;
    const works = secondaryAccessWorks(secondary, primary, facts.accountsUsing(secondary.emailKey!));
    if (works) {
      checks.push({ id: 'login-access', status: 'pass', title: 'Secondary holder has login access', detail: `${holderName(secondary)} was granted login access by the primary and can reset their own password.`, fix: '' });
    } else if (secondary.loginAccess && primary?.emailKey === secondary.emailKey) {
      checks.push({
        id: 'login-access',
        status: 'warn',
        title: "Secondary's access cannot work",
        detail: `${holderName(secondary)} has login access, but it only works with an address different from the primary's; this one is the same.`,
        fix: 'Give the secondary holder their own address, or let the primary reset and log in.',
      });
    } else if (secondary.email !== null && primary?.emailKey !== secondary.emailKey) {
      checks.push({
        id: 'login-access',
        status: 'warn',
        title: 'Secondary holder has no login access',
        detail: primary?.email
          ? `${holderName(secondary)} is a secondary holder without login access: reset emails go to the primary, ${holderName(primary)}.`
          : `${holderName(secondary)} is a secondary holder without login access: reset emails would go to the primary${primary ? `, ${holderName(primary)}` : ''}, who has no email address on file, so none can be sent now.`,
        fix: primary?.email
          ? `Ask the primary to grant access (only to a trusted person: it gives full control, payment methods included). Send them the steps: \`enrollsy-help message ${primary.email} --template grant-access\`.`
          : 'The primary has no email address on file: call them, and read them the steps to grant access (`enrollsy-help message <this address> --template grant-access` prints them), or add an address for the primary.',
      });
    }
  }

  const decision = resolveResetRecipient({
    emailKey: facts.emailKey,
    holdersWithAddress: facts.holdersWithAddress,
    accountHolders: facts.accountHolders,
    accountsUsing: facts.accountsUsing,
  });
  checks.push(
    decision.ok
      ? {
          id: 'reset-recipient',
          status: 'pass',
          title: `Reset email goes to the ${decision.role}`,
          detail: `${decision.reason} Recipient: ${holderName(decision.holder)} <${decision.email}>.`,
          fix: '',
        }
      : { id: 'reset-recipient', status: 'fail', title: 'No reset email can be sent', detail: decision.reason, fix: decision.fix },
  );

  if (facts.recipientMail !== undefined) checks.push(recipientMailCheck(facts.recipientMail));

  checks.push(pendingResetCheck(facts, accounts.size === 1 ? [...accounts.keys()][0]! : null, decision));

  const company = facts.company;
  const missing = [
    !company.signInUrl && 'the Account Sign-In link',
    !company.resetUrl && 'the Account Password Reset link',
    !company.sender && 'the sender address',
    facts.companyNameIsPlaceholder && 'the company name',
  ].filter((item): item is string => typeof item === 'string');
  if (missing.length > 0) {
    checks.push({
      id: 'company-links',
      status: 'warn',
      title: 'Company settings incomplete',
      detail: `Not set: ${missing.join(', ')}. Links cannot be handed out and emails to customers cannot say who they are from.`,
      fix: 'Copy the links from the "My Company" page in Enrollsy, then `enrollsy-help company set --name <name> --sign-in-url <url> --reset-url <url> --sender <email>`.',
    });
  }

  const report: DiagnosisReport = {
    email: facts.email,
    normalizedEmail: facts.emailKey,
    summary: '',
    found,
    holders: facts.holdersWithAddress.map((h) => ({
      accountId: h.accountId,
      accountName: h.accountName,
      role: h.role,
      name: holderName(h),
      email: h.email ?? '',
      loginAccess: h.role === 'secondary' ? h.loginAccess : true,
    })),
    checks,
    resetRecipient: decision.ok ? { email: decision.email, role: decision.role } : null,
    suggestions: [...facts.suggestions],
  };
  report.summary = diagnosisSummary(report);
  return { report, decision };
}

// R3 per login: the link that matters is the newest one of the login a reset would go to.
function pendingResetCheck(facts: DiagnoseFacts, accountId: string | null, decision: ResetRecipientDecision): Check {
  const base = { id: 'pending-reset', status: 'info' as const, fix: '' };
  if (accountId === null) return { ...base, title: 'No reset link outstanding', detail: 'The address is not in exactly one account, so there is no reset link to look at.' };
  if (!decision.ok) return { ...base, title: 'No reset link outstanding', detail: 'No login of this account can receive a reset link now (see above).' };
  const latest = facts.latestLinks.get(loginKey(accountId, decision.emailKey));
  const who = `${holderName(decision.holder)} <${decision.email}>`;
  if (!latest) return { ...base, title: 'No reset link outstanding', detail: `No reset link was issued to ${who} yet.` };
  if (linkStatus(latest, facts.now) === 'valid') {
    const expires = new Date(latest.expiresAt);
    return {
      ...base,
      title: 'A reset link is outstanding',
      detail: `The link issued ${formatMoment(new Date(latest.issuedAt))} to ${recipientWords(latest)} (${deliveryWords(latest)}) is valid until ${formatMoment(expires)}, ${formatDuration(expires.getTime() - facts.now.getTime())} from now. Issuing a new one for this login cancels it.`,
      fix: latest.deliveryStatus === 'failed' ? `Its email was not delivered: resend with \`enrollsy-help reset ${latest.recipientEmail} --force\`.` : '',
    };
  }
  return { ...base, title: 'No reset link outstanding', detail: `The last link to ${who}: ${explainLink(latest, facts.now)}.` };
}
