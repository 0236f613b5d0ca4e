import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInProcess, tempDir } from './helpers/cli.js';

let dir: string;
let cleanup: () => void;
let db: string;
beforeEach(async () => {
  ({ dir, cleanup } = tempDir());
  db = join(dir, 'store.db');
  expect((await runInProcess(['--db', db, 'init'])).code).toBe(0);
});
afterEach(() => cleanup());

const HEADER = 'account_id,account_name,role,first_name,last_name,email,login_access';

function snapshot(): unknown {
  const sqlite = new Database(db, { readonly: true });
  const rows = {
    accounts: sqlite.prepare('select id, name from accounts order by id').all(),
    holders: sqlite.prepare('select account_id, role, first_name, last_name, email, email_key, login_access from holders order by account_id, position').all(),
  };
  sqlite.close();
  return rows;
}

async function importText(text: string, ...flags: string[]) {
  const file = join(dir, 'export.csv');
  writeFileSync(file, text);
  return runInProcess(['--db', db, 'import', file, ...flags]);
}

describe('import', () => {
  it('imports accounts and holders, normalizing the key and keeping the address as entered', async () => {
    const result = await importText(
      `${HEADER},extra\nA1,Doe,Primary,Jane,Doe, Jane@Example.COM ,,x\nA1,Doe,SECONDARY,John,Doe,john@example.com,yes,y\nA2,"Lee, Alex",primary,Alex,Lee,,,z\n`,
      '--json',
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ imported: { accounts: 2, holders: 3 }, rejected: [] });
    expect(snapshot()).toEqual({
      accounts: [
        { id: 'A1', name: 'Doe' },
        { id: 'A2', name: 'Lee, Alex' },
      ],
      holders: [
        { account_id: 'A1', role: 'primary', first_name: 'Jane', last_name: 'Doe', email: 'Jane@Example.COM', email_key: 'jane@example.com', login_access: 0 },
        { account_id: 'A1', role: 'secondary', first_name: 'John', last_name: 'Doe', email: 'john@example.com', email_key: 'john@example.com', login_access: 1 },
        { account_id: 'A2', role: 'primary', first_name: 'Alex', last_name: 'Lee', email: null, email_key: null, login_access: 0 },
      ],
    });
  });

  it('is atomic: one bad row rejects the file, every bad row is reported with the line its record starts on', async () => {
    await importText(`${HEADER}\nOLD,Old,primary,O,Ld,old@example.com,\n`);
    const before = snapshot();
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
    expect(snapshot()).toEqual(before);
  });

  it('--skip-invalid keeps or skips each account whole and exits 1', async () => {
    const result = await importText(`${HEADER}\nA1,Doe,primary,Jane,Doe,jane@example.com,\nA1,Doe,secondary,John,Doe,not-an-email,\nA2,Lee,primary,Alex,Lee,alex@example.com,\n`, '--skip-invalid', '--json');
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({ imported: { accounts: 1, holders: 1 }, rejected: [{ line: 3, reason: expect.stringContaining('not-an-email') }] });
    expect((snapshot() as { accounts: unknown[] }).accounts).toEqual([{ id: 'A2', name: 'Lee' }]);
  });

  it('importing the same file twice leaves the store as the first import left it', async () => {
    const text = `${HEADER}\nA1,Doe,primary,Jane,Doe,jane@example.com,\nA1,Doe,secondary,John,Doe,john@example.com,yes\n`;
    await importText(text);
    const first = snapshot();
    await importText(text);
    expect(snapshot()).toEqual(first);
    // A changed account replaces the stored one whole.
    await importText(`${HEADER}\nA1,Doe,primary,Jane,Doe,jane.new@example.com,\n`);
    expect((snapshot() as { holders: { email: string }[] }).holders.map((h) => h.email)).toEqual(['jane.new@example.com']);
  });

  it('reads stdin with -', async () => {
    const result = await runInProcess(['--db', db, 'import', '-'], { stdin: `${HEADER}\r\nA9,Stdin,primary,S,In,s@example.com,\r\n` });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Imported 1 account with 1 holder');
  });

  it.each([
    ['an empty file', '', /empty: expected a header row/],
    ['a header without required columns', 'account_id,email\nA1,a@b.co\n', /Line 1: the header lacks the columns account_name, role, first_name, last_name, login_access/],
    ['an unterminated quote', `${HEADER}\nA1,Doe,primary,"Jane,Doe,jane@example.com,\n`, /Line 2: .*unterminated/i],
  ])('refuses %s with exit 2 and one line', async (_name, text, message) => {
    const before = snapshot();
    const result = await importText(text);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(snapshot()).toEqual(before);
    const json = JSON.parse((await importText(text, '--json')).stdout);
    expect(json).toMatchObject({ imported: { accounts: 0, holders: 0 }, rejected: [{ line: expect.any(Number), reason: expect.any(String) }], error: { exitCode: 2 } });
  });

  it('refuses a missing file with exit 2', async () => {
    const result = await runInProcess(['--db', db, 'import', join(dir, 'nope.csv')]);
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
    const before = snapshot();
    const file = join(dir, 'latin1.csv');
    writeFileSync(file, Buffer.from(`${HEADER}\nA1,M\xfcller,primary,Zo\xeb,M\xfcller,zoe@example.de,\n`, 'latin1'));
    const result = await runInProcess(['--db', db, 'import', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/not UTF-8 text .*line 2/);
    expect(snapshot()).toEqual(before);
  });
});

describe('import of hostile or broken files', () => {
  it('refuses control characters in names and addresses, and runaway fields, with exit 2 and the line', async () => {
    const before = snapshot();
    const file = join(dir, 'x.csv');
    writeFileSync(file, `${HEADER}\nA1,Doe,primary,Ja\u001b]0;pwned\u0007ne,Doe,jane@example.com,\nA2,Lee,primary,Al,Lee,a\u0007l@example.com,\nA3,"Multi\nline",primary,M,L,m@example.com,\n`);
    const result = await runInProcess(['--db', db, 'import', file, '--json']);
    expect(result.code).toBe(2);
    const json = JSON.parse(result.stdout);
    expect(json.rejected).toEqual([
      { line: 2, reason: expect.stringContaining('first_name contains a control or invisible character ("Ja\\u{1b}]0;pwned\\u{7}ne")') },
      { line: 3, reason: expect.stringContaining('invisible or control character') },
    ]);
    expect(result.stderr).not.toContain('\u001b');

    writeFileSync(file, `${HEADER}\nA1,Doe,primary,"${'x'.repeat(1_100_000)}`);
    const runaway = await runInProcess(['--db', db, 'import', file]);
    expect(runaway.code).toBe(2);
    expect(runaway.stderr).toMatch(/Line 2: field 4 of the record on line 2 is longer than 1,000,000 characters/);
    expect(snapshot()).toEqual(before);
  });
});
