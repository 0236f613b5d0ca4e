import type { CheckStatus, DiagnoseFacts, DiagnosisReport } from './diagnose.js';
import { holderName, type Role } from './types.js';

/** One step of the walkthrough as the note records it: when, which step, what came of it. */
export interface NoteStep {
  at: string;
  step: string;
  outcome: string;
}

/**
 * The note an admin pastes into the vendor's support chat (R5), or keeps: who the customer is,
 * what was checked, the advice given and each step's outcome with its time. `diagnose --json`
 * prints it as `escalationNote`, so a script can produce it too.
 */
export interface EscalationNote {
  /** `resolved`: the customer can log in; `escalated`: they still cannot, so the admin contacts Enrollsy. */
  outcome: 'resolved' | 'escalated';
  preparedAt: string;
  /** The IANA zone the note's times are written in (the admin's). */
  timeZone: string;
  company: string;
  email: string;
  normalizedEmail: string;
  summary: string | null;
  accounts: { accountId: string; accountName: string; holders: { role: Role; name: string; email: string | null; loginAccess: boolean }[] }[];
  checks: { id: string; status: CheckStatus; title: string; detail: string }[];
  advice: string[];
  steps: NoteStep[];
}

/** Builds the note from what was found and done; pure. */
export function buildEscalationNote(input: {
  facts: Pick<DiagnoseFacts, 'accountHolders' | 'company'>;
  report: DiagnosisReport;
  outcome: EscalationNote['outcome'];
  preparedAt: Date;
  timeZone: string;
  advice: readonly string[];
  steps: readonly NoteStep[];
}): EscalationNote {
  const accounts = new Map<string, EscalationNote['accounts'][number]>();
  for (const h of input.facts.accountHolders) {
    const account = accounts.get(h.accountId) ?? { accountId: h.accountId, accountName: h.accountName, holders: [] };
    account.holders.push({ role: h.role, name: holderName(h), email: h.email, loginAccess: h.role === 'primary' || h.loginAccess });
    accounts.set(h.accountId, account);
  }
  const summary = (input.report as { summary?: unknown }).summary;
  return {
    outcome: input.outcome,
    preparedAt: input.preparedAt.toISOString(),
    timeZone: input.timeZone,
    company: input.facts.company.name,
    email: input.report.email.trim(),
    normalizedEmail: input.report.normalizedEmail,
    summary: typeof summary === 'string' && summary !== '' ? summary : null,
    accounts: [...accounts.values()],
    checks: input.report.checks.map(({ id, status, title, detail }) => ({ id, status, title, detail })),
    advice: [...new Set(input.advice)],
    steps: [...input.steps],
  };
}
