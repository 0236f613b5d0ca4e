import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStore } from '../src/store/open-store.js';
import { runBinary, storeSnapshot, tempDir } from './helpers/cli.js';
import { engines, storeLocation, type EngineName, type TestStoreLocation } from './helpers/engines.js';

const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);

describe('the built binary', () => {
  it('--help lists every command and exits 0', async () => {
    const result = await runBinary(['--help']);
    expect(result.code).toBe(0);
    for (const command of ['init', 'import', 'diagnose', 'reset', 'links', 'company']) expect(result.stdout).toContain(command);
  });
});

/** A store location in a fresh sub-folder of `dir`, dropped after the block. */
async function freshLocation(engine: EngineName, dir: string, name: string, made: TestStoreLocation[]): Promise<TestStoreLocation> {
  const folder = join(dir, name);
  mkdirSync(folder);
  const location = await storeLocation(engine, folder);
  made.push(location);
  return location;
}

describe.each(engines)('on %s', (engine) => {
  let dir: string;
  let cleanup: () => void;
  let db: string;
  let env: Record<string, string>;
  const made: TestStoreLocation[] = [];
  // The demo store is shared by this block's tests, which only read it or are refused before writing.
  beforeAll(async () => {
    ({ dir, cleanup } = tempDir());
    ({ db, env } = await freshLocation(engine, dir, 'demo', made));
    const init = await runBinary(['--db', db, 'init', '--demo', '--json'], { env });
    expect(init.code).toBe(0);
    expect(JSON.parse(init.stdout)).toMatchObject({ demo: { accounts: 11, holders: 17 } });
  });
  afterAll(async () => {
    for (const location of made.splice(0)) await location.drop();
    cleanup();
  });

  describe('the built binary, with a store', () => {

    it('diagnose --json prints exactly one JSON document on stdout and nothing else', async () => {
      const result = await runBinary(['--db', db, 'diagnose', 'jane.doe@example.com', '--json'], { env });
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout).normalizedEmail).toBe('jane.doe@example.com');
      expect(result.stderr).toBe('');
      // Compact when piped (indented only for a person at a terminal), like gh.
      expect(result.stdout.trim().split('\n')).toHaveLength(1);
    });

    it('diagnose exits 1 when a check fails', async () => {
      const result = await runBinary(['--db', db, 'diagnose', 'pat.brown@example.com', '--json'], { env });
      expect(result.code).toBe(1);
      expect(JSON.parse(result.stdout).checks.find((c: { id: string }) => c.id === 'duplicate-email').status).toBe('fail');
    });

    it('an unknown flag exits 2 with one line and no stack trace; with --json the error is JSON on stdout', async () => {
      const plain = await runBinary(['--db', db, 'diagnose', 'jane.doe@example.com', '--frobnicate'], { env });
      expect(plain.code).toBe(2);
      expect(plain.stderr.trim().split('\n')).toHaveLength(1);
      expect(plain.stderr).toContain("unknown option '--frobnicate'");
      expect(plain.stdout).toBe('');
      const json = await runBinary(['--db', db, 'diagnose', 'jane.doe@example.com', '--frobnicate', '--json'], { env });
      expect(json.code).toBe(2);
      expect(JSON.parse(json.stdout)).toEqual({ error: { exitCode: 2, message: expect.stringContaining('--frobnicate') } });
    });

    it('a missing argument and an unknown command exit 2', async () => {
      for (const args of [['diagnose'], ['frob'], ['--lock-timeout', 'soon', 'links']]) {
        const result = await runBinary(['--db', db, ...args], { env });
        expect(result.code).toBe(2);
        noStack(result.stderr);
      }
    });

    it('a missing store exits 3 and names init', async () => {
      // A file that is not there; on PostgreSQL, a database where init never ran.
      const missing = engine === 'sqlite' ? join(dir, 'nope.db') : (await freshLocation(engine, dir, 'nope', made)).db;
      const result = await runBinary(['--db', missing, 'links', '--json'], { env });
      expect(result.code).toBe(3);
      expect(JSON.parse(result.stdout).error.message).toContain('enrollsy-help init');
      noStack(result.stderr);
    });

    it('imports from stdin', async () => {
      const csv = readFileSync(new URL('../fixtures/demo-accounts.csv', import.meta.url), 'utf8');
      const other = (await freshLocation(engine, dir, 'stdin', made)).db;
      expect((await runBinary(['--db', other, 'init'], { env })).code).toBe(0);
      const result = await runBinary(['--db', other, 'import', '-', '--json'], { stdin: csv, env });
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual({ imported: { accounts: 11, holders: 17 }, rejected: [] });
    });

    it('an invalid CSV on stdin exits 2 and lists the bad line on stderr', async () => {
      const result = await runBinary(['--db', db, 'import', '-'], { env, stdin: 'account_id,account_name,role,first_name,last_name,email,login_access\nA1,X,boss,A,B,a@b.co,\n' });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('line 2: role must be primary or secondary');
      noStack(result.stderr);
    });
  });

  describe('import of a file (read on a worker thread by the binary)', () => {
    it('imports, reports bad rows with their lines, and refuses a broken file in one line', async () => {
      const store = (await freshLocation(engine, dir, 'worker', made)).db;
      expect((await runBinary(['--db', store, 'init'], { env })).code).toBe(0);
      const file = join(dir, 'export.csv');
      const header = 'account_id,account_name,role,first_name,last_name,email,login_access';
      const rows = Array.from({ length: 1200 }, (_, i) => `W${i},Family ${i},primary,F,L,w${i}@example.com,`);
      writeFileSync(file, [header, ...rows, 'W9999,Bad,boss,F,L,x@example.com,', 'W9998,Bad,secondary,F,L,y@example.com,'].join('\n'));
      const rejected = await runBinary(['--db', store, 'import', file, '--json'], { env });
      expect(rejected.code).toBe(2);
      expect(JSON.parse(rejected.stdout).rejected).toEqual([
        { line: 1202, reason: expect.stringContaining('role must be primary or secondary') },
        { line: 1203, reason: 'account W9998 has no primary holder (exactly one row must have role primary)' },
      ]);
      const skipped = await runBinary(['--db', store, 'import', file, '--skip-invalid', '--json'], { env });
      expect(skipped.code).toBe(1);
      expect(JSON.parse(skipped.stdout).imported).toEqual({ accounts: 1200, holders: 1200 });
      writeFileSync(file, `${header}\nA1,"Doe,primary,J,D,j@example.com,\n`);
      const broken = await runBinary(['--db', store, 'import', file], { env });
      expect(broken.code).toBe(2);
      expect(broken.stderr.trim().split('\n')).toHaveLength(1);
      expect(broken.stderr).toMatch(/Line 2: unterminated quoted field/);
    });

    it('records as large as the reader accepts fit in the parsing thread\'s bounded heap; a larger one is refused in one line', async () => {
      const store = (await freshLocation(engine, dir, 'large-records', made)).db;
      expect((await runBinary(['--db', store, 'init'], { env })).code).toBe(0);
      const file = join(dir, 'large.csv');
      const header = 'account_id,account_name,role,first_name,last_name,email,login_access';
      // Fields just under the 1,000,000-character limit, in a letter V8 stores two bytes to a character.
      const big = 'ж'.repeat(999_000);
      // Nine such fields: 9M characters, under the 10M a record may hold, read whole before it is refused.
      const rows = [...Array.from({ length: 3 }, (_, i) => [`L${i}`, 'Family', 'primary', big, big, `${big}@example.com`, big].join(',')), ['L3', 'Family', 'primary', ...Array.from({ length: 9 }, () => big)].join(',')];
      writeFileSync(file, [header, ...rows, 'L9,Fine,primary,Jo,Fine,jo@example.com,'].join('\n'));
      const result = await runBinary(['--db', store, 'import', file, '--skip-invalid', '--json'], { env });
      expect(result.code).toBe(1);
      const json = JSON.parse(result.stdout);
      expect(json.imported).toEqual({ accounts: 1, holders: 1 });
      expect(json.rejected.map((row: { line: number; reason: string }) => [row.line, row.reason])).toEqual([
        ...[2, 3, 4].map((line) => [line, 'first_name is longer than 200 characters']),
        [5, expect.stringContaining('has 12 fields, the header has 7')],
      ]);
      // Eleven: longer than any record may be. The file is refused, nothing imported (not even the
      // valid account after it), no crash.
      const snapshot = async () => {
        const opened = await openStore(store, { admin: 'test' });
        try {
          return await storeSnapshot(opened, ['L9', 'L10']);
        } finally {
          await opened.close();
        }
      };
      const before = await snapshot();
      writeFileSync(file, [header, ['L3', 'Family', 'primary', ...Array.from({ length: 11 }, () => big)].join(','), 'L10,New,primary,Ne,W,new@example.com,'].join('\n'));
      const refused = await runBinary(['--db', store, 'import', file, '--json'], { env });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/^✖ Line 2: the record on line 2 is longer than 10,000,000 characters: is this a CSV export\? Nothing was imported\.\n$/);
      expect(refused.stderr.trim().split('\n')).toHaveLength(1);
      expect(await snapshot()).toEqual(before);
    });
  });
});

describe('usage without a command', () => {
  it('exits 2 with the help on stderr and, with --json, one error document', async () => {
    const plain = await runBinary([]);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toContain('A command is missing');
    const json = await runBinary(['company', '--json']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout).error.exitCode).toBe(2);
  });

  it('a mistyped command is one line that suggests the right one', async () => {
    const result = await runBinary(['diagnos', 'x@y.co']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual(["✖ unknown command 'diagnos' (Did you mean diagnose?). Run `enrollsy-help --help` for usage."]);
  });
});

describe('version', () => {
  it('is the package version, fixed at build time', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    const result = await runBinary(['--version'], { env: { npm_package_version: '9.9.9' } });
    expect(result.stdout.trim()).toBe(version);
  });
});
