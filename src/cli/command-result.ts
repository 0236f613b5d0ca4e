import type { ExitCodeValue } from '../core/errors.js';

/** What a command hands back to the entry: its exit code, its JSON document and its text. */
export interface CommandResult {
  exitCode: ExitCodeValue;
  /** The one JSON document printed with --json. */
  json: unknown;
  /**
   * The human rendering printed otherwise (already coloured; empty when the command printed as
   * it went). A function when rendering is costly, so --json runs never pay for it.
   */
  text: string | (() => string);
  /**
   * A check still running that must pass before anything is printed (it rejects with the error
   * to report instead): the output is rendered meanwhile, and written only once it has passed.
   */
  gate?: Promise<void>;
}
