import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { nameKey } from '../src/core/name-key.js';
import { runBinary, runInProcess, useDemoStorePerTest } from './helpers/cli.js';
import { engines } from './helpers/engines.js';

describe('nameKey', () => {
  it('folds case and accents, and treats spaces, hyphens and apostrophes alike', () => {
    expect(nameKey('Nguyễn', 'Văn-Minh')).toBe('nguyen van minh');
    expect(nameKey('  ZOË ', "O'Brien")).toBe('zoe o brien');
    expect(nameKey('Zoe\u0308', 'Müller')).toBe(nameKey('Zoë', 'Mu\u0308ller'));
    expect(nameKey('İlkay', 'GÜNDOĞAN')).toBe('ilkay gundogan');
  });

  it('its fast paths (plain ASCII, Latin letters one at a time) give the key of the general rule', () => {
    const general = (...parts: string[]) =>
      parts.join(' ').normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase().normalize('NFC').replace(/[\s\-'’.,]+/gu, ' ').trim();
    // Every pair of characters up to U+02FF (ASCII, Latin-1, Latin Extended, spacing and combining
    // marks), beside an accented letter and alone, and a few that need the general path.
    const chars = Array.from({ length: 0x2ff - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)).concat(['\u2019', '\u03a3', '\u1e9e', '\u212b', 'ễ']);
    const differ: string[] = [];
    for (const x of chars) {
      for (const y of chars) {
        for (const parts of [[x + y, 'Ab'], [`É${x}`, `${y}z`], [x, y]]) if (nameKey(...parts) !== general(...parts)) differ.push(parts.join('|'));
      }
    }
    expect(differ).toEqual([]);
    expect(nameKey('Maël', 'Łukasz-Åberg')).toBe('mael łukasz aberg');
    expect(nameKey('ΟΔΟΣ', 'ΣΑ')).toBe(general('ΟΔΟΣ', 'ΣΑ'));
  });
});

describe.each(engines)('on %s', (engine) => {
  const demo = useDemoStorePerTest({ beforeEach, afterEach }, engine);
  const cli = (args: string[], stdin?: string) => runInProcess(['--db', demo.db, ...args], { clock: demo.clock, stdin, env: demo.env });

  describe('find', () => {
    it('finds an account by a holder name, in any case and without accents, with all its holders', async () => {
      const result = await cli(['find', 'zoe', 'MULLER', '--json']);
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual({
        query: 'zoe MULLER',
        accounts: [
          {
            accountId: 'A1011',
            accountName: 'Müller Family',
            matchedBy: 'name',
            holders: [{ role: 'primary', name: 'Zoë Müller', email: 'Zoë.Müller@Example.de', loginAccess: true, matched: true }],
          },
        ],
        truncated: false,
      });
    });

    it('each word must start a word of the name: "tom smi" finds the Smiths and marks only Tom', async () => {
      const result = await cli(['find', 'tom smi', '--json']);
      const json = JSON.parse(result.stdout);
      expect(json.accounts.map((a: { accountId: string }) => a.accountId)).toEqual(['A1002']);
      expect(json.accounts[0].holders.map((h: { name: string; matched: boolean }) => [h.name, h.matched])).toEqual([
        ['Maria Smith', false],
        ['Tom Smith', true],
      ]);
      expect(JSON.parse((await cli(['find', 'mith', '--json'])).stdout).accounts).toEqual([]);
    });

    it('finds by account id regardless of case, and lists it before name matches', async () => {
      const byId = JSON.parse((await cli(['find', 'a1003', '--json'])).stdout);
      expect(byId.accounts).toEqual([expect.objectContaining({ accountId: 'A1003', matchedBy: 'account-id' })]);
      const text = await cli(['find', 'A1007']);
      expect(text.stdout).toContain('Nguyen Family (A1007)');
      expect(text.stdout).toContain('primary   Linh Nguyen <no email>');
      expect(text.stdout).toContain('secondary Minh Nguyen <minh.nguyen@example.com>, no login access');
    });

    it('nothing found is exit 1 with a plain sentence; --limit caps the list and says more match', async () => {
      const none = await cli(['find', 'Zebedee']);
      expect(none.code).toBe(1);
      expect(none.stdout).toContain('No account id or holder name matches "Zebedee".');
      const capped = JSON.parse((await cli(['find', 'family', '--json'])).stdout);
      expect(capped.accounts).toEqual([]);
      const sams = JSON.parse((await cli(['find', 'rivera', '--limit', '1', '--json'])).stdout);
      expect(sams).toMatchObject({ truncated: true, accounts: [{ accountId: 'A1003' }] });
    });

    it('names imported later are found too (the key is written by import), and % or _ are plain letters', async () => {
      const csv = 'account_id,account_name,role,first_name,last_name,email,login_access\nB1,Álvarez,primary,José,Álvarez,jose@example.com,\nB2,Under,primary,A_b,100%,ab@example.com,\n';
      expect((await cli(['import', '-'], csv)).code).toBe(0);
      expect(JSON.parse((await cli(['find', 'jose alvarez', '--json'])).stdout).accounts.map((a: { accountId: string }) => a.accountId)).toEqual(['B1']);
      expect(JSON.parse((await cli(['find', '%', '--json'])).stdout).accounts).toEqual([]);
      expect(JSON.parse((await cli(['find', '100%', '--json'])).stdout).accounts.map((a: { accountId: string }) => a.accountId)).toEqual(['B2']);
    });

    it('the built binary: exit codes and a bad --limit', async () => {
      expect((await runBinary(['--db', demo.db, 'find', 'maria'], { env: demo.env })).code).toBe(0);
      expect((await runBinary(['--db', demo.db, 'find', 'nobody-here'], { env: demo.env })).code).toBe(1);
      const bad = await runBinary(['--db', demo.db, 'find', 'maria', '--limit', '0', '--json'], { env: demo.env });
      expect(bad.code).toBe(2);
      expect(JSON.parse(bad.stdout).error.message).toContain('--limit needs a whole number above zero');
    });
  });
});
