import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, runBinary, tempDir } from './helpers/cli.js';
import { startDnsServer, type TestDnsServer } from './helpers/dns-server.js';
import { startSmtpServer } from './helpers/smtp.js';
import { TmuxSession } from './helpers/tmux.js';
import { WalkDriver } from './helpers/walk-driver.js';

// The guided walkthrough, driven key by key in a real terminal (tmux), asserted on the screen.
let dir: string;
let cleanup: () => void;
let db: string;
let session: TmuxSession | undefined;
beforeEach(async () => {
  ({ dir, cleanup } = tempDir());
  db = join(dir, 'store.db');
  expect((await runBinary(['--db', db, 'init', '--demo'])).code).toBe(0);
});
const drivers: WalkDriver[] = [];
afterEach(() => {
  for (const d of drivers.splice(0)) d.kill();
  session?.kill();
  cleanup();
});

const start = (email: string) => TmuxSession.start(`cd '${repoRoot}' && node bin/enrollsy-help.js --db '${db}' diagnose ${email}`, { NO_COLOR: '1', TERM: 'xterm-256color' });

function holders(): { account_id: string; email: string | null }[] {
  const sqlite = new Database(db, { readonly: true });
  const rows = sqlite.prepare("select account_id, email from holders where first_name = 'Sam' order by account_id").all() as never[];
  sqlite.close();
  return rows;
}

describe('fix-conflict in a terminal', () => {
  it('asks which account keeps the address and what to do, confirms, then writes', async () => {
    session = TmuxSession.start(`cd '${repoRoot}' && node bin/enrollsy-help.js --db '${db}' fix-conflict pat.brown@example.com`, { NO_COLOR: '1' });
    let screen = await session.waitFor('Which account keeps the address?');
    expect(screen).toContain('Brown Family (A1005): primary Pat Brown');
    session.send('Enter'); // A1005 keeps it
    await session.waitFor('What should happen to the address in the other account?');
    session.send('Down', 'Enter'); // change it
    await session.waitFor('New address for that holder:');
    session.send('pat@@bad', 'Enter');
    await session.waitFor('Not a valid address');
    session.send('BSpace', 'BSpace', 'BSpace', 'BSpace', 'BSpace', 'BSpace', 'BSpace', 'BSpace', 'robin.pat@example.com', 'Enter');
    screen = await session.waitFor('Apply this change?');
    expect(screen).toContain('Green Family (A1006) secondary Pat Brown: pat.brown@example.com → robin.pat@example.com');
    session.send('y', 'Enter');
    screen = await session.waitFor('EXIT=');
    expect(screen).toContain('Changed 1 holder');
    expect(screen).toContain('EXIT=0');
    const sqlite = new Database(db, { readonly: true });
    expect(sqlite.prepare("select account_id, email from holders where email_key in ('pat.brown@example.com', 'robin.pat@example.com') order by account_id").all()).toEqual([
      { account_id: 'A1005', email: 'pat.brown@example.com' },
      { account_id: 'A1006', email: 'robin.pat@example.com' },
    ]);
    sqlite.close();
  }, 30000);
});

// `reset` to a stored address whose domain looks mistyped asks first, in a real terminal.
const startReset = (email: string) => TmuxSession.start(`cd '${repoRoot}' && node bin/enrollsy-help.js --db '${db}' reset ${email} --no-send`, { NO_COLOR: '1', TERM: 'xterm-256color' });
const resetLinks = () => {
  const sqlite = new Database(db, { readonly: true });
  const rows = sqlite.prepare('select recipient_email from reset_links').all();
  sqlite.close();
  return rows;
};

describe('reset to an address whose domain looks mistyped, on a terminal', () => {
  it('names the likely domain and issues the link once the admin confirms', async () => {
    session = startReset('chris.baker@gmial.com');
    await session.waitFor('"gmial.com" looks like a typo of "gmail.com". Send the reset to chris.baker@gmial.com anyway?');
    session.send('y', 'Enter');
    const screen = await session.waitFor('EXIT=');
    expect(screen).toContain('Reset link issued for account A1008, for Chris Baker <chris.baker@gmial.com>');
    expect(screen).toContain('EXIT=0');
    expect(resetLinks()).toEqual([{ recipient_email: 'chris.baker@gmial.com' }]);
  });

  it('issues nothing when the admin declines', async () => {
    session = startReset('chris.baker@gmial.com');
    await session.waitFor('anyway?');
    session.send('n', 'Enter');
    const screen = await session.waitFor('EXIT=');
    expect(screen).toContain('Nothing was issued. Confirm the address with the customer');
    expect(screen).toContain('EXIT=1');
    expect(resetLinks()).toEqual([]);
  });
});

describe('walkthrough: the recipient mail check (real DNS server)', () => {
  let dns: TestDnsServer;
  beforeAll(async () => {
    dns = await startDnsServer();
  });
  afterAll(async () => {
    await dns?.stop();
  });
  beforeEach(async () => {
    const csv = join(dir, 'more.csv');
    writeFileSync(
      csv,
      'account_id,account_name,role,first_name,last_name,email,login_access\nM1,Mail Family,primary,Gina,Mail,gina.mail@gmail.com,\nM2,Nomail Family,primary,Nia,Nomail,nia@nomail.example,\n',
    );
    expect((await runBinary(['--db', db, 'import', csv])).code).toBe(0);
  });
  const startWithDns = (email: string) =>
    TmuxSession.start(`cd '${repoRoot}' && node bin/enrollsy-help.js --db '${db}' diagnose ${email}`, { NO_COLOR: '1', TERM: 'xterm-256color', ENROLLSY_DNS_SERVERS: dns.server });

  it("shows the check at the send step, and gives the provider's own steps when the email did not arrive", async () => {
    const smtp = await startSmtpServer();
    try {
      const d = WalkDriver.start(`cd '${repoRoot}' && node bin/enrollsy-help.js --db '${db}' diagnose gina.mail@gmail.com`, {
        NO_COLOR: '1',
        TERM: 'xterm-256color',
        ENROLLSY_DNS_SERVERS: dns.server,
        ENROLLSY_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      });
      drivers.push(d);
      await d.choose('How did you try to get to the Enrollsy sign-in page?', 'With the Account Sign-In link');
      const screen = await d.waitForQuestion('How should the reset link reach the customer?');
      expect(screen).toContain('✔ gmail.com receives mail (Gmail)');
      await d.choose('How should the reset link reach the customer?', 'Email the reset link');
      await d.confirm('has the reset email arrived?', false);
      await d.waitForQuestion('What now?');
      const flat = d.flat();
      expect(flat).toContain('Their mail is Gmail:');
      expect(flat).toContain('Gmail: if our email is in Spam, open it and click "Report not spam"');
      expect(flat).not.toContain('Yahoo Mail:');
      await d.choose('What now?', 'Email Gina Mail these steps');
      await d.confirm('Can the customer log in now?', false);
      await d.choose('Anything else?', 'Done');
      expect(await d.exit()).toBe(0);
      // The steps emailed are Gmail's, as on screen.
      expect(smtp.received).toHaveLength(2);
      expect(smtp.received[1]!.mail.text).toContain('Gmail:');
      expect(smtp.received[1]!.mail.text).not.toContain('Yahoo Mail:');
    } finally {
      await smtp.close();
    }
  }, 120000);

  it('does not offer to email a link to a domain that accepts no mail', async () => {
    const d = WalkDriver.start(`cd '${repoRoot}' && node bin/enrollsy-help.js --db '${db}' diagnose nia@nomail.example`, { NO_COLOR: '1', TERM: 'xterm-256color', ENROLLSY_DNS_SERVERS: dns.server });
    drivers.push(d);
    await d.choose('How did you try to get to the Enrollsy sign-in page?', 'With the Account Sign-In link');
    const screen = await d.waitForQuestion('How should the reset link reach the customer?');
    expect(screen).toContain('✖ nomail.example accepts no mail');
    expect(screen).not.toContain('Email the reset link');
    expect(screen).toContain('Show me the link to text it');
    d.session.send('C-c');
    expect(await d.exit()).toBe(130);
  }, 120000);
});
