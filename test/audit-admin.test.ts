import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { actingAdmin } from '../src/cli/acting-admin.js';
import { sqliteMigrations } from './helpers/old-store.js';
import { migrations } from '../src/store/migrations.js';
import { runBinary, runInProcess, tempDir, TestClock } from './helpers/cli.js';
import { engines, storeLocation, type TestStoreLocation } from './helpers/engines.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

describe('actingAdmin', () => {
  const noOsUser = () => null;
  it('is ENROLLSY_ADMIN, else the operating-system user, else "unknown"', () => {
    expect(actingAdmin({ ENROLLSY_ADMIN: ' dana ' }, () => 'root')).toBe('dana');
    expect(actingAdmin({ ENROLLSY_ADMIN: '' }, () => 'sam')).toBe('sam');
    expect(actingAdmin({}, noOsUser)).toBe('unknown');
    expect(actingAdmin({})).toBe(userInfo().username);
  });

  it('drops control and invisible characters and keeps it short (it is printed by audit)', () => {
    expect(actingAdmin({ ENROLLSY_ADMIN: 'da\u001b[31mna\u202e\n x' }, noOsUser)).toBe('da[31mna x');
    expect(actingAdmin({ ENROLLSY_ADMIN: 'x'.repeat(500) }, noOsUser)).toHaveLength(100);
    expect(actingAdmin({ ENROLLSY_ADMIN: '\u200b' }, () => 'sam')).toBe('sam');
  });
});

describe.each(engines)('who acted, in the audit log, on %s', (engine) => {
  let location: TestStoreLocation;
  beforeEach(async () => {
    location = await storeLocation(engine, dir);
  });
  afterEach(() => location.drop());

  it('every entry records the admin; audit shows it in text and --json', async () => {
    const { db, env } = location;
    const clock = new TestClock();
    await runInProcess(['--db', db, 'init', '--demo'], { clock, env: { ...env, ENROLLSY_ADMIN: 'dana' } });
    await runInProcess(['--db', db, 'reset', 'jane.doe@example.com', '--no-send'], { clock, env: { ...env, ENROLLSY_ADMIN: 'lee' } });
    const json = JSON.parse((await runInProcess(['--db', db, 'audit', '--json'], { clock, env })).stdout);
    expect(json.entries.map((e: { action: string; admin: string }) => [e.action, e.admin])).toEqual([
      ['reset.issued', 'lee'],
      ['import', 'dana'],
      ['company.set', 'dana'],
    ]);
    const text = (await runInProcess(['--db', db, 'audit', '--no-color'], { clock, env })).stdout.split('\n');
    expect(text[0]).toMatch(/^\S.* {2}lee {3}reset\.issued /);
    expect(text[1]).toMatch(/ {2}dana {2}import /);
  });

  it('the built binary falls back to the operating-system user', async () => {
    const { db, env } = location;
    expect((await runBinary(['--db', db, 'init', '--name', 'Co'], { env })).code).toBe(0);
    const json = JSON.parse((await runBinary(['--db', db, 'audit', '--json'], { env })).stdout);
    expect(json.entries).toEqual([expect.objectContaining({ action: 'company.set', admin: userInfo().username })]);
  });
});

describe('an older SQLite store', () => {
  it('a schema-2 store is migrated: old entries say the admin was not recorded, and old holders can be found by name', async () => {
    const db = join(dir, 'old.db');
    const sqlite = new Database(db);
    const kysely = new Kysely<any>({ dialect: new SqliteDialect({ database: sqlite }) });
    const { error } = await new Migrator({ db: kysely, provider: { getMigrations: async () => sqliteMigrations } }).migrateTo('0002_reset_links');
    expect(error).toBeUndefined();
    sqlite.pragma('user_version = 2');
    sqlite.exec(`insert into accounts values ('A1', 'Old Family', '2026-01-01T00:00:00Z');
      insert into holders (account_id, position, role, first_name, last_name, email, email_key, login_access)
      values ('A1', 1, 'primary', 'Örjan', 'Öld', 'o@example.com', 'o@example.com', 0);
      insert into audit_log (at, action, account_id, email_key, details) values ('2026-01-01T00:00:00.000Z', 'import', null, null, '{}');`);
    await kysely.destroy();

    const audit = await runInProcess(['--db', db, 'audit', '--json']);
    expect(audit.code).toBe(0);
    expect(JSON.parse(audit.stdout).entries).toEqual([{ at: '2026-01-01T00:00:00.000Z', admin: null, action: 'import', accountId: null, details: {} }]);
    expect((await runInProcess(['--db', db, 'audit', '--no-color'])).stdout).toContain('(not recorded)  import');
    const found = JSON.parse((await runInProcess(['--db', db, 'find', 'orjan old', '--json'])).stdout);
    expect(found.accounts.map((a: { accountId: string }) => a.accountId)).toEqual(['A1']);
  });
});
