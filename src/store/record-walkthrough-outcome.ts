import { appendAudit } from './audit.js';
import { immediateTransaction } from './immediate-transaction.js';
import type { Store } from './open-store.js';

/** Records how a walkthrough ended (`walkthrough.resolved` or `walkthrough.escalated`) in the audit log. */
export async function recordWalkthroughOutcome(
  store: Store,
  entry: { outcome: 'resolved' | 'escalated'; emailKey: string; accountId: string | null; at: Date; steps: number; summary: string | null },
): Promise<void> {
  await immediateTransaction(store, (trx) =>
    appendAudit(trx, {
      at: entry.at.toISOString(),
      admin: store.admin,
      action: `walkthrough.${entry.outcome}`,
      accountId: entry.accountId,
      emailKey: entry.emailKey,
      details: { steps: entry.steps, ...(entry.summary ? { summary: entry.summary } : {}) },
    }),
  );
}
