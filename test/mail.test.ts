import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { closedPort, startSmtpServer, type TestServer } from './helpers/smtp.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser, type AddressObject } from 'mailparser';
import { outboxFolder } from '../src/mail/outbox-folder.js';
import { createMailer, senderAddress, senderMailbox, MailDeliveryError, type Mailer, type OutgoingMessage } from '../src/mail/mailer.js';
import { customerMessage, resetEmail, CUSTOMER_TEMPLATES } from '../src/mail/templates.js';
import { UsageError } from '../src/core/errors.js';
import type { Company } from '../src/core/types.js';

// ---------------------------------------------------------------------------------------
// Helpers

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the promise to reject, but it resolved');
}

function thrownBy(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw, but none came');
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const list = field === undefined ? [] : Array.isArray(field) ? field : [field];
  return list.flatMap((object) => object.value.map((entry) => entry.address ?? ''));
}

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'enrollsy-mail-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

const company: Company = {
  name: 'Acme <Swim> & Gym',
  signInUrl: 'https://app.enrollsy.test/acme/account/sign-in',
  resetUrl: 'https://app.enrollsy.test/acme/account/reset',
  embedHtml: null,
  sender: 'help@acme-swim.test',
};

const LINK = 'https://reset.acme-swim.test/r?token=abc123&u=7';

function sampleMessage(to = 'jane.doe@example.com'): OutgoingMessage {
  const content = resetEmail({
    company,
    recipientName: 'Jane Doe',
    link: LINK,
    expiresAt: new Date('2026-11-27T14:05:00Z'),
    now: new Date('2026-11-27T12:05:00Z'),
    timeZone: 'UTC',
  });
  return { to, from: senderMailbox({}, company), ...content };
}

function smtpMailer(port: number, extra: NodeJS.ProcessEnv = {}): Mailer {
  return createMailer({ env: { ENROLLSY_SMTP_URL: `smtp://127.0.0.1:${port}`, ...extra }, outbox: join(tempDir(), 'outbox') });
}

// ---------------------------------------------------------------------------------------
// SMTP

describe('SMTP transport', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startSmtpServer({
      onRcptTo(address, _session, callback) {
        if (address.address.startsWith('nobody@')) {
          callback(Object.assign(new Error('5.1.1 No such user here'), { responseCode: 550 }));
        } else {
          callback();
        }
      },
    });
  });
  afterAll(() => server.close());

  it('delivers the message with recipient, sender, subject and the link in text and HTML', async () => {
    const mailer = smtpMailer(server.port);
    expect(mailer.transport).toBe('smtp');
    expect(mailer.description).toBe(`SMTP 127.0.0.1:${server.port}`);
    const before = server.received.length;
    const sent = await mailer.send(sampleMessage());
    mailer.close();

    expect(sent).toMatchObject({ transport: 'smtp', location: `127.0.0.1:${server.port}` });
    expect(server.received).toHaveLength(before + 1);
    const got = server.received[before];
    if (got === undefined) throw new Error('nothing arrived');
    expect(got.envelope.rcptTo.map((r) => r.address)).toEqual(['jane.doe@example.com']);
    expect(got.envelope.mailFrom && got.envelope.mailFrom.address).toBe('help@acme-swim.test');
    expect(addresses(got.mail.to)).toEqual(['jane.doe@example.com']);
    expect(got.mail.from?.value[0]).toEqual({ address: 'help@acme-swim.test', name: 'Acme <Swim> & Gym' });
    expect(got.mail.subject).toBe('Reset your Acme <Swim> & Gym account password');
    expect(got.mail.messageId).toBe(sent.messageId);
    expect(got.mail.text).toContain(LINK);
    expect(got.mail.text).toContain('until 14:05 UTC on 27 Nov 2026');
    expect(got.mail.html).toContain(`href="${LINK.replace('&', '&amp;')}"`);
    expect(got.mail.html).toContain('Acme &lt;Swim&gt; &amp; Gym');
  });

  it.each(['x,y@example.com', '<jane.doe@example.com>', 'a@example.com>', 'a(comment)@x.com', '"quoted"@x.com', 'user@[127.0.0.1]'])(
    'never sends to %j, which mail software would read as another address: nothing reaches the server',
    async (address) => {
      const mailer = smtpMailer(server.port);
      const before = server.received.length;
      const error = await failureOf(mailer.send(sampleMessage(address)));
      mailer.close();
      expect(error).toBeInstanceOf(MailDeliveryError);
      expect(error.message).toContain('Refused to send');
      expect(server.received.length).toBe(before);
    },
  );

  it('hands the server exactly the stored address in RCPT TO, and the names as structured headers', async () => {
    const mailer = smtpMailer(server.port);
    const before = server.received.length;
    const stored = "O'Brien.Jr+club{1}@example.com";
    await mailer.send({ ...sampleMessage(stored), toName: 'Pat, "the" <Admin>', from: { name: 'Front, Desk <x@evil.test>', address: 'help@acme-swim.test' } });
    mailer.close();
    const got = server.received[before]!;
    expect(got.envelope.rcptTo.map((r) => r.address)).toEqual([stored]);
    expect(got.envelope.mailFrom && got.envelope.mailFrom.address).toBe('help@acme-swim.test');
    expect(got.mail.to && !Array.isArray(got.mail.to) ? got.mail.to.value : []).toEqual([{ address: stored, name: 'Pat, "the" <Admin>' }]);
    expect(got.mail.from?.value).toEqual([{ address: 'help@acme-swim.test', name: 'Front, Desk <x@evil.test>' }]);
  });

  it('reports a refused recipient in one line with the server reply', async () => {
    const mailer = smtpMailer(server.port);
    const error = await failureOf(mailer.send(sampleMessage('nobody@example.com')));
    mailer.close();
    expect(error).toBeInstanceOf(MailDeliveryError);
    expect(error.message).toBe(`SMTP server 127.0.0.1:${server.port} rejected the recipient nobody@example.com (550 5.1.1 No such user here)`);
    expect((error as MailDeliveryError).exitCode).toBe(4);
  });

  it('reports a refused connection', async () => {
    const port = await closedPort();
    const mailer = smtpMailer(port);
    const error = await failureOf(mailer.send(sampleMessage()));
    expect(error).toBeInstanceOf(MailDeliveryError);
    expect(error.message).toMatch(new RegExp(`^SMTP server 127\\.0\\.0\\.1:${port} refused the connection`));
    expect(error.message).not.toContain('\n');
  });

  it('gives up on a server that never greets after ENROLLSY_SMTP_TIMEOUT_MS', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => {
      sockets.add(socket); // accept, then say nothing
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    try {
      const mailer = smtpMailer(address.port, { ENROLLSY_SMTP_TIMEOUT_MS: '500' });
      const started = Date.now();
      const error = await failureOf(mailer.send(sampleMessage()));
      expect(Date.now() - started).toBeLessThan(5000);
      expect(error).toBeInstanceOf(MailDeliveryError);
      expect(error.message).toBe(`SMTP server 127.0.0.1:${address.port} did not answer in time (each step waits up to 0.5 s; ENROLLSY_SMTP_TIMEOUT_MS sets it)`);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('reports a TLS failure when smtps:// meets a plain server', async () => {
    const mailer = createMailer({ env: { ENROLLSY_SMTP_URL: `smtps://127.0.0.1:${server.port}`, ENROLLSY_SMTP_TIMEOUT_MS: '3000' }, outbox: join(tempDir(), 'outbox') });
    expect(mailer.description).toBe(`SMTP 127.0.0.1:${server.port} (TLS)`);
    const error = await failureOf(mailer.send(sampleMessage()));
    expect(error).toBeInstanceOf(MailDeliveryError);
    expect(error.message).toMatch(/^TLS with SMTP server 127\.0\.0\.1:\d+ failed/);
    expect(error.message).not.toContain('\n');
  });
});

describe('SMTP authentication', () => {
  const PASSWORD = 'c0rrect-h0rse:@/';
  let server: TestServer;
  beforeAll(async () => {
    server = await startSmtpServer({
      authOptional: false,
      onAuth(auth, _session, callback) {
        if (auth.username === 'mailer' && auth.password === PASSWORD) callback(null, { user: 'mailer' });
        else callback(new Error('5.7.8 Authentication credentials invalid'));
      },
    });
  });
  afterAll(() => server.close());

  it('logs in with the password in the URL', async () => {
    const mailer = createMailer({
      env: { ENROLLSY_SMTP_URL: `smtp://mailer:${encodeURIComponent(PASSWORD)}@127.0.0.1:${server.port}` },
      outbox: join(tempDir(), 'outbox'),
    });
    expect(mailer.description).not.toContain(PASSWORD);
    expect(mailer.description).not.toContain(encodeURIComponent(PASSWORD));
    const before = server.received.length;
    await mailer.send(sampleMessage());
    mailer.close();
    expect(server.received[before]?.user).toBe('mailer');
  });

  it('logs in with the password from ENROLLSY_SMTP_PASSWORD_FILE (trailing newline trimmed)', async () => {
    const file = join(tempDir(), 'smtp-password');
    writeFileSync(file, `${PASSWORD}\n`, { mode: 0o600 });
    const mailer = createMailer({
      env: { ENROLLSY_SMTP_URL: `smtp://mailer@127.0.0.1:${server.port}`, ENROLLSY_SMTP_PASSWORD_FILE: file },
      outbox: join(tempDir(), 'outbox'),
    });
    const before = server.received.length;
    await mailer.send(sampleMessage());
    mailer.close();
    expect(server.received[before]?.user).toBe('mailer');
  });

  it('reports bad credentials as an authentication failure without the password', async () => {
    const file = join(tempDir(), 'wrong-password');
    writeFileSync(file, 'wrong-secret\n');
    const mailer = createMailer({
      env: { ENROLLSY_SMTP_URL: `smtp://mailer@127.0.0.1:${server.port}`, ENROLLSY_SMTP_PASSWORD_FILE: file },
      outbox: join(tempDir(), 'outbox'),
    });
    const error = await failureOf(mailer.send(sampleMessage()));
    expect(error).toBeInstanceOf(MailDeliveryError);
    expect(error.message).toBe(`SMTP authentication failed at 127.0.0.1:${server.port} (535 5.7.8 Authentication credentials invalid)`);
    expect(error.message).not.toContain('wrong-secret');
    expect(JSON.stringify((error as MailDeliveryError).extra)).not.toContain('wrong-secret');
  });

  it('says a login is needed when the URL has no credentials', async () => {
    const mailer = smtpMailer(server.port);
    const error = await failureOf(mailer.send(sampleMessage()));
    expect(error).toBeInstanceOf(MailDeliveryError);
    expect(error.message).toMatch(new RegExp(`^SMTP server 127\\.0\\.0\\.1:${server.port} requires a login \\(530 .*\\); add user and password to ENROLLSY_SMTP_URL$`));
  });
});

describe('outboxFolder', () => {
  it('is ENROLLSY_OUTBOX when set, else outbox/ beside a SQLite store, else outbox/ under the current directory', () => {
    expect(outboxFolder({ ENROLLSY_OUTBOX: '/srv/mail-out' }, '/data')).toBe('/srv/mail-out');
    expect(outboxFolder({ ENROLLSY_OUTBOX: 'relative/out' }, '/data', '/home/admin')).toBe('/home/admin/relative/out');
    expect(outboxFolder({ ENROLLSY_OUTBOX: '  ' }, '/data')).toBe('/data/outbox');
    expect(outboxFolder({}, '/data')).toBe('/data/outbox');
    expect(outboxFolder({}, null, '/home/admin')).toBe('/home/admin/outbox');
  });
});

describe('createMailer settings', () => {
  const storePath = '/nonexistent-dir/store.db';

  it.each([
    ['not a url at all', /ENROLLSY_SMTP_URL is not a valid URL/],
    ['smtp://mailer:s3cr3t-pw@host.example:99999', /ENROLLSY_SMTP_URL is not a valid URL/],
    ['http://mailer:s3cr3t-pw@host.example', /unsupported scheme "http:"/],
    ['smtp://mailer:s3cr3t-pw@host.example:25/path?x=1', /path or \?options/],
    ['smtp://mailer@host.example:25', /names user "mailer" but no password/],
  ])('rejects ENROLLSY_SMTP_URL=%s with a UsageError that never echoes the password', (url, pattern) => {
    const error = thrownBy(() => createMailer({ env: { ENROLLSY_SMTP_URL: url }, outbox: storePath }));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toMatch(pattern);
    expect(error.message).not.toContain('s3cr3t-pw');
    expect(error.message).not.toContain('\n');
  });

  it('rejects an unreadable password file, naming the variable', () => {
    const error = thrownBy(() =>
      createMailer({ env: { ENROLLSY_SMTP_URL: 'smtp://mailer@host.example:587', ENROLLSY_SMTP_PASSWORD_FILE: '/nonexistent/pw' }, outbox: storePath }),
    );
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toMatch(/Cannot read the SMTP password file \/nonexistent\/pw named by ENROLLSY_SMTP_PASSWORD_FILE \(ENOENT\)/);
  });

  it('needs a user name in the URL when the password comes from a file', () => {
    const file = join(tempDir(), 'pw');
    writeFileSync(file, 'pw\n');
    const error = thrownBy(() => createMailer({ env: { ENROLLSY_SMTP_URL: 'smtp://host.example:587', ENROLLSY_SMTP_PASSWORD_FILE: file }, outbox: storePath }));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toMatch(/names no user/);
  });

  it('rejects a password file without an SMTP URL rather than silently using the outbox', () => {
    const error = thrownBy(() => createMailer({ env: { ENROLLSY_SMTP_PASSWORD_FILE: '/x/pw' }, outbox: storePath }));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toMatch(/ENROLLSY_SMTP_URL is not/);
  });

  it.each(['0', '-5', '1.5', 'soon'])('rejects ENROLLSY_SMTP_TIMEOUT_MS=%s', (value) => {
    const error = thrownBy(() => createMailer({ env: { ENROLLSY_SMTP_URL: 'smtp://host.example', ENROLLSY_SMTP_TIMEOUT_MS: value }, outbox: storePath }));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toMatch(/ENROLLSY_SMTP_TIMEOUT_MS must be a whole number/);
  });

  it('defaults the port by scheme and describes the server', () => {
    expect(createMailer({ env: { ENROLLSY_SMTP_URL: 'smtp://smtp.example.com' }, outbox: storePath }).description).toBe('SMTP smtp.example.com:587');
    expect(createMailer({ env: { ENROLLSY_SMTP_URL: 'smtps://u:p@smtp.example.com' }, outbox: storePath }).description).toBe('SMTP smtp.example.com:465 (TLS) as u');
  });

  it('uses the outbox when ENROLLSY_SMTP_URL is unset or empty', () => {
    for (const env of [{}, { ENROLLSY_SMTP_URL: '' }]) {
      const mailer = createMailer({ env, outbox: '/nonexistent-dir/outbox' });
      expect(mailer.transport).toBe('outbox');
      expect(mailer.description).toBe('outbox folder /nonexistent-dir/outbox');
    }
  });
});

// ---------------------------------------------------------------------------------------
// Outbox

describe('outbox transport', () => {
  it('writes a parseable .eml beside the store, folder 0700 and file 0600', async () => {
    const dir = tempDir();
    const mailer = createMailer({ env: {}, outbox: join(dir, 'outbox') });
    const sent = await mailer.send(sampleMessage());
    const second = await mailer.send(sampleMessage('Bob+Kids@Example.com'));
    mailer.close();

    expect(sent.transport).toBe('outbox');
    expect(sent.location.startsWith(join(dir, 'outbox') + '/')).toBe(true);
    expect(sent.location).toMatch(/\/\d{8}T\d{6}Z-[0-9a-f]{8}-jane\.doe@example\.com\.eml$/);
    expect(second.location).toMatch(/-bob\+kids@example\.com\.eml$/);
    expect(readdirSync(join(dir, 'outbox')).sort()).toHaveLength(2);
    expect(statSync(join(dir, 'outbox')).mode & 0o777).toBe(0o700);
    expect(statSync(sent.location).mode & 0o777).toBe(0o600);

    const raw = readFileSync(sent.location);
    expect(raw.includes('\r\n')).toBe(false); // newline: 'unix'
    const mail = await simpleParser(raw);
    expect(addresses(mail.to)).toEqual(['jane.doe@example.com']);
    expect(mail.from?.value[0]).toEqual({ address: 'help@acme-swim.test', name: 'Acme <Swim> & Gym' });
    expect(mail.subject).toBe('Reset your Acme <Swim> & Gym account password');
    expect(mail.messageId).toBe(sent.messageId);
    expect(mail.text).toContain(LINK);
    expect(mail.html).toContain(`href="${LINK.replace('&', '&amp;')}"`);
  });

  it('tightens an existing outbox folder to 0700', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'outbox'));
    chmodSync(join(dir, 'outbox'), 0o755);
    const mailer = createMailer({ env: {}, outbox: join(dir, 'outbox') });
    await mailer.send(sampleMessage());
    mailer.close();
    expect(statSync(join(dir, 'outbox')).mode & 0o777).toBe(0o700);
  });

  it('reports an outbox it cannot write as a MailDeliveryError', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'outbox'), 'a file where the folder should be');
    const mailer = createMailer({ env: {}, outbox: join(dir, 'outbox') });
    const error = await failureOf(mailer.send(sampleMessage()));
    mailer.close();
    expect(error).toBeInstanceOf(MailDeliveryError);
    expect(error.message).toMatch(new RegExp(`^Could not write to the outbox folder ${join(dir, 'outbox').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(`));
  });
});

// ---------------------------------------------------------------------------------------
// Sender address

describe('senderAddress', () => {
  it('prefers ENROLLSY_MAIL_FROM and adds the company name', () => {
    expect(senderAddress({ ENROLLSY_MAIL_FROM: ' office@acme.test ' }, company)).toBe('"Acme <Swim> & Gym" <office@acme.test>');
  });

  it("falls back to the company's sender and escapes quotes in the name", () => {
    expect(senderAddress({}, { ...company, name: 'The "Best" Gym' })).toBe('"The \\"Best\\" Gym" <help@acme-swim.test>');
  });

  it('keeps a display name the admin wrote', () => {
    expect(senderAddress({ ENROLLSY_MAIL_FROM: 'Front Desk <desk@acme.test>' }, company)).toBe('Front Desk <desk@acme.test>');
  });

  it('throws a UsageError naming both sources when neither is set', () => {
    const error = thrownBy(() => senderAddress({}, { ...company, sender: null }));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toMatch(/ENROLLSY_MAIL_FROM/);
    expect(error.message).toMatch(/company's sender/);
  });

  it('rejects a malformed address', () => {
    const error = thrownBy(() => senderAddress({ ENROLLSY_MAIL_FROM: 'office-at-acme' }, company));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toMatch(/ENROLLSY_MAIL_FROM/);
  });
});

// ---------------------------------------------------------------------------------------
// Templates

/** R5: no sentence that names the vendor may send the customer to it. */
function expectNoVendorContact(content: string): void {
  expect(content).not.toMatch(/contact\s+enrollsy/i);
  const sentences = content.split(/(?<=[.!?])\s+|\n+/);
  for (const sentence of sentences.filter((s) => /enrollsy/i.test(s.replace(/https?:\/\/\S+/g, '')))) {
    expect(sentence).not.toMatch(/\b(contact|support|call|chat|telephone|reach|write to|email them|ask)\b/i);
  }
}

function expectClean(content: string): void {
  expect(content).not.toMatch(/\bnull\b|\bundefined\b|\[object Object\]|NaN/);
}

const allNull: Company = { name: 'Acme <Swim> & Gym', signInUrl: null, resetUrl: null, embedHtml: null, sender: null };

describe('resetEmail', () => {
  const mail = resetEmail({
    company,
    recipientName: 'Jane Doe',
    link: LINK,
    expiresAt: new Date('2026-11-27T14:05:00Z'),
    now: new Date('2026-11-27T12:05:00.250Z'),
    sender: '"Acme" <help@acme-swim.test>',
    timeZone: 'UTC',
  });

  it('says who it is from, greets, links, and states the expiry in plain words', () => {
    expect(mail.subject).toBe('Reset your Acme <Swim> & Gym account password');
    expect(mail.text).toContain('Hello Jane Doe,');
    expect(mail.text).toContain(LINK);
    expect(mail.text).toContain('This link works for 2 hours, until 14:05 UTC on 27 Nov 2026');
    expect(mail.text).toMatch(/Only the newest reset link works/);
    expect(mail.text).toMatch(/most recent email/);
    expect(mail.text).toMatch(/spam or junk folder/);
    expect(mail.text).toMatch(/add help@acme-swim\.test to your safe senders or contacts/);
    expect(mail.text).toMatch(/Get in touch with Acme <Swim> & Gym the way you usually do/);
  });

  it('writes the expiry in the given time zone', () => {
    const ny = resetEmail({ company, recipientName: 'J', link: LINK, expiresAt: new Date('2026-11-27T14:05:00Z'), now: new Date('2026-11-27T13:20:00Z'), timeZone: 'America/New_York' });
    expect(ny.text).toContain('This link works for 45 minutes, until 09:05 EST on 27 Nov 2026');
  });

  it('escapes the company name and link in HTML and never sends the customer to the vendor', () => {
    expect(mail.html).toContain('Acme &lt;Swim&gt; &amp; Gym');
    expect(mail.html).not.toContain('<Swim>');
    expect(mail.html).toContain(`<a href="${LINK.replace('&', '&amp;')}">`);
    for (const content of [mail.subject, mail.text, mail.html]) {
      expectClean(content);
      expectNoVendorContact(content);
    }
  });

  it('does not greet a nameless holder as "(no name)"', () => {
    const nameless = resetEmail({ company, recipientName: '(no name)', link: LINK, expiresAt: new Date(7200000), now: new Date(0), timeZone: 'UTC' });
    expect(nameless.text.startsWith('Hello,\n')).toBe(true);
  });
});

describe('customerMessage', () => {
  const input = { company, recipientName: 'Jane', sender: '"Acme" <help@acme-swim.test>' };

  it.each(CUSTOMER_TEMPLATES.flatMap((t) => [[t, company] as const, [t, allNull] as const]))(
    '%s has no null/undefined, no vendor contact, and escaped HTML',
    (template, which) => {
      const message = customerMessage(template, { company: which, recipientName: null, sender: 'help@acme-swim.test' });
      for (const content of [message.subject, message.text, message.html]) {
        expectClean(content);
        expectNoVendorContact(content);
      }
      expect(message.text).toMatch(/Get in touch with Acme <Swim> & Gym the way you usually do, and we will help you/);
      expect(message.text).toMatch(/^Hello,\n/);
      expect(message.html).toContain('Acme &lt;Swim&gt; &amp; Gym');
      expect(message.html).not.toMatch(/<Swim>|& Gym/);
    },
  );

  it('sign-in: the Account Sign-In link, wrong places, the app, Setup/Reset Password (and its older name once)', () => {
    const { text, html, subject } = customerMessage('sign-in', input);
    expect(subject).toBe('How to sign in to your Acme <Swim> & Gym account');
    expect(text).toContain('Hello Jane,');
    expect(text).toContain(company.signInUrl);
    expect(html).toContain(`<a href="${company.signInUrl}">`);
    expect(text).toMatch(/Enrollment \(sign-up\) links, the Admin link and the Instructor link/);
    expect(text).toMatch(/Enrollsy website/);
    expect(text).toMatch(/Enrollsy app from the Apple App Store or Google Play/);
    expect(text).toMatch(/"Setup\/Reset Password" button on the Account Sign-In page \(older pages call it "Request Password"\)/);
    expect(text).not.toContain(company.resetUrl);
    expect(text).not.toMatch(/Customer Sign-In link on/);
    expect(customerMessage('sign-in', { ...input, company: { ...company, embedHtml: '<a href="x">Sign in</a>' } }).text).toMatch(
      /Customer Sign-In link on the Acme <Swim> & Gym website/,
    );
  });

  it('reset: both ways, 2 hours, newest link only, primary holder', () => {
    const { text, html } = customerMessage('reset', input);
    expect(text).toContain(company.signInUrl);
    expect(text).toContain(company.resetUrl);
    expect(html).toContain(`<a href="${company.resetUrl}">`);
    expect(text).toMatch(/"Setup\/Reset Password" button/);
    expect(text).toMatch(/works for 2 hours/);
    expect(text).toMatch(/Only the newest link works/);
    expect(text).toMatch(/primary account holder's email address/);
    expect(text).toMatch(/only if the primary account holder has given them login access/);
  });

  it('not-received: spam first, right address, Gmail/Outlook/Yahoo safe-sender steps naming the sender, request once', () => {
    const { text } = customerMessage('not-received', input);
    const spam = text.indexOf('spam or junk folder');
    const address = text.indexOf('right inbox');
    const whitelist = text.indexOf('safe senders');
    const once = text.indexOf('only once');
    expect(spam).toBeGreaterThan(0);
    expect(address).toBeGreaterThan(spam);
    expect(whitelist).toBeGreaterThan(address);
    expect(once).toBeGreaterThan(whitelist);
    for (const provider of ['Gmail:', 'Outlook', 'Yahoo Mail:']) {
      const line = text.split('\n').find((l) => l.includes(provider) && l.trimStart().startsWith('-'));
      expect(line).toBeDefined();
      expect(line).toContain('help@acme-swim.test');
    }
    expect(text).not.toContain('"Acme" <help@acme-swim.test>');
    expect(text).toMatch(/cancels the link sent before it/);
  });

  it('grant-access: addressed to the primary, portal/enroll form, own address, no set-up email, full control', () => {
    const { text, subject } = customerMessage('grant-access', input);
    expect(subject).toBe('How to give someone else access to your Acme <Swim> & Gym account');
    expect(text).toMatch(/As the primary account holder/);
    expect(text).toContain(company.signInUrl);
    expect(text).toMatch(/customer portal/);
    expect(text).toMatch(/enroll form/);
    expect(text).toMatch(/their own email address, different from yours/);
    expect(text).toMatch(/do not get a set-up email automatically/);
    expect(text).toMatch(/"Setup\/Reset Password"/);
    expect(text).toMatch(/full control of the account, payment methods included/);
    expect(text).toMatch(/someone you trust/);
  });

  it('writes placeholders for links that are not configured', () => {
    const signIn = customerMessage('sign-in', { ...input, company: allNull });
    expect(signIn.text).toContain('[Account Sign-In link: ask Acme <Swim> & Gym for it]');
    expect(signIn.html).toContain('[Account Sign-In link: ask Acme &lt;Swim&gt; &amp; Gym for it]');
    expect(signIn.html).not.toMatch(/href="\[/);
    const reset = customerMessage('reset', { ...input, company: allNull });
    expect(reset.text).toContain('[Account Password Reset link: ask Acme <Swim> & Gym for it]');
  });

  it('never turns a non-web link into a clickable one', () => {
    const { html } = customerMessage('sign-in', { ...input, company: { ...company, signInUrl: 'javascript:alert(1)' } });
    expect(html).not.toMatch(/href="javascript:/);
    expect(html).toContain('javascript:alert(1)');
  });
});
