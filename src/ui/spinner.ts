import type { Context } from '../cli/context.js';

/** A progress line on stderr that the command can update and clear. */
export interface Spinner {
  /** Whether anything is drawn: a silent spinner's callers need not build its text. */
  readonly live: boolean;
  /** Changes the text; `now` draws it at once (before work that blocks the event loop). */
  update(text: string, now?: boolean): void;
  stop(): void;
}

const silent: Spinner = { live: false, update: () => {}, stop: () => {} };

/**
 * Starts an ora spinner on stderr when stderr is a terminal with a width (and not CI or a dumb terminal);
 * otherwise a silent one, and ora is not even loaded, so scripts pay nothing for it.
 */
export async function startSpinner(ctx: Pick<Context, 'io'>, text: string): Promise<Spinner> {
  const { stderr, env } = ctx.io;
  if (!stderr.isTTY || env.CI || env.TERM === 'dumb') return silent;
  // ora divides by the width: a terminal that reports 0 columns (`stty cols 0`, `script`)
  // would get megabytes of cursor moves and a process that ignores Ctrl-C.
  const columns = (stderr as { columns?: number }).columns;
  if (columns === undefined || !(columns > 0)) return silent;
  const { default: ora } = await import('ora');
  const spinner = ora({ text, stream: (stderr.asStream?.() ?? stderr) as NodeJS.WriteStream, discardStdin: false }).start();
  return {
    live: true,
    update: (next, now = false) => {
      spinner.text = next;
      if (now) spinner.render();
    },
    stop: () => {
      spinner.stop();
    },
  };
}
