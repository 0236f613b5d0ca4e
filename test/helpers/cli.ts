import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Clock } from '../../src/core/clock.js';
import { runCli } from '../../src/cli/run-cli.js';
import type { Prompter } from '../../src/ui/prompts.js';

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

/** Creates a demo store in `dir` through the CLI and returns its path. */
export async function demoStore(dir: string, clock?: Clock): Promise<string> {
  const db = join(dir, 'store.db');
  const result = await runInProcess(['--db', db, 'init', '--demo'], { clock });
  if (result.code !== 0) throw new Error(`init --demo failed: ${result.stderr}`);
  return db;
}

/** A fresh demo store per test, with a clock the test moves; read the fields inside tests. */
export function useDemoStorePerTest(hooks: { beforeEach: (fn: () => Promise<void>) => void; afterEach: (fn: () => void) => void }) {
  const state = { dir: '', db: '', clock: new TestClock() };
  let cleanup = () => {};
  hooks.beforeEach(async () => {
    const temp = tempDir();
    cleanup = temp.cleanup;
    state.dir = temp.dir;
    state.clock = new TestClock();
    state.db = await demoStore(temp.dir, state.clock);
  });
  hooks.afterEach(() => cleanup());
  return state;
}
