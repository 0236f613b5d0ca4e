import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { simpleParser } from 'mailparser';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runInProcess, tempDir, useDemoStorePerTest } from './helpers/cli.js';
import { scriptedPrompter, type ScriptedAnswer } from './helpers/scripted-prompter.js';
import { closedPort, startSmtpServer, type TestServer } from './helpers/smtp.js';

// Every branch of the walkthrough, in process, against scripted answers (a stand-in for the
// terminal): the questions asked, what the screen claimed, and what the store and outbox hold.
const demo = useDemoStorePerTest({ beforeEach, afterEach });

async function walk(email: string, script: ScriptedAnswer[], env: NodeJS.ProcessEnv = {}, db = demo.db) {
  const ask = scriptedPrompter(script);
  const result = await runInProcess(['--db', db, '--debug', 'diagnose', email], { clock: demo.clock, prompter: ask, env: { NO_COLOR: '1', ...env } });
  // The screen is wrapped to 80 columns; sentences are asserted with the line breaks taken out.
  return { ...result, flat: result.stdout.replace(/\s+/g, ' '), asked: ask.transcript.asked, left: ask.remaining() };
}

function query<T>(sql: string, db = demo.db): T[] {
  const sqlite = new Database(db, { readonly: true });
  try {
    return sqlite.prepare(sql).all() as T[];
  } finally {
    sqlite.close();
  }
}
const outbox = () => (existsSync(join(demo.dir, 'outbox')) ? readdirSync(join(demo.dir, 'outbox')) : []);
const actions = () => query<{ action: string }>('select action from audit_log order by id').map((r) => r.action);
const done: ScriptedAnswer = { question: 'Anything else?', answer: 'Done' };

describe('walkthrough: what it claims is what happened', () => {
  it('the outbox is not a delivery: it says so, offers the link, never asks whether the email arrived', async () => {
    const run = await walk('jane.doe@example.com', [
      { question: 'How did you try to get to the Enrollsy sign-in page?', answer: 'With the Account Sign-In link' },
      { question: 'How should the reset link reach the customer?', answer: 'Email the reset link to Jane Doe' },
      { question: 'Can the customer log in now?', answer: true },
      done,
    ]);
    expect(run.code).toBe(0);
    expect([run.left, run.stderr]).toEqual([0, '']);
    expect(run.flat).toContain('Saved to the outbox, not sent (no mail server is set: ENROLLSY_SMTP_URL). Nothing has reached Jane Doe yet. Pass it on yourself, one way or the other:');
    expect(run.flat).toMatch(/- or open the saved email in your mail program and send it to jane\.doe@example\.com: \S+\.eml/);
    expect(run.flat).toMatch(/token=[A-Za-z0-9_-]{43}/);
    expect(run.flat).toContain('Give this link only to Jane Doe (primary)');
    expect(run.flat).not.toMatch(/Emailed to|email sent|has the reset email arrived/i);
    expect(run.flat).toContain('✔ Resolved: the customer can log in.');
    expect(outbox()).toHaveLength(1);
    expect(actions()).toEqual(expect.arrayContaining(['reset.issued', 'reset.saved-to-outbox', 'walkthrough.resolved']));
    expect(actions()).not.toContain('reset.sent');
    // No flag syntax in the interactive flow.
    expect(run.flat).not.toMatch(/ --[a-z]/);
  });

  it('a failed send is not treated as sent: retry, then the link; the note records the failure', async () => {
    const port = await closedPort();
    const run = await walk(
      'jane.doe@example.com',
      [
        { question: 'sign-in page?', answer: 'With the Account Sign-In link' },
        { question: 'How should the reset link reach the customer?', answer: 'Email the reset link' },
        { question: 'What now?', answer: 'Try sending it again' },
        { question: 'What now?', answer: 'Show me the link' },
        { question: 'Can the customer log in now?', answer: false },
        done,
      ],
      { ENROLLSY_SMTP_URL: `smtp://127.0.0.1:${port}`, ENROLLSY_SMTP_TIMEOUT_MS: '2000' },
    );
    expect([run.left, run.stderr]).toEqual([0, '']);
    expect(run.flat).toContain('✖ The reset email to Jane Doe was not sent');
    expect(run.flat).not.toMatch(/has the reset email arrived|Emailed to/);
    expect(run.flat).toMatch(/Password reset: Reset link issued for Jane Doe; attempt 1: the email failed .*; attempt 2: the email failed .*; the admin was shown the link to text it\./);
    expect(run.flat).toContain('The customer still cannot log in. Please advise.');
    expect(query<{ delivery_status: string }>('select delivery_status from reset_links order by id')).toEqual([{ delivery_status: 'failed' }, { delivery_status: 'failed' }]);
    expect(actions()).toContain('walkthrough.escalated');
  });

  it("Tom's link is Maria's: it says who may receive it, emails Maria, asks whether Maria got it; the email says why it came", async () => {
    const smtp: TestServer = await startSmtpServer();
    try {
      const run = await walk(
        'tom.smith@example.com',
        [
          { question: 'sign-in page?', answer: 'With the Account Sign-In link' },
          { question: 'What should Maria Smith receive?', answer: 'Email the reset link to Maria Smith' },
          { question: 'Ask Maria Smith: has the reset email arrived?', answer: true },
          { question: 'Can the customer log in now?', answer: true },
          done,
        ],
        { ENROLLSY_SMTP_URL: `smtp://127.0.0.1:${smtp.port}` },
      );
      expect([run.left, run.stderr]).toEqual([0, '']);
      expect(run.flat).toContain('Tom Smith has no login access, so they cannot reset a password of their own');
      expect(run.flat).toContain('✔ Emailed to Maria Smith <maria.smith@example.com>: the mail server');
      expect(run.flat).toContain('The reset email went to Maria Smith (the primary holder, not Tom Smith) at maria.smith@example.com.');
      expect(smtp.received).toHaveLength(1);
      expect(smtp.received[0]!.envelope.rcptTo.map((r) => r.address)).toEqual(['maria.smith@example.com']);
      expect(smtp.received[0]!.mail.text).toContain('Tom Smith, a secondary holder on your Sunrise Swim Club account, asked us for help signing in.');
      expect(actions()).toEqual(expect.arrayContaining(['reset.sent', 'walkthrough.resolved']));
    } finally {
      await smtp.close();
    }
  });

  it('offers the grant-access steps to Maria, and the link only for Maria', async () => {
    const run = await walk('tom.smith@example.com', [
      { question: 'sign-in page?', answer: 'With the Account Sign-In link' },
      { question: 'What should Maria Smith receive?', answer: 'Email Maria Smith the steps to give Tom access' },
      { question: 'Can the customer log in now?', answer: false },
      done,
    ]);
    expect(run.asked[1]!.choices).toEqual(['Email the reset link to Maria Smith', 'Email Maria Smith the steps to give Tom access', 'Show me the link (for Maria Smith only)', 'Not now']);
    expect(run.flat).toContain('was saved to the outbox, not sent');
    const mail = await simpleParser(readFileSync(join(demo.dir, 'outbox', outbox()[0]!)));
    expect(mail.to).toMatchObject({ value: [{ address: 'maria.smith@example.com' }] });
    expect(mail.subject).toMatch(/give someone else access/);
    expect(run.flat).toContain('Advice given to the customer:');
    expect(query('select count(*) as n from reset_links')).toEqual([{ n: 0 }]);
  });

  it('reset --no-send for Tom says the link is only for Maria', async () => {
    const result = await runInProcess(['--db', demo.db, 'reset', 'tom.smith@example.com', '--no-send'], { clock: demo.clock });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Give this link only to Maria Smith (primary), not to Tom Smith');
    expect(result.stdout).not.toContain('to the customer yourself');
  });

  it('"Not now" explains the Setup/Reset Password button instead of asking whether an email arrived', async () => {
    const run = await walk('john.doe@example.com', [
      { question: 'sign-in page?', answer: 'In the Enrollsy mobile app' },
      { question: 'How should the reset link reach the customer?', answer: 'Not now' },
      { question: 'Can the customer log in now?', answer: false },
      done,
    ]);
    expect([run.left, run.stderr]).toEqual([0, '']);
    expect(run.flat).toContain('the "Setup/Reset Password" button sends one to John Doe\'s address');
    expect(run.flat).not.toMatch(/arrived/);
    expect(run.flat).toContain('- Use the "Setup/Reset Password" button on the Account Sign-In page to get a reset email.');
  });
});

describe('walkthrough: the fix is done inside the flow', () => {
  it('missing company settings are filled in at the start; nothing ends the walkthrough with an error', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const db = join(dir, 'bare.db');
      expect((await runInProcess(['--db', db, 'init'], { clock: demo.clock })).code).toBe(0);
      expect((await runInProcess(['--db', db, 'import', join(process.cwd(), 'fixtures/demo-accounts.csv')], { clock: demo.clock })).code).toBe(0);
      const run = await walk(
        'jane.doe@example.com',
        [
          { question: 'Fill them in now?', answer: 'Yes' },
          { question: 'Company name', answer: 'Lakeside Gym' },
          { question: 'Account Sign-In link', answer: 'https://app.enrollsy.com/account/signin?company=lakeside' },
          { question: 'Account Password Reset link', answer: 'https://app.enrollsy.com/account/password-reset?company=lakeside' },
          { question: 'Sender address', answer: 'hello@lakeside.example' },
          { question: 'sign-in page?', answer: 'With the Account Sign-In link' },
          { question: 'How should the reset link reach the customer?', answer: 'Email the reset link' },
          { question: 'Can the customer log in now?', answer: true },
          done,
        ],
        {},
        db,
      );
      expect(run.code).toBe(0);
      expect([run.left, run.stderr]).toEqual([0, '']);
      expect(run.flat).toContain('Company settings saved');
      expect(run.flat).toMatch(/or open the saved email in your mail program and send it to jane\.doe@example\.com: \S+\.eml/);
      expect(query<{ name: string; sender: string }>('select name, sender from company', db)).toEqual([{ name: 'Lakeside Gym', sender: 'hello@lakeside.example' }]);
    } finally {
      cleanup();
    }
  });

  it('a stored domain that looks mistyped is corrected before anything is emailed', async () => {
    const run = await walk('chris.baker@gmial.com', [
      { question: 'sign-in page?', answer: 'With the Account Sign-In link' },
      { question: 'How should the reset link reach the customer?', answer: 'Correct it to chris.baker@gmail.com' },
      { question: 'How should the reset link reach the customer?', answer: 'Email the reset link to Chris Baker' },
      { question: 'Can the customer log in now?', answer: false },
      done,
    ]);
    expect([run.left, run.stderr]).toEqual([0, '']);
    expect(run.flat).toContain('The address on file, chris.baker@gmial.com, looks mistyped: "gmial.com" is probably "gmail.com". Confirm it with the customer before anything is emailed.');
    expect(query("select email from holders where account_id = 'A1008'")).toEqual([{ email: 'chris.baker@gmail.com' }]);
    expect(query('select recipient_email from reset_links')).toEqual([{ recipient_email: 'chris.baker@gmail.com' }]);
    expect(actions()).toContain('holder.email-changed');
    expect(run.flat).toContain("corrected Chris Baker's address from chris.baker@gmial.com to chris.baker@gmail.com");
  });

  it("the primary's login never gets the address of the secondary who is asking (Minh's own address for Linh is refused)", async () => {
    const run = await walk('minh.nguyen@example.com', [
      { question: 'sign-in page?', answer: 'With the Account Sign-In link' },
      { question: 'Give Linh Nguyen (primary) an email address now?', answer: 'Yes' },
      { question: "Linh Nguyen's own address", answer: ' Minh.Nguyen@Example.com ' },
    ]);
    expect(run.stderr).toContain(
      "The prompt refused \" Minh.Nguyen@Example.com \": That is Minh Nguyen's own address. The primary's login (full control of the account) must reach Linh Nguyen only: ask Linh Nguyen for their own address.",
    );
    expect(query("select email from holders where account_id = 'A1007' and role = 'primary'")).toEqual([{ email: null }]);
  });

  it('a primary without an address is given one, then the reset goes to her', async () => {
    const run = await walk('minh.nguyen@example.com', [
      { question: 'sign-in page?', answer: 'With the Account Sign-In link' },
      { question: 'Give Linh Nguyen (primary) an email address now?', answer: 'Yes' },
      { question: "Linh Nguyen's own address (from Linh Nguyen, not from Minh Nguyen)", answer: 'linh.nguyen@example.com' },
      { question: 'What should Linh Nguyen receive?', answer: 'Show me the link (for Linh Nguyen only)' },
      { question: 'Can the customer log in now?', answer: true },
      done,
    ]);
    expect([run.left, run.stderr]).toEqual([0, '']);
    expect(run.flat).toContain('Minh Nguyen has no login access, so they cannot reset a password of their own');
    expect(run.flat).toContain('Give this link only to Linh Nguyen (primary), not to Minh Nguyen');
    expect(query("select email from holders where account_id = 'A1007' and role = 'primary'")).toEqual([{ email: 'linh.nguyen@example.com' }]);
    expect(actions()).toContain('holder.email-added');
  });

  it('"change it to another address" explains a refusal in words and lets the admin type again', async () => {
    const run = await walk('pat.brown@example.com', [
      { question: 'Fix the duplicate now', answer: true },
      { question: 'Which account keeps the address?', answer: 'Brown Family (A1005)' },
      { question: 'What should happen to the address in the other account?', answer: 'Change it to another address' },
      { question: 'New address for that holder', answer: 'Pat.Brown@example.com' },
      { question: 'What now?', answer: 'Type another address' },
      { question: 'New address for that holder', answer: 'jane.doe@example.com' },
      { question: 'What now?', answer: 'Type another address' },
      { question: 'New address for that holder', answer: 'pat.b@example.com' },
      { question: 'Apply this change?', answer: true },
      { question: 'sign-in page?', answer: 'With the Account Sign-In link' },
      { question: 'How should the reset link reach the customer?', answer: 'Not now' },
      { question: 'Can the customer log in now?', answer: true },
      done,
    ]);
    expect([run.left, run.stderr]).toEqual([0, '']);
    expect(run.flat).toContain('Pat.Brown@example.com is the address the holder has now (capitals and spaces do not count)');
    expect(run.flat).toContain('jane.doe@example.com is already used in A1001; one address can be in only one account. Type another address.');
    expect(run.flat).not.toMatch(/--change-to|--only/);
    expect(query("select email from holders where account_id = 'A1006' and role = 'secondary'")).toEqual([{ email: 'pat.b@example.com' }]);
  });

  it('removing the address of a secondary with login access warns that they lose their login', async () => {
    const run = await walk('sam.rivera@example.com', [
      { question: 'Fix the duplicate now', answer: true },
      { question: 'Which account keeps the address?', answer: 'Rivera Family (A1004)' },
      { question: 'What should happen to the address in the other account?', answer: 'Remove it' },
      { question: 'Apply this change?', answer: false },
      { question: 'sign-in page?', answer: 'With the Account Sign-In link' },
      { question: 'Can the customer log in now?', answer: false },
      done,
    ]);
    expect([run.left, run.stderr]).toEqual([0, '']);
    expect(run.flat).toContain('Sam Rivera has login access in A1003: without an address they lose that login');
    expect(run.flat).toContain('no reset possible');
  });

  it('not received: the checklist, then the reset is resent from the step', async () => {
    const smtp = await startSmtpServer();
    try {
      const run = await walk(
        'jane.doe@example.com',
        [
          { question: 'sign-in page?', answer: 'With the Account Sign-In link' },
          { question: 'How should the reset link reach the customer?', answer: 'Email the reset link' },
          { question: 'has the reset email arrived', answer: false },
          { question: 'What now?', answer: 'Send the reset email again' },
          { question: 'Can the customer log in now?', answer: false },
          done,
        ],
        { ENROLLSY_SMTP_URL: `smtp://127.0.0.1:${smtp.port}` },
      );
      expect([run.left, run.stderr]).toEqual([0, '']);
      expect(run.asked.length - 1).toBeLessThanOrEqual(5);
      expect(run.flat).toContain('Spam / junk folder');
      expect(smtp.received).toHaveLength(2);
      expect(run.flat).toContain('- Add no-reply@sunriseswim.example to the safe senders / contacts.');
      expect(run.flat).toMatch(/did not receive the reset email; went through spam folder, address, duplicate and safe senders; resent: /);
    } finally {
      await smtp.close();
    }
  });

  it('an unknown address: the customer is found by name and the flow goes on with their address', async () => {
    const run = await walk('maria@nowhere.example', [
      { question: 'Did the customer mean one of these?', answer: 'Look the customer up by name or account id' },
      { question: "The customer's name, or their account id", answer: 'smith' },
      { question: 'Which of them is the customer?', answer: 'Maria Smith (primary)' },
      { question: 'sign-in page?', answer: 'With the Account Sign-In link' },
      { question: 'How should the reset link reach the customer?', answer: 'Not now' },
      { question: 'Can the customer log in now?', answer: false },
      done,
    ]);
    expect([run.left, run.stderr]).toEqual([0, '']);
    expect(run.flat).toContain('Going on with maria.smith@example.com.');
    expect(run.flat).toContain('No holder uses maria@nowhere.example; the customer confirmed maria.smith@example.com instead.');
  });
});

describe('the escalation note', () => {
  it('names the company, account and holders, the advice, each step with its time; saved to a file; the outcome audited', async () => {
    const file = join(demo.dir, 'note.txt');
    const run = await walk('sam.rivera@example.com', [
      { question: 'Fix the duplicate now', answer: false },
      { question: 'sign-in page?', answer: 'Through the Admin link' },
      { question: 'Can they log in with the Account Sign-In link now?', answer: false },
      { question: 'Can the customer log in now?', answer: false },
      { question: 'Anything else?', answer: 'Save the escalation note' },
      { question: 'File name', answer: file },
      done,
    ]);
    expect([run.left, run.stderr]).toEqual([0, '']);
    const note = readFileSync(file, 'utf8');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(note).toContain('Customer login problem at Sunrise Swim Club: sam.rivera@example.com');
    expect(note).toContain('- Lee Family (account A1003)');
    expect(note).toContain('    secondary Sam Rivera <Sam.Rivera@Example.com>, login access');
    expect(note).toContain('- Use the Account Sign-In link, not enrollment, Admin or Instructor links or the Enrollsy website.');
    expect(note).toMatch(/- 27 Nov 2026, \d\d:\d\d \w+, Duplicate-email check: Address is used in 2 accounts; the duplicate was not fixed/);
    expect(note).toContain(`(times in ${Intl.DateTimeFormat().resolvedOptions().timeZone})`);
    expect(note).not.toMatch(/enrollsy-help |--[a-z]/);
    const audit = query<{ action: string; details: string }>("select action, details from audit_log where action like 'walkthrough.%'");
    expect(audit).toHaveLength(1);
    expect(audit[0]!.action).toBe('walkthrough.escalated');
  });

  it('diagnose --json includes the note, so scripts can produce it', async () => {
    const result = await runInProcess(['--db', demo.db, 'diagnose', 'tom.smith@example.com', '--json'], { clock: demo.clock });
    const json = JSON.parse(result.stdout);
    expect(json.escalationNote).toMatchObject({
      company: 'Sunrise Swim Club',
      normalizedEmail: 'tom.smith@example.com',
      accounts: [{ accountId: 'A1002', accountName: 'Smith Family', holders: [{ role: 'primary', name: 'Maria Smith' }, { role: 'secondary', name: 'Tom Smith', loginAccess: false }] }],
    });
    expect(json.escalationNote.text).toContain('Customer login problem at Sunrise Swim Club: tom.smith@example.com');
  });
});
