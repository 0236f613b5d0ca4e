import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCHEMA_VERSION } from '../src/store/migrations.js';
import { NO_DNS_ENV, repoRoot, runBinary, tempDir, type RunResult } from './helpers/cli.js';
import { oldStore } from './helpers/old-store.js';

// Store files as the built binary meets them: made and upgraded by two processes at once,
// killed partway, foreign, damaged, too open, or at paths that cannot be a store.
// `PRAGMA application_id` of every enrollsy-help store ("EnRl").
const APPLICATION_ID = 0x456e526c;

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

const noStack = (result: RunResult) => expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+|internal error/);

function header(path: string): { version: number; applicationId: number } {
  const sqlite = new Database(path, { readonly: true });
  const result = { version: sqlite.pragma('user_version', { simple: true }) as number, applicationId: sqlite.pragma('application_id', { simple: true }) as number };
  sqlite.close();
  return result;
}

/** Starts the binary and kills it with SIGKILL after `ms`; resolves when it is gone. */
function killAfter(args: string[], ms: number): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin/enrollsy-help.js'), ...args], { stdio: 'ignore', env: { PATH: process.env.PATH, HOME: process.env.HOME, ...NO_DNS_ENV } });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function timed(args: string[]): Promise<number> {
  const started = Date.now();
  expect((await runBinary(args)).code).toBe(0);
  return Date.now() - started;
}

describe('init and upgrades at the same moment', () => {
  it('two inits of a new store: both succeed, the second finds nothing left to do', async () => {
    for (let round = 0; round < 4; round++) {
      const db = join(dir, `fresh-${round}.db`);
      const [a, b] = await Promise.all([runBinary(['--db', db, 'init', '--json']), runBinary(['--db', db, 'init', '--json'])]);
      expect([a.code, b.code, a.stderr + b.stderr]).toEqual([0, 0, '']);
      expect(header(db)).toEqual({ version: SCHEMA_VERSION, applicationId: APPLICATION_ID });
      expect((await runBinary(['--db', db, 'diagnose', 'jane@example.com', '--json'])).code).toBe(1);
    }
  });

  it('two upgrades of an old store: one migrates and keeps one backup, the other waits and finds it done', async () => {
    const db = join(dir, 'old.db');
    await oldStore(db, 1);
    const [a, b] = await Promise.all([runBinary(['--db', db, 'init', '--json']), runBinary(['--db', db, 'diagnose', 'olga@example.com', '--json'])]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(JSON.parse(b.stdout).found).toBe(true);
    const upgraded = [JSON.parse(a.stdout).migratedFrom !== null, b.stderr.includes('Upgraded the store from schema 1')];
    expect(upgraded.filter(Boolean)).toHaveLength(1);
    expect(readdirSync(dir).filter((name) => name.startsWith('old.db.')).sort()).toEqual(['old.db.schema-1.bak']);
    expect(header(join(dir, 'old.db.schema-1.bak')).version).toBe(1);
    expect(header(db)).toEqual({ version: SCHEMA_VERSION, applicationId: APPLICATION_ID });
  });
});

describe('init killed partway (SIGKILL at times spread over a whole run)', () => {
  const ROUNDS = 10;

  it('a new store: the next init finishes it and every command works', async () => {
    const duration = await timed(['--db', join(dir, 'probe.db'), 'init', '--demo']);
    for (let round = 0; round < ROUNDS; round++) {
      const db = join(dir, `k${round}.db`);
      await killAfter(['--db', db, 'init', '--demo'], Math.round((duration * round) / ROUNDS));
      const links = await runBinary(['--db', db, 'links']);
      // Either not made yet, or made (with or without the demo rows): never a store nothing accepts.
      if (links.code === 3) expect(links.stderr).toMatch(/No store at|empty, not an initialized store. Run `enrollsy-help init`/);
      noStack(links);
      const again = await runBinary(['--db', db, 'init', '--demo']);
      expect([round, again.code, again.stderr]).toEqual([round, 0, '']);
      expect((await runBinary(['--db', db, 'diagnose', 'jane.doe@example.com', '--json'])).code).toBe(0);
    }
  });

  it('an upgrade: the store is the old one or the new one, and the next run finishes with one good backup', async () => {
    await oldStore(join(dir, 'probe.db'), 1, { filler: 150_000 });
    const duration = await timed(['--db', join(dir, 'probe.db'), 'init']);
    for (let round = 0; round < ROUNDS; round++) {
      const db = join(dir, `u${round}.db`);
      await oldStore(db, 1, { filler: 150_000 });
      await killAfter(['--db', db, 'init'], Math.round((duration * round) / ROUNDS));
      expect([1, SCHEMA_VERSION]).toContain(header(db).version);
      const found = await runBinary(['--db', db, 'diagnose', 'olga@example.com', '--json']);
      expect([round, found.code]).toEqual([round, 0]);
      expect(JSON.parse(found.stdout).found).toBe(true);
      const left = readdirSync(dir).filter((name) => name.startsWith(`u${round}.db.`));
      expect(left).toEqual([`u${round}.db.schema-1.bak`]);
      const backup = new Database(join(dir, left[0]!), { readonly: true });
      expect(backup.pragma('user_version', { simple: true })).toBe(1);
      expect(backup.prepare("select email from holders where account_id = 'A1'").all()).toEqual([{ email: 'olga@example.com' }]);
      expect(backup.prepare('select count(*) as n from holders').get()).toEqual({ n: 150_001 });
      backup.close();
    }
  });

  it('an init of an older version killed before it recorded the version is finished by init', async () => {
    const db = join(dir, 'half.db');
    await oldStore(db, 1, { setVersion: false, holder: false });
    const result = await runBinary(['--db', db, 'init']);
    expect([result.code, result.stderr]).toEqual([0, '']);
    expect(header(db)).toEqual({ version: SCHEMA_VERSION, applicationId: APPLICATION_ID });
  });
});

describe('which SQLite files are stores', () => {
  it('a foreign SQLite file with user_version 1 is refused (exit 3) and left byte for byte as it was', async () => {
    const db = join(dir, 'notes.db');
    const sqlite = new Database(db);
    sqlite.exec("create table notes (id integer primary key, body text); insert into notes (body) values ('keep me');");
    sqlite.pragma('user_version = 1');
    sqlite.close();
    const before = readFileSync(db);
    for (const args of [['init'], ['links'], ['diagnose', 'a@example.com', '--json']]) {
      const result = await runBinary(['--db', db, ...args]);
      expect(result.code).toBe(3);
      expect(result.stderr).toContain('is an SQLite file but not an enrollsy-help store; it was left as it was');
      noStack(result);
    }
    // With --json the findings are rendered while the check runs, but only the error is printed.
    const json = await runBinary(['--db', db, 'conflicts', '--json']);
    expect(json.code).toBe(3);
    expect(Object.keys(JSON.parse(json.stdout))).toEqual(['error']);
    expect(readFileSync(db).equals(before)).toBe(true);
    expect(readdirSync(dir)).toEqual(['notes.db']);
  });

  it('a file with another application id is refused even with our tables', async () => {
    const db = join(dir, 'other.db');
    await oldStore(db, 1);
    const sqlite = new Database(db);
    sqlite.pragma('application_id = 1234');
    sqlite.close();
    const result = await runBinary(['--db', db, 'init']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('not an enrollsy-help store');
  });

  it('a current store made before the marker existed is used as it is, and init marks it', async () => {
    const db = join(dir, 'current.db');
    await oldStore(db, SCHEMA_VERSION);
    expect((await runBinary(['--db', db, 'diagnose', 'olga@example.com', '--json'])).code).toBe(0);
    expect(header(db)).toEqual({ version: SCHEMA_VERSION, applicationId: 0 });
    const init = await runBinary(['--db', db, 'init', '--json']);
    expect([init.code, JSON.parse(init.stdout).migratedFrom]).toEqual([0, null]);
    expect(header(db)).toEqual({ version: SCHEMA_VERSION, applicationId: APPLICATION_ID });
  });
});

describe('a damaged store', () => {
  // Overstates the cell count of the holders_account index's page: a structural fault
  // quick_check reports, which the conflict scan (it reads another index) would never notice.
  function damageIndexPage(db: string): void {
    const sqlite = new Database(db);
    const { rootpage } = sqlite.prepare("select rootpage from sqlite_master where name = 'holders_account'").get() as { rootpage: number };
    const pageSize = sqlite.pragma('page_size', { simple: true }) as number;
    sqlite.close();
    const bytes = readFileSync(db);
    const at = (rootpage - 1) * pageSize;
    bytes.writeUInt16BE(bytes.readUInt16BE(at + 3) + 40, at + 3);
    writeFileSync(db, bytes);
  }

  it('conflicts and init report it (exit 3) and say what to do; init changes nothing', async () => {
    const db = join(dir, 'store.db');
    expect((await runBinary(['--db', db, 'init', '--demo'])).code).toBe(0);
    damageIndexPage(db);
    const before = readFileSync(db);
    for (const args of [['conflicts'], ['conflicts', '--csv'], ['init']]) {
      const result = await runBinary(['--db', db, ...args]);
      expect([args.join(' '), result.code]).toEqual([args.join(' '), 3]);
      expect(result.stderr).toMatch(/is damaged; nothing was changed\. Restore it from a backup .*import your accounts export again \(SQLite's check found: .+\)\.\n$/);
      expect(result.stdout).toBe('');
      noStack(result);
    }
    expect(readFileSync(db).equals(before)).toBe(true);
  });
});

describe('store file permissions', () => {
  it('a store others can read is used, with one warning per run; a private one gets none', async () => {
    const db = join(dir, 'store.db');
    expect((await runBinary(['--db', db, 'init', '--demo'])).code).toBe(0);
    const quiet = await runBinary(['--db', db, 'diagnose', 'jane.doe@example.com']);
    expect(quiet.stderr).toBe('');
    chmodSync(db, 0o644);
    const warned = await runBinary(['--db', db, 'diagnose', 'jane.doe@example.com']);
    expect(warned.code).toBe(0);
    expect(warned.stderr.match(/can be read by other users/g)).toHaveLength(1);
    expect(warned.stderr).toContain(`(mode 0644); make it private with: chmod 600 ${db}`);
  });

  it('-wal and -shm files are never left more open than the store', async () => {
    const db = join(dir, 'store.db');
    expect((await runBinary(['--db', db, 'init', '--demo'])).code).toBe(0);
    // A reader keeps the -wal and -shm files in place across the command.
    const reader = new Database(db);
    reader.prepare('select count(*) from holders').get();
    chmodSync(`${db}-wal`, 0o666);
    chmodSync(`${db}-shm`, 0o666);
    expect((await runBinary(['--db', db, 'company', 'set', '--name', 'Private Co'])).code).toBe(0);
    expect([statSync(`${db}-wal`).mode & 0o777, statSync(`${db}-shm`).mode & 0o777]).toEqual([0o600, 0o600]);
    reader.close();
  });
});

describe('paths that cannot be a store: one line and exit 3, never an internal error', () => {
  it('a dangling symlink, a file where a folder should be, a path longer than the system allows', async () => {
    symlinkSync(join(dir, 'nowhere', 'x.db'), join(dir, 'dangling.db'));
    writeFileSync(join(dir, 'afile'), '');
    const cases: [string, RegExp][] = [
      [join(dir, 'dangling.db'), /is a symbolic link to .*nowhere\/x\.db, which does not exist\. Point --db at the real store, or remove the link\./],
      [join(dir, 'afile', 'x.db'), /cannot be created: a file stands where its folder should be\./],
      [join(dir, 'a'.repeat(300), 'x.db'), /its path is longer than the system allows; point --db at a shorter path\./],
      [join(dir, `${'b'.repeat(5000)}.db`), /its path is longer than the system allows/],
    ];
    for (const [db, message] of cases) {
      const result = await runBinary(['--db', db, 'init']);
      expect([result.code, result.stderr]).toEqual([3, expect.stringMatching(message)]);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(existsSync(join(dir, 'nowhere'))).toBe(false);
  });
});

describe('flags and variables with values no timer can hold: exit 2 naming them', () => {
  it('--lock-timeout', async () => {
    const db = join(dir, 'store.db');
    mkdirSync(dir, { recursive: true });
    expect((await runBinary(['--db', db, 'init'])).code).toBe(0);
    for (const value of ['2147483648', '99999999999999999999', '0', '-5', '1.5', 'soon', '']) {
      const result = await runBinary(['--db', db, '--lock-timeout', value, 'links']);
      expect([value, result.code]).toEqual([value, 2]);
      expect(result.stderr).toMatch(/^✖ --lock-timeout needs a whole number of milliseconds from 1 to 2147483647/);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect((await runBinary(['--db', db, '--lock-timeout', '2147483647', 'company', 'show'])).code).toBe(0);
  });

  it('ENROLLSY_SMTP_TIMEOUT_MS', async () => {
    const db = join(dir, 'store.db');
    expect((await runBinary(['--db', db, 'init', '--demo'])).code).toBe(0);
    const result = await runBinary(['--db', db, 'message', 'jane.doe@example.com', '--template', 'sign-in', '--send'], {
      env: { ENROLLSY_SMTP_URL: 'smtp://127.0.0.1:9', ENROLLSY_SMTP_TIMEOUT_MS: '2147483648' },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('✖ ENROLLSY_SMTP_TIMEOUT_MS must be a whole number of milliseconds from 1 to 2147483647, not "2147483648".\n');
  });
});
