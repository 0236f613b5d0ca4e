import type { Context } from '../cli/context.js';

/** A progress line on stderr that the command can update and clear. */
export interface Spinner {
  update(text: string): void;
  stop(): void;
}

const silent: Spinner = { update: () => {}, stop: () => {} };

/**
 * Starts an ora spinner on stderr when stderr is a terminal (and not CI or a dumb terminal);
 * otherwise a silent one, and ora is not even loaded, so scripts pay nothing for it.
 */
export async function startSpinner(ctx: Pick<Context, 'io'>, text: string): Promise<Spinner> {
  const { stderr, env } = ctx.io;
  if (!stderr.isTTY || env.CI || env.TERM === 'dumb') return silent;
  const { default: ora } = await import('ora');
  const spinner = ora({ text, stream: stderr as NodeJS.WriteStream, discardStdin: false }).start();
  return {
    update: (next) => {
      spinner.text = next;
    },
    stop: () => {
      spinner.stop();
    },
  };
}
