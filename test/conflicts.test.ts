import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInProcess, storeSnapshot, useDemoStorePerTest } from './helpers/cli.js';
import { engines } from './helpers/engines.js';

describe.each(engines)('on %s', (engine) => {
  const demo = useDemoStorePerTest({ beforeEach, afterEach }, engine);

  const cli = (args: string[], stdin?: string) => runInProcess(['--db', demo.db, ...args], { clock: demo.clock, stdin, env: demo.env });
  const dump = () => demo.withStore((store) => storeSnapshot(store));

  describe('conflicts', () => {
    it('scans the whole store: checked counts distinct addresses; case/space variants are one address', async () => {
      const result = await cli(['conflicts', '--json']);
      expect(result.code).toBe(1);
      const json = JSON.parse(result.stdout);
      expect(json.checked).toBe(13); // 16 addresses on 17 holders; three pairs share a key (one only after normalizing)
      expect(json.conflicts.map((c: { normalizedEmail: string }) => c.normalizedEmail)).toEqual(['pat.brown@example.com', 'sam.rivera@example.com']);
      const sam = json.conflicts[1];
      expect(sam.accounts).toEqual([
        { accountId: 'A1003', accountName: 'Lee Family', holders: [{ role: 'secondary', name: 'Sam Rivera', email: 'Sam.Rivera@Example.com' }] },
        { accountId: 'A1004', accountName: 'Rivera Family', holders: [{ role: 'primary', name: 'Sam Rivera', email: 'sam.rivera@example.com' }] },
      ]);
      // The same address twice inside one account is listed apart, as allowed.
      expect(json.sharedWithinAccount.map((s: { normalizedEmail: string }) => s.normalizedEmail)).toEqual(['priya.patel@example.com']);
    });

    it('checks addresses from stdin: blank lines and comments skipped, malformed lines listed with their line, exit 1', async () => {
      const result = await cli(['conflicts', '--file', '-', '--json'], '# checked by support\n\nJANE.DOE@example.com\n  pat.brown@EXAMPLE.com  \nnot-an-address\n');
      expect(result.code).toBe(1);
      const json = JSON.parse(result.stdout);
      expect(json.checked).toBe(3);
      expect(json.invalid).toEqual([{ line: 5, value: 'not-an-address' }]);
      expect(json.conflicts.map((c: { normalizedEmail: string }) => c.normalizedEmail)).toEqual(['pat.brown@example.com']);
    });

    it('exits 0 when the given addresses are clean', async () => {
      const file = join(demo.dir, 'list.txt');
      writeFileSync(file, 'jane.doe@example.com\r\nnobody@example.com\r\n');
      const result = await cli(['conflicts', '--file', file]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Checked 2 addresses: no conflicts');
    });

    it('--csv prints one row per conflicting address, account and holder', async () => {
      const result = await cli(['conflicts', 'pat.brown@example.com', 'jane.doe@example.com', '--csv']);
      expect(result.code).toBe(1);
      expect(result.stdout.trim().split('\n')).toEqual([
        'normalized_email,account_id,account_name,role,name,email',
        'pat.brown@example.com,A1005,Brown Family,primary,Pat Brown,pat.brown@example.com',
        'pat.brown@example.com,A1006,Green Family,secondary,Pat Brown,pat.brown@example.com',
      ]);
    });

    it('refuses a missing file and --json with --csv (exit 2)', async () => {
      expect((await cli(['conflicts', '--file', join(demo.dir, 'none.txt')])).code).toBe(2);
      expect((await cli(['conflicts', '--json', '--csv'])).code).toBe(2);
    });
  });

  describe('fix-conflict', () => {
    it('--dry-run shows the change, changes nothing, exits 0', async () => {
      const before = await dump();
      const result = await cli(['fix-conflict', 'pat.brown@example.com', '--keep', 'A1005', '--delete', '--dry-run', '--json']);
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ dryRun: true, applied: false, changes: [{ accountId: 'A1006', holders: [{ before: 'pat.brown@example.com', after: null }] }] });
      expect(await dump()).toEqual(before);
    });

    it('--dry-run of a fix that would be refused exits 2', async () => {
      const before = await dump();
      const result = await cli(['fix-conflict', 'pat.brown@example.com', '--keep', 'A1005', '--change-to', 'jane.doe@example.com', '--dry-run']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('would create a new conflict');
      expect(await dump()).toEqual(before);
    });

    it('removes the address from the other account in one transaction and audits before and after', async () => {
      const result = await cli(['fix-conflict', ' Sam.Rivera@example.com', '--keep', 'A1004', '--delete']);
      expect(result.code).toBe(0);
      expect((await cli(['conflicts', 'sam.rivera@example.com', '--json'])).code).toBe(0);
      const audit = JSON.parse((await cli(['audit', '--email', 'SAM.RIVERA@example.com', '--json'])).stdout);
      expect(audit.entries[0]).toEqual({
        at: demo.clock.now().toISOString(),
        admin: expect.any(String),
        action: 'conflict.email-removed',
        accountId: 'A1003',
        details: { keptIn: 'A1004', holders: [{ role: 'secondary', name: 'Sam Rivera', before: 'Sam.Rivera@Example.com', after: null }] },
      });
    });

    it("removing a primary's only address needs --yes", async () => {
      const before = await dump();
      const refused = await cli(['fix-conflict', 'pat.brown@example.com', '--keep', 'A1006', '--delete']);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('--yes');
      expect(await dump()).toEqual(before);
      const confirmed = await cli(['fix-conflict', 'pat.brown@example.com', '--keep', 'A1006', '--delete', '--yes']);
      expect(confirmed.code).toBe(0);
    });

    it('changes the address; the new address must be well-formed and unused elsewhere', async () => {
      const bad = await cli(['fix-conflict', 'pat.brown@example.com', '--keep', 'A1005', '--change-to', 'pat@@x']);
      expect(bad.code).toBe(2);
      const ok = await cli(['fix-conflict', 'pat.brown@example.com', '--keep', 'A1005', '--change-to', 'Pat.Green@Example.com', '--json']);
      expect(ok.code).toBe(0);
      const json = JSON.parse((await cli(['diagnose', 'pat.green@example.com', '--json'])).stdout);
      expect(json.holders).toEqual([expect.objectContaining({ accountId: 'A1006', email: 'Pat.Green@Example.com' })]);
    });

    it('without a terminal, missing decisions are exit 2 naming the flags; unknown --keep is exit 2', async () => {
      const missing = await cli(['fix-conflict', 'pat.brown@example.com']);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/--keep <A1005\|A1006>.*--delete or --change-to/);
      const wrong = await cli(['fix-conflict', 'pat.brown@example.com', '--keep', 'A9999', '--delete']);
      expect(wrong.code).toBe(2);
      expect(wrong.stderr).toContain('--keep must be one of: A1005, A1006');
    });
  });

  describe('audit', () => {
    it('lists newest first, filters by --since, refuses a bad date', async () => {
      await cli(['reset', 'jane.doe@example.com', '--no-send']);
      demo.clock.advance(3600 * 1000);
      await cli(['fix-conflict', 'pat.brown@example.com', '--keep', 'A1005', '--delete']);
      const all = JSON.parse((await cli(['audit', '--json'])).stdout).entries.map((e: { action: string }) => e.action);
      expect(all.slice(0, 2)).toEqual(['conflict.email-removed', 'reset.issued']);
      const since = JSON.parse((await cli(['audit', '--since', new Date(demo.clock.now().getTime() - 60000).toISOString(), '--json'])).stdout).entries;
      expect(since.map((e: { action: string }) => e.action)).toEqual(['conflict.email-removed']);
      const bad = await cli(['audit', '--since', 'yesterday']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('ISO 8601');
    });
  });

  describe('fix-conflict --dry-run of a primary removal', () => {
    it('exits 2 without --yes (the real run would be refused), 0 with it', async () => {
      const refused = await cli(['fix-conflict', 'pat.brown@example.com', '--keep', 'A1006', '--delete', '--dry-run', '--json']);
      expect(refused.code).toBe(2);
      expect(JSON.parse(refused.stdout)).toMatchObject({ needsConfirmation: true, error: { exitCode: 2 } });
      const ok = await cli(['fix-conflict', 'pat.brown@example.com', '--keep', 'A1006', '--delete', '--dry-run', '--yes']);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toContain('Dry run, nothing changed');
    });
  });
});
