import type { EscalationNote } from '../../core/escalation-note.js';
import { formatMoment } from '../../core/format-time.js';

/**
 * The note as plain text, ready to paste into the Enrollsy support chat or to save: no colour,
 * no commands, times in the admin's zone with its name.
 */
export function renderEscalationNote(note: EscalationNote): string {
  const at = (iso: string) => formatMoment(new Date(iso));
  const lines = [
    `Customer login problem at ${note.company}: ${note.email}`,
    `Prepared ${at(note.preparedAt)} (times in ${note.timeZone}) with enrollsy-help.`,
    note.outcome === 'resolved' ? 'Outcome: resolved, the customer can log in.' : 'Outcome: the customer still cannot log in.',
  ];
  if (note.summary) lines.push(`Finding: ${note.summary.replace(/`[^`]*`/g, '').replace(/\s+\(\s*\)/g, '').trim()}`);
  if (note.accounts.length > 0) {
    lines.push('Accounts:');
    for (const account of note.accounts) {
      lines.push(`- ${account.accountName} (account ${account.accountId})`);
      for (const h of account.holders) {
        const access = h.role === 'secondary' ? (h.loginAccess ? ', login access' : ', no login access') : '';
        lines.push(`    ${h.role} ${h.name} <${h.email ?? 'no email'}>${access}`);
      }
    }
  } else lines.push('Accounts: no account holder uses this address.');
  lines.push('Checks:', ...note.checks.map((c) => `- [${c.status}] ${c.title}: ${c.detail.replace(/`[^`]*`/g, '').trim()}`));
  if (note.advice.length > 0) lines.push('Advice given to the customer:', ...note.advice.map((a) => `- ${a}`));
  if (note.steps.length > 0) lines.push('Steps taken:', ...note.steps.map((s) => `- ${at(s.at)}, ${s.step}: ${s.outcome}`));
  if (note.outcome === 'escalated') lines.push('The customer still cannot log in. Please advise.');
  return lines.join('\n');
}
