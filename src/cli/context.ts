import { Chalk, type ChalkInstance } from 'chalk';
import type { Clock } from '../core/clock.js';
import { openStore, type Store } from '../store/open-store.js';
import { colorLevel, type IO } from '../ui/io.js';

/** Options every command accepts (commander's global options). */
export interface GlobalOptions {
  db?: string;
  json?: boolean;
  yes?: boolean;
  color?: boolean;
  debug?: boolean;
  lockTimeout?: number;
}

/** What the entry passes to every command: streams, clock, resolved global options. */
export interface Context {
  io: IO;
  clock: Clock;
  json: boolean;
  yes: boolean;
  debug: boolean;
  /** Prompts are allowed: stdin and stdout are terminals, and neither --yes nor --json was given. */
  interactive: boolean;
  /** Colours for what goes to stdout and to stderr. */
  out: ChalkInstance;
  err: ChalkInstance;
  /** The store path as the user gave it (or the default). */
  storePath: string;
  openStore(options?: { create?: boolean }): Promise<Store>;
  /** Writes a line (or several) of the command's result to stdout. */
  print(text: string): void;
  /** Writes a line of progress, warning or notice to stderr. */
  notice(text: string): void;
}

/** The store location: --db, else ENROLLSY_DB, else data/enrollsy.db under the current directory. */
export function storePathFrom(options: GlobalOptions, env: NodeJS.ProcessEnv): string {
  return options.db ?? (env.ENROLLSY_DB && env.ENROLLSY_DB !== '' ? env.ENROLLSY_DB : 'data/enrollsy.db');
}

/** Builds the context from the global options; the store is opened only by commands that need it. */
export function createContext(io: IO, clock: Clock, options: GlobalOptions): Context {
  const noColorFlag = options.color === false;
  const json = options.json === true;
  const yes = options.yes === true;
  const storePath = storePathFrom(options, io.env);
  return {
    io,
    clock,
    json,
    yes,
    debug: options.debug === true,
    interactive: Boolean(io.stdin.isTTY && io.stdout.isTTY) && !json && !yes,
    out: new Chalk({ level: colorLevel(io.env, Boolean(io.stdout.isTTY), noColorFlag) }),
    err: new Chalk({ level: colorLevel(io.env, Boolean(io.stderr.isTTY), noColorFlag) }),
    storePath,
    openStore: async (storeOptions = {}) => {
      const store = await openStore(storePath, { ...storeOptions, lockTimeoutMs: options.lockTimeout ?? 5000 });
      // init reports this itself; elsewhere a silent upgrade would surprise.
      if (store.migratedFrom && !storeOptions.create) {
        io.stderr.write(`! Upgraded the store from schema ${store.migratedFrom.version}; the old file is kept as ${store.migratedFrom.backup}.\n`);
      }
      return store;
    },
    print: (text) => io.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    notice: (text) => io.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  };
}
