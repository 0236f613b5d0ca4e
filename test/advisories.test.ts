import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gmailInbox, gmailLookAlikes } from '../src/core/gmail-inbox.js';
import { gmailInboxSql, gmailKeyPredicate } from '../src/store/migrations.js';
import pg from 'pg';
import { runInProcess, useDemoStorePerTest, type TestStore } from './helpers/cli.js';
import { engines, postgresUrl } from './helpers/engines.js';

const HEADER = 'account_id,account_name,role,first_name,last_name,email,login_access';
const cliOn = (demo: TestStore) => (args: string[], stdin?: string) => runInProcess(['--db', demo.db, ...args], { clock: demo.clock, stdin, env: demo.env });
async function importRows(demo: TestStore, rows: string[]): Promise<void> {
  const csv = join(demo.dir, 'gmail.csv');
  writeFileSync(csv, `${[HEADER, ...rows].join('\n')}\n`);
  const result = await cliOn(demo)(['import', csv]);
  expect(result.code).toBe(0);
}
const gmailKey = fc
  .tuple(fc.string({ unit: fc.constantFrom('a', 'b', 'é', '.', '+', '-', '_', '1'), minLength: 1, maxLength: 12 }), fc.constantFrom('gmail.com', 'googlemail.com'))
  .map(([part, domain]) => `${part}@${domain}`);
const expectSameGrouping = (key: string, grouped: string) => {
  const inbox = gmailInbox(key);
  expect(inbox === null ? grouped : `${grouped}@gmail.com`).toBe(inbox ?? '');
};

describe('Gmail inboxes', () => {
  it.each([
    ['jane.doe@gmail.com', 'janedoe@gmail.com'],
    ['janedoe+club@gmail.com', 'janedoe@gmail.com'],
    ['j.a.n.e.d.o.e+swim+2026@googlemail.com', 'janedoe@gmail.com'],
    ['jane.doe@workspace.example', null], // dots matter on every other domain, Google Workspace included
    ['jane.doe@gmail.com.evil.example', null],
    ['+tag@gmail.com', null],
  ])('%s reaches %s', (key, inbox) => {
    expect(gmailInbox(key)).toBe(inbox);
  });

  it("the index's SQL grouping agrees with gmailInbox on every Gmail key (SQLite)", () => {
    const sqlite = new Database(':memory:');
    const inSql = sqlite.prepare(`select ${gmailInboxSql('sqlite')} from (select ? as email_key)`).pluck();
    fc.assert(fc.property(gmailKey, (key) => expectSameGrouping(key, inSql.get(key) as string)));
    sqlite.close();
  });

  (engines.includes('postgres') ? it : it.skip)("the index's SQL grouping agrees with gmailInbox on every Gmail key (PostgreSQL)", async () => {
    const keys = fc.sample(gmailKey, { numRuns: 500, seed: 42 });
    const client = new pg.Client({ connectionString: postgresUrl('postgres') });
    await client.connect();
    try {
      const { rows } = await client.query<{ email_key: string; grouped: string }>(`select email_key, ${gmailInboxSql('postgres')} as grouped from unnest($1::text[]) as t(email_key)`, [keys]);
      expect(rows).toHaveLength(keys.length);
      for (const row of rows) expectSameGrouping(row.email_key, row.grouped);
    } finally {
      await client.end();
    }
  });

  it('groups only keys that differ and reach one inbox', () => {
    const groups = gmailLookAlikes(['jane.doe@gmail.com', 'janedoe+club@gmail.com', 'jane.doe@gmail.com', 'sam@gmail.com', 'j.doe@example.com', 'jdoe@example.com']);
    expect([...groups]).toEqual([['janedoe@gmail.com', ['jane.doe@gmail.com', 'janedoe+club@gmail.com']]]);
  });
});

describe.each(engines)('on %s', (engine) => {
  const demo = useDemoStorePerTest({ beforeEach, afterEach }, engine);
  const cli = cliOn(demo);

  describe('conflicts: look-alike advisories', () => {
    beforeEach(async () => {
      await importRows(demo, [
        'G1,Doe Family,primary,Jane,Doe,jane.doe@gmail.com,',
        'G2,Club Family,primary,Jane,Doe,JaneDoe+Club@googlemail.com,',
        // Within one account: no second family shares the inbox.
        'G3,Ray Family,primary,Ann,Ray,ann.ray@gmail.com,',
        'G3,Ray Family,secondary,Al,Ray,annray+al@gmail.com,yes',
        // A Workspace domain: dots matter, so these are two people.
        'G4,Lin Family,primary,Bo,Lin,bo.lin@school.example,',
        'G5,Lin Others,primary,Bo,Lin,bolin@school.example,',
      ]);
    });

    it('lists them under advisories; they never change the exit code or the conflicts', async () => {
      const before = JSON.parse((await cli(['conflicts', '--json', '--no-advisories'])).stdout);
      expect(before.advisories).toEqual([]);
      const result = await cli(['conflicts', '--json']);
      expect(result.code).toBe(1); // the demo store's own R1 conflicts, unchanged
      const json = JSON.parse(result.stdout);
      expect(json.conflicts).toEqual(before.conflicts);
      expect(json.advisories).toEqual([
        {
          inbox: 'janedoe@gmail.com',
          addresses: [
            { normalizedEmail: 'jane.doe@gmail.com', accounts: [{ accountId: 'G1', accountName: 'Doe Family', holders: [{ role: 'primary', name: 'Jane Doe', email: 'jane.doe@gmail.com' }] }] },
            { normalizedEmail: 'janedoe+club@googlemail.com', accounts: [{ accountId: 'G2', accountName: 'Club Family', holders: [{ role: 'primary', name: 'Jane Doe', email: 'JaneDoe+Club@googlemail.com' }] }] },
          ],
        },
      ]);
    });

    it('exit 0 when advisories are all there is', async () => {
      await cli(['fix-conflict', 'pat.brown@example.com', '--keep', 'A1005', '--delete', '--yes']);
      await cli(['fix-conflict', 'sam.rivera@example.com', '--keep', 'A1004', '--delete', '--yes']);
      const result = await cli(['conflicts']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Look-alikes (not conflicts: logins work, but Gmail delivers these different addresses to one inbox):\ni janedoe@gmail.com: 2 addresses in 2 accounts\n');
      expect(result.stdout).toContain('    jane.doe@gmail.com in Doe Family (G1): primary Jane Doe\n    janedoe+club@googlemail.com in Club Family (G2): primary Jane Doe\n');
      expect(result.stdout).toMatch(/no conflicts, .*1 look-alike sharing a Gmail inbox \(advisory\)\./);
    });

    it('checking given addresses finds the stored look-alikes of a Gmail address', async () => {
      const json = JSON.parse((await cli(['conflicts', 'j.a.n.e.d.o.e@gmail.com', '--json'])).stdout);
      expect(json.conflicts).toEqual([]);
      expect(json.advisories.map((a: { inbox: string }) => a.inbox)).toEqual(['janedoe@gmail.com']);
      expect((await cli(['conflicts', 'jane.doe@gmail.com'])).code).toBe(0);
      const other = JSON.parse((await cli(['conflicts', 'bo.lin@school.example', '--json'])).stdout);
      expect(other.advisories).toEqual([]);
    });
  });
});

describe('the Gmail keys index (SQLite: its query plan)', () => {
  const demo = useDemoStorePerTest({ beforeEach, afterEach }, 'sqlite');
  it('holds only Gmail keys in inbox order, survives an import (indexes are rebuilt after a bulk load), and needs no sort', async () => {
    await importRows(demo, ['G1,Doe Family,primary,Jane,Doe,jane.doe@gmail.com,', 'G2,Roe Family,primary,Rae,Roe,rae@GoogleMail.com,', 'G3,Poe Family,primary,Po,Poe,po@gmail.com.example,']);
    const sqlite = new Database(demo.db, { readonly: true });
    try {
      const plan = sqlite.prepare(`explain query plan select ${gmailInboxSql('sqlite')}, email_key from holders where ${gmailKeyPredicate('sqlite')} order by 1`).all() as { detail: string }[];
      expect(plan.map((step) => step.detail).join('\n')).toBe('SCAN holders USING COVERING INDEX holders_gmail_inbox');
      const keys = sqlite.prepare(`select email_key from holders indexed by holders_gmail_inbox where ${gmailKeyPredicate('sqlite')} order by email_key`).pluck().all();
      expect(keys).toEqual(['ana.ortiz@gmail.com', 'jane.doe@gmail.com', 'rae@googlemail.com']); // the first is the demo store's
    } finally {
      sqlite.close();
    }
  });
});
