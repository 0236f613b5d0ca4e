import type { Check } from './diagnose.js';
import type { Company } from './types.js';

/**
 * Whether the company settings that links and emails use are in place: the name customers see,
 * the Account Sign-In and Password Reset links (R2, R3), and a usable sender address.
 */
export function companyChecks(company: Company, facts: { nameIsPlaceholder: boolean; senderProblem: string | null; sender: string | null }): Check[] {
  const set = (flag: string, what: string) => `enrollsy-help company set ${flag} ${what}`;
  return [
    facts.nameIsPlaceholder
      ? { id: 'company-name', status: 'fail', title: 'Company name', detail: 'not set: emails would say "Your company"', fix: set('--name', '"<your company name>"') }
      : { id: 'company-name', status: 'pass', title: 'Company name', detail: company.name, fix: '' },
    company.signInUrl
      ? { id: 'company-sign-in-url', status: 'pass', title: 'Account Sign-In link', detail: company.signInUrl, fix: '' }
      : { id: 'company-sign-in-url', status: 'fail', title: 'Account Sign-In link', detail: 'not set: customers cannot be sent to the right sign-in page', fix: set('--sign-in-url', '<url> (copy it from "My Company" in Enrollsy)') },
    company.resetUrl
      ? { id: 'company-reset-url', status: 'pass', title: 'Account Password Reset link', detail: company.resetUrl, fix: '' }
      : { id: 'company-reset-url', status: 'fail', title: 'Account Password Reset link', detail: 'not set: no reset link can be issued', fix: set('--reset-url', '<url> (copy it from "My Company" in Enrollsy)') },
    facts.senderProblem === null
      ? { id: 'company-sender', status: 'pass', title: 'Sender address', detail: facts.sender ?? '', fix: '' }
      : { id: 'company-sender', status: 'fail', title: 'Sender address', detail: facts.senderProblem, fix: `${set('--sender', '<address>')}, or set ENROLLSY_MAIL_FROM` },
  ];
}
