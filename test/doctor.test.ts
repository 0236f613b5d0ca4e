import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { createTestStore, runBinary, runInProcess, TestClock, useDemoStorePerTest } from './helpers/cli.js';
import { SCHEMA_VERSION } from '../src/store/migrations.js';
import { adminQuery, createTestDatabase, engines, postgresUrl } from './helpers/engines.js';
import { closedPort, startSmtpServer, type TestServer } from './helpers/smtp.js';

const checksOf = (stdout: string) => Object.fromEntries((JSON.parse(stdout).checks as { id: string; status: string }[]).map((c) => [c.id, c.status]));

const PASSWORD = 'pa55:w/rd';
let server: TestServer;
beforeAll(async () => {
  server = await startSmtpServer({
    authOptional: false,
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      if (auth.username === 'mailer' && auth.password === PASSWORD) callback(null, { user: 'mailer' });
      else callback(new Error('5.7.8 Authentication credentials invalid'));
    },
  });
});
afterAll(() => server.close());
const smtpUrl = (password: string) => `smtp://mailer:${encodeURIComponent(password)}@127.0.0.1:${server.port}`;

describe.each(engines)('on %s', (engine) => {
  const demo = useDemoStorePerTest({ beforeEach, afterEach }, engine);
  const doctor = (args: string[] = [], env: NodeJS.ProcessEnv = {}) => runInProcess(['--db', demo.db, 'doctor', '--no-color', ...args], { clock: demo.clock, env: { ...demo.env, ...env } });

  describe('doctor without a mail server', () => {
    it('says plainly that mail is saved to the outbox, not sent, and where; exit 0; writes nothing', async () => {
      const result = await doctor();
      expect(result.code).toBe(0);
      const lines = result.stdout.split('\n');
      expect(lines).toContain(`! Mail server: none is set (ENROLLSY_SMTP_URL), so emails are saved to the outbox, not sent: ${demo.outbox} → To send them, set ENROLLSY_SMTP_URL=smtp://user:password@smtp.example.com:587; until then, send each saved .eml yourself`);
      if (engine === 'sqlite') {
        expect(lines).toContain(`✔ Store: ${demo.db} opens (schema ${SCHEMA_VERSION}, up to date)`);
        expect(lines).toContain('✔ Store permissions: only its owner can read it');
      } else {
        const printable = new URL(demo.db);
        printable.password = '';
        expect(lines).toContain(`✔ Store: ${printable.toString()} opens (schema ${SCHEMA_VERSION}, up to date)`);
        expect(lines).toContain("i Store permissions: a PostgreSQL store: who can read it is set by the database's roles and grants, not by a file mode");
      }
      expect(result.stdout).toContain('✔ Sender address: Sunrise Swim Club <no-reply@sunriseswim.example>');
      expect(result.stdout).toContain('✔ No problems found.');
      expect(existsSync(demo.outbox)).toBe(false);
    });

    it('--send-test saves the test message to the outbox and says it was not sent', async () => {
      const result = await doctor(['--send-test', 'me@example.com', '--json']);
      expect(result.code).toBe(0);
      const json = JSON.parse(result.stdout);
      expect(json.checks.at(-1)).toMatchObject({ id: 'test-message', status: 'warn', detail: expect.stringMatching(/^saved to the outbox, not sent: .*\.eml$/) });
      const [file] = readdirSync(demo.outbox);
      const mail = await simpleParser(readFileSync(join(demo.outbox, file!)));
      expect(mail.subject).toBe('Test message from enrollsy-help for Sunrise Swim Club');
    });

    it('finds missing company settings and (SQLite) a store others can read, each with its fix; exit 1', async () => {
      const folder = join(demo.dir, 'bare');
      mkdirSync(folder);
      const bare = await createTestStore(folder, engine, new TestClock(), { init: [] });
      try {
        if (engine === 'sqlite') chmodSync(bare.db, 0o644);
        const result = await runInProcess(['--db', bare.db, 'doctor', '--no-color'], { env: bare.env });
        expect(result.code).toBe(1);
        const lines = result.stdout.split('\n');
        if (engine === 'sqlite') expect(lines).toContain(`✖ Store permissions: other users of this machine can read it (mode 644), and it holds customers' names and addresses → chmod 600 '${bare.db}'`);
        expect(lines).toContain('✖ Company name: not set: emails would say "Your company" → enrollsy-help company set --name "<your company name>"');
        expect(lines).toContain('✖ Account Sign-In link: not set: customers cannot be sent to the right sign-in page → enrollsy-help company set --sign-in-url <url> (copy it from "My Company" in Enrollsy)');
        expect(lines).toContain('✖ Account Password Reset link: not set: no reset link can be issued → enrollsy-help company set --reset-url <url> (copy it from "My Company" in Enrollsy)');
        expect(lines.some((line) => line.startsWith("✖ Sender address: No sender address: set ENROLLSY_MAIL_FROM or the company's sender address"))).toBe(true);
        expect(result.stdout).toContain(engine === 'sqlite' ? '✖ 5 problems found.' : '✖ 4 problems found.');
      } finally {
        await bare.drop();
      }
    });

    it('a missing store is a finding (exit 1), not a crash; mail is still checked', async () => {
      const missing = engine === 'sqlite' ? join(demo.dir, 'none.db') : postgresUrl(await createTestDatabase());
      const result = await runInProcess(['--db', missing, 'doctor', '--json'], { env: demo.env });
      expect(result.code).toBe(1);
      expect(checksOf(result.stdout)).toEqual({ store: 'fail', 'mail-server': 'warn', 'mail-connection': 'pass' });
      if (engine === 'sqlite') expect(existsSync(missing)).toBe(false);
      else expect((await adminQuery("select count(*)::int as n from information_schema.tables where table_schema = 'public'", new URL(missing).pathname.slice(1))).rows[0].n).toBe(0);
    });
  });

  describe('doctor with ENROLLSY_SMTP_URL, against a real SMTP server', () => {
    it('connects and logs in, and sends nothing', async () => {
      const before = server.received.length;
      const result = await doctor([], { ENROLLSY_SMTP_URL: smtpUrl(PASSWORD) });
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`✔ Mail server: SMTP 127.0.0.1:${server.port} as mailer`);
      expect(result.stdout).toContain(`✔ Mail server login: connected to 127.0.0.1:${server.port} as mailer and logged in`);
      expect(result.stdout).not.toContain(PASSWORD);
      expect(server.received.length).toBe(before);
    });

    it('a wrong password is one line with its fix; exit 1; the password is never printed', async () => {
      const result = await doctor([], { ENROLLSY_SMTP_URL: smtpUrl('wrong-secret') });
      expect(result.code).toBe(1);
      const line = result.stdout.split('\n').find((l) => l.startsWith('✖ Mail server login'));
      expect(line).toMatch(new RegExp(`^✖ Mail server login: SMTP authentication failed at 127\\.0\\.0\\.1:${server.port} \\(535 .*\\) → Check the user name and password in ENROLLSY_SMTP_URL`));
      expect(result.stdout + result.stderr).not.toContain('wrong-secret');
    });

    it('--offline names the server but does not contact it: the login check is skip, not a failure', async () => {
      const port = await closedPort();
      const result = await doctor(['--offline', '--json'], { ENROLLSY_SMTP_URL: `smtp://127.0.0.1:${port}` });
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout).checks.find((c: { id: string }) => c.id === 'mail-connection')).toEqual({
        id: 'mail-connection',
        status: 'skip',
        title: 'Mail server login',
        detail: 'skipped because of --offline: the mail server was not contacted',
        fix: '',
      });
    });

    it('a refused connection is one line with its fix; exit 1', async () => {
      const port = await closedPort();
      const result = await doctor(['--json'], { ENROLLSY_SMTP_URL: `smtp://127.0.0.1:${port}` });
      expect(result.code).toBe(1);
      const check = JSON.parse(result.stdout).checks.find((c: { id: string }) => c.id === 'mail-connection');
      expect(check).toEqual({
        id: 'mail-connection',
        status: 'fail',
        title: 'Mail server login',
        detail: `SMTP server 127.0.0.1:${port} refused the connection (are the host and port in ENROLLSY_SMTP_URL right?)`,
        fix: "Check the host and port in ENROLLSY_SMTP_URL against your mail provider's SMTP settings",
      });
    });

    it('--send-test sends one message, says the server accepted it (not that it arrived), and audits it', async () => {
      const before = server.received.length;
      const result = await doctor(['--send-test', 'admin@example.com'], { ENROLLSY_SMTP_URL: smtpUrl(PASSWORD), ENROLLSY_ADMIN: 'dana' });
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`✔ Test message: accepted by 127.0.0.1:${server.port} for admin@example.com; check that inbox, and its spam folder`);
      expect(server.received.length).toBe(before + 1);
      expect(server.received.at(-1)!.envelope.rcptTo.map((r) => r.address)).toEqual(['admin@example.com']);
      const audit = JSON.parse((await runInProcess(['--db', demo.db, 'audit', '--json'], { env: demo.env })).stdout);
      expect(audit.entries[0]).toMatchObject({ admin: 'dana', action: 'mail.test-sent', details: { to: 'admin@example.com', transport: 'smtp' } });
    });
  });

  describe('doctor, the built binary', () => {
    it('exit 0 when all is well, 1 on a problem, 2 for a malformed --send-test address', async () => {
      expect((await runBinary(['--db', demo.db, 'doctor'], { env: demo.env })).code).toBe(0);
      const refused = await runBinary(['--db', demo.db, 'doctor', '--json'], { env: { ...demo.env, ENROLLSY_SMTP_URL: `smtp://127.0.0.1:${await closedPort()}` } });
      expect(refused.code).toBe(1);
      expect(JSON.parse(refused.stdout).ok).toBe(false);
      const bad = await runBinary(['--db', demo.db, 'doctor', '--send-test', 'me@@x'], { env: demo.env });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('--send-test: "me@@x" is not a valid address');
    });
  });
});
