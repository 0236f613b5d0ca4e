import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { buildEscalationNote, type EscalationNote, type NoteStep } from '../../core/escalation-note.js';
import { ExitCode } from '../../core/errors.js';
import { machineTimeZone } from '../../ui/machine-time-zone.js';
import type { CommandResult } from '../command-result.js';
import { renderEscalationNote } from '../render/render-escalation-note.js';
import { plain, showChecks, type Walk, type WalkFacts } from './walk.js';

/** Where the note is saved unless the admin names a file: the current folder, named after the address and the day. */
export function defaultNoteFile(note: EscalationNote): string {
  return `enrollsy-note-${note.normalizedEmail.replace(/[^a-z0-9.@_-]/gi, '_')}-${note.preparedAt.slice(0, 10)}.txt`;
}

/**
 * The end of every walkthrough: the checks as they stand, then the outcome (resolved, or the
 * escalation note to paste into the vendor's chat), recorded in the audit log. Afterwards the
 * admin can save the note to a file or see the commands that would do the same from a script.
 */
export async function finish(walk: Walk, facts: WalkFacts, input: { resolved: boolean; steps: NoteStep[]; advice: string[] }): Promise<CommandResult> {
  const { ctx } = walk;
  const now = ctx.clock.now();
  walk.say(`\n${ctx.out.bold('Summary')}`);
  // The root cause in one sentence, without its command (kept for "show the commands").
  const cause = plain(
    walk,
    facts.report.summary.replace(/\s*\(`([^`]*)`\)/g, (_, command: string) => {
      if (!walk.commands.includes(command)) walk.commands.push(command);
      return '';
    }),
  );
  if (cause) walk.say(ctx.out.bold(cause));
  showChecks(walk, facts.report.checks);
  const note = buildEscalationNote({
    facts: facts.facts,
    report: facts.report,
    outcome: input.resolved ? 'resolved' : 'escalated',
    preparedAt: now,
    timeZone: machineTimeZone(),
    advice: input.advice,
    steps: input.steps,
  });
  const accountIds = [...new Set(facts.report.holders.map((h) => h.accountId))];
  // How each walkthrough ended, in the audit log: resolved, or escalated to Enrollsy.
  await walk.store.recordAudit({
    at: now.toISOString(),
    action: `walkthrough.${note.outcome}`,
    accountId: accountIds.length === 1 ? accountIds[0]! : null,
    emailKey: facts.report.normalizedEmail,
    details: { steps: input.steps.length, ...(note.summary ? { summary: note.summary } : {}) },
  });
  const text = renderEscalationNote(note);
  if (input.resolved) walk.say(`\n${ctx.out.green('✔ Resolved: the customer can log in.')} Recorded in the audit log.`);
  else {
    walk.say(`\n${ctx.out.bold('Escalation note')} (paste it into the Enrollsy support chat: the blue circle, lower right, in the Enrollsy app)`);
    walk.say(`----\n${text}\n----`);
    walk.say(ctx.out.yellow('Reminder: you (an admin) contact Enrollsy support; never ask the customer to contact Enrollsy directly.'));
  }
  // R6: the moment an admin has just dealt with a login problem is the moment to say it.
  walk.say(ctx.out.dim('Tip for your team: admins and instructors should use a password manager; reused passwords are behind most breaches.'));
  for (;;) {
    const next = await walk.ask.select<'done' | 'save' | 'commands'>('Anything else?', [
      { name: 'Done', value: 'done' },
      { name: input.resolved ? 'Save a record of this walkthrough to a file' : 'Save the escalation note to a file', value: 'save' },
      { name: 'Show the commands (to do the same from a script)', value: 'commands' },
    ]);
    if (next === 'done') break;
    if (next === 'commands') {
      // The same store and options as this run, so a pasted command acts where this walkthrough did
      // (a PostgreSQL URL as printed: without its password, which comes from PGPASSWORD or ~/.pgpass).
      const env = ctx.io.env;
      const defaultStore = env.ENROLLSY_DB && env.ENROLLSY_DB !== '' ? env.ENROLLSY_DB : 'data/enrollsy.db';
      const globals = [...(ctx.storePath === defaultStore ? [] : [`--db '${ctx.storeLabel.replace(/'/g, `'\\''`)}'`]), ...(ctx.offline ? ['--offline'] : [])].join(' ');
      const commands = [`enrollsy-help diagnose ${facts.report.normalizedEmail} --json   # every check, and this note as escalationNote`, ...walk.commands];
      walk.say(commands.map((c) => `    ${globals === '' ? c : c.replace(/^enrollsy-help /, `enrollsy-help ${globals} `)}`).join('\n'));
      continue;
    }
    const file = await walk.ask.input(`File name (Enter for ${defaultNoteFile(note)}):`, () => true);
    const path = resolve(file.trim() === '' ? defaultNoteFile(note) : file.trim());
    try {
      // Owner-only and never over an existing file: it holds customers' names and addresses.
      await writeFile(path, `${text}\n`, { mode: 0o600, flag: 'wx' });
      walk.say(`${ctx.out.green('✔')} Saved to ${path}`);
    } catch (error) {
      walk.say(`${ctx.out.red('✖')} Not saved: ${(error as NodeJS.ErrnoException).code === 'EEXIST' ? `${path} already exists; choose another name` : (error as Error).message}.`);
    }
  }
  const failed = facts.report.checks.some((c) => c.status === 'fail');
  return { exitCode: failed ? ExitCode.problemsFound : ExitCode.ok, json: { ...facts.report, escalationNote: { ...note, text } }, text: '' };
}
