import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { migrations } from '../src/store/migrations.js';
import { runInProcess, TestClock, tempDir } from './helpers/cli.js';
import { sqliteMigrations } from './helpers/old-store.js';

// SQLite's full scan reads the repeated addresses from repeated_keys (migration 0008), kept by
// triggers and refilled by the import. A stale row there would hide an R1 conflict, so every way
// holders change is checked against the definition: keys used by two or more holders.

const tmp = tempDir('enrollsy-repeated-');
afterAll(() => tmp.cleanup());

const HEADER = 'account_id,account_name,role,first_name,last_name,email,login_access';

function repeatedSets(db: string): { kept: string[]; computed: string[] } {
  const sqlite = new Database(db, { readonly: true });
  try {
    const kept = sqlite.prepare('select email_key from repeated_keys order by email_key').pluck().all() as string[];
    const computed = sqlite
      .prepare('select email_key from holders where email_key is not null group by email_key having count(*) > 1 order by email_key')
      .pluck()
      .all() as string[];
    return { kept, computed };
  } finally {
    sqlite.close();
  }
}

function expectKeptExact(db: string): string[] {
  const { kept, computed } = repeatedSets(db);
  expect(kept).toEqual(computed);
  return kept;
}

describe('repeated_keys on SQLite', () => {
  let template: string;
  const clock = new TestClock();
  const cli = (db: string, args: string[], stdin?: string) => runInProcess(['--db', db, ...args], { clock, stdin });

  beforeAll(async () => {
    template = join(tmp.dir, 'template.db');
    expect((await cli(template, ['init', '--name', 'Test Co', '--sign-in-url', 'https://x.example/in', '--reset-url', 'https://x.example/reset'])).code).toBe(0);
  });

  function freshStore(name: string): string {
    const db = join(tmp.dir, `${name}.db`);
    copyFileSync(template, db);
    return db;
  }

  it('follows every kind of SQL write to holders: inserts, multi-row updates, deletes, cascades, nulls', () => {
    const db = freshStore('property');
    const sqlite = new Database(db);
    sqlite.pragma('foreign_keys = ON');
    const keys = ['a@x.example', 'b@x.example', 'c@x.example', 'd@x.example', null];
    const accounts = ['A1', 'A2', 'A3'];
    for (const id of accounts) sqlite.prepare("insert into accounts (id, name, imported_at) values (?, ?, '2026-01-01T00:00:00Z')").run(id, `Family ${id}`);
    const key = fc.constantFrom(...keys);
    const account = fc.constantFrom(...accounts);
    const operation = fc.oneof(
      fc.record({ kind: fc.constant('insert' as const), account, key }),
      fc.record({ kind: fc.constant('insert-many' as const), account, key, count: fc.integer({ min: 2, max: 3 }) }),
      fc.record({ kind: fc.constant('update-one' as const), key, to: key }),
      fc.record({ kind: fc.constant('update-all' as const), key, to: key }),
      fc.record({ kind: fc.constant('swap' as const), key, to: key }),
      fc.record({ kind: fc.constant('delete-one' as const), key }),
      fc.record({ kind: fc.constant('delete-account' as const), account }),
      fc.record({ kind: fc.constant('restore-account' as const), account }),
    );
    const insert = sqlite.prepare("insert into holders (account_id, position, role, first_name, last_name, email, email_key) values (?, 1, 'secondary', 'F', 'L', ?, ?)");
    const restore = sqlite.prepare("insert or ignore into accounts (id, name, imported_at) values (?, 'Back', '2026-01-01T00:00:00Z')");
    fc.assert(
      fc.property(fc.array(operation, { minLength: 1, maxLength: 12 }), (ops) => {
        sqlite.exec('delete from holders');
        for (const id of accounts) restore.run(id);
        expect(sqlite.prepare('select count(*) from repeated_keys').pluck().get()).toBe(0);
        for (const op of ops) {
          switch (op.kind) {
            case 'insert':
              restore.run(op.account);
              insert.run(op.account, op.key, op.key);
              break;
            case 'insert-many':
              restore.run(op.account);
              // One statement inserting several rows: the trigger sees each row as it lands.
              sqlite
                .prepare(
                  `insert into holders (account_id, position, role, first_name, last_name, email, email_key)
                   with recursive n(i) as (select 1 union all select i + 1 from n where i < @count)
                   select @account, i, 'secondary', 'F', 'L', @key, @key from n`,
                )
                .run({ account: op.account, key: op.key, count: op.count });
              break;
            case 'update-one':
              sqlite.prepare('update holders set email_key = ? where id = (select min(id) from holders where email_key is ?)').run(op.to, op.key);
              break;
            case 'update-all':
              sqlite.prepare('update holders set email_key = ? where email_key is ?').run(op.to, op.key);
              break;
            case 'swap':
              // Both directions in one statement: old and new keys change for many rows at once.
              sqlite.prepare('update holders set email_key = case when email_key is ? then ? else ? end where email_key is ? or email_key is ?').run(op.key, op.to, op.key, op.key, op.to);
              break;
            case 'delete-one':
              sqlite.prepare('delete from holders where id = (select max(id) from holders where email_key is ?)').run(op.key);
              break;
            case 'delete-account':
              // ON DELETE CASCADE removes the holders: their delete trigger must run too.
              sqlite.prepare('delete from accounts where id = ?').run(op.account);
              break;
            case 'restore-account':
              restore.run(op.account);
              break;
          }
          const kept = sqlite.prepare('select email_key from repeated_keys order by email_key').pluck().all();
          const computed = sqlite.prepare('select email_key from holders where email_key is not null group by email_key having count(*) > 1 order by email_key').pluck().all();
          expect(kept).toEqual(computed);
        }
      }),
      { numRuns: 300, seed: 11 },
    );
    sqlite.close();
  });

  it('the import refills it: into an empty store, over a store (accounts replaced), and with --skip-invalid', async () => {
    const db = freshStore('imports');
    const first = join(tmp.dir, 'first.csv');
    writeFileSync(
      first,
      [
        HEADER,
        'A1,One,primary,Ann,One,shared@x.example,',
        'A1,One,secondary,Bo,One,SHARED@x.example,',
        'A2,Two,primary,Cy,Two,cross@x.example,',
        'A3,Three,primary,Di,Three,cross@x.example,',
        'A4,Four,primary,Ed,Four,alone@x.example,',
      ].join('\n'),
    );
    expect((await cli(db, ['import', first, '--json'])).code).toBe(0);
    expect(expectKeptExact(db)).toEqual(['cross@x.example', 'shared@x.example']);

    // A3 is replaced without the shared address; A5 (new) uses A4's: one conflict gone, one new.
    const second = join(tmp.dir, 'second.csv');
    writeFileSync(second, [HEADER, 'A3,Three,primary,Di,Three,di@x.example,', 'A5,Five,primary,Fa,Five,alone@x.example,'].join('\n'));
    expect((await cli(db, ['import', second, '--json'])).code).toBe(0);
    expect(expectKeptExact(db)).toEqual(['alone@x.example', 'shared@x.example']);
    const scan = JSON.parse((await cli(db, ['conflicts', '--json'])).stdout);
    expect(scan.conflicts.map((c: { normalizedEmail: string }) => c.normalizedEmail)).toEqual(['alone@x.example']);
    expect(scan.sharedWithinAccount.map((c: { normalizedEmail: string }) => c.normalizedEmail)).toEqual(['shared@x.example']);

    // A6 has two primaries and is skipped whole; A7 is kept and shares an address with A2.
    const third = join(tmp.dir, 'third.csv');
    writeFileSync(
      third,
      [HEADER, 'A6,Six,primary,Ga,Six,six@x.example,', 'A6,Six,primary,Ha,Six,six@x.example,', 'A7,Seven,primary,Io,Seven,Cross@X.example,'].join('\n'),
    );
    const skipped = await cli(db, ['import', third, '--skip-invalid', '--json']);
    expect(JSON.parse(skipped.stdout).rejected).toHaveLength(1);
    expect(expectKeptExact(db)).toEqual(['alone@x.example', 'cross@x.example', 'shared@x.example']);

    // A rejected import changes nothing, the table included.
    const bad = join(tmp.dir, 'bad.csv');
    writeFileSync(bad, [HEADER, 'A8,Eight,primary,Jo,Eight,alone@x.example,', 'A8,Eight,primary,Ka,Eight,ka@x.example,'].join('\n'));
    expect((await cli(db, ['import', bad, '--json'])).code).not.toBe(0);
    expect(expectKeptExact(db)).toEqual(['alone@x.example', 'cross@x.example', 'shared@x.example']);

    // The triggers are back after each import: a change by hand is followed.
    const sqlite = new Database(db);
    sqlite.exec("update holders set email_key = 'other@x.example' where account_id = 'A7'");
    sqlite.close();
    expect(expectKeptExact(db)).toEqual(['alone@x.example', 'shared@x.example']);
  });

  it('follows the commands that change addresses: holder set-email and fix-conflict', async () => {
    const db = freshStore('commands');
    const file = join(tmp.dir, 'commands.csv');
    writeFileSync(
      file,
      [HEADER, 'A1,One,primary,Ann,One,ann@x.example,', 'A2,Two,primary,Al,Two,ann@x.example,', 'A3,Three,primary,Bo,Three,bo@x.example,', 'A4,Four,primary,Bea,Four,bo@x.example,'].join('\n'),
    );
    expect((await cli(db, ['import', file, '--json'])).code).toBe(0);
    expect(expectKeptExact(db)).toEqual(['ann@x.example', 'bo@x.example']);
    expect((await cli(db, ['holder', 'set-email', 'ann@x.example', 'al@x.example', '--account', 'A2', '--yes', '--json'])).code).toBe(0);
    expect(expectKeptExact(db)).toEqual(['bo@x.example']);
    expect((await cli(db, ['fix-conflict', 'bo@x.example', '--keep', 'A3', '--delete', '--yes', '--json'])).code).toBe(0);
    expect(expectKeptExact(db)).toEqual([]);
    const scan = await cli(db, ['conflicts', '--json']);
    expect(scan.code).toBe(0);
    expect(JSON.parse(scan.stdout).conflicts).toEqual([]);
  });

  it('with a trigger dropped by hand the scan and the check group holders instead, and still find every conflict', async () => {
    const db = freshStore('no-trigger');
    const file = join(tmp.dir, 'no-trigger.csv');
    writeFileSync(file, [HEADER, 'A1,One,primary,Ann,One,ann@x.example,', 'A2,Two,primary,Bo,Two,bo@x.example,'].join('\n'));
    expect((await cli(db, ['import', file, '--json'])).code).toBe(0);
    const sqlite = new Database(db);
    sqlite.exec(`drop trigger holders_repeated_key_added;
      insert into holders (account_id, position, role, first_name, last_name, email, email_key) values ('A2', 3, 'secondary', 'Cy', 'Two', 'ann@x.example', 'ann@x.example');`);
    sqlite.close();
    expect(repeatedSets(db)).toEqual({ kept: [], computed: ['ann@x.example'] });
    const scan = JSON.parse((await cli(db, ['conflicts', '--json'])).stdout);
    expect(scan.checked).toBe(2);
    expect(scan.conflicts.map((c: { normalizedEmail: string }) => c.normalizedEmail)).toEqual(['ann@x.example']);
    const check = JSON.parse((await cli(db, ['conflicts', 'ann@x.example', '--json'])).stdout);
    expect(check.conflicts.map((c: { normalizedEmail: string }) => c.normalizedEmail)).toEqual(['ann@x.example']);
  });

  it('a store from before the table is given it, filled, when it is opened', async () => {
    const db = join(tmp.dir, 'v7.db');
    const sqlite = new Database(db);
    const kysely = new Kysely<any>({ dialect: new SqliteDialect({ database: sqlite }) });
    const names = Object.keys(migrations);
    const before = names[names.indexOf('0008_repeated_keys') - 1]!;
    const provider = { getMigrations: async () => sqliteMigrations };
    expect((await new Migrator({ db: kysely, provider }).migrateTo(before)).error).toBeUndefined();
    sqlite.pragma(`user_version = ${names.indexOf(before) + 1}`);
    sqlite.exec(`insert into company (id, name, updated_at) values (1, 'Old Co', '2026-01-01T00:00:00Z');
      insert into accounts values ('A1', 'Old One', '2026-01-01T00:00:00Z'), ('A2', 'Old Two', '2026-01-01T00:00:00Z');
      insert into holders (account_id, position, role, first_name, last_name, email, email_key, login_access) values
        ('A1', 1, 'primary', 'Olga', 'Old', 'olga@x.example', 'olga@x.example', 0),
        ('A2', 1, 'primary', 'Oleg', 'Old', 'Olga@x.example', 'olga@x.example', 0);`);
    await kysely.destroy();

    const scan = await cli(db, ['conflicts', '--json']);
    expect(scan.stderr).toContain('Upgraded the store from schema 7');
    expect(JSON.parse(scan.stdout).conflicts.map((c: { normalizedEmail: string }) => c.normalizedEmail)).toEqual(['olga@x.example']);
    expect(expectKeptExact(db)).toEqual(['olga@x.example']);
  });
});
