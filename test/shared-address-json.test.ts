import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { toJson } from '../src/cli/run-cli.js';
import type { IO } from '../src/ui/io.js';
import { holderName } from '../src/core/holder-name.js';
import { HOLDER_NAME_SQL } from '../src/store/sqlite/conflicts-sqlite.js';
import { plantRaw, runInProcess, useDemoStorePerBlock, useDemoStorePerTest, type TestStore } from './helpers/cli.js';
import { engines } from './helpers/engines.js';

// SQLite's full scan writes its JSON in SQL; PostgreSQL's and every check's come from objects
// through JSON.stringify. Both must print the very same bytes, names made by holderName's rule.

const pipe = { stdout: { isTTY: false } } as unknown as IO;
// What String.prototype.trim removes, and characters JSON or a terminal treat specially.
const TRICKY = ['', ' ', '\t', '\n', '\u00a0', '\u2028', '\u3000', '\ufeff', '\u200b', '\u202e', '\u0001', '\u001f', '\u007f', '\u0085', '"', '\\', "'", 'é', 'e\u0301', '😀', 'A', 'b'];
const trickyText = fc.array(fc.constantFrom(...TRICKY), { maxLength: 6 }).map((parts) => parts.join(''));

const HOLDERS: [account: string, first: string, last: string, email: string][] = [
  ['A1', '', '', 'same@x.example'],
  ['A2', '\u00a0', '\u3000', 'Same@x.example'],
  ['A3', ' Ann\u2028', '\tLee ', 'same@x.example'],
  ['A3', 'Zoë "Q" \\ back', 'Ünal', 'SAME@x.example'],
  ['A4', '\u0001ctl\u001f', '\u007f\u0085', 'two@x.example'],
  ['A5', 'emoji 😀', '\u202eRTL', 'two@x.example'],
  ['A6', '\ufeffBOM', 'x\u200b', 'inside@x.example'],
  ['A6', "O'Neil", '', 'inside@x.example'],
];
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

async function plantHolders(store: TestStore): Promise<void> {
    const accounts = [...new Set(HOLDERS.map(([account]) => account))];
    await plantRaw(store, `insert into accounts (id, name, imported_at) values ${accounts.map((id) => `(${literal(id)}, ${literal(`Family "${id}"\u2029`)}, '2026-01-01T00:00:00Z')`).join(', ')}`);
    await plantRaw(
      store,
      `insert into holders (account_id, position, role, first_name, last_name, email, email_key, login_access) values ${HOLDERS.map(
        ([account, first, last, email], i) => `(${literal(account)}, ${i + 2}, 'primary', ${literal(first)}, ${literal(last)}, ${literal(email)}, ${literal(email.toLowerCase())}, 0)`,
      ).join(', ')}`,
    );
}

describe.each(engines)('on %s', (engine) => {
  const store = useDemoStorePerBlock({ beforeAll, afterAll }, engine, { init: ['--name', 'Test Co'] });
  beforeAll(() => plantHolders(store));

  it('the full scan prints exactly what JSON.stringify would of the same findings', async () => {
    const shared = (key: string) => ({
      normalizedEmail: key,
      accounts: [...new Set(HOLDERS.filter(([, , , email]) => email.toLowerCase() === key).map(([account]) => account))].map((account) => ({
        accountId: account,
        accountName: `Family "${account}"\u2029`,
        holders: HOLDERS.filter(([a, , , email]) => a === account && email.toLowerCase() === key).map(([, first, last, email]) => ({ role: 'primary', name: holderName(first, last), email })),
      })),
    });
    const expected = { checked: 3, conflicts: [shared('same@x.example'), shared('two@x.example')], invalid: [], sharedWithinAccount: [shared('inside@x.example')], advisories: [] };
    const result = await runInProcess(['--db', store.db, 'conflicts', '--json'], { clock: store.clock, env: store.env });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(`${toJson(expected, pipe)}\n`);
    // Escaped as \u2028 and so on, not raw: the same pass runs over the database's text.
    expect(result.stdout).toContain('\\u2028');
    expect(result.stdout).not.toContain('\u2028');
    // The check of the same addresses (rows, not SQL-built JSON) names them the same way.
    const check = await runInProcess(['--db', store.db, 'conflicts', 'same@x.example', 'two@x.example', 'inside@x.example', '--json'], { clock: store.clock, env: store.env });
    expect(JSON.parse(check.stdout)).toEqual({ ...expected, checked: 3 });
  });
});

// PostgreSQL has no repeated_keys, enforces its foreign key, and types its columns: these are SQLite's.
describe('on sqlite, a store edited by hand', () => {
  const store = useDemoStorePerTest({ beforeEach, afterEach }, 'sqlite', { init: ['--name', 'Test Co'] });
  beforeEach(() => plantHolders(store));

  it('counts and lists only what is shared: a stale repeated key, a holder whose account is gone, a BLOB typed by hand', async () => {
    const sqlite = new Database(store.db);
    try {
      sqlite.pragma('foreign_keys = OFF');
      // REPLACE fires no delete trigger: 'inside' keeps its repeated_keys row with one holder left.
      const row = sqlite.prepare("select id, account_id, position from holders where email_key = 'inside@x.example' order by id desc limit 1").get() as { id: number; account_id: string; position: number };
      sqlite.prepare("replace into holders (id, account_id, position, role, first_name, last_name, email, email_key, login_access) values (?, ?, ?, 'primary', 'O', 'N', 'solo@x.example', 'solo@x.example', 0)").run(row.id, row.account_id, row.position);
      // 'two' gets a holder in an account that does not exist, and one of its emails becomes a BLOB.
      sqlite.exec(`insert into holders (account_id, position, role, first_name, last_name, email, email_key, login_access) values ('GONE', 9, 'primary', 'G', 'One', 'two@x.example', 'two@x.example', 0);
        update holders set email = cast(email as blob) where account_id = 'A4';`);
    } finally {
      sqlite.close();
    }
    const result = await runInProcess(['--db', store.db, 'conflicts', '--json'], { clock: store.clock, env: store.env });
    expect(result.code).toBe(1);
    const json = JSON.parse(result.stdout);
    // same, two, inside, solo: four distinct addresses, whatever the orphan and the stale row.
    expect(json.checked).toBe(4);
    expect(json.conflicts.map((c: { normalizedEmail: string }) => c.normalizedEmail)).toEqual(['same@x.example', 'two@x.example']);
    expect(json.conflicts[1].accounts.map((a: { accountId: string }) => a.accountId)).toEqual(['A4', 'A5']);
    expect(json.conflicts[1].accounts[0].holders[0].email).toBe('two@x.example');
    expect(json.sharedWithinAccount).toEqual([]);
    const text = await runInProcess(['--db', store.db, 'conflicts'], { clock: store.clock, env: store.env });
    expect(text.stdout).toContain('Checked 4 addresses: 2 used in more than one account.');
    expect(text.stdout).not.toContain('inside@x.example');
  });

});

describe('holder names in SQLite\'s SQL', () => {
  it('SQLite\'s name rule in SQL gives what holderName gives, whatever the whitespace', () => {
    const pairs = fc.sample(fc.tuple(trickyText, trickyText), { numRuns: 400, seed: 7 });
    const sqlite = new Database(':memory:');
    const name = sqlite.prepare(`select ${HOLDER_NAME_SQL} from (select ? as first_name, ? as last_name) as h`).pluck();
    expect(pairs.map(([first, last]) => name.get(first, last))).toEqual(pairs.map(([first, last]) => holderName(first, last)));
    sqlite.close();
  });
});
