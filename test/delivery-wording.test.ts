import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { runInProcess, useDemoStorePerTest } from './helpers/cli.js';
import { startSmtpServer, type TestServer } from './helpers/smtp.js';

// What the tool claims about an email, checked on both transports: the outbox saves and never
// "sends"; only an SMTP server's acceptance is reported as emailed. The audit log says the same.
const demo = useDemoStorePerTest({ beforeEach, afterEach });
let smtp: TestServer;
beforeAll(async () => {
  smtp = await startSmtpServer();
});
afterAll(async () => {
  await smtp.close();
});

const transports = () => [
  { name: 'outbox', env: {} as NodeJS.ProcessEnv },
  { name: 'smtp', env: { ENROLLSY_SMTP_URL: `smtp://127.0.0.1:${smtp.port}` } as NodeJS.ProcessEnv },
];
const audit = async () => (JSON.parse((await runInProcess(['--db', demo.db, 'audit', '--json'], { clock: demo.clock })).stdout).entries as { action: string }[]).map((e) => e.action);

describe('delivery wording on both transports', () => {
  it.each(['outbox', 'smtp'])('reset via %s', async (name) => {
    const { env } = transports().find((t) => t.name === name)!;
    const result = await runInProcess(['--db', demo.db, 'reset', 'jane.doe@example.com'], { clock: demo.clock, env });
    expect(result.code).toBe(0);
    if (name === 'outbox') {
      expect(result.stdout).toContain('Saved to the outbox, not sent (no mail server is set: ENROLLSY_SMTP_URL)');
      expect(result.stdout).not.toMatch(/Emailed|\bsent to\b/);
      expect(await audit()).toContain('reset.saved-to-outbox');
      expect(await audit()).not.toContain('reset.sent');
    } else {
      expect(result.stdout).toMatch(/Emailed to Jane Doe <jane\.doe@example\.com>: SMTP server 127\.0\.0\.1:\d+ accepted it\./);
      expect(result.stdout).not.toContain('outbox');
      expect(await audit()).toContain('reset.sent');
    }
  });

  it.each(['outbox', 'smtp'])('message --send via %s', async (name) => {
    const { env } = transports().find((t) => t.name === name)!;
    const result = await runInProcess(['--db', demo.db, 'message', 'jane.doe@example.com', '--template', 'not-received', '--send'], { clock: demo.clock, env });
    expect(result.code).toBe(0);
    if (name === 'outbox') {
      expect(result.stdout).toMatch(/was saved to the outbox, not sent \(no mail server is set: ENROLLSY_SMTP_URL\)/);
      expect(result.stdout).not.toMatch(/emailed|sent to/i);
      expect(await audit()).toContain('message.saved-to-outbox');
    } else {
      expect(result.stdout).toMatch(/emailed to jane\.doe@example\.com: the mail server 127\.0\.0\.1:\d+ accepted it\./);
      expect(await audit()).toContain('message.sent');
    }
  });
});

describe('company time zone', () => {
  it('is validated with Intl, spelled as Intl spells it, and used for the expiry in the reset email', async () => {
    const bad = await runInProcess(['--db', demo.db, 'company', 'set', '--time-zone', 'Mars/Olympus'], { clock: demo.clock });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('is not a time zone this system knows');
    const good = await runInProcess(['--db', demo.db, 'company', 'set', '--time-zone', 'america/new_york', '--json'], { clock: demo.clock });
    expect(JSON.parse(good.stdout).timeZone).toBe('America/New_York');
    const before = smtp.received.length;
    await runInProcess(['--db', demo.db, 'reset', 'jane.doe@example.com'], { clock: demo.clock, env: { ENROLLSY_SMTP_URL: `smtp://127.0.0.1:${smtp.port}` } });
    // 10:00 UTC + 2 h = 07:00 in New York (EST).
    expect(smtp.received[before]!.mail.text).toContain('until 07:00 EST on 27 Nov 2026');
  });
});
