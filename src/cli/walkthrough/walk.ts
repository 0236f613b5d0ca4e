import { diagnose, type Check, type DiagnoseFacts, type DiagnosisReport } from '../../core/diagnose.js';
import type { ResetRecipientDecision } from '../../core/reset-recipient.js';
import type { Store } from '../../store/store.js';
import type { Prompter } from '../../ui/prompts.js';
import { startSpinner } from '../../ui/spinner.js';
import { wrapText } from '../../ui/wrap-text.js';
import type { Context } from '../context.js';
import { gatherFactsWithMail } from '../recipient-mail.js';
import { statusMark } from '../render/render-checks.js';

/** What the walkthrough's steps share: the command's context, the store, the prompter, and how to speak. */
export interface Walk {
  ctx: Context;
  store: Store;
  ask: Prompter;
  /** Prints text wrapped to the terminal with a hanging indent; commands and flags never reach it (see `plain`). */
  say(text: string): void;
  /** Prints the next step's numbered heading. */
  heading(title: string): void;
  /** The commands that would do what the walkthrough did, for "show the commands" at the end. */
  commands: string[];
}

/** An email that may be on its way to someone, so the next step asks whether it arrived. */
export interface AwaitedEmail {
  to: string;
  name: string;
  role: 'primary' | 'secondary';
  /** `hand`: the admin sends the saved .eml themselves. */
  via: 'smtp' | 'hand';
}

/** The facts so far: the address in question and everything the store and the checks say about it. */
export interface WalkFacts {
  email: string;
  facts: DiagnoseFacts;
  report: DiagnosisReport;
  decision: ResetRecipientDecision;
  /** The reset email the customer should be looking for, if any. */
  awaiting: AwaitedEmail | null;
}

/** A step's outcome: the facts after it, what was done and said, the note's line, and where the flow goes next. */
export interface StepOutcome {
  facts: WalkFacts;
  /** What the tool did: changes in the store, emails sent or saved. */
  done: string[];
  /** The advice the customer was given (the note lists it). */
  said: string[];
  /** The escalation note's line for this step. */
  note: string;
  /** `resolved`: the customer can log in; `stop`: nothing more can be done here. */
  next: 'continue' | 'resolved' | 'stop';
}

/** One step of the vendor's flow: takes the facts so far, returns its outcome. */
export type Step = (walk: Walk, facts: WalkFacts) => Promise<StepOutcome>;

/** Builds the walk for a command run; `prompter` comes from the context (scripted in tests). */
export async function createWalk(ctx: Context, store: Store): Promise<Walk> {
  const ask = await ctx.prompter();
  let step = 0;
  const say = (text: string) => ctx.print(wrapText(text, ctx.columns));
  return {
    ctx,
    store,
    ask,
    say,
    heading: (title) => {
      step += 1;
      say(`\n${ctx.out.bold.cyan(`Step ${step}`)} ${ctx.out.bold(title)}`);
    },
    commands: [],
  };
}

/** Reads the store again and runs every check on `email` (after a change, or for another address). */
export async function look(walk: Walk, email: string, awaiting: AwaitedEmail | null = null): Promise<WalkFacts> {
  const spinner = await startSpinner(walk.ctx, `Looking up ${email.trim()}…`);
  try {
    // With the recipient mail check (DNS; skipped with --offline): whether an email there can arrive.
    const facts = await gatherFactsWithMail(walk.ctx, walk.store, email);
    const { report, decision } = diagnose(facts);
    return { email, facts, report, decision, awaiting };
  } finally {
    spinner.stop();
  }
}

/**
 * Text for the interactive flow: sentences that hold a command or a flag are left out (the
 * commands are kept for "show the commands"), and "(--no-send)" asides dropped.
 */
export function plain(walk: Pick<Walk, 'commands'>, text: string): string {
  for (const match of text.matchAll(/`([^`]+)`/g)) if (!walk.commands.includes(match[1]!)) walk.commands.push(match[1]!);
  const sentences = text.replace(/\s*\(--[a-z-]+\)/g, '').split(/(?<=[.!?])\s+(?=[A-Z"(])/);
  return sentences
    .filter((s) => !/`|(^|[\s(])--[a-z]|enrollsy-help /.test(s))
    .join(' ')
    .trim();
}

/** Checks as the walkthrough shows them: mark, title, detail and fix, in words (no commands). */
export function showChecks(walk: Walk, checks: readonly (Check | undefined)[]): void {
  const { out } = walk.ctx;
  for (const check of checks) {
    if (!check) continue;
    walk.say(`${statusMark(out, check.status)} ${out.bold(check.title)}`);
    const detail = plain(walk, check.detail);
    if (detail) walk.say(`    ${detail}`);
    const fix = check.status === 'pass' ? '' : plain(walk, check.fix);
    if (fix) walk.say(`    ${out.cyan('→')} ${fix}`);
  }
}

/** The check with this id, if the report has it. */
export function checkOf(facts: WalkFacts, id: string): Check | undefined {
  return facts.report.checks.find((c) => c.id === id);
}

/** An outcome that goes on to the next step. */
export function onward(facts: WalkFacts, note: string, extra: Partial<Omit<StepOutcome, 'facts' | 'note'>> = {}): StepOutcome {
  return { facts, note, done: [], said: [], next: 'continue', ...extra };
}
