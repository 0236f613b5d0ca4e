import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import pg from 'pg';
import { toJson } from '../src/cli/run-cli.js';
import type { IO } from '../src/ui/io.js';
import { holderNameSql } from '../src/store/conflict-findings.js';
import { plantRaw, runInProcess, useDemoStorePerBlock } from './helpers/cli.js';
import { engines } from './helpers/engines.js';

// SQLite's full scan writes its JSON in SQL; PostgreSQL's and every check's come from objects
// through JSON.stringify. Both must print the very same bytes, names made by one rule.

const pipe = { stdout: { isTTY: false } } as unknown as IO;
// What String.prototype.trim removes, and characters JSON or a terminal treat specially.
const TRICKY = ['', ' ', '\t', '\n', '\u00a0', '\u2028', '\u3000', '\ufeff', '\u200b', '\u202e', '\u0001', '\u001f', '\u007f', '\u0085', '"', '\\', "'", 'é', 'e\u0301', '😀', 'A', 'b'];
const trickyText = fc.array(fc.constantFrom(...TRICKY), { maxLength: 6 }).map((parts) => parts.join(''));
/** The rule as JavaScript states it (the SQL must agree). */
const nameRule = (first: string, last: string) => `${first} ${last}`.trim() || '(no name)';

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

describe.each(engines)('on %s', (engine) => {
  const store = useDemoStorePerBlock({ beforeAll, afterAll }, engine, { init: ['--name', 'Test Co'] });

  beforeAll(async () => {
    const accounts = [...new Set(HOLDERS.map(([account]) => account))];
    await plantRaw(store, `insert into accounts (id, name, imported_at) values ${accounts.map((id) => `(${literal(id)}, ${literal(`Family "${id}"\u2029`)}, '2026-01-01T00:00:00Z')`).join(', ')}`);
    await plantRaw(
      store,
      `insert into holders (account_id, position, role, first_name, last_name, email, email_key, login_access) values ${HOLDERS.map(
        ([account, first, last, email], i) => `(${literal(account)}, ${i + 2}, 'primary', ${literal(first)}, ${literal(last)}, ${literal(email)}, ${literal(email.toLowerCase())}, 0)`,
      ).join(', ')}`,
    );
  });

  it('the full scan prints exactly what JSON.stringify would of the same findings', async () => {
    const shared = (key: string) => ({
      normalizedEmail: key,
      accounts: [...new Set(HOLDERS.filter(([, , , email]) => email.toLowerCase() === key).map(([account]) => account))].map((account) => ({
        accountId: account,
        accountName: `Family "${account}"\u2029`,
        holders: HOLDERS.filter(([a, , , email]) => a === account && email.toLowerCase() === key).map(([, first, last, email]) => ({ role: 'primary', name: nameRule(first, last), email })),
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

  it('names in SQL come out as the JavaScript rule has them, whatever the whitespace', async () => {
    const pairs = fc.sample(fc.tuple(trickyText, trickyText), { numRuns: 400, seed: 7 });
    let names: string[];
    if (engine === 'sqlite') {
      const sqlite = new Database(':memory:');
      const name = sqlite.prepare(`select ${holderNameSql('sqlite')} from (select ? as first_name, ? as last_name) as h`).pluck();
      names = pairs.map(([first, last]) => name.get(first, last) as string);
      sqlite.close();
    } else {
      const client = new pg.Client({ connectionString: store.db });
      await client.connect();
      try {
        const { rows } = await client.query<{ name: string }>(
          `select ${holderNameSql('postgres')} as name from unnest($1::text[], $2::text[]) with ordinality as h(first_name, last_name, n) order by n`,
          [pairs.map(([first]) => first), pairs.map(([, last]) => last)],
        );
        names = rows.map((row) => row.name);
      } finally {
        await client.end();
      }
    }
    expect(names).toEqual(pairs.map(([first, last]) => nameRule(first, last)));
  });
});
