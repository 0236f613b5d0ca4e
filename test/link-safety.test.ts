import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { DEMO_ACCOUNT_IDS, plantRaw, runInProcess, storeSnapshot, TestClock, useDemoStorePerTest } from './helpers/cli.js';
import { engines } from './helpers/engines.js';

const MINUTE = 60_000;

// Issue 8 (a reset link reaches only the person who holds that login) and issue 12's "explain every link".
describe.each(engines)('on %s', (engine) => {
  const demo = useDemoStorePerTest({ beforeEach, afterEach }, engine);

  const run = (args: string[], options: { env?: NodeJS.ProcessEnv; clock?: TestClock } = {}) =>
    runInProcess(['--db', demo.db, ...args], { clock: options.clock ?? demo.clock, env: { ...demo.env, ...options.env } });
  async function runJson(args: string[], options: { env?: NodeJS.ProcessEnv; clock?: TestClock } = {}) {
    const result = await run([...args, '--json'], options);
    return { code: result.code, json: JSON.parse(result.stdout), stderr: result.stderr };
  }
  const issue = async (email: string, ...flags: string[]) => {
    const result = await runJson(['reset', email, '--no-send', ...flags]);
    expect(result.code).toBe(0);
    return result.json as { link: string; invalidated: number; expiresAt: string };
  };
  const verify = (link: string, clock?: TestClock) => runJson(['reset', 'verify', link], { clock });
  const verifyText = (link: string, clock?: TestClock) => run(['reset', 'verify', link], { clock });

  /** Everything an address rule or a refused command could have changed (links are audited as they are issued or revoked). */
  const storeState = () => demo.withStore(async (store) => JSON.stringify(await storeSnapshot(store, [...DEMO_ACCOUNT_IDS, 'A2001', 'A2002', 'B9'])));
  const auditOf = (action: string) => demo.withStore(async (store) => (await store.listAudit({})).filter((entry) => entry.action === action));

  const HEADER = 'account_id,account_name,role,first_name,last_name,email,login_access\n';
  const cell = (value: string) => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
  function csv(rows: string[][]): string {
    const path = join(demo.dir, `import-${Date.now()}-${Math.random().toString(36).slice(2)}.csv`);
    writeFileSync(path, HEADER + rows.map((row) => row.map(cell).join(',')).join('\n') + '\n');
    return path;
  }
  const importRows = (rows: string[][]) => runJson(['import', csv(rows)]);
  const DOE = (jane: string, johnAccess: string, john = 'john.doe@example.com') => [
    ['A1001', 'Doe Family', 'primary', 'Jane', 'Doe', jane, ''],
    ['A1001', 'Doe Family', 'secondary', 'John', 'Doe', john, johnAccess],
  ];

  // Each of these was accepted before, yet mail software reads it as another (or no) address.
  const HOSTILE = ['<jane.doe@example.com>', 'a@example.com>', 'a@x.com(comment)', 'a(comment)@x.com', 'a<b>@x.com', 'a,b@x.com', 'a@x.com\\', '"quoted"@x.com', 'user@[127.0.0.1]'];

  describe('an address with extra syntax is refused at every edge', () => {
    it.each(HOSTILE)('%j: import exits 2 with the line and the reason, and imports nothing', async (address) => {
      const before = await storeState();
      const result = await importRows([['A2001', 'Hostile Family', 'primary', 'Eve', 'X', address, '']]);
      expect(result.code).toBe(2);
      expect(result.json.rejected).toEqual([{ line: 2, reason: expect.stringMatching(/^email ".*" is malformed: the (part before the "@"|domain|address)/) }]);
      expect(await storeState()).toBe(before);
    });

    it.each(HOSTILE)('%j: reset and fix-conflict --change-to exit 2 and change nothing; diagnose fails email-format', async (address) => {
      const before = await storeState();
      const reset = await runJson(['reset', address]);
      expect(reset.code).toBe(2);
      expect(reset.json.error.message).toMatch(/is not valid: /);
      const fix = await runJson(['fix-conflict', 'pat.brown@example.com', '--keep', 'A1005', '--change-to', address]);
      expect(fix.code).toBe(2);
      expect(fix.json.error.message).toMatch(/--change-to: .* is not a valid address/);
      expect(await storeState()).toBe(before);
      expect(existsSync(demo.outbox)).toBe(false);
      const diagnosis = await runJson(['diagnose', address]);
      expect(diagnosis.code).toBe(1);
      expect(diagnosis.json.checks.find((c: { id: string }) => c.id === 'email-format')).toMatchObject({ status: 'fail', detail: expect.stringContaining('malformed') });
    });

    it.each([
      ['a soft hyphen', '\u00ad'],
      ['a combining grapheme joiner', '\u034f'],
      ['an Arabic letter mark', '\u061c'],
      ['a Hangul choseong filler', '\u115f'],
      ['a Hangul jungseong filler', '\u1160'],
      ['a Hangul filler', '\u3164'],
      ['a tag character', '\u{e0041}'],
      ['a line separator', '\u2028'],
      ['a paragraph separator', '\u2029'],
    ])('%s is refused in a name and in an address at import', async (_name, char) => {
      const before = await storeState();
      const result = await importRows([
        ['A2001', 'Family', 'primary', `Ja${char}ne`, 'X', 'jane.x@example.com', ''],
        ['A2002', 'Family', 'primary', 'Eve', 'X', `ev${char}e@example.com`, ''],
      ]);
      expect(result.code).toBe(2);
      expect(result.json.rejected).toEqual([
        { line: 2, reason: expect.stringContaining('first_name contains a control or invisible character') },
        { line: 3, reason: expect.stringMatching(/is malformed: the address contains (an invisible or control character|a space)/) },
      ]);
      expect(await storeState()).toBe(before);
    });

    it('an address on file from before the rule is never mailed: the reset is refused and nothing is issued', async () => {
      await plantRaw(demo, "update holders set email = '<jane.doe@example.com>', email_key = '<jane.doe@example.com>' where account_id = 'A1002' and role = 'primary'");
      const result = await runJson(['reset', 'tom.smith@example.com']);
      expect(result.code).toBe(1);
      expect(result.json.error.message).toMatch(/address on file for Maria Smith \("<jane\.doe@example\.com>"\) is not a well-formed address .*Nothing was issued/);
      expect(await auditOf('reset.issued')).toEqual([]);
      expect(existsSync(demo.outbox)).toBe(false);
    });
  });

  describe('a link stops working when its login changes (revoked)', () => {
    it('a re-import that changes the address revokes the link sent to the old one, audited; verify says so', async () => {
      const jane = await issue('jane.doe@example.com');
      const imported = await run(['import', csv(DOE('jane.new@example.com', 'yes'))]);
      expect(imported.code).toBe(0);
      expect(imported.stdout).toContain('1 valid reset link stopped working');
      const verdict = await verify(jane.link);
      expect(verdict).toMatchObject({ code: 1, json: { status: 'revoked', accountId: 'A1001', revokedReason: 'address-changed', revokedAt: demo.clock.now().toISOString() } });
      const text = await verifyText(jane.link);
      expect(text.code).toBe(1);
      expect(text.stdout).toMatch(/✖ revoked: account A1001; revoked at 10:00 UTC when the address changed \(issued under a minute ago to Jane Doe <jane\.doe@example\.com>\)/);
      const audit = await runJson(['audit', '--email', 'jane.doe@example.com']);
      expect(audit.json.entries[0]).toMatchObject({ action: 'reset.revoked', accountId: 'A1001', details: { reason: 'address-changed', cause: 'import', recipient: 'jane.doe@example.com' } });
    });

    it("a re-import that withdraws the secondary's access revokes only his link; granted again, diagnose explains it", async () => {
      const john = await issue('john.doe@example.com');
      const jane = await issue('jane.doe@example.com');
      expect((await importRows(DOE('jane.doe@example.com', 'no'))).code).toBe(0);
      expect((await verify(john.link)).json).toMatchObject({ status: 'revoked', revokedReason: 'access-withdrawn' });
      expect((await verify(jane.link)).json.status).toBe('valid');

      demo.clock.advance(5 * MINUTE);
      expect((await importRows(DOE('jane.doe@example.com', 'yes'))).code).toBe(0);
      expect((await verify(john.link)).json.status).toBe('revoked');
      const diagnosis = await runJson(['diagnose', 'john.doe@example.com']);
      expect(diagnosis.json.checks.find((c: { id: string }) => c.id === 'pending-reset')).toMatchObject({
        title: 'No reset link outstanding',
        detail: expect.stringMatching(/^The last link to John Doe <john\.doe@example\.com>: revoked at 10:00 UTC when the holder's login access was withdrawn/),
      });
    });

    it('fix-conflict --delete revokes the link sent to the removed address in the same transaction', async () => {
      const jane = await issue('jane.doe@example.com');
      // Another account takes Jane's address (a conflict); the admin keeps it there.
      expect((await importRows([['B9', 'Other Family', 'primary', 'Jane', 'Other', 'jane.doe@example.com', '']])).code).toBe(0);
      expect((await verify(jane.link)).json.status).toBe('valid');
      const fix = await runJson(['fix-conflict', 'jane.doe@example.com', '--keep', 'B9', '--delete', '--yes']);
      expect(fix.code).toBe(0);
      expect(fix.json).toMatchObject({ applied: true, linksRevoked: 1 });
      expect((await verify(jane.link)).json).toMatchObject({ status: 'revoked', revokedReason: 'address-removed' });
      const audit = await auditOf('reset.revoked');
      expect(audit).toHaveLength(1);
      expect(audit[0]!.details).toMatchObject({ reason: 'address-removed', cause: 'fix-conflict --delete' });
    });

    it('fix-conflict --change-to revokes the link as "address changed"', async () => {
      const john = await issue('john.doe@example.com');
      expect((await importRows([['B9', 'Other Family', 'primary', 'John', 'Other', 'john.doe@example.com', '']])).code).toBe(0);
      const fix = await runJson(['fix-conflict', 'john.doe@example.com', '--keep', 'B9', '--change-to', 'john.d@example.com']);
      expect(fix.json).toMatchObject({ applied: true, linksRevoked: 1 });
      expect((await verify(john.link)).json).toMatchObject({ status: 'revoked', revokedReason: 'address-changed' });
    });

    it('a change that leaves the login alone revokes nothing', async () => {
      const jane = await issue('jane.doe@example.com');
      expect((await importRows([['A1001', 'Doe Family', 'primary', 'Jane', 'Doe', 'jane.doe@example.com', ''], ['A1001', 'Doe Family', 'secondary', 'Jim', 'Doe', '', '']])).json).not.toHaveProperty('linksRevoked');
      expect((await verify(jane.link)).json.status).toBe('valid');
    });
  });

  describe('newest-only and the 10-minute wait are per login (R3)', () => {
    it("John's reset neither cancels Jane's pending link nor waits for it; each counts only its own earlier links", async () => {
      const jane = await issue('jane.doe@example.com');
      const john = await issue('john.doe@example.com');
      expect(john.invalidated).toBe(0);
      expect((await verify(jane.link)).json.status).toBe('valid');

      demo.clock.advance(11 * MINUTE);
      const jane2 = await issue('jane.doe@example.com');
      expect(jane2.invalidated).toBe(1);
      expect((await verify(jane.link)).json).toMatchObject({ status: 'superseded', supersededBy: 'Jane Doe' });
      expect((await verify(john.link)).json.status).toBe('valid');
    });

    it('the cooldown refusal says the earlier link was saved to the outbox, not sent', async () => {
      expect((await runJson(['reset', 'jane.doe@example.com'])).code).toBe(0);
      demo.clock.advance(3 * MINUTE);
      const refused = await runJson(['reset', 'jane.doe@example.com']);
      expect(refused.code).toBe(1);
      expect(refused.json.error.message).toMatch(/^A reset link for this login, Jane Doe <jane\.doe@example\.com>, was issued 3 minutes ago and saved to the outbox, not sent: .*Wait 7 minutes, or pass --force/);
      expect(refused.json.error.message).not.toMatch(/emailed|on its way/);
    });

    it('the cooldown refusal says when the earlier email failed, and how to retry', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const deadPort = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const env = { ENROLLSY_SMTP_URL: `smtp://127.0.0.1:${deadPort}` };
      expect((await runJson(['reset', 'jane.doe@example.com'], { env })).code).toBe(4);
      const refused = await runJson(['reset', 'jane.doe@example.com'], { env });
      expect(refused.code).toBe(1);
      expect(refused.json.error.message).toMatch(/was issued under a minute ago and its email failed, so it never reached the customer\. Pass --force/);
    });

    describe('over SMTP', () => {
      let server: SMTPServer;
      let port: number;
      beforeAll(async () => {
        server = new SMTPServer({ authOptional: true, disabledCommands: ['STARTTLS'], onData: (stream, _session, callback) => stream.resume().on('end', () => callback()) });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        port = (server.server.address() as AddressInfo).port;
      });
      afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

      it('the cooldown refusal says the earlier link was emailed', async () => {
        const env = { ENROLLSY_SMTP_URL: `smtp://127.0.0.1:${port}` };
        const sent = await run(['reset', 'jane.doe@example.com'], { env });
        expect(sent.code).toBe(0);
        expect(sent.stdout).toMatch(/token=.*\n.*Emailed to Jane Doe <jane\.doe@example\.com>: SMTP server 127\.0\.0\.1:\d+ accepted it\.\n$/s);
        demo.clock.advance(MINUTE);
        const refused = await run(['reset', 'jane.doe@example.com'], { env });
        expect(refused.stderr).toMatch(/issued 1 minute ago and emailed \(the mail server accepted it\); it may still be on its way/);
      });
    });
  });

  describe('a stored address whose domain looks mistyped', () => {
    it('needs --yes to be sent a reset (exit 2 naming the flag and the likely domain), and is issued with it', async () => {
      const refused = await runJson(['reset', 'chris.baker@gmial.com']);
      expect(refused.code).toBe(2);
      expect(refused.json.error.message).toMatch(/"gmial\.com" looks like a typo of "gmail\.com".*pass --yes\. Nothing was issued\./);
      expect(await auditOf('reset.issued')).toEqual([]);
      const confirmed = await runJson(['reset', 'chris.baker@gmial.com', '--no-send', '--yes']);
      expect(confirmed.code).toBe(0);
      expect(confirmed.json.recipient.email).toBe('chris.baker@gmial.com');
    });
  });

  describe('every link explained, with times and people', () => {
    it('a link issued while the clock was ahead is treated as expired, and verify and diagnose say why; it blocks no new link', async () => {
      const ahead = new TestClock(new Date(demo.clock.now().getTime() + 60 * MINUTE));
      const result = await run(['reset', 'jane.doe@example.com', '--no-send', '--json'], { clock: ahead });
      const link = JSON.parse(result.stdout).link as string;
      const verdict = await verify(link);
      expect(verdict.code).toBe(1);
      expect(verdict.json).toMatchObject({ status: 'expired', explanation: expect.stringMatching(/treated as expired: it was issued at 11:00 UTC, 1 hour from now, so the clock was ahead/) });
      const diagnosis = await runJson(['diagnose', 'jane.doe@example.com']);
      expect(diagnosis.json.checks.find((c: { id: string }) => c.id === 'pending-reset')).toMatchObject({ title: 'No reset link outstanding', detail: expect.stringContaining('clock was ahead') });
      expect((await runJson(['reset', 'jane.doe@example.com', '--no-send'])).code).toBe(0);
    });

    it('an expired link: "expired 40 minutes ago (issued 2 hours 40 minutes ago)", in verify and diagnose', async () => {
      const jane = await issue('jane.doe@example.com');
      demo.clock.advance(160 * MINUTE);
      const text = await verifyText(jane.link);
      expect(text.stdout).toContain('✖ expired: account A1001; expired 40 minutes ago (issued 2 hours 40 minutes ago; links last 2 hours). Issue a new one: enrollsy-help reset jane.doe@example.com');
      const diagnosis = await runJson(['diagnose', 'jane.doe@example.com']);
      expect(diagnosis.json.checks.find((c: { id: string }) => c.id === 'pending-reset').detail).toBe(
        'The last link to Jane Doe <jane.doe@example.com>: expired 40 minutes ago (issued 2 hours 40 minutes ago; links last 2 hours).',
      );
    });

    it('a superseded link names when and to whom the newer link went', async () => {
      const first = await issue('jane.doe@example.com');
      demo.clock.advance(12 * MINUTE);
      await issue('jane.doe@example.com');
      const text = await verifyText(first.link);
      expect(text.stdout).toContain('✖ superseded: account A1001; superseded at 10:12 UTC by a newer link issued for Jane Doe (only the newest link of a login works).');
    });

    it('a link with a real token on another page than the company\'s reset page is refused, whatever its token says', async () => {
      const jane = await issue('jane.doe@example.com');
      const elsewhere = jane.link.replace(/^https:\/\/[^/]+/, 'https://reset.example.net');
      const text = await verifyText(elsewhere);
      expect(text.code).toBe(1);
      expect(text.stdout).toMatch(/^✖ not the company's reset page: this link opens https:\/\/reset\.example\.net\/\S+, not https:\/\/\S+\. Tell the customer not to use it, and send a new link from here\.\n {2}The token in it alone: valid, account A1001; /);
      expect(text.stdout).not.toContain('✔');
      const json = await verify(elsewhere);
      expect(json.code).toBe(1);
      expect(json.json).toMatchObject({ status: 'valid', foreignPage: { linkPage: expect.stringMatching(/^https:\/\/reset\.example\.net\//) } });
      // The company's own page, and the bare token, are vouched for as before.
      expect((await verify(jane.link)).json).toMatchObject({ status: 'valid', foreignPage: null });
      // After `--`: a token may start with "-" (1 in 64), which would read as an option.
      const token = new URL(jane.link).searchParams.get('token')!;
      expect((await run(['reset', 'verify', '--', token])).code).toBe(0);
      // Without it too: a bare token is no option, even with options after it (one that was never
      // issued: it differs from Jane's at its second character, whatever her token is).
      const dashed = `-${token[1] === 'A' ? 'B' : 'A'}${token.slice(2)}`;
      for (const args of [['reset', 'verify', dashed, '--json'], ['reset', 'verify', '--json', dashed]]) {
        const result = await run(args);
        expect([args.join(' '), result.code]).toEqual([args.join(' '), 1]);
        expect(JSON.parse(result.stdout)).toMatchObject({ status: 'unknown', explanation: 'no link with this token was issued from this store' });
      }
      expect((await run(['reset', 'verify', '--bogus'])).code).toBe(2);
    });

    it('a valid link says until when, to whom, and what happened to its email', async () => {
      const jane = await issue('jane.doe@example.com');
      demo.clock.advance(30 * MINUTE);
      const text = await verifyText(jane.link);
      expect(text.code).toBe(0);
      expect(text.stdout).toContain('✔ valid: account A1001; valid until 12:00 UTC (1 hour 30 minutes left); issued 30 minutes ago to Jane Doe <jane.doe@example.com>, shown to the admin to pass on, not emailed.');
    });
  });

  // A SQLite file of an older schema: migrated on open, with a backup beside it.
  if (engine === 'sqlite') describe('a store made before links had logins', () => {
    it('is migrated forward with a backup: its links get their login and keep working', async () => {
      const jane = await issue('jane.doe@example.com');
      // Turn the store back into schema 2 (what the previous release wrote).
      const sqlite = new Database(demo.db);
      sqlite.exec(`drop index reset_links_login;
      alter table reset_links drop column recipient_key; alter table reset_links drop column recipient_name;
      alter table reset_links drop column revoked_at; alter table reset_links drop column revoked_reason;
      alter table audit_log drop column admin; alter table holders drop column name_key; alter table company drop column time_zone;
      drop trigger holders_repeated_key_added; drop trigger holders_repeated_key_removed; drop trigger holders_repeated_key_changed; drop table repeated_keys;`);
      sqlite.pragma('user_version = 2');
      sqlite.close();

      const verdict = await verify(jane.link);
      expect(verdict.json.status).toBe('valid');
      expect(verdict.stderr).toMatch(/Upgraded the store from schema 2/);
      expect(readdirSync(demo.dir).some((name) => name.includes('schema-2') && name.endsWith('.bak'))).toBe(true);
      const migrated = new Database(demo.db, { readonly: true });
      expect(migrated.prepare('select recipient_key from reset_links').all()).toEqual([{ recipient_key: 'jane.doe@example.com' }]);
      migrated.close();
      // Per-login rules apply to the migrated link: John is not blocked by it.
      expect((await runJson(['reset', 'john.doe@example.com', '--no-send'])).code).toBe(0);
    });
  });
});
