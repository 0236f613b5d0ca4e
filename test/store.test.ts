import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sqliteMigrations } from './helpers/old-store.js';
import { migrations, SCHEMA_VERSION } from '../src/store/migrations.js';
import { runInProcess, tempDir } from './helpers/cli.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

describe('store file', () => {
  it('init creates it readable by its owner only, with WAL and every migration applied', async () => {
    const db = join(dir, 'nested', 'store.db');
    const result = await runInProcess(['--db', db, 'init']);
    expect(result.code).toBe(0);
    expect(statSync(db).mode & 0o777).toBe(0o600);
    const sqlite = new Database(db, { readonly: true });
    expect(sqlite.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    const plan = sqlite.prepare("explain query plan select account_id from holders where email_key = 'x'").all() as { detail: string }[];
    expect(plan.map((row) => row.detail).join(' ')).toContain('USING COVERING INDEX holders_email_key');
    sqlite.close();
  });

  it('any other command on a missing store exits 3 and says to run init', async () => {
    const db = join(dir, 'missing.db');
    const result = await runInProcess(['--db', db, 'diagnose', 'jane@example.com']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/No store at .*missing\.db.*init/);
    expect(existsSync(db)).toBe(false);
  });

  it('a folder or an empty path as --db is a store problem (exit 3) with a clear line', async () => {
    const folder = await runInProcess(['--db', dir, 'links']);
    expect(folder.code).toBe(3);
    expect(folder.stderr).toContain('is a folder, not a store file');
    const empty = await runInProcess(['--db', '', 'links']);
    expect(empty.code).toBe(3);
    expect(empty.stderr).toContain('The store path is empty');
  });

  it('ENROLLSY_DB points at the store when --db is absent', async () => {
    const db = join(dir, 'env.db');
    expect((await runInProcess(['init'], { env: { ENROLLSY_DB: db } })).code).toBe(0);
    expect(existsSync(db)).toBe(true);
  });

  it('a file that is not a database is refused with exit 3 and left as it was', async () => {
    const db = join(dir, 'junk.db');
    writeFileSync(db, 'this is not sqlite, just some text that is long enough to look like a header'.repeat(10));
    const before = readFileSync(db);
    for (const args of [['init'], ['diagnose', 'a@b.co'], ['links']]) {
      const result = await runInProcess(['--db', db, ...args]);
      expect(result.code).toBe(3);
      expect(result.stderr).toContain('not an enrollsy-help store');
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
    expect(readFileSync(db).equals(before)).toBe(true);
  });

  it('a store from a newer version is refused with exit 3', async () => {
    const db = join(dir, 'newer.db');
    await runInProcess(['--db', db, 'init', '--demo']);
    const sqlite = new Database(db);
    sqlite.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    sqlite.close();
    const result = await runInProcess(['--db', db, 'diagnose', 'jane.doe@example.com', '--json']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('newer enrollsy-help');
    expect(JSON.parse(result.stdout)).toEqual({ error: { exitCode: 3, message: expect.stringContaining('Upgrade') } });
  });

  it('a store from an older version is migrated forward by any command, keeping a copy of the old file', async () => {
    const db = join(dir, 'old.db');
    const sqlite = new Database(db);
    const kysely = new Kysely<any>({ dialect: new SqliteDialect({ database: sqlite }) });
    const first = Object.keys(migrations)[0]!;
    const { error } = await new Migrator({ db: kysely, provider: { getMigrations: async () => sqliteMigrations } }).migrateTo(first);
    expect(error).toBeUndefined();
    sqlite.pragma('user_version = 1');
    sqlite.exec(`insert into accounts values ('A1', 'Old Family', '2026-01-01T00:00:00Z');
      insert into holders (account_id, position, role, first_name, last_name, email, email_key, login_access)
      values ('A1', 1, 'primary', 'Olga', 'Old', 'olga@example.com', 'olga@example.com', 0);`);
    await kysely.destroy();

    const result = await runInProcess(['--db', db, 'diagnose', 'olga@example.com', '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).found).toBe(true);
    const backup = `${db}.schema-1.bak`;
    expect(existsSync(backup)).toBe(true);
    expect(statSync(backup).mode & 0o777).toBe(0o600);
    expect(result.stderr).toContain(`Upgraded the store from schema 1; the old file is kept as ${backup}`);
    const old = new Database(backup, { readonly: true });
    expect(old.pragma('user_version', { simple: true })).toBe(1);
    expect(old.prepare("select count(*) as n from sqlite_master where name = 'reset_links'").get()).toEqual({ n: 0 });
    old.close();
    const migrated = new Database(db, { readonly: true });
    expect(migrated.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    migrated.close();
  });
});

describe('init --demo over a real store', () => {
  it('refuses without --yes and changes nothing; loads with --yes; reloads a demo store freely', async () => {
    const db = join(dir, 'real.db');
    expect((await runInProcess(['--db', db, 'init', '--name', 'Real Co', '--sign-in-url', 'https://real.example/in', '--reset-url', 'https://real.example/reset'])).code).toBe(0);
    const refused = await runInProcess(['--db', db, 'init', '--demo']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/already holds Real Co's data.*--yes/);
    const show = JSON.parse((await runInProcess(['--db', db, 'company', 'show', '--json'])).stdout);
    expect(show.signInUrl).toBe('https://real.example/in');
    expect((await runInProcess(['--db', db, 'init', '--demo', '--yes'])).code).toBe(0);

    const demo = join(dir, 'demo.db');
    expect((await runInProcess(['--db', demo, 'init', '--demo'])).code).toBe(0);
    expect((await runInProcess(['--db', demo, 'init', '--demo'])).code).toBe(0);
  });
});
