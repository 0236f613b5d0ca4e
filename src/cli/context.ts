import { dirname, resolve } from 'node:path';
import { Chalk, type ChalkInstance } from 'chalk';
import type { Clock } from '../core/clock.js';
import { UsageError } from '../core/errors.js';
import { outboxFolder } from '../mail/outbox-folder.js';
import { openStore } from '../store/open-store.js';
import { isPostgresUrl, printablePostgresUrl } from '../store/postgres/postgres-location.js';
import type { Store } from '../store/store.js';
import { colorLevel, type IO } from '../ui/io.js';
import type { Prompter } from '../ui/prompts.js';
import { terminalText } from '../ui/terminal-text.js';
import { actingAdmin } from './acting-admin.js';

/** Options every command accepts (commander's global options). */
export interface GlobalOptions {
  db?: string;
  json?: boolean;
  yes?: boolean;
  color?: boolean;
  debug?: boolean;
  lockTimeout?: number;
  offline?: boolean;
}

/** What the entry passes to every command: streams, clock, resolved global options. */
export interface Context {
  io: IO;
  clock: Clock;
  json: boolean;
  yes: boolean;
  debug: boolean;
  /** --offline: skip every network check (the recipient mail lookup). */
  offline: boolean;
  /** Prompts are allowed: stdin and stdout are terminals, and neither --yes nor --json was given. */
  interactive: boolean;
  /** Colours for what goes to stdout and to stderr. */
  out: ChalkInstance;
  err: ChalkInstance;
  /** The store path as the user gave it (or the default). */
  storePath: string;
  /** The store as it may be printed: the path, or a PostgreSQL URL without its password. */
  storeLabel: string;
  /** Who is acting (ENROLLSY_ADMIN, else the OS user): every audit entry records it. */
  admin: string;
  openStore(options?: { create?: boolean; schema?: string }): Promise<Store>;
  /** Where outbox `.eml` files go for this store (ENROLLSY_OUTBOX, else beside a SQLite file, else ./outbox). */
  outboxFor(store: Store | null): string;
  /** Writes a line (or several) of the command's result to stdout. */
  print(text: string): void;
  /** Writes a line of progress, warning or notice to stderr. */
  notice(text: string): void;
  /**
   * The questions asked on a terminal (only when `interactive`). Passed in, as gh passes its
   * prompter, so flows can run in-process against scripted answers.
   */
  prompter(): Promise<Prompter>;
  /** Columns of the terminal stdout is (80 when unknown); text is wrapped to it. */
  columns: number;
}

/** Makes the prompter a context uses: the terminal's by default. */
export type PrompterFactory = (io: IO) => Promise<Prompter>;

/** The store location: --db, else ENROLLSY_DB, else data/enrollsy.db under the current directory. */
export function storePathFrom(options: GlobalOptions, env: NodeJS.ProcessEnv): string {
  return options.db ?? (env.ENROLLSY_DB && env.ENROLLSY_DB !== '' ? env.ENROLLSY_DB : 'data/enrollsy.db');
}

/** Builds the context from the global options; the store is opened only by commands that need it. */
export function createContext(io: IO, clock: Clock, options: GlobalOptions, makePrompter?: PrompterFactory): Context {
  const noColorFlag = options.color === false;
  const json = options.json === true;
  const yes = options.yes === true;
  const storePath = storePathFrom(options, io.env);
  const postgres = isPostgresUrl(storePath);
  const storeLabel = postgres ? printablePostgresUrl(storePath) : storePath;
  // The one seam to the terminal: untrusted text inside is shown escaped, never run.
  let warnedLooseMode = false;
  const notice = (text: string) => void io.stderr.write(terminalText(text.endsWith('\n') ? text : `${text}\n`));
  // Who acts is asked of the system only when something is written to the audit log.
  let admin: string | undefined;
  const adminName = () => (admin ??= actingAdmin(io.env));
  let prompter: Promise<Prompter> | undefined;
  return {
    io,
    clock,
    json,
    yes,
    debug: options.debug === true,
    offline: options.offline === true,
    interactive: Boolean(io.stdout.isTTY && io.stdin.isTTY) && !json && !yes, // stdout first: stdin is opened only if asked
    out: new Chalk({ level: colorLevel(io.env, Boolean(io.stdout.isTTY), noColorFlag) }),
    err: new Chalk({ level: colorLevel(io.env, Boolean(io.stderr.isTTY), noColorFlag) }),
    storePath,
    storeLabel,
    get admin() {
      return adminName();
    },
    outboxFor: (store) => outboxFolder(io.env, store ? store.folder : postgres ? null : dirname(resolve(storePath))),
    openStore: async (storeOptions = {}) => {
      // A URL that does not parse is bad input (exit 2), said without echoing it: it may hold a password.
      if (postgres && !URL.canParse(storePath.trim())) {
        throw new UsageError('The PostgreSQL URL in --db / ENROLLSY_DB is malformed: check its host, its port (a number up to 65535) and any special characters in the user name or password (percent-encode them, e.g. @ as %40).');
      }
      const store = await openStore(storePath, { ...storeOptions, admin: adminName, lockTimeoutMs: options.lockTimeout ?? 5000 });
      // Once per run: the file holds customers' names and addresses.
      if (store.looseMode !== null && !warnedLooseMode) {
        warnedLooseMode = true;
        notice(`! The store ${store.location} can be read by other users of this computer (mode ${store.looseMode.toString(8).padStart(4, '0')}); make it private with: chmod 600 ${store.location}`);
      }
      // init reports this itself; elsewhere a silent upgrade would surprise.
      if (store.migratedFrom && !storeOptions.create) {
        notice(`! Upgraded the store from schema ${store.migratedFrom.version}${store.migratedFrom.backup ? `; the old file is kept as ${store.migratedFrom.backup}` : ' in one transaction'}.`);
      }
      return store;
    },
    print: (text) => void io.stdout.write(terminalText(text.endsWith('\n') ? text : `${text}\n`)),
    notice,
    prompter: () =>
      (prompter ??= makePrompter ? makePrompter(io) : import('../ui/prompts.js').then(({ terminalPrompter }) => terminalPrompter(io))),
    columns: io.stdout.columns && io.stdout.columns > 0 ? io.stdout.columns : 80,
  };
}
