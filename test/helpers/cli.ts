import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import pg from 'pg';
import { fileURLToPath } from 'node:url';
import type { Clock } from '../../src/core/clock.js';
import { runCli } from '../../src/cli/run-cli.js';
import type { Prompter } from '../../src/ui/prompts.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { createTestDatabase, postgresUrl, storeLocation, type EngineName } from './engines.js';

/** What a run of the CLI left behind. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The repository root (tests run the built binary from there). */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The DNS set-up every test run of the CLI gets unless it names its own: a local port with no
 * server behind it, so the recipient mail check is refused at once and never reaches the real
 * network (tests of the check itself start a real DNS server: test/helpers/dns-server.ts).
 */
export const NO_DNS_ENV = { ENROLLSY_DNS_SERVERS: '127.0.0.1:1' } as const;

/** A fresh temp folder, removed by the returned cleanup. */
export function tempDir(prefix = 'enrollsy-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A clock the test moves by hand. */
export class TestClock implements Clock {
  constructor(private current: Date = new Date('2026-11-27T10:00:00Z')) {}
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

/** Runs the CLI in this process with captured streams (not terminals) and the given clock. */
export async function runInProcess(
  args: string[],
  options: { clock?: Clock; env?: NodeJS.ProcessEnv; stdin?: string; prompter?: Prompter; columns?: number } = {},
): Promise<RunResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  // With a prompter, stdin and stdout act as a terminal of the given width (the prompter stands in for the keys).
  const stdin = Readable.from(options.stdin === undefined ? [] : [options.stdin]);
  if (options.prompter) Object.assign(stdin, { isTTY: true }), Object.assign(stdout, { isTTY: true, columns: options.columns ?? 80 });
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const code = await runCli(args, {
    io: { stdin, stdout, stderr, env: { ...NO_DNS_ENV, ...options.env } },
    clock: options.clock ?? new TestClock(),
    ...(options.prompter ? { prompter: async () => options.prompter! } : {}),
  });
  return { code, stdout: out, stderr: err };
}

/** Runs the built binary as a real process (what users and scripts run). */
export function runBinary(args: string[], options: { env?: NodeJS.ProcessEnv; stdin?: string; cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin/enrollsy-help.js'), ...args], {
      cwd: options.cwd ?? repoRoot,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...NO_DNS_ENV, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

/** The demo fixture's account ids (fixtures/demo-accounts.csv), for snapshots of the demo store's holders. */
export const DEMO_ACCOUNT_IDS: readonly string[] = [
  ...new Set(
    readFileSync(join(repoRoot, 'fixtures/demo-accounts.csv'), 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.split(',')[0]!.trim())
      .filter((id) => id !== ''),
  ),
];

/** A store for one test (or one describe block) on one engine, and how to reach it. */
export interface TestStore {
  engine: EngineName;
  /** The test's temp folder (the SQLite file, the outbox and any files the test writes live here). */
  dir: string;
  /** The `--db` value: a file path, or a postgres:// URL of a database made for this test. */
  db: string;
  /** Pass into runInProcess/runBinary: ENROLLSY_OUTBOX points at `outbox` on both engines. */
  env: Record<string, string>;
  /** Where mail saved to the outbox lands. */
  outbox: string;
  clock: TestClock;
  /** Opens the store through the Store interface (admin "test") to read its state, then closes it. */
  withStore<T>(fn: (store: Store) => Promise<T>): Promise<T>;
}

/** How `createTestStore` fills the store: `init --demo` (the default), or `init` with these arguments. */
export interface TestStoreSetup {
  init?: string[];
}

// PostgreSQL: the demo store made once per test file (and clock time) through the CLI, then copied
// per test with CREATE DATABASE … TEMPLATE, which is quicker than running init --demo again.
const demoTemplates = new Map<string, Promise<string>>();
function postgresDemoTemplate(clock: TestClock): Promise<string> {
  const at = clock.now().toISOString();
  let template = demoTemplates.get(at);
  if (!template) {
    template = (async () => {
      const name = await createTestDatabase();
      const result = await runInProcess(['--db', postgresUrl(name), 'init', '--demo'], { clock: new TestClock(new Date(at)) });
      if (result.code !== 0) throw new Error(`init --demo on postgres failed: ${result.stderr}`);
      return name;
    })();
    demoTemplates.set(at, template);
  }
  return template;
}

/** Creates a store on `engine` inside `dir` through the CLI; `drop` removes a PostgreSQL database afterwards. */
export async function createTestStore(dir: string, engine: EngineName, clock: TestClock, setup: TestStoreSetup = {}): Promise<TestStore & { drop(): Promise<void> }> {
  const copy = engine === 'postgres' && setup.init === undefined;
  const location = await storeLocation(engine, dir, copy ? await postgresDemoTemplate(clock) : undefined);
  const args = setup.init ?? ['--demo'];
  if (!copy) {
    const result = await runInProcess(['--db', location.db, 'init', ...args], { clock, env: location.env });
    if (result.code !== 0) {
      await location.drop();
      throw new Error(`init ${args.join(' ')} on ${engine} failed: ${result.stderr}`);
    }
  }
  return {
    engine,
    dir,
    db: location.db,
    env: location.env,
    outbox: location.outbox,
    clock,
    drop: location.drop,
    async withStore<T>(fn: (store: Store) => Promise<T>): Promise<T> {
      const store = await openStore(location.db, { admin: 'test' });
      try {
        return await fn(store);
      } finally {
        await store.close();
      }
    },
  };
}

/** Creates a demo store in `dir` on `engine` (SQLite unless named) through the CLI. */
export async function demoStore(dir: string, clock: TestClock = new TestClock(), engine: EngineName = 'sqlite'): Promise<TestStore & { drop(): Promise<void> }> {
  return createTestStore(dir, engine, clock);
}

type Hooks = { before: (fn: () => Promise<void>) => void; after: (fn: () => Promise<void>) => void };

function useTestStore(hooks: Hooks, engine: EngineName, setup: TestStoreSetup): TestStore {
  const state = { engine, dir: '', db: '', env: {}, outbox: '', clock: new TestClock() } as TestStore;
  let cleanup = async () => {};
  hooks.before(async () => {
    const temp = tempDir();
    const store = await createTestStore(temp.dir, engine, new TestClock(), setup).catch((error: unknown) => {
      temp.cleanup();
      throw error;
    });
    Object.assign(state, store);
    cleanup = async () => {
      await store.drop();
      temp.cleanup();
    };
  });
  hooks.after(async () => {
    await cleanup();
    cleanup = async () => {};
  });
  return state;
}

/** A fresh store per test on `engine` (the demo store unless `setup` says otherwise); read the fields inside tests. */
export function useDemoStorePerTest(
  hooks: { beforeEach: (fn: () => Promise<void>) => void; afterEach: (fn: () => Promise<void>) => void },
  engine: EngineName = 'sqlite',
  setup: TestStoreSetup = {},
): TestStore {
  return useTestStore({ before: hooks.beforeEach, after: hooks.afterEach }, engine, setup);
}

/**
 * One store shared by the tests of a describe block: only for tests that never write to it (each
 * test must pass alone and in any order), where a store per test would only cost time.
 */
export function useDemoStorePerBlock(
  hooks: { beforeAll: (fn: () => Promise<void>) => void; afterAll: (fn: () => Promise<void>) => void },
  engine: EngineName = 'sqlite',
  setup: TestStoreSetup = {},
): TestStore {
  return useTestStore({ before: hooks.beforeAll, after: hooks.afterAll }, engine, setup);
}

/** Everything a refused command could have changed, read through the Store interface (every change is audited in its own transaction). */
export async function storeSnapshot(store: Store, accountIds: readonly string[] = DEMO_ACCOUNT_IDS): Promise<unknown> {
  return {
    accounts: await store.accountCount(),
    holders: await store.holdersOfAccounts(accountIds),
    company: await store.company(),
    audit: await store.listAudit({}),
  };
}

/**
 * Runs one SQL statement straight on the store's engine, past the tool: only for planting what an
 * older release or another program could have left in a store (the tool itself would refuse it).
 */
export async function plantRaw(store: Pick<TestStore, 'engine' | 'db'>, statement: string): Promise<void> {
  if (store.engine === 'sqlite') {
    const sqlite = new Database(store.db);
    try {
      sqlite.exec(statement);
    } finally {
      sqlite.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: store.db });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
