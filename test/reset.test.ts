import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { simpleParser, type ParsedMail } from 'mailparser';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { STORE_LOCK } from '../src/store/postgres/postgres-engine.js';
import { runBinary, runInProcess, useDemoStorePerTest } from './helpers/cli.js';
import { adminQuery, engines } from './helpers/engines.js';

function holdSqliteWriteLock(file: string): () => Promise<void> {
  const holder = new Database(file);
  holder.exec('begin immediate');
  return async () => {
    holder.exec('rollback');
    holder.close();
  };
}

async function holdPostgresStoreLock(url: string): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('select pg_advisory_lock($1)', [STORE_LOCK.toString()]);
  return async () => {
    await client.end();
  };
}

describe.each(engines)('on %s', (engine) => {
  const demo = useDemoStorePerTest({ beforeEach, afterEach }, engine);

  const reset = (args: string[], env: NodeJS.ProcessEnv = {}) => runInProcess(['--db', demo.db, 'reset', ...args], { clock: demo.clock, env: { ...demo.env, ...env } });
  const verify = async (link: string) => {
    const result = await runInProcess(['--db', demo.db, 'reset', 'verify', link, '--json'], { clock: demo.clock, env: demo.env });
    return { code: result.code, ...JSON.parse(result.stdout) };
  };
  // Read through the Store interface: every link issued and every delivery outcome is audited in the same transaction.
  const auditActions = () => demo.withStore(async (store) => (await store.listAudit({})).map((entry) => entry.action));
  const issuedCount = async () => (await auditActions()).filter((action) => action === 'reset.issued').length;
  const lastDelivery = async () => (await auditActions()).find((action) => action === 'reset.sent' || action === 'reset.delivery-failed');
  async function outboxMessages(): Promise<ParsedMail[]> {
    return Promise.all(readdirSync(demo.outbox).sort().map((name) => simpleParser(readFileSync(join(demo.outbox, name)))));
  }

  describe('reset <email>', () => {
    it('issues a 2-hour link to the primary and writes the email to the outbox', async () => {
      const result = await reset(['jane.doe@example.com', '--json']);
      expect(result.code).toBe(0);
      const json = JSON.parse(result.stdout);
      expect(json).toMatchObject({ accountId: 'A1001', recipient: { email: 'jane.doe@example.com', role: 'primary' }, invalidated: 0, delivery: { transport: 'outbox' } });
      expect(json.link).toMatch(/^https:\/\/app\.enrollsy\.com\/account\/password-reset\?company=sunrise-swim&token=[A-Za-z0-9_-]{43}$/);
      expect(Date.parse(json.expiresAt) - demo.clock.now().getTime()).toBe(2 * 3600 * 1000);
      const [mail] = await outboxMessages();
      expect(mail!.to).toMatchObject({ value: [{ address: 'jane.doe@example.com' }] });
      expect(mail!.from?.value[0]?.address).toBe('no-reply@sunriseswim.example');
      expect(mail!.text).toContain(json.link);
      expect(mail!.html).toContain(json.link.replace(/&/g, '&amp;'));
      expect(mail!.messageId).toBe(json.delivery.messageId);
    });

    it('sends to a secondary holder with access, at their own address', async () => {
      const json = JSON.parse((await reset(['john.doe@example.com', '--json', '--no-send'])).stdout);
      expect(json.recipient).toEqual({ email: 'john.doe@example.com', role: 'secondary' });
      expect(json.delivery).toBeNull();
    });

    it('refuses a second link within 10 minutes unless --force, which supersedes the earlier one', async () => {
      const first = JSON.parse((await reset(['jane.doe@example.com', '--json', '--no-send'])).stdout);
      demo.clock.advance(9 * 60 * 1000);
      const refused = await reset(['jane.doe@example.com']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/issued 9 minutes ago and shown to the admin to pass on, not emailed.*--force/);
      expect(await issuedCount()).toBe(1);

      const forced = JSON.parse((await reset(['jane.doe@example.com', '--json', '--no-send', '--force'])).stdout);
      expect(forced.invalidated).toBe(1);
      expect(await verify(first.link)).toMatchObject({ code: 1, status: 'superseded', accountId: 'A1001' });
      expect(await verify(forced.link)).toMatchObject({ code: 0, status: 'valid', accountId: 'A1001', expiresAt: forced.expiresAt });

      demo.clock.advance(60 * 1000); // 10 minutes after the first link, 1 after the forced one: still refused
      expect((await reset(['jane.doe@example.com'])).code).toBe(1);
      demo.clock.advance(10 * 60 * 1000);
      const later = JSON.parse((await reset(['jane.doe@example.com', '--json', '--no-send'])).stdout);
      expect(later.invalidated).toBe(1);
    });

    it('a link expires 2 hours after issue; an expired link is not counted as invalidated', async () => {
      const first = JSON.parse((await reset(['jane.doe@example.com', '--json', '--no-send'])).stdout);
      demo.clock.advance(2 * 3600 * 1000 - 1000);
      expect((await verify(first.link)).status).toBe('valid');
      demo.clock.advance(1000);
      expect(await verify(first.link)).toMatchObject({ code: 1, status: 'expired' });
      const next = JSON.parse((await reset(['jane.doe@example.com', '--json', '--no-send'])).stdout);
      expect(next.invalidated).toBe(0);
      expect((await verify(first.link)).status).toBe('superseded');
    });

    it.each([
      ['an address in a conflict', 'pat.brown@example.com', /2 accounts/],
      ['an account with no address to send to', 'minh.nguyen@example.com', /no email address/],
      ['an address nobody uses (with suggestions)', 'ana.ortiz@gmial.com', /did you mean ana\.ortiz@gmail\.com/],
    ])('refuses %s with exit 1 and issues nothing', async (_name, email, message) => {
      const result = await reset([email]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(message);
      expect(await issuedCount()).toBe(0);
    });

    it('refuses a malformed address with exit 2', async () => {
      const result = await reset(['jane.doe@', '--json']);
      expect(result.code).toBe(2);
      expect(JSON.parse(result.stdout).error.exitCode).toBe(2);
      expect(await issuedCount()).toBe(0);
    });

    it('never stores the token or the link: not in the store (its files, or its tables on the server), nor the audit log', async () => {
      const json = JSON.parse((await reset(['jane.doe@example.com', '--json'])).stdout);
      const token = new URL(json.link).searchParams.get('token')!;
      if (engine === 'sqlite') {
        const files = readdirSync(demo.dir).filter((name) => name.startsWith('store.db'));
        for (const name of files) {
          const bytes = readFileSync(join(demo.dir, name));
          expect(bytes.includes(Buffer.from(token))).toBe(false);
          expect(bytes.includes(Buffer.from(token.slice(0, 20)))).toBe(false);
        }
      } else {
        // Every row of every table, as text, straight from the server.
        const database = new URL(demo.db).pathname.slice(1);
        const { rows } = await adminQuery(
          `select string_agg(t::text, ' ') as dump from (select r::text as t from reset_links r union all select a::text from audit_log a union all select h::text from holders h) rows`,
          database,
        );
        expect(rows[0].dump).toContain('jane.doe@example.com');
        expect(rows[0].dump).not.toContain(token.slice(0, 20));
      }
      const audit = JSON.stringify(await demo.withStore((store) => store.listAudit({})));
      expect(audit).toContain('reset.issued');
      expect(audit).not.toContain(token.slice(0, 20));
    });

    it('reset verify refuses what is neither a link nor a token (exit 2), and an unknown token is unknown (exit 1)', async () => {
      const bad = await runInProcess(['--db', demo.db, 'reset', 'verify', 'hello'], { clock: demo.clock, env: demo.env });
      expect(bad.code).toBe(2);
      expect(await verify('https://app.enrollsy.com/x?token=' + 'A'.repeat(43))).toMatchObject({ code: 1, status: 'unknown', accountId: null, expiresAt: null });
    });
  });

  describe('reset over SMTP', () => {
    let server: SMTPServer;
    let port: number;
    const received: { to: string[]; mail: ParsedMail }[] = [];
    beforeAll(async () => {
      server = new SMTPServer({
        authOptional: true,
        disabledCommands: ['STARTTLS'],
        onData(stream, session, callback) {
          simpleParser(stream).then((mail) => {
            received.push({ to: session.envelope.rcptTo.map((r) => r.address), mail });
            callback();
          }, callback);
        },
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('delivers the reset email to a real SMTP server', async () => {
      const result = await reset(['tom.smith@example.com', '--json'], { ENROLLSY_SMTP_URL: `smtp://127.0.0.1:${port}`, ENROLLSY_MAIL_FROM: 'help@club.example' });
      expect(result.code).toBe(0);
      const json = JSON.parse(result.stdout);
      expect(json.delivery.transport).toBe('smtp');
      const message = received.at(-1)!;
      expect(message.to).toEqual(['maria.smith@example.com']);
      expect(message.mail.from?.value[0]?.address).toBe('help@club.example');
      expect(message.mail.subject).toMatch(/password/i);
      expect(message.mail.text).toContain(json.link);
      expect(await lastDelivery()).toBe('reset.sent');
    });

    it('a delivery failure exits 4, keeps the link valid, and says how to retry', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const deadPort = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));

      const result = await reset(['jane.doe@example.com', '--json'], { ENROLLSY_SMTP_URL: `smtp://127.0.0.1:${deadPort}` });
      expect(result.code).toBe(4);
      const json = JSON.parse(result.stdout);
      expect(json.error.message).toMatch(/refused the connection.*recorded and valid.*--force/);
      expect(json.reset.link).toMatch(/token=/);
      expect(await verify(json.reset.link)).toMatchObject({ status: 'valid' });
      expect(await lastDelivery()).toBe('reset.delivery-failed');

      // The retry --force supersedes the undelivered link and delivers.
      const retry = await reset(['jane.doe@example.com', '--json', '--force'], { ENROLLSY_SMTP_URL: `smtp://127.0.0.1:${port}` });
      expect(retry.code).toBe(0);
      expect(JSON.parse(retry.stdout).invalidated).toBe(1);
    });

    it('a bad SMTP URL is a usage error before anything is issued', async () => {
      const result = await reset(['jane.doe@example.com'], { ENROLLSY_SMTP_URL: 'ftp://nowhere' });
      expect(result.code).toBe(2);
      expect(await issuedCount()).toBe(0);
    });
  });

  describe('reset under concurrency', () => {
    it('several processes issuing at once leave exactly one valid link and none fails on the lock', async () => {
      const runs = await Promise.all(Array.from({ length: 6 }, () => runBinary(['--db', demo.db, 'reset', 'jane.doe@example.com', '--force', '--no-send', '--json'], { env: demo.env })));
      for (const run of runs) {
        expect(run.stderr).not.toMatch(/locked|BUSY/i);
        expect(run.code).toBe(0);
      }
      expect(await issuedCount()).toBe(6);
      // The binaries ran on the real clock, so verify on it too.
      const verdicts = await Promise.all(runs.map((run) => runBinary(['--db', demo.db, 'reset', 'verify', JSON.parse(run.stdout).link, '--json'], { env: demo.env })));
      expect(verdicts.map((v) => JSON.parse(v.stdout).status).sort()).toEqual(['superseded', 'superseded', 'superseded', 'superseded', 'superseded', 'valid']);
    });
  });

  describe('reset while another writer holds the store', () => {
    it('waits for the lock up to --lock-timeout, then exits 3 with nothing issued', async () => {
      // Another writer: SQLite's one write lock, or on PostgreSQL the store-wide lock an import holds.
      const release = engine === 'sqlite' ? holdSqliteWriteLock(demo.db) : await holdPostgresStoreLock(demo.db);
      try {
        const result = await runInProcess(['--db', demo.db, '--lock-timeout', '200', 'reset', 'jane.doe@example.com', '--no-send'], { clock: demo.clock, env: demo.env });
        expect(result.code).toBe(3);
        expect(result.stderr).toMatch(/locked by another enrollsy-help.*--lock-timeout/);
      } finally {
        await release();
      }
      expect(await issuedCount()).toBe(0);
    });
  });
});
