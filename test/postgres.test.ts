import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { findExportSplit } from '../src/store/export-split.js';
import { startCluster } from './helpers/postgres-cluster.mjs';
import { adminQuery, createTestDatabase, engines, postgresUrl } from './helpers/engines.js';
import { repoRoot, runBinary, runInProcess, tempDir, TestClock } from './helpers/cli.js';

// PostgreSQL-only behaviour: connections, concurrency across processes, and that a script using
// --json sees no difference from SQLite. The shared behavioural suites run on both engines too.
const describePg = engines.includes('postgres') ? describe : describe.skip;

const demoAddresses = ['jane.doe@example.com', 'sam.rivera@example.com', 'pat.brown@example.com', 'john.doe@example.com', 'tom.smith@example.com', 'minh.nguyen@example.com', 'chris.baker@gmial.com', 'ana.ortiz@gmial.com', 'priya.patel@example.com', 'nobody@example.com'];

describePg('PostgreSQL store', () => {
  let temp: ReturnType<typeof tempDir>;
  beforeAll(() => {
    temp = tempDir('enrollsy-pg-test-');
  });
  afterAll(() => temp.cleanup());

  async function pgDemo(clock: TestClock): Promise<string> {
    const url = postgresUrl(await createTestDatabase());
    const result = await runInProcess(['--db', url, 'init', '--demo'], { clock, env: { ENROLLSY_OUTBOX: join(temp.dir, 'outbox') } });
    if (result.code !== 0) throw new Error(`init --demo on PostgreSQL failed: ${result.stderr}`);
    return url;
  }

  it('a script using --json sees the same documents and exit codes as on SQLite', async () => {
    const clock = new TestClock();
    const url = await pgDemo(clock);
    const file = join(temp.dir, 'same.db');
    expect((await runInProcess(['--db', file, 'init', '--demo'], { clock })).code).toBe(0);
    const env = { ENROLLSY_OUTBOX: join(temp.dir, 'outbox-same'), ENROLLSY_ADMIN: 'tester' };
    const both = async (args: string[]) => {
      const sqlite = await runInProcess(['--db', file, '--json', ...args], { clock, env });
      const postgres = await runInProcess(['--db', url, '--json', ...args], { clock, env });
      return { sqlite, postgres };
    };
    for (const address of demoAddresses) {
      const { sqlite, postgres } = await both(['diagnose', address]);
      expect({ address, code: postgres.code, json: JSON.parse(postgres.stdout) }).toEqual({ address, code: sqlite.code, json: JSON.parse(sqlite.stdout) });
    }
    for (const args of [['conflicts'], ['conflicts', 'sam.rivera@example.com', 'jane.doe@example.com', 'bad@@x'], ['conflicts', 'jane.doe@example.com', ' Jane.Doe@example.com', 'pat.brown@example.com', 'Pat.Brown@example.com'], ['links'], ['company', 'show'], ['find', 'doe']]) {
      const { sqlite, postgres } = await both(args);
      expect({ args, code: postgres.code, json: JSON.parse(postgres.stdout) }).toEqual({ args, code: sqlite.code, json: JSON.parse(sqlite.stdout) });
    }
    // Changes: the same fix, reset and import give the same documents.
    for (const args of [
      ['fix-conflict', 'pat.brown@example.com', '--keep', 'A1005', '--delete', '--yes'],
      ['reset', 'jane.doe@example.com', '--no-send'],
      ['reset', 'jane.doe@example.com', '--no-send'],
      ['holder', 'set-email', 'chris.baker@gmial.com', 'chris.baker@gmail.com'],
    ]) {
      const { sqlite, postgres } = await both(args);
      const strip = (out: string) => JSON.parse(out, (key, value) => (key === 'link' ? '<link>' : value));
      expect({ args, code: postgres.code, json: strip(postgres.stdout) }).toEqual({ args, code: sqlite.code, json: strip(sqlite.stdout) });
    }
    const csv = readFileSync(join(repoRoot, 'fixtures/demo-accounts.csv'), 'utf8');
    const sqliteImport = await runInProcess(['--db', file, '--json', 'import', '-'], { clock, env, stdin: csv });
    const postgresImport = await runInProcess(['--db', url, '--json', 'import', '-'], { clock, env, stdin: csv });
    expect(JSON.parse(postgresImport.stdout)).toEqual(JSON.parse(sqliteImport.stdout));
    const audit = async (db: string) => (JSON.parse((await runInProcess(['--db', db, '--json', 'audit'], { clock, env })).stdout) as { entries: unknown[] }).entries;
    expect(await audit(url)).toEqual(await audit(file));
  });

  it('an import with invalid rows changes nothing, and --skip-invalid keeps or skips accounts whole', async () => {
    const clock = new TestClock();
    const url = await pgDemo(clock);
    const csv = 'account_id,account_name,role,first_name,last_name,email,login_access\nB1,Bee,primary,Bo,Bee,bo@example.com,\nB1,Bee,primary,Bea,Bee,bea@example.com,\nB2,Cee,primary,Cy,Cee,cy@example.com,\nB3,Dee,secondary,Di,Dee,di@example.com,yes\n';
    const refused = await runInProcess(['--db', url, '--json', 'import', '-'], { clock, stdin: csv });
    expect(refused.code).toBe(2);
    expect(JSON.parse(refused.stdout).rejected).toEqual([
      { line: 3, reason: 'account B1 has a second primary holder (the first is on line 2)' },
      { line: 5, reason: 'account B3 has no primary holder (exactly one row must have role primary)' },
    ]);
    expect((await runInProcess(['--db', url, 'find', 'B2'], { clock })).code).toBe(1);
    const skipped = await runInProcess(['--db', url, '--json', 'import', '-', '--skip-invalid'], { clock, stdin: csv });
    expect(skipped.code).toBe(1);
    expect(JSON.parse(skipped.stdout).imported).toEqual({ accounts: 1, holders: 1 });
  });

  it('an import reads a file like SQLite: accounts in several runs, runs across batches, backslashes, no email; into an empty store and over one', async () => {
    // The import works in batches of 500 rows; the one-primary rule sums counts kept per run of an
    // account's rows (import-accounts-postgres.ts), so runs that span batches or come back later matter.
    const rows = ['account_id,account_name,role,first_name,last_name,email,login_access'];
    // R1: lines 2-701, its only primary on line 650 (the second batch); backslashes; some without email.
    for (let i = 0; i < 700; i++) rows.push(`R1,Arr\\One,${i === 648 ? 'primary' : 'secondary'},Ro${i},Back\\slash,${i % 3 === 0 ? '' : `r${i}@example.com`},${i % 2 ? 'yes' : ''}`);
    rows.push('S1,Ess,primary,Sa,Ess,sa@example.com,', 'S2,Ess Two,primary,Sb,Ess,sb@example.com,', 'S1,Ess,primary,Sc,Ess,sc@example.com,'); // 702-704: S1 has two
    rows.push('T1,Tee,secondary,Ta,Tee,ta@example.com,', 'U2,You Two,primary,Ua,You,ua@example.com,', 'T1,Tee Again,primary,Tb,Tee,tb@example.com,'); // 705-707: T1 has one
    for (let i = 0; i < 400; i++) rows.push(`U1,You,secondary,Ub${i},You,ub${i}@example.com,`); // 708-1107: none, across a batch
    rows.push('V1,Vee,chief,Va,Vee,va@example.com,', 'V1,Vee,primary,Vb,Vee,vb@example.com,', 'W1,"Tab\tbed",primary,"Wa\\",Wee,wa@example.com,', 'X1,Ex,primary,Xa,Ex,xa@example.com,', 'X1,Ex,primary,Xb,Ex,xb@example.com,', 'X1,Ex,primary,Xc,Ex,xc@example.com,', 'Y1,Why,secondary,Ya,Why,ya@example.com,');
    const file = join(temp.dir, 'runs.csv');
    writeFileSync(file, `${rows.join('\n')}\n`);
    const clock = new TestClock();
    const sqlite = join(temp.dir, 'runs.db');
    const database = await createTestDatabase();
    const url = postgresUrl(database);
    expect((await runInProcess(['--db', sqlite, 'init'], { clock })).code).toBe(0);
    expect((await runBinary(['--db', url, 'init'])).code).toBe(0);
    const schema = async () =>
      (
        await adminQuery(
          `select conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) as d from pg_constraint where connamespace = 'public'::regnamespace
           union all select indexdef from pg_indexes where schemaname = 'public' order by 1`,
          database,
        )
      ).rows.map((row: { d: string }) => row.d);
    const schemaBefore = await schema();
    const stored = async () => {
      const lite = new Database(sqlite, { readonly: true });
      try {
        const query = {
          holders: 'select account_id, position, role, first_name, last_name, email, email_key, login_access, name_key from holders order by account_id, position',
          accounts: 'select id, name, imported_at from accounts order by id',
        };
        const fromPg = { holders: (await adminQuery(query.holders, database)).rows, accounts: (await adminQuery(query.accounts, database)).rows };
        return { sqlite: { holders: lite.prepare(query.holders).all(), accounts: lite.prepare(query.accounts).all() }, postgres: fromPg };
      } finally {
        lite.close();
      }
    };
    const expected = JSON.parse((await runInProcess(['--db', sqlite, '--json', 'import', file], { clock })).stdout);
    expect(expected.rejected.map((row: { line: number }) => row.line)).toEqual([704, 708, 1108, 1112, 1113, 1114]);
    // The built binary (rows written as COPY text on the worker thread) and in-process (on this one).
    for (const run of [() => runBinary(['--db', url, '--json', 'import', file]), () => runInProcess(['--db', url, '--json', 'import', file], { clock })]) {
      const refused = await run();
      expect({ code: refused.code, json: JSON.parse(refused.stdout) }).toEqual({ code: 2, json: expected });
    }
    // --skip-invalid: into the empty store, then over it (every account replaced), then over it in-process.
    for (const [i, run] of [
      () => runBinary(['--db', url, '--json', 'import', file, '--skip-invalid']),
      () => runBinary(['--db', url, '--json', 'import', file, '--skip-invalid']),
      () => runInProcess(['--db', url, '--json', 'import', file, '--skip-invalid'], { clock }),
    ].entries()) {
      const sqliteRun = await runInProcess(['--db', sqlite, '--json', 'import', file, '--skip-invalid'], { clock });
      const postgresRun = await run();
      expect({ code: postgresRun.code, json: JSON.parse(postgresRun.stdout) }).toEqual({ code: sqliteRun.code, json: JSON.parse(sqliteRun.stdout) });
      expect(JSON.parse(postgresRun.stdout).imported).toEqual({ accounts: 5, holders: 705 });
      const { sqlite: fromSqlite, postgres: fromPostgres } = await stored();
      const withoutTimes = (data: typeof fromSqlite) => ({ holders: data.holders, accounts: (data.accounts as { imported_at: string }[]).map(({ imported_at: _, ...account }) => account) });
      expect(withoutTimes(fromPostgres)).toEqual(withoutTimes(fromSqlite));
      if (i === 0) {
        // Loaded into an empty store: frozen (pages all-visible, but those the skipped accounts' rows
        // were deleted from) and with the planner's statistics.
        const { rows } = await adminQuery(
          `select relallvisible > 0 as frozen, exists (select 1 from pg_stats where tablename = 'holders') as analyzed from pg_class where oid = 'holders'::regclass`,
          database,
        );
        expect(rows).toEqual([{ frozen: true, analyzed: true }]);
      }
    }
    // The keys and indexes set aside for the load into the empty store are all back, as they were.
    expect(await schema()).toEqual(schemaBefore);
  });

  it('an import into an empty store takes an account the filter of accounts seen wrongly calls repeated like any other (as SQLite does)', async () => {
    // Into a store with no accounts, each account's first run is loaded straight into the accounts
    // table and only the others go to import_accounts (route-account-lines.ts). FP1 and FP2 come
    // after three accounts that set their three bits in the filter (test/copy-batches.test.ts
    // checks that): their first runs are flagged as repeated, so they are in import_accounts only.
    const header = 'account_id,account_name,role,first_name,last_name,email,login_access';
    const rows = [header];
    for (const id of ['K1477833', 'K1175736', 'K4414455', 'K8532679', 'K13116151', 'K7583204']) rows.push(`${id},Kay ${id},primary,Ka,Kay,${id.toLowerCase()}@example.com,`);
    rows.push('FP1,Eff One,secondary,Fa,Eff,fa@example.com,', 'G1,Gee,secondary,Ga,Gee,ga@example.com,', 'G1,Gee,primary,Gb,Gee,gb@example.com,'); // 8-10
    rows.push('FP1,Eff Again,primary,Fb,Eff,fb@example.com,', 'FP2,Eff Two,secondary,Fc,Eff,fc@example.com,', 'H1,Aitch,primary,Ha,Aitch,ha@example.com,'); // 11-13
    rows.push('G1,Gee,secondary,Gc,Gee,gc@example.com,', 'FP2,Eff Two,secondary,Fd,Eff,fd@example.com,', 'H1,Aitch,primary,Hb,Aitch,hb@example.com,'); // 14-16
    const file = join(temp.dir, 'false-positive.csv');
    writeFileSync(file, `${rows.join('\n')}\n`);
    const clock = new TestClock();
    const sqlite = join(temp.dir, 'false-positive.db');
    expect((await runInProcess(['--db', sqlite, 'init'], { clock })).code).toBe(0);
    const expected = JSON.parse((await runInProcess(['--db', sqlite, '--json', 'import', file], { clock })).stdout);
    // FP2 has no primary (its first line is 12); H1 has two.
    expect(expected.rejected.map((row: { line: number }) => row.line)).toEqual([12, 16]);
    const skipped = await runInProcess(['--db', sqlite, '--json', 'import', file, '--skip-invalid'], { clock });
    const lite = new Database(sqlite, { readonly: true });
    const query = { holders: 'select account_id, position, role, email_key from holders order by account_id, position', accounts: 'select id, name from accounts order by id' };
    const fromSqlite = { holders: lite.prepare(query.holders).all(), accounts: lite.prepare(query.accounts).all() };
    lite.close();
    expect(fromSqlite.accounts).toContainEqual({ id: 'FP1', name: 'Eff One' });
    for (const run of [(args: string[]) => runBinary(args), (args: string[]) => runInProcess(args, { clock })]) {
      const database = await createTestDatabase();
      const url = postgresUrl(database);
      expect((await runBinary(['--db', url, 'init'])).code).toBe(0);
      const refused = await run(['--db', url, '--json', 'import', file]);
      expect({ code: refused.code, json: JSON.parse(refused.stdout) }).toEqual({ code: 2, json: expected });
      expect((await adminQuery('select count(*)::int as n from accounts', database)).rows).toEqual([{ n: 0 }]);
      const postgresRun = await run(['--db', url, '--json', 'import', file, '--skip-invalid']);
      expect({ code: postgresRun.code, json: JSON.parse(postgresRun.stdout) }).toEqual({ code: skipped.code, json: JSON.parse(skipped.stdout) });
      expect(JSON.parse(postgresRun.stdout).imported).toEqual({ accounts: 8, holders: 11 });
      expect({ holders: (await adminQuery(query.holders, database)).rows, accounts: (await adminQuery(query.accounts, database)).rows }).toEqual(fromSqlite);
    }
  });

  it('a large file read in two parts on two threads gives what SQLite gives: an account across the cut, in both parts, names from its first row, lines after multi-line fields', async () => {
    // Above SPLIT_MIN_BYTES the built binary reads the file in two parts (src/store/export-split.ts);
    // the later part's accounts are settled against the first part's filter before they are stored.
    const rows: string[] = [];
    const filler = (from: number, count: number) => {
      for (let i = from; i < from + count; i++) {
        const id = `F${String(i).padStart(6, '0')}`;
        // Every 40th account: a first name over two lines (a quoted line break), or accented.
        const first = i % 40 === 0 ? '"Al\nBert"' : i % 40 === 1 ? 'Zoë' : i % 40 === 2 ? '日本' : 'Ann';
        rows.push(`${id},Family ${i},primary,${first},Lee,${id.toLowerCase()}.a@example.com,`, `${id},Family ${i},secondary,Bo,Lee,${id.toLowerCase()}.b@example.com,yes`);
      }
    };
    rows.push('D1,Dee First,secondary,Da,Dee,da@example.com,', 'D1,Dee First,primary,Db,Dee,db@example.com,', 'P2,Pee,primary,Pa,Pee,pa@example.com,', 'Q1,Queue,chief,Qa,Queue,qa@example.com,');
    filler(0, 20_000);
    // M1: a run of 3,000 rows around the middle of the file, its one primary near the end.
    const middleStart = rows.length;
    for (let i = 0; i < 3000; i++) rows.push(`M1,Em,${i === 2900 ? 'primary' : 'secondary'},"M\n${i}",Em,m${i}@example.com,`);
    const middleEnd = rows.length;
    filler(20_000, 20_000);
    rows.push('D1,Dee Later,secondary,Dc,Dee,dc@example.com,', 'P2,Pee,primary,Pb,Pee,pb@example.com,', 'Q2,Queue,boss,Qb,Queue,qb@example.com,');
    rows.push('E2,Ee,secondary,Ea,Ee,ea@example.com,', 'F9,Ef,primary,Fa,Ef,fa@example.com,', 'E2,Ee Again,primary,Eb,Ee,eb@example.com,');
    const text = `account_id,account_name,role,first_name,last_name,email,login_access\n${rows.join('\n')}\n`;
    const file = join(temp.dir, 'two-parts.csv');
    writeFileSync(file, text);
    // The cut falls inside M1's run (its byte range).
    const split = await findExportSplit(file);
    const before = (row: number) => Buffer.byteLength(text.slice(0, text.indexOf(rows[row]!)));
    expect(split).not.toBeNull();
    expect(split!.at).toBeGreaterThan(before(middleStart));
    expect(split!.at).toBeLessThan(before(middleEnd));

    const clock = new TestClock();
    const sqlite = join(temp.dir, 'two-parts.db');
    expect((await runInProcess(['--db', sqlite, 'init'], { clock })).code).toBe(0);
    const expected = JSON.parse((await runInProcess(['--db', sqlite, '--json', 'import', file], { clock })).stdout);
    // Q1 (part one) and Q2 (part two): bad roles; P2: a primary in each part.
    expect(expected.rejected.map((row: { reason: string }) => row.reason.slice(0, 16))).toEqual(['role must be pri', 'account P2 has a', 'role must be pri']);
    const skipped = await runInProcess(['--db', sqlite, '--json', 'import', file, '--skip-invalid'], { clock });
    const lite = new Database(sqlite, { readonly: true });
    const query = {
      holders: 'select account_id, position, role, first_name, last_name, email, email_key, login_access, name_key from holders order by account_id, position',
      accounts: 'select id, name from accounts order by id',
    };
    const fromSqlite = { holders: lite.prepare(query.holders).all(), accounts: lite.prepare(query.accounts).all() };
    lite.close();
    expect(fromSqlite.accounts).toContainEqual({ id: 'D1', name: 'Dee First' });
    expect(fromSqlite.accounts).toContainEqual({ id: 'E2', name: 'Ee' });
    const database = await createTestDatabase();
    const url = postgresUrl(database);
    expect((await runBinary(['--db', url, 'init'])).code).toBe(0);
    const refused = await runBinary(['--db', url, '--json', 'import', file]);
    expect({ code: refused.code, json: JSON.parse(refused.stdout) }).toEqual({ code: 2, json: expected });
    const postgresRun = await runBinary(['--db', url, '--json', 'import', file, '--skip-invalid']);
    expect({ code: postgresRun.code, json: JSON.parse(postgresRun.stdout) }).toEqual({ code: skipped.code, json: JSON.parse(skipped.stdout) });
    expect({ holders: (await adminQuery(query.holders, database)).rows, accounts: (await adminQuery(query.accounts, database)).rows }).toEqual(fromSqlite);
    // And over the store it made (no longer empty: every account replaced).
    const again = await runBinary(['--db', url, '--json', 'import', file, '--skip-invalid']);
    expect(JSON.parse(again.stdout).imported).toEqual(JSON.parse(skipped.stdout).imported);
    expect({ holders: (await adminQuery(query.holders, database)).rows, accounts: (await adminQuery(query.accounts, database)).rows }).toEqual(fromSqlite);
  });

  it('escaped quotes in account names (read by the parsing thread’s fast lane) are stored as SQLite stores them; a bad row beside them changes nothing', async () => {
    const rows = [
      'account_id,account_name,role,first_name,last_name,email,login_access',
      'W1,"The ""Wright"" Household",primary,Yuki,Wright,yuki@example.com,',
      'W1,"The ""Wright"" Household",secondary,Al,Wright,al@example.com,yes',
      'W2,"""",primary,Bo,Quote,bo@example.com,', // an account name that is one quote
      'W3," ""Nguyễn"" Family ",primary,Văn,Nguyễn,van@example.vn,', // trimmed around the quotes
      'W4,"Say ""hi""",primary,"Sam ""S""",Rivera,sam@example.com,', // escaped quotes in a name too: the general way
      'W5,"The ""Bad"" Row",primary,Cy,Bad,not-an-address,', // refused
      'W6,Plain,primary,Di,Plain,di@example.com,',
    ];
    const file = join(temp.dir, 'escaped-quotes.csv');
    writeFileSync(file, `${rows.join('\n')}\n`);
    const clock = new TestClock();
    const sqlite = join(temp.dir, 'escaped-quotes.db');
    expect((await runInProcess(['--db', sqlite, 'init'], { clock })).code).toBe(0);
    const expected = JSON.parse((await runInProcess(['--db', sqlite, '--json', 'import', file], { clock })).stdout);
    expect(expected.rejected.map((row: { line: number }) => row.line)).toEqual([7]);
    const skipped = await runInProcess(['--db', sqlite, '--json', 'import', file, '--skip-invalid'], { clock });
    const lite = new Database(sqlite, { readonly: true });
    const query = { holders: 'select account_id, position, role, first_name, last_name, email, email_key, name_key from holders order by account_id, position', accounts: 'select id, name from accounts order by id' };
    const fromSqlite = { holders: lite.prepare(query.holders).all(), accounts: lite.prepare(query.accounts).all() };
    lite.close();
    expect(fromSqlite.accounts).toEqual([
      { id: 'W1', name: 'The "Wright" Household' },
      { id: 'W2', name: '"' },
      { id: 'W3', name: '"Nguyễn" Family' },
      { id: 'W4', name: 'Say "hi"' },
      { id: 'W6', name: 'Plain' },
    ]);
    const database = await createTestDatabase();
    const url = postgresUrl(database);
    expect((await runBinary(['--db', url, 'init'])).code).toBe(0);
    const refused = await runBinary(['--db', url, '--json', 'import', file]);
    expect({ code: refused.code, json: JSON.parse(refused.stdout) }).toEqual({ code: 2, json: expected });
    expect((await adminQuery('select (select count(*) from accounts)::int as accounts, (select count(*) from holders)::int as holders', database)).rows).toEqual([{ accounts: 0, holders: 0 }]);
    const postgresRun = await runBinary(['--db', url, '--json', 'import', file, '--skip-invalid']);
    expect({ code: postgresRun.code, json: JSON.parse(postgresRun.stdout) }).toEqual({ code: skipped.code, json: JSON.parse(skipped.stdout) });
    expect({ holders: (await adminQuery(query.holders, database)).rows, accounts: (await adminQuery(query.accounts, database)).rows }).toEqual(fromSqlite);
  });

  it('a file read in two parts reports the file’s first unreadable line, whichever part it is in, as SQLite does', async () => {
    const rows = Array.from({ length: 80_000 }, (_, i) => `F${i},Family ${i},primary,Ann,Lee,f${i}@example.com,`);
    const database = await createTestDatabase();
    const url = postgresUrl(database);
    expect((await runBinary(['--db', url, 'init'])).code).toBe(0);
    const sqlite = join(temp.dir, 'unreadable.db');
    expect((await runInProcess(['--db', sqlite, 'init'])).code).toBe(0);
    // A stray quote late in the file (the later part), then also one early (the first part).
    for (const bad of [[70_000], [70_000, 1000]]) {
      const lines = [...rows];
      for (const at of bad) lines[at] = `F${at},Fam"ily,primary,Ann,Lee,f${at}@example.com,`;
      const file = join(temp.dir, `unreadable-${bad.length}.csv`);
      writeFileSync(file, `account_id,account_name,role,first_name,last_name,email,login_access\n${lines.join('\n')}\n`);
      // Alone, the stray quote is in the later part. With the early one, the quotes' parity puts the
      // cut after the late one (the first part's reader stops at the early one anyway).
      expect((await findExportSplit(file))!.line).toBe(bad.length === 1 ? 40_299 : 70_003);
      const expected = await runInProcess(['--db', sqlite, '--json', 'import', file]);
      expect(JSON.parse(expected.stdout).error.message).toContain(`Line ${Math.min(...bad) + 2}:`);
      const result = await runBinary(['--db', url, '--json', 'import', file]);
      expect({ code: result.code, json: JSON.parse(result.stdout) }).toEqual({ code: expected.code, json: JSON.parse(expected.stdout) });
      expect((await adminQuery('select count(*)::int as n from holders', database)).rows).toEqual([{ n: 0 }]);
    }
    // A byte that is not UTF-8 (a Latin-1 "é") in the later part: its line, as SQLite says it.
    const latin1 = [...rows];
    const text = `account_id,account_name,role,first_name,last_name,email,login_access\n${latin1.join('\n')}\n`;
    const at = Buffer.byteLength(text.slice(0, text.indexOf('F70000,Family')));
    const bytes = Buffer.from(text);
    bytes[at + 'F70000,Famil'.length] = 0xe9;
    const file = join(temp.dir, 'unreadable-latin1.csv');
    writeFileSync(file, bytes);
    const expected = await runInProcess(['--db', sqlite, '--json', 'import', file]);
    expect(JSON.parse(expected.stdout).error.message).toContain('Line 70002: the file is not UTF-8 text (invalid bytes on line 70002)');
    const result = await runBinary(['--db', url, '--json', 'import', file]);
    expect(result.code).toBe(2);
    expect({ code: result.code, json: JSON.parse(result.stdout) }).toEqual({ code: expected.code, json: JSON.parse(expected.stdout) });
    expect((await adminQuery('select count(*)::int as n from holders', database)).rows).toEqual([{ n: 0 }]);
  });

  it('twelve processes issuing resets for one login at once leave exactly one valid link', async () => {
    const url = await pgDemo(new TestClock(new Date()));
    const env = { ENROLLSY_OUTBOX: join(temp.dir, 'race-outbox') };
    const runs = await Promise.all(Array.from({ length: 12 }, () => runBinary(['--db', url, '--json', 'reset', 'jane.doe@example.com', '--no-send', '--force'], { env })));
    for (const run of runs) expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    const links = runs.map((run) => JSON.parse(run.stdout).link as string);
    const statuses = await Promise.all(links.map(async (link) => JSON.parse((await runBinary(['--db', url, '--json', 'reset', 'verify', link], { env })).stdout).status as string));
    expect(statuses.filter((s) => s === 'valid')).toHaveLength(1);
    expect(statuses.filter((s) => s === 'superseded')).toHaveLength(11);
    // Without --force, the ten-minute wait holds across processes too: one issues, the others are refused.
    const other = await Promise.all(Array.from({ length: 6 }, () => runBinary(['--db', url, '--json', 'reset', 'john.doe@example.com', '--no-send'], { env })));
    expect(other.map((run) => run.code).sort()).toEqual([0, 1, 1, 1, 1, 1]);
  });

  it('two inits at once on an empty database: both succeed, one schema', async () => {
    const url = postgresUrl(await createTestDatabase());
    const [a, b] = await Promise.all([runBinary(['--db', url, 'init']), runBinary(['--db', url, 'init'])]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const { rows } = await adminQuery('select schema_version from enrollsy_store', new URL(url).pathname.slice(1));
    expect(rows).toHaveLength(1);
  });

  it('init --schema puts the store in its own schema; other commands find it through the URL', async () => {
    const url = postgresUrl(await createTestDatabase());
    expect((await runBinary(['--db', url, 'init', '--demo', '--schema', 'team_a'])).code).toBe(0);
    expect((await runBinary(['--db', url, 'diagnose', 'jane.doe@example.com', '--json'])).code).toBe(3);
    const found = await runBinary(['--db', `${url}?schema=team_a`, 'diagnose', 'jane.doe@example.com', '--json', '--offline']);
    expect(found.code).toBe(0);
    const bad = await runBinary(['--db', url, 'init', '--schema', 'Robert"; drop']);
    expect(bad.code).toBe(2);
  });

  it('a missing store, a missing database, a wrong password and an unreachable server: exit 3, one line, no password', async () => {
    const url = postgresUrl(await createTestDatabase());
    const missing = await runBinary(['--db', url, 'diagnose', 'jane.doe@example.com']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/No enrollsy-help store in postgres:\/\/postgres@127\.0\.0\.1:\d+\/t_\w+ .*Run `enrollsy-help init`/);
    const noDb = await runBinary(['--db', postgresUrl('no_such_db'), 'init']);
    expect(noDb.code).toBe(3);
    expect(noDb.stderr).toMatch(/database .* does not exist/);
    const closedPort = new URL(url);
    closedPort.port = '1';
    closedPort.password = 'hunter22';
    const refused = await runBinary(['--db', closedPort.toString(), '--json', 'diagnose', 'x@example.com']);
    expect(refused.code).toBe(3);
    expect(JSON.parse(refused.stdout).error.message).toMatch(/refused the connection: check that it is running/);
    expect(refused.stdout + refused.stderr).not.toContain('hunter22');
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a password comes from PGPASSWORD or ~/.pgpass as libpq users expect; a wrong one is exit 3 and never printed', async () => {
    const cluster = await startCluster({ password: 'right-horse-7' });
    try {
      const url = cluster.url; // no password in it
      const home = join(temp.dir, 'home');
      mkdirSync(home, { recursive: true });
      const wrong = await runBinary(['--db', url, 'init'], { env: { PGPASSWORD: 'wrong-battery-9', HOME: home } });
      expect(wrong.code).toBe(3);
      expect(wrong.stderr.trim().split('\n')).toHaveLength(1);
      expect(wrong.stderr).toMatch(/PostgreSQL refused the password for postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres: check PGPASSWORD, ~\/\.pgpass or the URL/);
      expect(wrong.stdout + wrong.stderr).not.toContain('wrong-battery-9');
      const inUrl = new URL(url);
      inUrl.password = 'wrong-staple-3';
      const wrongInUrl = await runBinary(['--db', inUrl.toString(), '--json', 'init'], { env: { HOME: home } });
      expect(wrongInUrl.code).toBe(3);
      expect(wrongInUrl.stdout + wrongInUrl.stderr).not.toContain('wrong-staple-3');
      expect((await runBinary(['--db', url, 'init', '--demo'], { env: { PGPASSWORD: 'right-horse-7', HOME: home } })).code).toBe(0);
      writeFileSync(join(home, '.pgpass'), `127.0.0.1:${cluster.port}:*:postgres:right-horse-7\n`, { mode: 0o600 });
      const viaPgpass = await runBinary(['--db', url, '--json', '--offline', 'diagnose', 'jane.doe@example.com'], { env: { HOME: home } });
      expect(viaPgpass.code).toBe(0);
      expect(JSON.parse(viaPgpass.stdout).found).toBe(true);
      const audit = await runBinary(['--db', url, '--json', 'audit'], { env: { HOME: home } });
      expect(audit.stdout).not.toContain('right-horse-7');
    } finally {
      cluster.stop();
    }
  });

  it('a dropped connection (the server stops mid-run) is exit 3 with one line, and nothing is half-applied', async () => {
    const cluster = await startCluster();
    try {
      const client = new pg.Client({ connectionString: cluster.url });
      await client.connect();
      await client.query('create database drop_test');
      await client.end();
      const url = cluster.url.replace(/\/postgres$/, '/drop_test');
      expect((await runBinary(['--db', url, 'init', '--demo'])).code).toBe(0);
      // A long import holds its transaction open while the server goes away under it.
      const rows = ['account_id,account_name,role,first_name,last_name,email,login_access'];
      for (let i = 0; i < 400000; i++) rows.push(`Z${i},Zed ${i},primary,Zo,Zed,zo${i}@example.com,`);
      const file = join(temp.dir, 'big.csv');
      writeFileSync(file, `${rows.join('\n')}\n`);
      const running = runBinary(['--db', url, 'import', file]);
      // Stop the server once the import's transaction is open and loading.
      const watcher = new pg.Client({ connectionString: cluster.url });
      await watcher.connect();
      for (let i = 0; i < 400; i++) {
        const { rows: active } = await watcher.query<{ n: number }>(`select count(*)::int as n from pg_stat_activity where query ilike 'copy holders%'`);
        if (active[0]!.n > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      await watcher.end();
      cluster.stopNow();
      const result = await running;
      expect({ code: result.code, stdout: result.stdout, stderr: result.stderr }).toMatchObject({ code: 3, stdout: '' });
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/PostgreSQL server at postgres:\/\/postgres@127\.0\.0\.1:\d+\/drop_test/);
      cluster.restart();
      const after = await runBinary(['--db', url, '--json', 'find', 'Zed']);
      expect(JSON.parse(after.stdout).accounts).toEqual([]);
    } finally {
      cluster.stop();
    }
  });
});

describe('PostgreSQL URLs that cannot be used (no server needed)', () => {
  it('a malformed URL is bad input (exit 2, one line) and its password is never echoed', async () => {
    for (const url of ['postgres://u:pw-Secret1@host:abc/db', 'postgres://u:pw-Secret1@host:99999/db', 'postgresql://[bad']) {
      const result = await runBinary(['--db', url, '--json', 'conflicts']);
      expect({ url, code: result.code }).toEqual({ url, code: 2 });
      expect(JSON.parse(result.stdout).error.message).toMatch(/^The PostgreSQL URL in --db \/ ENROLLSY_DB is malformed/);
      expect(result.stdout + result.stderr).not.toContain('pw-Secret1');
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('init --schema and a different ?schema= in the URL: exit 2, nothing made', async () => {
    const result = await runBinary(['--db', 'postgres://nobody@127.0.0.1:1/db?schema=team_b', 'init', '--schema', 'team_a']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--schema team_a and the URL's ?schema=team_b name different schemas");
  });
});
