import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { simpleParser } from 'mailparser';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestStore, runInProcess, tempDir, TestClock, useDemoStorePerTest } from './helpers/cli.js';
import { engines } from './helpers/engines.js';

describe.each(engines)('on %s', (engine) => {
  const demo = useDemoStorePerTest({ beforeEach, afterEach }, engine);
  const cli = (args: string[]) => runInProcess(['--db', demo.db, ...args], { clock: demo.clock, env: demo.env });

  describe('message', () => {
    it('prints the sign-in instructions to paste, with the company link, and sends nothing', async () => {
      const result = await cli(['message', 'jane.doe@example.com', '--template', 'sign-in']);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^Subject: .*Sunrise Swim Club/);
      expect(result.stdout).toContain('https://app.enrollsy.com/account/signin?company=sunrise-swim');
      expect(result.stdout).not.toMatch(/contact (us at )?enrollsy/i);
      expect(() => readdirSync(demo.outbox)).toThrow();
    });

    it('grant-access goes to the primary even when asked for the secondary, and --send emails it', async () => {
      const result = await cli(['message', 'tom.smith@example.com', '--template', 'grant-access', '--send', '--json']);
      expect(result.code).toBe(0);
      const json = JSON.parse(result.stdout);
      expect(json).toMatchObject({ template: 'grant-access', to: 'maria.smith@example.com', delivery: { transport: 'outbox' } });
      const [file] = readdirSync(demo.outbox);
      const mail = await simpleParser(readFileSync(join(demo.outbox, file!)));
      expect(mail.to).toMatchObject({ value: [{ address: 'maria.smith@example.com' }] });
      expect(mail.text).toMatch(/full control of the account/i);
      const audit = JSON.parse((await cli(['audit', '--json'])).stdout);
      expect(audit.entries[0]).toMatchObject({ action: 'message.saved-to-outbox', accountId: 'A1002' });
    });

    it('sign-in, reset and not-received advice is refused when it cannot help (no login, a conflict, no reset possible); printing warns', async () => {
      const cases: [string, string, string][] = [
        ['tom.smith@example.com', 'sign-in', 'Tom Smith has no login of their own (a secondary holder without login access), so sign-in instructions would not work for them: the primary, Maria Smith, must grant access first (the grant-access template). Nothing was sent.'],
        ['tom.smith@example.com', 'not-received', 'Tom Smith has no login of their own (a secondary holder without login access): a reset email goes to the primary, Maria Smith, not to them. Nothing was sent.'],
        ['minh.nguyen@example.com', 'reset', 'Minh Nguyen has no login of their own (a secondary holder without login access), and no reset email can be sent for this account: the primary holder has no email address'],
        ['sam.rivera@example.com', 'sign-in', 'sam.rivera@example.com is in 2 accounts, so its login cannot work until the duplicate is fixed; these instructions would not help yet. Fix that first: enrollsy-help fix-conflict sam.rivera@example.com. Nothing was sent.'],
      ];
      for (const [email, template, message] of cases) {
        const sent = await cli(['message', email, '--template', template, '--send', '--offline']);
        expect({ email, template, code: sent.code }).toEqual({ email, template, code: 1 });
        expect(sent.stderr).toContain(message);
      }
      expect(() => readdirSync(demo.outbox)).toThrow();
      const printed = await cli(['message', 'tom.smith@example.com', '--template', 'sign-in']);
      expect(printed.code).toBe(0);
      expect(printed.stderr).toContain('! Tom Smith has no login of their own');
    });

    it('grant-access for an account whose primary has no email prints the text to read out', async () => {
      const result = await cli(['message', 'minh.nguyen@example.com', '--template', 'grant-access']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Hello Linh Nguyen');
      expect(result.stdout).toContain('(For the primary holder, Linh Nguyen, who has no email address on file: read it to them or send it by text.)');
    });

    it('--send refuses while the company is not set up, but printing works without a sender', async () => {
      const { dir: folder, cleanup } = tempDir();
      const bare = await createTestStore(folder, engine, new TestClock(), { init: [] });
      try {
        await runInProcess(['--db', bare.db, 'import', '-'], { env: bare.env, stdin: 'account_id,account_name,role,first_name,last_name,email,login_access\nA1,Ann,primary,Ann,A,ann@example.com,\n' });
        const send = await runInProcess(['--db', bare.db, 'message', 'ann@example.com', '--template', 'sign-in', '--send'], { env: { ...bare.env, ENROLLSY_MAIL_FROM: 'x@y.example' } });
        expect(send.code).toBe(2);
        expect(send.stderr).toMatch(/Set the company's --name, --sign-in-url first/);
        const print = await runInProcess(['--db', bare.db, 'message', 'ann@example.com', '--template', 'not-received'], { env: bare.env });
        expect(print.code).toBe(0);
        expect(print.stdout).not.toMatch(/null|undefined/);
      } finally {
        await bare.drop();
        cleanup();
      }
    });

    it('not-received names the sender address to add to safe senders', async () => {
      const result = await cli(['message', 'jane.doe@example.com', '--template', 'not-received', '--json']);
      expect(JSON.parse(result.stdout).text).toContain('no-reply@sunriseswim.example');
    });

    it.each([
      [['message', 'jane.doe@example.com', '--template', 'hello'], 2, /--template must be one of sign-in, reset, not-received, grant-access/],
      [['message', 'jane.doe@', '--template', 'reset'], 2, /not valid/],
      [['message', 'jane.doe@example.com'], 2, /--template/],
      [['message', 'nobody@example.com', '--template', 'reset', '--send'], 1, /No holder uses nobody@example.com; nothing was sent/],
      [['message', 'minh.nguyen@example.com', '--template', 'grant-access', '--send'], 1, /has no email address, so nothing was sent/],
    ])('%j exits %i', async (args, code, message) => {
      const result = await cli(args as string[]);
      expect(result.code).toBe(code);
      expect(result.stderr).toMatch(message as RegExp);
      // Nothing was sent, nothing was audited.
      expect(() => readdirSync(demo.outbox)).toThrow();
      expect(JSON.parse((await cli(['audit', '--json'])).stdout).entries.some((e: { action: string }) => e.action === 'message.sent')).toBe(false);
    });
  });
});
