import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { NO_DNS_ENV, repoRoot, runBinary, tempDir, useDemoStorePerTest, type RunResult } from './helpers/cli.js';

// An import into a store without holders runs with a rollback journal instead of the WAL when no
// other connection has the store open (src/store/sqlite/rollback-journal-if-alone.ts). These run
// the built binary on a store made by `init` (no holders) and watch the store's files meanwhile.
const ROWS = 400_000;
let shared: { dir: string; cleanup: () => void };
let bigCsv: string;
beforeAll(async () => {
  shared = tempDir();
  bigCsv = join(shared.dir, 'big.csv');
  const out = createWriteStream(bigCsv);
  out.write('account_id,account_name,role,first_name,last_name,email,login_access\n');
  for (let i = 0; i < ROWS; i++) out.write(`B${i},Family ${i},primary,First,Last,person${i}@example.com,\n`);
  out.end();
  await once(out, 'finish');
});
afterAll(() => shared.cleanup());

const store = useDemoStorePerTest({ beforeEach, afterEach }, 'sqlite', { init: ['--name', 'Before Co'] });

interface Started {
  done: Promise<RunResult & { signal: NodeJS.Signals | null }>;
  kill: () => void;
}

function start(args: string[]): Started {
  const child = spawn(process.execPath, [join(repoRoot, 'bin/enrollsy-help.js'), ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...NO_DNS_ENV } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<RunResult & { signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? -1, stdout, stderr, signal }));
  });
  return { done, kill: () => child.kill('SIGKILL') };
}

/** Resolves once `condition` holds (checked every 2 ms), or with false once `until` settles first. */
async function waitFor(condition: () => boolean, until: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void until.then(() => (settled = true));
  for (;;) {
    if (condition()) return true;
    if (settled) return false;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

const journal = () => existsSync(`${store.db}-journal`);
const size = () => statSync(store.db).size;

function read<T>(sql: string): T {
  // Read-write, as the tool opens it: a hot journal left by a kill is rolled back on this open.
  const sqlite = new Database(store.db);
  try {
    return sqlite.prepare(sql).pluck().get() as T;
  } finally {
    sqlite.close();
  }
}

describe('import into a store without holders', () => {
  it('killed (SIGKILL) while its pages are being written: the store is as it was, usable, and back in WAL mode', async () => {
    const before = size();
    const run = start(['--db', store.db, 'import', bigCsv, '--json']);
    // A rollback journal beside the store, and pages of the load already in the store file.
    const midLoad = await waitFor(() => journal() && size() > before + 1_000_000, run.done);
    expect(midLoad).toBe(true);
    run.kill();
    expect((await run.done).signal).toBe('SIGKILL');
    expect(journal()).toBe(true); // the hot journal that undoes it

    const show = await runBinary(['--db', store.db, 'company', 'show', '--json']);
    expect(show.code).toBe(0);
    expect(JSON.parse(show.stdout).name).toBe('Before Co');
    expect(read<number>('select count(*) from holders')).toBe(0);
    expect(read<number>('select count(*) from accounts')).toBe(0);
    expect(read<string>('pragma journal_mode')).toBe('wal');
    expect(read<string>('pragma integrity_check')).toBe('ok');

    const again = await runBinary(['--db', store.db, 'import', bigCsv, '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).imported).toEqual({ accounts: ROWS, holders: ROWS });
  });

  it('a writer that comes meanwhile waits for the import and is not lost; the store is back in WAL mode', async () => {
    const run = start(['--db', store.db, 'import', bigCsv, '--json']);
    expect(await waitFor(journal, run.done)).toBe(true);
    const writer = await runBinary(['--db', store.db, '--lock-timeout', '120000', 'company', 'set', '--name', 'During Co']);
    const imported = await run.done;
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout).imported).toEqual({ accounts: ROWS, holders: ROWS });
    expect(writer.code).toBe(0);
    expect(read<string>('select name from company')).toBe('During Co');
    expect(read<number>('select count(*) from holders')).toBe(ROWS);
    expect(journal()).toBe(false);
    expect(read<string>('pragma journal_mode')).toBe('wal');
  });

  it('a command that comes meanwhile and cannot wait long enough says the store is locked (exit 3) and changes nothing', async () => {
    const before = size();
    const run = start(['--db', store.db, 'import', bigCsv, '--json']);
    expect(await waitFor(() => journal() && size() > before + 1_000_000, run.done)).toBe(true);
    const writer = await runBinary(['--db', store.db, '--lock-timeout', '50', 'company', 'set', '--name', 'Lost Co']);
    expect(writer.code).toBe(3);
    expect(writer.stderr).toMatch(/is locked by another enrollsy-help that is still writing/);
    expect(writer.stderr.trim().split('\n')).toHaveLength(1);
    expect((await run.done).code).toBe(0);
    expect(read<string>('select name from company')).toBe('Before Co');
  });

  it('with another connection open, it runs in WAL mode as before: that connection sees the import and its write is kept', async () => {
    const other = new Database(store.db);
    try {
      expect(other.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(other.prepare('select count(*) from holders').pluck().get()).toBe(0);
      const run = start(['--db', store.db, 'import', bigCsv, '--json']);
      let sawJournal = false;
      await waitFor(() => {
        sawJournal ||= journal();
        return false;
      }, run.done);
      const imported = await run.done;
      expect(imported.code).toBe(0);
      expect(sawJournal).toBe(false);
      expect(other.prepare('select count(*) from holders').pluck().get()).toBe(ROWS);
      other.prepare("update company set name = 'Other Co'").run();
    } finally {
      other.close();
    }
    const show = await runBinary(['--db', store.db, 'company', 'show', '--json']);
    expect(JSON.parse(show.stdout).name).toBe('Other Co');
    expect(read<number>('select count(*) from holders')).toBe(ROWS);
  });
});
