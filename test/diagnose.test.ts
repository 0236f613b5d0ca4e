import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runInProcess as runCli, useDemoStorePerBlock } from './helpers/cli.js';
import { engines } from './helpers/engines.js';

// These tests only read the store (or are refused before writing), so one demo store per engine serves them all.
describe.each(engines)('on %s', (engine) => {
  const demo = useDemoStorePerBlock({ beforeAll, afterAll }, engine);
  const runInProcess = (args: string[], options: { env?: NodeJS.ProcessEnv } = {}) => runCli(args, { env: { ...demo.env, ...options.env } });

  async function report(email: string) {
    const result = await runInProcess(['--db', demo.db, 'diagnose', email, '--json']);
    return { code: result.code, json: JSON.parse(result.stdout), stderr: result.stderr };
  }
  const status = (json: { checks: { id: string; status: string }[] }, id: string) => json.checks.find((c) => c.id === id)?.status;

  describe('diagnose --json on the demo store', () => {
    it('a clean primary: every check passes, the reset goes to them, exit 0', async () => {
      const { code, json } = await report('  Jane.Doe@Example.com ');
      expect(code).toBe(0);
      expect(json).toMatchObject({
        email: '  Jane.Doe@Example.com ',
        normalizedEmail: 'jane.doe@example.com',
        found: true,
        holders: [{ accountId: 'A1001', accountName: 'Doe Family', role: 'primary', name: 'Jane Doe', email: 'jane.doe@example.com', loginAccess: true }],
        resetRecipient: { email: 'jane.doe@example.com', role: 'primary' },
        suggestions: [],
      });
      for (const id of ['email-format', 'account-found', 'duplicate-email', 'reset-recipient']) expect(status(json, id)).toBe('pass');
      expect(status(json, 'pending-reset')).toBe('info');
      for (const check of json.checks) expect(Object.keys(check).sort()).toEqual(['detail', 'fix', 'id', 'status', 'title']);
    });

    it('a case/space-variant conflict across two accounts fails, no recipient, exit 1', async () => {
      const { code, json } = await report('sam.rivera@example.com');
      expect(code).toBe(1);
      expect(status(json, 'duplicate-email')).toBe('fail');
      expect(json.holders.map((h: { accountId: string }) => h.accountId).sort()).toEqual(['A1003', 'A1004']);
      expect(json.resetRecipient).toBeNull();
    });

    it('a secondary with access receives their own reset; one without sends it to the primary', async () => {
      expect((await report('john.doe@example.com')).json.resetRecipient).toEqual({ email: 'john.doe@example.com', role: 'secondary' });
      const tom = await report('tom.smith@example.com');
      expect(tom.json.resetRecipient).toEqual({ email: 'maria.smith@example.com', role: 'primary' });
      expect(status(tom.json, 'login-access')).toBe('warn');
    });

    it('an account whose primary has no email cannot receive a reset', async () => {
      const { code, json } = await report('minh.nguyen@example.com');
      expect(code).toBe(1);
      expect(json.resetRecipient).toBeNull();
      expect(json.checks.find((c: { id: string }) => c.id === 'reset-recipient').detail).toContain('no email address');
      // The rule (resets go to the primary) is not told as if a reset could reach Linh now.
      const access = json.checks.find((c: { id: string }) => c.id === 'login-access').detail;
      expect(access).not.toMatch(/reset emails go to the primary/);
      expect(access).toBe('Minh Nguyen is a secondary holder without login access: reset emails would go to the primary, Linh Nguyen, who has no email address on file, so none can be sent now.');
    });

    it('a mistyped domain suggests the intended address and never auto-corrects', async () => {
      const { code, json } = await report('ana.ortiz@gmial.com');
      expect(code).toBe(1);
      expect(json.found).toBe(false);
      expect(json.normalizedEmail).toBe('ana.ortiz@gmial.com');
      expect(json.suggestions[0]).toBe('ana.ortiz@gmail.com');
      expect(status(json, 'email-domain')).toBe('warn');
    });

    it('an unknown address close to a stored one suggests the stored one first', async () => {
      const { json } = await report('jane.doe@exmaple.com');
      expect(json.suggestions[0]).toBe('jane.doe@example.com');
    });

    it('a malformed address is a finding (exit 1), not a usage error', async () => {
      const { code, json } = await report('jane.doe@@example');
      expect(code).toBe(1);
      expect(status(json, 'email-format')).toBe('fail');
    });

    it('an absurdly long argument is bad input: exit 2, one line, no echo of the whole paste', async () => {
      const result = await runInProcess(['--db', demo.db, 'diagnose', `${'x'.repeat(5000)}@example.com`]);
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr.length).toBeLessThan(300);
    });

    it('without a terminal and without --json, prints the doctor-style report', async () => {
      const result = await runInProcess(['--db', demo.db, 'diagnose', 'pat.brown@example.com']);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('✖ Address is used in 2 accounts');
      expect(result.stdout).toContain('→ Keep it in the account of the customer who is logging in');
      expect(result.stdout).toContain('--keep <A1005 or A1006> --delete');
      expect(result.stdout).not.toMatch(/\x1b\[/); // no colour when not a terminal
    });

    it('FORCE_COLOR colours the report and NO_COLOR wins over it', async () => {
      const forced = await runInProcess(['--db', demo.db, 'diagnose', 'pat.brown@example.com'], { env: { FORCE_COLOR: '1' } });
      expect(forced.stdout).toMatch(/\x1b\[31m✖/);
      const none = await runInProcess(['--db', demo.db, 'diagnose', 'pat.brown@example.com'], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
      expect(none.stdout).not.toMatch(/\x1b\[/);
      const flag = await runInProcess(['--db', demo.db, '--no-color', 'diagnose', 'pat.brown@example.com'], { env: { FORCE_COLOR: '1' } });
      expect(flag.stdout).not.toMatch(/\x1b\[/);
    });
  });

  describe('links', () => {
    it('prints the sign-in link, the reset link and the embed snippet', async () => {
      const result = await runInProcess(['--db', demo.db, 'links', '--json']);
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual({
        signIn: 'https://app.enrollsy.com/account/signin?company=sunrise-swim',
        passwordReset: 'https://app.enrollsy.com/account/password-reset?company=sunrise-swim',
        embed: expect.stringContaining('href="https://app.enrollsy.com/account/signin?company=sunrise-swim"'),
      });
    });

    it('company set refuses a link that is not a URL, changing nothing', async () => {
      const result = await runInProcess(['--db', demo.db, 'company', 'set', '--sign-in-url', 'not a url']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('--sign-in-url needs a full link');
      const show = await runInProcess(['--db', demo.db, 'company', 'show', '--json']);
      expect(JSON.parse(show.stdout).signInUrl).toBe('https://app.enrollsy.com/account/signin?company=sunrise-swim');
    });
  });

  describe('suggestions for early typos', () => {
    it('finds the stored address when the second letter is mistyped', async () => {
      const { json } = await report('jnae.doe@example.com');
      expect(json.suggestions).toContain('jane.doe@example.com');
    });
  });

  describe('company settings input', () => {
    it('init and company set refuse bad links, senders and empty names, changing nothing', async () => {
      const before = (await runInProcess(['--db', demo.db, 'company', 'show', '--json'])).stdout;
      for (const args of [
        ['init', '--reset-url', 'ftp://x.example/reset'],
        ['company', 'set', '--sender', 'not-an-address'],
        ['company', 'set', '--name', '  '],
        ['company', 'set'],
      ]) {
        const result = await runInProcess(['--db', demo.db, ...args]);
        expect(result.code).toBe(2);
        expect(result.stderr.trim().split('\n')).toHaveLength(1);
      }
      expect((await runInProcess(['--db', demo.db, 'company', 'show', '--json'])).stdout).toBe(before);
    });
  });

  describe('the root cause of a secondary holder without login access', () => {
    it('names the missing login and who must grant it, not "nothing blocks a login"', async () => {
      const { json } = await report('tom.smith@example.com');
      expect(json.summary).toBe(
        "Tom Smith has no login of their own (a secondary holder without login access): only the primary can grant it (`enrollsy-help message maria.smith@example.com --template grant-access` sends the steps); until then only the primary can sign in, and a reset goes to the primary's address, maria.smith@example.com.",
      );
    });
  });
});
