import type { Choice, Prompter } from '../../src/ui/prompts.js';

/**
 * One scripted answer: the question it expects (a part of its text) and what the admin answers.
 * For a choice, `answer` is a part of the chosen option's label, as the admin reads it on screen.
 */
export interface ScriptedAnswer {
  question: string | RegExp;
  answer: string | boolean;
}

/** What was asked and answered, in order (the test asserts on it). */
export interface Transcript {
  asked: { question: string; choices?: string[]; answer: string | boolean }[];
}

/** Ends a scripted run like Ctrl-C ends a real one (inquirer's ExitPromptError). */
export class ScriptExhausted extends Error {
  override name = 'ExitPromptError';
}

/**
 * A stand-in for the terminal: answers each question from the script, in order, and fails the
 * test when a question differs from what the script expects or a choice is missing. Input
 * answers go through the prompt's own validation, as on a terminal.
 */
export function scriptedPrompter(script: readonly ScriptedAnswer[], transcript: Transcript = { asked: [] }): Prompter & { transcript: Transcript; remaining: () => number } {
  let next = 0;
  const take = (message: string): ScriptedAnswer => {
    const step = script[next];
    if (step === undefined) throw new ScriptExhausted(`No scripted answer for: ${message}`);
    const fits = typeof step.question === 'string' ? message.includes(step.question) : step.question.test(message);
    if (!fits) throw new Error(`Expected the question ${String(step.question)}, but was asked: ${message}`);
    next += 1;
    return step;
  };
  return {
    transcript,
    remaining: () => script.length - next,
    async select<T>(message: string, choices: readonly Choice<T>[]): Promise<T> {
      const step = take(message);
      const names = choices.map((c) => c.name);
      const chosen = choices.find((c) => c.name.includes(String(step.answer)));
      if (!chosen) throw new Error(`No choice "${String(step.answer)}" for "${message}"; the choices are:\n${names.join('\n')}`);
      transcript.asked.push({ question: message, choices: names, answer: chosen.name });
      return chosen.value;
    },
    async confirm(message: string): Promise<boolean> {
      const step = take(message);
      if (typeof step.answer !== 'boolean') throw new Error(`"${message}" is a yes/no question; the script answers ${String(step.answer)}`);
      transcript.asked.push({ question: message, answer: step.answer });
      return step.answer;
    },
    async input(message: string, validate: (value: string) => string | true): Promise<string> {
      const step = take(message);
      const verdict = validate(String(step.answer));
      if (verdict !== true) throw new Error(`The prompt refused "${String(step.answer)}": ${verdict}`);
      transcript.asked.push({ question: message, answer: step.answer });
      return String(step.answer);
    },
  };
}
