/** Exit codes of the command-line contract, in one place. */
export const ExitCode = {
  ok: 0,
  problemsFound: 1,
  usage: 2,
  store: 3,
  delivery: 4,
  internal: 70,
  interrupted: 130,
} as const;

/** One of the contract's exit codes. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An expected failure: a one-line message for the user and the exit code it maps to. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
    /** Extra data a `--json` caller gets beside the message (never secrets). */
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad usage or bad input; nothing was changed (exit 2). */
export class UsageError extends CliError {
  constructor(message: string, extra?: Record<string, unknown>) {
    super(message, ExitCode.usage, extra);
  }
}

/**
 * A step the admin must confirm: with --yes, or by a prompt on a terminal. Unconfirmed it is bad
 * usage (exit 2) and nothing was changed; the message names the flag, `question` is the prompt.
 */
export class ConfirmationNeededError extends UsageError {
  constructor(
    message: string,
    readonly question: string,
  ) {
    super(message);
  }
}

/** The store is missing, unreadable, locked or from a newer version (exit 3). */
export class StoreError extends CliError {
  constructor(
    message: string,
    /**
     * What the user can do about it, as a reason the cli words (flag and command names live in
     * the cli: src/cli/store-problem-fix.ts); `message` then states only what is wrong.
     */
    readonly fix?: StoreFix,
  ) {
    super(message, ExitCode.store);
  }
}

/** The ways out of a store problem that name flags or commands, for the cli to word. */
export type StoreFix =
  | { kind: 'give-a-store' }
  | { kind: 'run-init'; orPointElsewhere: boolean }
  | { kind: 'point-at-a-file'; suggestion: string | null }
  | { kind: 'point-at-the-real-store'; orRemoveTheLink: boolean }
  | { kind: 'point-at-your-store'; orInitANewOne: boolean }
  | { kind: 'point-at-a-shorter-path' }
  | { kind: 'wait-or-raise-the-lock-timeout' }
  | { kind: 'point-at-the-primary-server' }
  | { kind: 'use-another-database-or-schema' };

/** A command ran and refused or found a problem the user must act on (exit 1). */
export class ProblemError extends CliError {
  constructor(message: string, extra?: Record<string, unknown>) {
    super(message, ExitCode.problemsFound, extra);
  }
}

/** An email could not be delivered; what was recorded stays recorded (exit 4). */
export class DeliveryError extends CliError {
  constructor(message: string, extra?: Record<string, unknown>) {
    super(message, ExitCode.delivery, extra);
  }
}

/** The user pressed Ctrl-C or closed the prompt (exit 130). */
export class InterruptedError extends CliError {
  constructor(message = 'Interrupted; nothing was changed by the unfinished step.', extra?: Record<string, unknown>) {
    super(message, ExitCode.interrupted, extra);
  }
}
