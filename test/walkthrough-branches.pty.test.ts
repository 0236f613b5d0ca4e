import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, runBinary, tempDir } from './helpers/cli.js';
import { startSmtpServer } from './helpers/smtp.js';
import { WalkDriver } from './helpers/walk-driver.js';

// Every demo branch of the README's table, end to end in a real terminal (tmux, 80 columns):
// the answers used to reach the fix or the note (at most 5), what the screen claimed, and what
// the store and the outbox hold afterwards. DNS points at a closed local port: no real network.
let dir: string;
let cleanup: () => void;
let db: string;
let driver: WalkDriver | undefined;
beforeEach(async () => {
  ({ dir, cleanup } = tempDir());
  db = join(dir, 'store.db');
  expect((await runBinary(['--db', db, 'init', '--demo'])).code).toBe(0);
});
afterEach(() => {
  driver?.kill();
  driver = undefined;
  cleanup();
});

const TIMEOUT = 120000;
const start = (email: string, env: Record<string, string> = {}) =>
  (driver = WalkDriver.start(`cd '${repoRoot}' && node bin/enrollsy-help.js --db '${db}' diagnose ${email}`, {
    NO_COLOR: '1',
    TERM: 'xterm-256color',
    ENROLLSY_DNS_SERVERS: '127.0.0.1:1',
    ENROLLSY_ADMIN: 'test-admin',
    ...env,
  }));

function query<T>(sql: string): T[] {
  const sqlite = new Database(db, { readonly: true });
  try {
    return sqlite.prepare(sql).all() as T[];
  } finally {
    sqlite.close();
  }
}
const outbox = () => (existsSync(join(dir, 'outbox')) ? readdirSync(join(dir, 'outbox')) : []);
const walkthroughOutcome = () => query<{ action: string; admin: string }>("select action, admin from audit_log where action like 'walkthrough.%'");

// No line of the screen is wider than the terminal and no word was cut (the prompt lines are inquirer's own).
function expectWrapped(screen: string): void {
  for (const line of screen.split('\n')) {
    if (/^[?✔] /.test(line) || /https?:\/\/|\.eml/.test(line)) continue;
    expect([...line].length).toBeLessThanOrEqual(80);
  }
}

async function finishWith(d: WalkDriver, choice = 'Done'): Promise<number> {
  await d.choose('Anything else?', choice);
  return d.exit();
}

describe('the walkthrough, every demo branch, in a real terminal', () => {
  it('jane.doe: a clean account; saved to the outbox is not sent, the link is shown to text it; resolved', async () => {
    const d = start('jane.doe@example.com');
    await d.choose('How did you try to get to the Enrollsy sign-in page?', 'With the Account Sign-In link');
    await d.choose('How should the reset link reach the customer?', 'Email the reset link to Jane Doe');
    await d.confirm('Can the customer log in now?', true);
    expect(d.answers).toBeLessThanOrEqual(5);
    expect(await finishWith(d)).toBe(0);
    const flat = d.flat();
    expect(flat).toContain('Saved to the outbox, not sent (no mail server is set: ENROLLSY_SMTP_URL). Nothing has reached Jane Doe yet.');
    expect(flat).toMatch(/or open the saved email in your mail program and send it to jane\.doe@example\.com: \S+\.eml/);
    expect(flat).toContain('Give this link only to Jane Doe (primary)');
    expect(flat).not.toMatch(/has the reset email arrived|Emailed to/);
    expect(flat).toContain('✔ Resolved: the customer can log in.');
    expectWrapped(d.screen());
    expect(outbox()).toHaveLength(1);
    expect(walkthroughOutcome()).toEqual([{ action: 'walkthrough.resolved', admin: 'test-admin' }]);
  }, TIMEOUT);

  it('jane.doe with a real mail server: emailed, and asked whether Jane got it', async () => {
    const smtp = await startSmtpServer();
    try {
      const d = start('jane.doe@example.com', { ENROLLSY_SMTP_URL: `smtp://127.0.0.1:${smtp.port}` });
      await d.choose('sign-in page?', 'With the Account Sign-In link');
      await d.choose('How should the reset link reach the customer?', 'Email the reset link to Jane Doe');
      await d.confirm('has the reset email arrived', true);
      await d.confirm('Can the customer log in now?', true);
      expect(d.answers).toBeLessThanOrEqual(5);
      expect(await finishWith(d)).toBe(0);
      expect(d.flat()).toMatch(/Emailed to Jane Doe <jane\.doe@example\.com>: the mail server 127\.0\.0\.1:\d+ accepted it\./);
      expect(smtp.received.map((r) => r.envelope.rcptTo.map((t) => t.address))).toEqual([['jane.doe@example.com']]);
      expect(outbox()).toEqual([]);
    } finally {
      await smtp.close();
    }
  }, TIMEOUT);

  it('sam.rivera: the duplicate across two accounts is fixed in 4 answers; then the note', async () => {
    const d = start('sam.rivera@example.com');
    await d.confirm('Fix the duplicate now', true);
    await d.choose('Which account keeps the address?', 'Rivera Family (A1004)');
    await d.choose('What should happen to the address in the other account?', 'Remove it');
    await d.confirm('Apply this change?', true);
    expect(d.answers).toBe(4);
    await d.waitForQuestion('sign-in page?');
    expect(query("select account_id, email from holders where first_name = 'Sam' order by account_id")).toEqual([
      { account_id: 'A1003', email: null },
      { account_id: 'A1004', email: 'sam.rivera@example.com' },
    ]);
    await d.choose('sign-in page?', 'Through the Admin link');
    await d.choose('How will the customer get the link?', 'I will pass the link on myself');
    await d.confirm('Can they log in with the Account Sign-In link now?', true);
    expect(await finishWith(d)).toBe(0);
    const flat = d.flat();
    expect(flat).toContain('Sam Rivera has login access in A1003: without an address they lose that login');
    expect(flat).toContain('Changed 1 holder; recorded in the audit log.');
    expect(flat).toContain('The Admin link signs in company staff');
    expect(query("select count(*) as n from audit_log where action = 'conflict.email-removed'")).toEqual([{ n: 1 }]);
  }, TIMEOUT);

  it('pat.brown: an exact conflict; the other account gets a new address after a refused one', async () => {
    const d = start('pat.brown@example.com');
    await d.confirm('Fix the duplicate now', true);
    await d.choose('Which account keeps the address?', 'Brown Family (A1005)');
    await d.choose('What should happen to the address in the other account?', 'Change it to another address');
    await d.type('New address for that holder', 'jane.doe@example.com');
    await d.choose('What now?', 'Remove the address from that account instead');
    await d.confirm('Apply this change?', true);
    await d.waitForQuestion('sign-in page?');
    expect(d.flat()).toContain('jane.doe@example.com is already used in A1001; one address can be in only one account. Type another address.');
    expect(query("select email from holders where account_id = 'A1006' and role = 'secondary'")).toEqual([{ email: null }]);
    await d.choose('sign-in page?', 'With the Account Sign-In link');
    await d.choose('How should the reset link reach the customer?', 'Not now');
    await d.confirm('Can the customer log in now?', true);
    expect(await finishWith(d)).toBe(0);
    expect(d.flat()).not.toMatch(/--change-to|--only/);
  }, TIMEOUT);

  it('john.doe: a secondary with access gets his own reset; it did not arrive: the checklist, then the note in 4 answers', async () => {
    const smtp = await startSmtpServer();
    try {
      const d = start('john.doe@example.com', { ENROLLSY_SMTP_URL: `smtp://127.0.0.1:${smtp.port}` });
      await d.choose('sign-in page?', 'In the Enrollsy mobile app');
      await d.choose('How should the reset link reach the customer?', 'Email the reset link to John Doe');
      await d.confirm('Ask John Doe: has the reset email arrived?', false);
      await d.choose('What now?', 'Neither for now');
      expect(d.answers).toBe(4);
      expect(await finishWith(d)).toBe(0);
      const flat = d.flat();
      expect(flat).toContain('Spam / junk folder: ask them to look there first.');
      expect(flat).toContain('Escalation note');
      expect(flat).toContain('- Look in the spam / junk folder.');
      expect(smtp.received.map((r) => r.envelope.rcptTo.map((t) => t.address))).toEqual([['john.doe@example.com']]);
      expect(query('select recipient_email, recipient_role, delivery_status from reset_links')).toEqual([{ recipient_email: 'john.doe@example.com', recipient_role: 'secondary', delivery_status: 'sent' }]);
      expect(walkthroughOutcome()).toEqual([{ action: 'walkthrough.escalated', admin: 'test-admin' }]);
    } finally {
      await smtp.close();
    }
  }, TIMEOUT);

  it("tom.smith: the link is Maria's; Tom cannot reset a password of his own; the grant-access steps go to Maria", async () => {
    const d = start('tom.smith@example.com');
    await d.choose('sign-in page?', 'With the Account Sign-In link');
    await d.choose('What should Maria Smith receive?', 'Show me the link (for Maria Smith only)');
    expect(d.answers).toBe(2);
    await d.confirm('Can the customer log in now?', false);
    await d.choose('Anything else?', 'Show the commands');
    expect(await finishWith(d)).toBe(0);
    const flat = d.flat();
    expect(flat).toContain('Tom Smith has no login access, so they cannot reset a password of their own');
    expect(flat).toContain('Give this link only to Maria Smith (primary), not to Tom Smith');
    // Shown with this run's store, so a pasted command acts on the same store.
    expect(flat).toMatch(/enrollsy-help --db '[^']+store[^']*' reset tom\.smith@example\.com --no-send/);
    expect(query('select recipient_email from reset_links')).toEqual([{ recipient_email: 'maria.smith@example.com' }]);
    expect(outbox()).toEqual([]);
  }, TIMEOUT);

  it('minh.nguyen: the primary without an address is given one in 3 answers, then her reset', async () => {
    const d = start('minh.nguyen@example.com');
    await d.choose('sign-in page?', 'With the Account Sign-In link');
    await d.choose('Give Linh Nguyen (primary) an email address now?', 'Yes');
    await d.type("Linh Nguyen's own address", 'linh.nguyen@example.com');
    expect(d.answers).toBe(3);
    await d.waitForQuestion('What should Linh Nguyen receive?');
    expect(query("select email from holders where account_id = 'A1007' and role = 'primary'")).toEqual([{ email: 'linh.nguyen@example.com' }]);
    await d.choose('What should Linh Nguyen receive?', 'Email the reset link to Linh Nguyen');
    await d.confirm('Can the customer log in now?', false);
    expect(await finishWith(d)).toBe(0);
    expect(d.flat()).toContain('Gave Linh Nguyen the address linh.nguyen@example.com; recorded in the audit log.');
    expect(query("select email from holders where account_id = 'A1007' and role = 'primary'")).toEqual([{ email: 'linh.nguyen@example.com' }]);
    expect(query('select recipient_email from reset_links')).toEqual([{ recipient_email: 'linh.nguyen@example.com' }]);
    expect(outbox()).toHaveLength(1);
  }, TIMEOUT);

  it('chris.baker@gmial.com: the stored typo is caught before anything is emailed and corrected in 2 answers', async () => {
    const d = start('chris.baker@gmial.com');
    await d.choose('sign-in page?', 'With the Account Sign-In link');
    await d.choose('How should the reset link reach the customer?', 'Correct it to chris.baker@gmail.com');
    expect(d.answers).toBe(2);
    await d.waitForQuestion('How should the reset link reach the customer?');
    expect(outbox()).toEqual([]);
    expect(query("select email from holders where account_id = 'A1008'")).toEqual([{ email: 'chris.baker@gmail.com' }]);
    await d.choose('How should the reset link reach the customer?', 'Not now');
    await d.confirm('Can the customer log in now?', true);
    expect(await finishWith(d)).toBe(0);
    expect(d.flat()).toContain('The address on file, chris.baker@gmial.com, looks mistyped: "gmial.com" is probably "gmail.com". Confirm it with the customer before anything is emailed.');
    expect(query('select count(*) as n from reset_links')).toEqual([{ n: 0 }]);
  }, TIMEOUT);

  it('ana.ortiz@gmial.com typed: the stored address is offered and the flow goes on with it', async () => {
    const d = start('ana.ortiz@gmial.com');
    await d.choose('Did the customer mean one of these?', 'ana.ortiz@gmail.com');
    await d.choose('sign-in page?', 'With the Account Sign-In link');
    await d.choose('How should the reset link reach the customer?', 'Email the reset link to Ana Ortiz');
    await d.confirm('Can the customer log in now?', true);
    expect(d.answers).toBe(4);
    expect(await finishWith(d)).toBe(0);
    expect(d.flat()).toContain('Going on with ana.ortiz@gmail.com.');
    expect(query('select recipient_email from reset_links')).toEqual([{ recipient_email: 'ana.ortiz@gmail.com' }]);
  }, TIMEOUT);

  it('priya.patel: the same address twice in one account is allowed; the note is saved to a file', async () => {
    const d = start('priya.patel@example.com');
    await d.choose('sign-in page?', 'On Enrollsy\'s own website');
    await d.choose('How will the customer get the link?', 'Email Priya Patel the sign-in instructions now');
    await d.confirm('Can they log in with the Account Sign-In link now?', false);
    await d.choose('How should the reset link reach the customer?', 'Not now');
    await d.confirm('Can the customer log in now?', false);
    expect(d.answers).toBe(5);
    await d.choose('Anything else?', 'Save the escalation note');
    await d.type('File name', join(dir, 'priya-note.txt'));
    expect(await finishWith(d)).toBe(0);
    const flat = d.flat();
    expect(flat).toContain('Used twice inside account A1010');
    expect(flat).toContain('was saved to the outbox, not sent');
    expect(flat).toContain(`Saved to ${join(dir, 'priya-note.txt')}`);
    expect(existsSync(join(dir, 'priya-note.txt'))).toBe(true);
    expect(outbox()).toHaveLength(1);
  }, TIMEOUT);
});
