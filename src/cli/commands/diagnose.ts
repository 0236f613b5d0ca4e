import { diagnose, type DiagnosisReport } from '../../core/diagnose.js';
import { buildEscalationNote } from '../../core/escalation-note.js';
import { UsageError } from '../../core/errors.js';
import { machineTimeZone } from '../../ui/machine-time-zone.js';
import { renderEscalationNote } from '../render/render-escalation-note.js';
import { MAX_EMAIL_LENGTH } from '../../core/email.js';
import type { CommandResult } from '../command-result.js';
import type { Context } from '../context.js';
import { renderChecks, renderCounts } from '../render/render-checks.js';
import { gatherFactsWithMail } from '../recipient-mail.js';
import { renderHolders } from '../render/render-holders.js';

// Anything much longer than an address is a paste accident, not a customer's typo.
const MAX_INPUT_LENGTH = 4 * MAX_EMAIL_LENGTH;

/** The root-cause sentence, coloured by what it says. */
export function renderSummary(ctx: Context, report: DiagnosisReport): string {
  const failed = report.checks.some((c) => c.status === 'fail');
  const colour = failed ? ctx.out.red : report.summary.startsWith('Nothing blocks a login, but') ? ctx.out.yellow : ctx.out.green;
  return colour.bold(report.summary);
}

/** Renders a diagnosis as a doctor-style report: the root cause first, the checks, their counts. */
export function renderReport(ctx: Context, report: DiagnosisReport, holdersTable: string): string {
  const lines = [renderSummary(ctx, report), '', `${ctx.out.bold('Diagnosis for')} ${report.email.trim()}${report.normalizedEmail !== report.email.trim() ? ctx.out.dim(` (key ${report.normalizedEmail})`) : ''}`];
  if (report.found) lines.push(holdersTable);
  lines.push('', renderChecks(ctx.out, report.checks), '', renderCounts(ctx.out, report.checks));
  if (report.suggestions.length > 0) lines.push('', `Did the customer mean: ${report.suggestions.join(', ')}? (nothing was changed)`);
  return lines.join('\n');
}

/** `diagnose <email>`: the guided walkthrough on a terminal, else every automatic check as one report. */
export async function runDiagnose(ctx: Context, email: string): Promise<CommandResult> {
  if (email.length > MAX_INPUT_LENGTH) {
    throw new UsageError(`That is ${email.length} characters, not an email address (at most ${MAX_EMAIL_LENGTH}). Pass the customer's address.`);
  }
  if (email.trim() === '') throw new UsageError("The address is empty. Pass the customer's email address, e.g. enrollsy-help diagnose jane@example.com.");
  const store = await ctx.openStore();
  try {
    if (ctx.interactive) {
      const { runWalkthrough } = await import('./diagnose-walkthrough.js');
      return await runWalkthrough(ctx, store, email);
    }
    const facts = await gatherFactsWithMail(ctx, store, email);
    const { report } = diagnose(facts);
    const failed = report.checks.some((check) => check.status === 'fail');
    // The note a script pastes into the vendor's chat: the automatic checks, no walkthrough steps.
    const note = buildEscalationNote({ facts, report, outcome: 'escalated', preparedAt: ctx.clock.now(), timeZone: machineTimeZone(), advice: [], steps: [] });
    return { exitCode: failed ? 1 : 0, json: { ...report, escalationNote: { ...note, text: renderEscalationNote(note) } }, text: renderReport(ctx, report, renderHolders(ctx.out, facts.holdersWithAddress, facts.emailKey)) };
  } finally {
    await store.close();
  }
}
