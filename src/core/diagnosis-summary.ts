import type { Check, DiagnosisReport } from './diagnose.js';
import { likelyDomain } from './suggest.js';

type SummaryInput = Pick<DiagnosisReport, 'normalizedEmail' | 'holders' | 'checks' | 'resetRecipient' | 'suggestions'>;

const NUMBER_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];

function count(n: number): string {
  return NUMBER_WORDS[n] ?? String(n);
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function withoutFinalStop(text: string): string {
  return text.trim().replace(/\.$/, '');
}

function and(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

// R1 in the admin's words: whose address, which accounts, what it does to the login.
function duplicateSentence(report: SummaryInput): string {
  const accounts = new Map<string, string>();
  for (const holder of report.holders) accounts.set(holder.accountId, holder.accountName);
  const names = [...accounts.values()];
  const labels = new Set(names).size === names.length ? names : [...accounts].map(([id, name]) => `${name} (${id})`);
  const people = new Set(report.holders.filter((h) => h.name !== '(no name)').map((h) => h.name.split(' ')[0]!));
  const whose = people.size === 1 ? `${[...people][0]}'s address` : report.normalizedEmail;
  const removeFrom = accounts.size === 2 ? 'one of them' : 'all but one';
  return `${whose} is in ${count(accounts.size)} accounts (${and(labels)}): login fails until it is removed from ${removeFrom} (\`enrollsy-help fix-conflict ${report.normalizedEmail}\`).`;
}

/**
 * The root cause of a diagnosis in one sentence: the first failing check by rule order (the
 * address itself, R1, R3, then the recipient's mail), with its fix; or, when nothing fails,
 * that nothing blocks a login and what to do next. Derived from the checks, never a separate opinion.
 */
export function diagnosisSummary(report: SummaryInput): string {
  const failing = (id: string): Check | undefined => report.checks.find((c) => c.id === id && c.status === 'fail');
  const didTheyMean = report.suggestions.length > 0 ? ` (did they mean ${report.suggestions.join(' or ')}?)` : '';

  if (failing('email-format')) return `The address as given is malformed: ask the customer to spell it out again, letter by letter${didTheyMean}.`;
  if (failing('account-found')) return `No holder uses ${report.normalizedEmail}: ask the customer which address they signed up with${didTheyMean}, then diagnose that one.`;
  if (failing('duplicate-email')) return duplicateSentence(report);
  const recipient = failing('reset-recipient');
  if (recipient) return `No reset email can be sent: ${lowerFirst(withoutFinalStop(recipient.detail))}; ${lowerFirst(withoutFinalStop(recipient.fix))}.`;
  const mail = failing('recipient-mail');
  if (mail) return `${withoutFinalStop(mail.detail)}; ask the customer for an address that receives mail, and correct it in the account.`;
  const other = report.checks.find((c) => c.status === 'fail');
  if (other) return `${other.title}: ${lowerFirst(withoutFinalStop(other.fix || other.detail))}.`;

  // A secondary holder without login access has no login of their own (R3): that is the finding,
  // even though no check fails (the reset then goes to the primary).
  const noAccess = report.checks.find((c) => c.id === 'login-access' && c.status === 'warn');
  if (noAccess) {
    const asked = report.holders.find((h) => h.role === 'secondary');
    const who = asked?.name && asked.name !== '(no name)' ? asked.name : 'This secondary holder';
    const primary = report.resetRecipient?.role === 'primary' ? report.resetRecipient.email : null;
    if (!asked?.loginAccess) {
      const steps = primary ? ` (\`enrollsy-help message ${primary} --template grant-access\` sends the steps)` : '';
      return `${who} has no login of their own (a secondary holder without login access): only the primary can grant it${steps}; until then only the primary can sign in${primary ? `, and a reset goes to the primary's address, ${primary}` : ''}.`;
    }
    return `${who}'s login access cannot work: ${lowerFirst(withoutFinalStop(noAccess.detail))}; ${lowerFirst(withoutFinalStop(noAccess.fix))}.`;
  }

  // Nothing blocks; a mistyped domain still means the reset email may never arrive.
  const mailWarn = report.checks.find((c) => c.id === 'recipient-mail' && c.status === 'warn');
  const domainWarn = report.checks.find((c) => c.id === 'email-domain' && c.status === 'warn');
  if (mailWarn || domainWarn) {
    const domain = domainOf(mailWarn ? (report.resetRecipient?.email ?? report.normalizedEmail) : report.normalizedEmail);
    const intended = likelyDomain(domain);
    return `Nothing blocks a login, but mail to ${domain} may never arrive${intended === null ? '' : ` (did they mean ${intended}?)`}: confirm the address with the customer before sending a reset.`;
  }
  return 'Nothing blocks a login: send the Account Sign-In link and ask how they reached the sign-in page.';
}
