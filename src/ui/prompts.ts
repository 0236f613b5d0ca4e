import type { IO } from './io.js';
import { terminalText } from './terminal-text.js';

/** A choice in a select prompt. */
export interface Choice<T> {
  name: string;
  value: T;
  description?: string;
}

/** The questions a walkthrough can ask; one implementation talks to the terminal. */
export interface Prompter {
  select<T>(message: string, choices: readonly Choice<T>[]): Promise<T>;
  confirm(message: string, defaultValue: boolean): Promise<boolean>;
  input(message: string, validate: (value: string) => string | true): Promise<string>;
}

/**
 * Prompts through @inquirer/prompts on the given streams (the prompt itself goes to stderr, so
 * stdout keeps only the walkthrough's content). Ctrl-C rejects with inquirer's ExitPromptError,
 * which the entry maps to exit 130.
 */
export async function terminalPrompter(io: IO): Promise<Prompter> {
  const { select, confirm, input } = await import('@inquirer/prompts');
  const context = { input: io.stdin as NodeJS.ReadableStream, output: io.stderr.asStream?.() ?? (io.stderr as NodeJS.WritableStream), clearPromptOnDone: false };
  return {
    select: (message, choices) =>
      select(
        {
          message: terminalText(message),
          choices: choices.map((c) => ({ ...c, name: terminalText(c.name), ...(c.description !== undefined ? { description: terminalText(c.description) } : {}) })),
          loop: false,
          pageSize: 12,
        },
        context,
      ),
    confirm: (message, defaultValue) => confirm({ message: terminalText(message), default: defaultValue }, context),
    input: (message, validate) => input({ message: terminalText(message), validate: (value) => { const verdict = validate(value); return verdict === true ? true : terminalText(verdict); } }, context),
  };
}
