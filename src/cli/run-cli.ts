import { Command, CommanderError, Option, type CommandUnknownOpts } from '@commander-js/extra-typings';
import type { Clock } from '../core/clock.js';
import { CliError, ExitCode, InterruptedError, StoreError, UsageError, type ExitCodeValue } from '../core/errors.js';
import { storeProblemFix } from './store-problem-fix.js';
import { shortForMessage } from '../core/email.js';
import { storeErrorFrom } from '../store/store-error-from.js';
import type { IO } from '../ui/io.js';
import { terminalText } from '../ui/terminal-text.js';
import { isRawJson } from '../core/raw-json.js';
import type { CommandResult } from './command-result.js';
import type { Context, GlobalOptions, PrompterFactory } from './context.js';
import { doctorCommand } from './commands/doctor.js';
import { findCommand } from './commands/find.js';
import { holderAddEmailCommand, holderSetEmailCommand } from './commands/holder-email.js';
import { MAX_TIMEOUT_MS, positiveInt } from './options/positive-int.js';
import { bareTokenAsArgument } from './options/bare-token-argument.js';

/** What the entry needs to run the program: streams and clock (tests pass their own). */
export interface CliDeps {
  io: IO;
  clock: Clock;
  /** The prompter on a terminal; tests pass scripted answers (a stand-in for the terminal). */
  prompter?: PrompterFactory;
}

/** A command's handler: the context, then commander's arguments and options (typed by the command's declaration). */
type Handler<A extends unknown[]> = (ctx: Context, ...args: A) => Promise<CommandResult>;

/** Wraps a lazily loaded handler as commander's action; commander adds the Command itself last. */
type Lazy = <A extends unknown[]>(load: () => Promise<Handler<A>>) => (...args: [...A, unknown]) => Promise<void>;

/**
 * Runs the program on `argv` (user arguments only) and resolves to the exit code. The one place
 * where errors become messages and exit codes; commands only return data or throw typed errors.
 */
export async function runCli(argv: readonly string[], deps: CliDeps): Promise<number> {
  const { io } = deps;
  const wantsJson = argv.includes('--json');
  let exitCode: number = ExitCode.ok;
  let context: Context | undefined;

  // Imports the command's module only when it runs, so `--help` loads commander alone.
  const lazy: Lazy =
    <A extends unknown[]>(load: () => Promise<Handler<A>>) =>
    async (...args: [...A, unknown]) => {
      const command = args[args.length - 1] as CommandUnknownOpts;
      const { createContext } = await import('./context.js');
      context = createContext(io, deps.clock, command.optsWithGlobals() as GlobalOptions, deps.prompter);
      const action = await load();
      const result = await action(context, ...(args.slice(0, -1) as A));
      // Heard now, awaited below: a failure while rendering must not leave the gate's unheard.
      result.gate?.catch(() => {});
      const output = context.json ? `${toJson(result.json, io)}\n` : typeof result.text === 'function' ? result.text() : result.text;
      await result.gate;
      if (context.json) io.stdout.write(output);
      else if (output !== '') context.print(output);
      exitCode = result.exitCode;
    };

  const program = buildProgram(lazy, io);
  try {
    await program.parseAsync(bareTokenAsArgument(argv), { from: 'user' });
  } catch (error) {
    exitCode = report(error, { io, json: context?.json ?? wantsJson, debug: context?.debug ?? argv.includes('--debug'), context });
  }
  return exitCode;
}

/** JSON indented for a person at a terminal, compact for a pipe (as `gh` does): a 1M-holder scan prints megabytes. */
export function toJson(value: unknown, io: IO): string {
  // JSON.stringify escapes C0 controls but not C1 or bidi/zero-width ones; the \u form means the same.
  const json = io.stdout.isTTY ? JSON.stringify(value, null, 2) : compactJson(value);
  // Testing first halves the cost for the usual document without any (a full scan prints ~5 MB).
  return JSON_UNSAFE.test(json) ? json.replace(JSON_UNSAFE_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : json;
}

// Compact JSON; a top-level member that is already JSON text (RawJson) is spliced in as it is.
function compactJson(value: unknown): string {
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype || !Object.values(value).some(isRawJson)) return JSON.stringify(value);
  const members: string[] = [];
  for (const [name, member] of Object.entries(value)) {
    const text = isRawJson(member) ? member.rawJson() : JSON.stringify(member);
    // JSON.stringify leaves out members it cannot write (undefined, functions): so does this.
    if (text !== undefined) members.push(`${JSON.stringify(name)}:${text}`);
  }
  return `{${members.join(',')}}`;
}

const JSON_UNSAFE = /[\u007f-\u009f\u00ad\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/;
const JSON_UNSAFE_ALL = new RegExp(JSON_UNSAFE.source, 'g');

function report(error: unknown, where: { io: IO; json: boolean; debug: boolean; context: Context | undefined }): ExitCodeValue {
  const failure = classify(error, where.context?.storePath);
  if (failure === 'help') return ExitCode.ok;
  const { io, json, debug } = where;
  if (json) {
    io.stdout.write(`${toJson({ ...failure.extra, error: { exitCode: failure.exitCode, message: failure.message } }, io)}\n`);
  }
  // Commander already printed its own parse errors to stderr (but for a missing command, only the help).
  if (!(error instanceof CommanderError) || error.code === 'commander.help' || error.code === 'commander.helpDisplayed') {
    const mark = where.context ? where.context.err.red('✖') : '✖';
    io.stderr.write(terminalText(`${mark} ${failure.message}\n`));
  }
  if (debug && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
  return failure.exitCode;
}

// A store problem's way out names flags and commands: worded here, not in the store.
function worded(error: StoreError): StoreError {
  return error.fix ? new StoreError(`${error.message}${storeProblemFix(error.fix)}`) : error;
}

function classify(error: unknown, storePath: string | undefined): CliError | 'help' {
  if (error instanceof CommanderError) {
    // Help asked for is success; help shown because a command was missing is bad usage.
    if (error.exitCode === 0) return 'help';
    if (error.code === 'commander.help' || error.code === 'commander.helpDisplayed') {
      return new UsageError('A command is missing: run `enrollsy-help --help` to see the commands.');
    }
    return new UsageError(error.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' '));
  }
  if (error instanceof StoreError) return worded(error);
  if (error instanceof CliError) return error;
  if (error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError')) return new InterruptedError();
  const storeFailure = storeErrorFrom(error, storePath ?? 'in use');
  if (storeFailure instanceof StoreError) return worded(storeFailure);
  if (storeFailure instanceof CliError) return storeFailure;
  const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : '';
  if (code.startsWith('SQLITE_')) {
    return new CliError(`The store could not be used (${code}); nothing was changed. Check the file, or rerun with --debug.`, ExitCode.store);
  }
  return new CliError('enrollsy-help hit an internal error (a bug). Please report it with the command you ran; rerun with --debug for details.', ExitCode.internal);
}

function buildProgram(lazy: Lazy, io: IO): Command {
  const program = new Command('enrollsy-help')
    .description('Help a customer who cannot log in to Enrollsy: duplicate-email check, sign-in link, reset link, escalation.')
    .version(process.env.ENROLLSY_HELP_VERSION ?? '0.0.0-source', '-V, --version')
    .option('--db <path-or-url>', 'the account store: a SQLite file, or a postgres:// URL (default: $ENROLLSY_DB, else data/enrollsy.db)')
    .option('--json', 'print exactly one JSON document on stdout; never prompt')
    .option('-y, --yes', 'never prompt; answer confirmations with yes')
    .option('--no-color', 'no colour (also NO_COLOR)')
    .addOption(new Option('--lock-timeout <ms>', 'how long to wait for another writer').default(5000).argParser(positiveInt('--lock-timeout', { max: MAX_TIMEOUT_MS, unit: 'milliseconds' })))
    .option('--debug', 'show details of internal errors')
    .option('--offline', "skip every network check (the recipient mail lookup in DNS, doctor's mail server login)")
    .configureHelp({ showGlobalOptions: true });
  program.addHelpText(
    'after',
    `
Also: reset verify <link-or-token> (is a reset link still valid?), company show|set, holder set-email|add-email.
Store: --db, else ENROLLSY_DB, else data/enrollsy.db. Mail: ENROLLSY_SMTP_URL, else .eml files in outbox/ beside the store (saved, not sent).
Check the set-up (store, company settings, mail server): enrollsy-help doctor. Who acted is recorded from ENROLLSY_ADMIN, else your user name.
DNS (recipient mail check): ENROLLSY_DNS_SERVERS=ip:port[,ip:port], else the system's servers; --offline skips it.
Exit codes: 0 ok · 1 problems found · 2 bad input · 3 store problem · 4 delivery failed · 70 bug · 130 interrupted`,
  );

  program
    .command('init')
    .description('create the store (or migrate it forward); --demo loads the demo accounts')
    .option('--demo', 'load the demo company and accounts from fixtures/')
    .option('--name <name>', 'company name')
    .option('--sign-in-url <url>', 'the Account Sign-In link from "My Company"')
    .option('--reset-url <url>', 'the Account Password Reset link from "My Company"')
    .option('--sender <email>', 'the address customer emails are sent from')
    .option('--schema <name>', 'PostgreSQL: create the store in this schema (then add ?schema=<name> to the URL for other commands)')
    .action(lazy(async () => (await import('./commands/init.js')).runInit));

  program
    .command('import')
    .description('import an accounts export (CSV file, or - for stdin); atomic unless --skip-invalid')
    .argument('<file>', 'CSV with account_id, account_name, role, first_name, last_name, email, login_access')
    .option('--skip-invalid', 'import the accounts whose rows are all valid, report the others (exit 1)')
    .action(lazy(async () => (await import('./commands/import.js')).runImport));

  program
    .command('diagnose')
    .description('walk through the login-support flow for an address (a report with --json or without a terminal)')
    .argument('<email>', "the customer's email address")
    .action(lazy(async () => (await import('./commands/diagnose.js')).runDiagnose));

  const reset = program
    .command('reset')
    .description('issue a password-reset link for the account holding <email> and email it to the right holder')
    .argument('<email>', "the customer's email address")
    .option('--no-send', 'record and print the link without emailing it (to send it by text yourself)')
    .option('--force', 'issue even though a link was issued in the last 10 minutes (it cancels that one)')
    .action(lazy(async () => (await import('./commands/reset.js')).runReset));
  reset
    .command('verify')
    .description('tell whether a reset link (or its token) is valid, expired, superseded, revoked or unknown')
    .argument('<link-or-token>', 'the reset link, or the token in it')
    .action(lazy(async () => (await import('./commands/reset.js')).runResetVerify));

  program
    .command('message')
    .description('customer instructions to paste into an email or text (or email them with --send)')
    .argument('<email>', "the customer's email address")
    .requiredOption('--template <name>', 'sign-in, reset, not-received or grant-access (goes to the primary)')
    .option('--send', 'email it to the customer (grant-access: to the primary) instead of printing it')
    .option('--all-providers', "not-received: after the recipient's own mail provider, every other provider's safe-sender steps")
    .action(lazy(async () => (await import('./commands/message.js')).runMessage));

  program
    .command('conflicts')
    .description('find addresses used in more than one account: the whole store, or the given addresses')
    .argument('[email...]', 'addresses to check (default: scan the whole store)')
    .option('--file <path>', 'check the addresses in a file, one per line (- for stdin; blank lines and # comments ignored)')
    .option('--csv', 'one CSV row per (conflicting address, account, holder)')
    .option('--no-advisories', 'skip the look-alike advisories (Gmail addresses that differ only by dots or +tags)')
    .action(lazy(async () => (await import('./commands/conflicts.js')).runConflicts));

  program
    .command('fix-conflict')
    .description('keep an address in one account; remove or change it in the others (one transaction, audited)')
    .argument('<email>', 'the address used in more than one account')
    .option('--keep <accountId>', 'the account that keeps the address')
    .option('--delete', 'remove the address from the other accounts')
    .option('--change-to <new-email>', 'change it to this address in the other account')
    .option('--only <accountId>', 'fix only this one of the other accounts')
    .option('--dry-run', 'show what would change; change nothing (exit 0 if it would apply, 2 if refused)')
    .action(lazy(async () => (await import('./commands/fix-conflict.js')).runFixConflict));

  program
    .command('audit')
    .description('what was changed or issued, newest first')
    .option('--email <email>', 'only entries about this address')
    .option('--since <date-or-time>', 'only entries at or after this ISO 8601 date or time')
    .action(lazy(async () => (await import('./commands/audit.js')).runAudit));

  program
    .command('links')
    .description("print the company's Account Sign-In link, Account Password Reset link and website embed")
    .action(lazy(async () => (await import('./commands/links.js')).runLinks));

  program.addCommand(findCommand().action(lazy(async () => (await import('./commands/find.js')).runFind)));

  const holder = program.command('holder').description("correct a holder's address, or give one to a primary who has none");
  holder.addCommand(holderSetEmailCommand().action(lazy(async () => (await import('./commands/holder-email.js')).runHolderSetEmail)));
  holder.addCommand(holderAddEmailCommand().action(lazy(async () => (await import('./commands/holder-email.js')).runHolderAddEmail)));

  program.addCommand(doctorCommand().action(lazy(async () => (await import('./commands/doctor.js')).runDoctor)));

  const company = program.command('company').description('show or change the company settings that links and emails use');
  company
    .command('show')
    .description('show the company settings')
    .action(lazy(async () => (await import('./commands/company.js')).runCompanyShow));
  company
    .command('set')
    .description('change company settings')
    .option('--name <name>', 'company name')
    .option('--sign-in-url <url>', 'the Account Sign-In link')
    .option('--reset-url <url>', 'the Account Password Reset link')
    .option('--sender <email>', 'the sender address of customer emails')
    .option('--time-zone <zone>', 'the time zone customer emails write times in: an IANA name such as Europe/Berlin (default: this machine\'s)')
    .option('--embed <html>', 'the website "Customer Sign-In" embed snippet')
    .action(lazy(async () => (await import('./commands/company.js')).runCompanySet));

  const configure = (command: CommandUnknownOpts, path: string): void => {
    command.exitOverride();
    command.configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // Asked of our outputs, not process.stdout (creating it costs ~10 ms of a start; see ui/io).
      // Typed as a number, but undefined is what commander's own default gives off a terminal: 80 columns.
      getOutHelpWidth: () => (io.stdout.isTTY ? io.stdout.columns : undefined) as number,
      getErrHelpWidth: () => (io.stderr.isTTY ? io.stderr.columns : undefined) as number,
      getOutHasColors: () => Boolean(io.stdout.isTTY && (io.stdout as { hasColors?: () => boolean }).hasColors?.()),
      getErrHasColors: () => Boolean(io.stderr.isTTY && (io.stderr as { hasColors?: () => boolean }).hasColors?.()),
      // One line: what was wrong and where the usage is.
      outputError: (text, write) => write(`✖ ${text.trim().replace(/^error: /, '').replace(/\s*\n\s*/g, ' ').replace(/\.$/, '')}. Run \`${path} --help\` for usage.\n`),
    });
    for (const sub of command.commands) configure(sub, `${path} ${sub.name()}`);
  };
  configure(program, 'enrollsy-help');
  return program;
}
