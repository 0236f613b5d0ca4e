import type { DiagnosisReport } from './diagnose.js';

/** One item of R4's "I never got the reset email" checklist, with the facts it needs. */
export type NotReceivedItem =
  | { id: 'spam' }
  | { id: 'right-address'; address: string | null; role: 'primary' | 'secondary' | null }
  | { id: 'duplicate'; inTwoAccounts: boolean }
  | { id: 'safe-senders'; sender: string | null };

/**
 * R4 in the vendor's order: the spam folder, the address the email went to, the duplicate
 * check, then the sender on the safe-senders list. The CLI words each item.
 */
export function notReceivedChecklist(report: Pick<DiagnosisReport, 'resetRecipient' | 'checks'>, sender: string | null): NotReceivedItem[] {
  const duplicate = report.checks.find((c) => c.id === 'duplicate-email');
  return [
    { id: 'spam' },
    { id: 'right-address', address: report.resetRecipient?.email ?? null, role: report.resetRecipient?.role ?? null },
    { id: 'duplicate', inTwoAccounts: duplicate?.status === 'fail' },
    { id: 'safe-senders', sender },
  ];
}
