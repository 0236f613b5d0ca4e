import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInProcess as runCli, storeSnapshot, useDemoStorePerTest } from './helpers/cli.js';
import { engines } from './helpers/engines.js';
import { UsageError } from '../src/core/errors.js';
import { parsingThreadFailure } from '../src/store/import-batches-in-worker.js';

const HEADER = 'account_id,account_name,role,first_name,last_name,email,login_access';
// Every account id these tests import: the snapshot reads their holders through the Store interface.
const IDS = ['A1', 'A2', 'A3', 'A4', 'A5', 'A9', 'B1', 'OLD'];

describe.each(engines)('on %s', (engine) => {
  const store = useDemoStorePerTest({ beforeEach, afterEach }, engine, { init: [] });
  const runInProcess = (args: string[], options: { stdin?: string } = {}) => runCli(args, { ...options, clock: store.clock, env: store.env });

  /** The accounts (id and name) and holders in the store. */
  async function snapshot() {
    const holders = await store.withStore((s) => s.holdersOfAccounts(IDS));
    const accounts = [...new Map(holders.map((h) => [h.accountId, { id: h.accountId, name: h.accountName }])).values()];
    return { accounts, holders: holders.map(({ accountName: _name, ...holder }) => holder) };
  }
  /** Everything an import could have changed, audit log included. */
  const everything = () => store.withStore((s) => storeSnapshot(s, IDS));

  async function importText(text: string, ...flags: string[]) {
    const file = join(store.dir, 'export.csv');
    writeFileSync(file, text);
    return runInProcess(['--db', store.db, 'import', file, ...flags]);
  }

  describe('import', () => {
    it('imports accounts and holders, normalizing the key and keeping the address as entered', async () => {
      const result = await importText(
        `${HEADER},extra\nA1,Doe,Primary,Jane,Doe, Jane@Example.COM ,,x\nA1,Doe,SECONDARY,John,Doe,john@example.com,yes,y\nA2,"Lee, Alex",primary,Alex,Lee,,,z\n`,
        '--json',
      );
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual({ imported: { accounts: 2, holders: 3 }, rejected: [] });
      expect(await snapshot()).toEqual({
        accounts: [
          { id: 'A1', name: 'Doe' },
          { id: 'A2', name: 'Lee, Alex' },
        ],
        holders: [
          { accountId: 'A1', role: 'primary', firstName: 'Jane', lastName: 'Doe', email: 'Jane@Example.COM', emailKey: 'jane@example.com', loginAccess: false },
          { accountId: 'A1', role: 'secondary', firstName: 'John', lastName: 'Doe', email: 'john@example.com', emailKey: 'john@example.com', loginAccess: true },
          { accountId: 'A2', role: 'primary', firstName: 'Alex', lastName: 'Lee', email: null, emailKey: null, loginAccess: false },
        ],
      });
    });

    it('is atomic: one bad row rejects the file, every bad row is reported with the line its record starts on', async () => {
      await importText(`${HEADER}\nOLD,Old,primary,O,Ld,old@example.com,\n`);
      const before = await everything();
      const result = await importText(
        [
          HEADER,
          'A1,Doe,primary,Jane,"Multi',
          'line",jane@example.com,', // the record of line 2 spans lines 2-3
          'A1,Doe,owner,John,Doe,john@example.com,', // line 4: bad role
          'A2,Lee,primary,Alex,Lee,alex@@example.com,', // line 5: bad email
          'A3,Kim,secondary,Kim,K,kim@example.com,maybe', // line 6: bad access (and no primary)
          'A4,Ng,primary,N,G,n@example.com,', // line 7
          'A4,Ng,primary,M,G,m@example.com,', // line 8: second primary
          ',X,primary,X,X,x@example.com,', // line 9: no account id
          'A5,Short,primary', // line 10: too few fields
        ].join('\n'),
        '--json',
      );
      expect(result.code).toBe(2);
      const json = JSON.parse(result.stdout);
      expect(json.imported).toEqual({ accounts: 0, holders: 0 });
      expect(json.error.exitCode).toBe(2);
      expect(json.rejected.map((r: { line: number }) => r.line)).toEqual([4, 5, 6, 8, 9, 10]);
      expect(json.rejected.find((r: { line: number }) => r.line === 5).reason).toContain('alex@@example.com');
      expect(json.rejected.find((r: { line: number }) => r.line === 8).reason).toContain('second primary holder (the first is on line 7)');
      expect(await everything()).toEqual(before);
    });

    it('--skip-invalid keeps or skips each account whole and exits 1', async () => {
      const result = await importText(`${HEADER}\nA1,Doe,primary,Jane,Doe,jane@example.com,\nA1,Doe,secondary,John,Doe,not-an-email,\nA2,Lee,primary,Alex,Lee,alex@example.com,\n`, '--skip-invalid', '--json');
      expect(result.code).toBe(1);
      expect(JSON.parse(result.stdout)).toEqual({ imported: { accounts: 1, holders: 1 }, rejected: [{ line: 3, reason: expect.stringContaining('not-an-email') }] });
      expect((await snapshot()).accounts).toEqual([{ id: 'A2', name: 'Lee' }]);
    });

    it('importing the same file twice leaves the store as the first import left it', async () => {
      const text = `${HEADER}\nA1,Doe,primary,Jane,Doe,jane@example.com,\nA1,Doe,secondary,John,Doe,john@example.com,yes\n`;
      await importText(text);
      const first = await snapshot();
      await importText(text);
      expect(await snapshot()).toEqual(first);
      // A changed account replaces the stored one whole.
      await importText(`${HEADER}\nA1,Doe,primary,Jane,Doe,jane.new@example.com,\n`);
      expect((await snapshot()).holders.map((h) => h.email)).toEqual(['jane.new@example.com']);
    });

    it('finds every account without exactly one primary, whether its rows are listed together or not', async () => {
      const reasons = (json: { rejected: { line: number; reason: string }[] }) => json.rejected.map((r) => `${r.line}: ${r.reason}`);
      const none = (id: string) => `account ${id} has no primary holder (exactly one row must have role primary)`;
      const second = (id: string, first: number) => `account ${id} has a second primary holder (the first is on line ${first})`;
      // Each account's rows together (the parser's runs decide).
      const together = await importText(
        [HEADER, 'A1,One,primary,A,One,,', 'A1,One,secondary,B,One,,', 'A2,Two,secondary,C,Two,,', 'A2,Two,secondary,D,Two,,', 'A3,Three,primary,E,Three,,', 'A3,Three,primary,F,Three,,', 'A3,Three,primary,G,Three,,', 'A4,Four,primary,H,Four,,'].join('\n'),
        '--json',
      );
      expect(together.code).toBe(2);
      expect(reasons(JSON.parse(together.stdout))).toEqual([`4: ${none('A2')}`, `7: ${second('A3', 6)}`, `8: ${second('A3', 6)}`]);
      // The same rows apart. A1 and A5 have one primary in each of two runs (two in all); A4's
      // first run has none, its second one: the whole file decides, not a run.
      const apart = await importText(
        [HEADER, 'A2,Two,secondary,C,Two,,', 'A1,One,primary,A,One,,', 'A3,Three,primary,E,Three,,', 'A4,Four,secondary,I,Four,,', 'A2,Two,secondary,D,Two,,', 'A1,One,primary,B,One,,', 'A3,Three,primary,F,Three,,', 'A4,Four,primary,H,Four,,', 'A3,Three,primary,G,Three,,', 'A5,Five,primary,J,Five,,', 'A9,Nine,primary,K,Nine,,', 'A5,Five,primary,L,Five,,'].join('\n'),
        '--skip-invalid',
        '--json',
      );
      expect(apart.code).toBe(1);
      const json = JSON.parse(apart.stdout);
      expect(reasons(json)).toEqual([`2: ${none('A2')}`, `7: ${second('A1', 3)}`, `8: ${second('A3', 4)}`, `10: ${second('A3', 4)}`, `13: ${second('A5', 11)}`]);
      expect(json.imported).toEqual({ accounts: 2, holders: 3 });
      expect((await snapshot()).holders.map((h) => `${h.accountId} ${h.role} ${h.firstName}`)).toEqual(['A4 secondary I', 'A4 primary H', 'A9 primary K']);
    });

    it('into a store without accounts and into one holding them: the same outcome, accounts and holders', async () => {
      // Apart, with a renamed repeat (the first row's name wins) and an account skipped whole.
      const text = [HEADER, 'A1,Doe,primary,Jane,Doe,Jane@Example.com,', 'A2,Lee,primary,Alex,Lee,,', 'A1,Doe Renamed,secondary,John,Doe,john@example.com,yes', 'A3,Kim,primary,Kim,K,kim@example.com,', 'A3,Kim,secondary,Bad,K,not-an-email,', 'A2,Lee,secondary,Ann,Lee,ann@example.com,no'].join('\n');
      const intoEmpty = await importText(text, '--skip-invalid', '--json');
      const first = await snapshot();
      expect(first.accounts).toEqual([
        { id: 'A1', name: 'Doe' },
        { id: 'A2', name: 'Lee' },
      ]);
      await importText(`${HEADER}\nOLD,Old,primary,O,Ld,old@example.com,\nA1,Other,primary,X,Y,x@example.com,\n`);
      const intoStored = await importText(text, '--skip-invalid', '--json');
      expect(intoStored.code).toBe(intoEmpty.code);
      expect(JSON.parse(intoStored.stdout)).toEqual(JSON.parse(intoEmpty.stdout));
      const second = await snapshot();
      expect(second.accounts).toEqual([...first.accounts, { id: 'OLD', name: 'Old' }]);
      expect(second.holders.filter((h) => h.accountId !== 'OLD')).toEqual(first.holders);
    });

    it('reads stdin with -', async () => {
      const result = await runInProcess(['--db', store.db, 'import', '-'], { stdin: `${HEADER}\r\nA9,Stdin,primary,S,In,s@example.com,\r\n` });
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Imported 1 account with 1 holder');
    });

    it('says a header with no rows after it imported nothing, instead of a tick for 0 accounts', async () => {
      const before = await everything();
      const result = await importText(`${HEADER}\n\n`);
      expect(result.code).toBe(0);
      expect(result.stdout.trim()).toBe('! The file has a header but no rows after it: nothing was imported. Check that this is the whole accounts export.');
      expect(result.stdout).not.toContain('✔');
      const json = JSON.parse((await importText(HEADER, '--json')).stdout);
      expect(json).toEqual({ imported: { accounts: 0, holders: 0 }, rejected: [] });
      // Nothing in the store changed but the audit entries of the two imports.
      const withoutAudit = (snapshot: unknown) => ({ ...(snapshot as Record<string, unknown>), audit: undefined });
      expect(withoutAudit(await everything())).toEqual(withoutAudit(before));
    });

    it.each([
      ['an empty file', '', /empty: expected a header row/],
      ['a header without required columns', 'account_id,email\nA1,a@b.co\n', /Line 1: the header lacks the columns account_name, role, first_name, last_name, login_access/],
      ['an unterminated quote', `${HEADER}\nA1,Doe,primary,"Jane,Doe,jane@example.com,\n`, /Line 2: .*unterminated/i],
    ])('refuses %s with exit 2 and one line', async (_name, text, message) => {
      const before = await everything();
      const result = await importText(text);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(await everything()).toEqual(before);
      const json = JSON.parse((await importText(text, '--json')).stdout);
      expect(json).toMatchObject({ imported: { accounts: 0, holders: 0 }, rejected: [{ line: expect.any(Number), reason: expect.any(String) }], error: { exitCode: 2 } });
    });

    it('refuses a missing file with exit 2', async () => {
      const result = await runInProcess(['--db', store.db, 'import', join(store.dir, 'nope.csv')]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('no such file');
    });

    it('the demo fixture covers every branch of the flow', () => {
      const csv = readFileSync(new URL('../fixtures/demo-accounts.csv', import.meta.url), 'utf8');
      expect(csv).toMatch(/secondary,.*,yes,/);
      expect(csv).toMatch(/secondary,.*,no,/);
      expect(csv).toMatch(/primary,[^,]*,[^,]*,,/); // a primary without email
      expect(csv).toContain(' Sam.Rivera@Example.com '); // case/space variant conflict
      expect(csv).toContain('@gmial.com'); // a mistyped address
    });
  });

  describe('import encoding', () => {
    it('refuses a file that is not UTF-8 instead of storing garbled names', async () => {
      const before = await everything();
      const file = join(store.dir, 'latin1.csv');
      writeFileSync(file, Buffer.from(`${HEADER}\nA1,M\xfcller,primary,Zo\xeb,M\xfcller,zoe@example.de,\n`, 'latin1'));
      const result = await runInProcess(['--db', store.db, 'import', file]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/not UTF-8 text .*line 2/);
      expect(await everything()).toEqual(before);
    });
  });

  describe('import of hostile or broken files', () => {
    it('refuses control characters in names and addresses, and runaway fields, with exit 2 and the line', async () => {
      const before = await everything();
      const file = join(store.dir, 'x.csv');
      writeFileSync(file, `${HEADER}\nA1,Doe,primary,Ja\u001b]0;pwned\u0007ne,Doe,jane@example.com,\nA2,Lee,primary,Al,Lee,a\u0007l@example.com,\nA3,"Multi\nline",primary,M,L,m@example.com,\n`);
      const result = await runInProcess(['--db', store.db, 'import', file, '--json']);
      expect(result.code).toBe(2);
      const json = JSON.parse(result.stdout);
      expect(json.rejected).toEqual([
        { line: 2, reason: expect.stringContaining('first_name contains a control or invisible character ("Ja\\u{1b}]0;pwned\\u{7}ne")') },
        { line: 3, reason: expect.stringContaining('invisible or control character') },
      ]);
      expect(result.stderr).not.toContain('\u001b');

      writeFileSync(file, `${HEADER}\nA1,Doe,primary,"${'x'.repeat(1_100_000)}`);
      const runaway = await runInProcess(['--db', store.db, 'import', file]);
      expect(runaway.code).toBe(2);
      expect(runaway.stderr).toMatch(/Line 2: field 4 of the record on line 2 is longer than 1,000,000 characters/);
      expect(await everything()).toEqual(before);
    });
  });
});

// The parsing thread's heap is bounded; a file that exhausts it anyway (the reader's record limit
// should prevent it) is the file's doing: a usage error, exit 2, not a crash reported as a bug.
describe('the parsing thread running out of memory', () => {
  it('is bad input with one sentence saying what to check; any other failure stays as it was', () => {
    const outOfMemory = Object.assign(new Error('Worker terminated due to reaching memory limit: JS heap out of memory'), { code: 'ERR_WORKER_OUT_OF_MEMORY' });
    const failure = parsingThreadFailure(outOfMemory);
    expect(failure).toBeInstanceOf(UsageError);
    expect(failure.message).toBe(
      "The file could not be read within the import's memory bound (96 MB for reading): no export row needs that much. Nothing was imported; check that it is the accounts export, saved as CSV.",
    );
    const other = Object.assign(new Error('disk gone'), { code: 'EIO' });
    expect(parsingThreadFailure(other)).toBe(other);
  });
});
