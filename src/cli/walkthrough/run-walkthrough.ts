import { CliError, InterruptedError } from '../../core/errors.js';
import type { NoteStep } from '../../core/escalation-note.js';
import type { Store } from '../../store/store.js';
import type { CommandResult } from '../command-result.js';
import type { Context } from '../context.js';
import { finish } from './finish.js';
import { duplicateStep } from './step-duplicate.js';
import { notReceivedStep } from './step-not-received.js';
import { readyStep } from './step-ready.js';
import { resetStep } from './step-reset.js';
import { signInStep } from './step-sign-in.js';
import { whoStep } from './step-who.js';
import { createWalk, look, plain, type Step, type StepOutcome } from './walk.js';

/** The vendor's flow, in its order: each step takes the facts so far and returns its outcome. */
const STEPS: readonly { name: string; run: Step }[] = [
  { name: 'Company settings', run: readyStep },
  { name: 'Who uses the address', run: whoStep },
  { name: 'Duplicate-email check', run: duplicateStep },
  { name: 'Sign-in page', run: signInStep },
  { name: 'Password reset', run: resetStep },
  { name: 'Reset email arrival', run: notReceivedStep },
];

/**
 * The guided walkthrough of the login-support flow for one address. Nothing inside it ends it
 * with an error: a refusal or a failure becomes that step's outcome, and the flow goes on to
 * the summary and the note. Only Ctrl-C leaves early (exit 130).
 */
export async function runWalkthrough(ctx: Context, store: Store, email: string): Promise<CommandResult> {
  const walk = await createWalk(ctx, store);
  let facts = await look(walk, email);
  const steps: NoteStep[] = [];
  const advice: string[] = [];
  let resolved: boolean | null = null;
  for (const step of STEPS) {
    let outcome: StepOutcome;
    try {
      outcome = await step.run(walk, facts);
    } catch (error) {
      if (error instanceof InterruptedError || !(error instanceof CliError)) throw error;
      const words = plain(walk, error.message) || error.message;
      walk.say(`${ctx.out.red('✖')} ${words}`);
      outcome = { facts: await look(walk, facts.email, null), done: [], said: [], note: `Could not finish: ${words}`, next: 'continue' };
    }
    // A step with nothing to report (settings complete, no email awaited) leaves no line in the note.
    if (outcome.note !== '') steps.push({ at: ctx.clock.now().toISOString(), step: step.name, outcome: outcome.note });
    advice.push(...outcome.said);
    facts = outcome.facts;
    if (outcome.next === 'resolved') resolved = true;
    if (outcome.next === 'stop') resolved = false;
    if (outcome.next !== 'continue') break;
  }
  if (resolved === null) {
    resolved = await walk.ask.confirm('Can the customer log in now?', false);
    steps.push({ at: ctx.clock.now().toISOString(), step: 'Outcome', outcome: resolved ? 'The customer can log in.' : 'The customer still cannot log in.' });
  }
  return finish(walk, facts, { resolved, steps, advice });
}
