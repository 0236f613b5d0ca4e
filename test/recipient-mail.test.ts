import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { classifyMailDomain, recipientMailFrom } from '../src/core/mail-domain.js';
import { detectMailProvider } from '../src/core/mail-provider.js';
import { lookUpMailDns } from '../src/net/mail-dns.js';
import { customerMessage } from '../src/mail/templates.js';
import { runInProcess, useDemoStorePerTest } from './helpers/cli.js';
import { engines } from './helpers/engines.js';
import { startDnsServer, startSilentServer, type TestDnsServer } from './helpers/dns-server.js';

// Every outcome against a real DNS server (dnsmasq, started here; see helpers/dns-server.ts).
let dns: TestDnsServer;
beforeAll(async () => {
  dns = await startDnsServer();
});
afterAll(async () => {
  await dns?.stop();
});

const HEADER = 'account_id,account_name,role,first_name,last_name,email,login_access';
const ROWS = [
  'A01,Club Family,primary,Cara,Club,cara@club.example,',
  'A02,Mail Family,primary,Gina,Mail,gina.mail@gmail.com,',
  'A03,Space Family,primary,Wes,Space,wes@workspace.example,',
  'A04,Office Family,primary,Mo,Office,mo@m365.example,',
  'A05,Hot Family,primary,Hal,Hot,hal@hotmail.com,',
  'A06,Hoo Family,primary,Yan,Hoo,yan@yahoo.com,',
  'A07,Cloud Family,primary,Ida,Cloud,ida@icloud.com,',
  'A08,Lay Family,primary,Rey,Lay,x7f3k9q2bd@privaterelay.appleid.com,',
  'A09,Proof Family,primary,Pru,Proof,pru@proofpoint.example,',
  'A10,Cast Family,primary,Mim,Cast,mim@mimecast.example,',
  'A11,Nomail Family,primary,Nia,Nomail,nia@nomail.example,',
  'A12,Po Family,primary,Ty,Po,ty.po@gmail.con,',
  'A13,Web Family,primary,Wen,Web,wen@webonly.example,',
  'A14,Txt Family,primary,Tex,Txt,tex@txtonly.example,',
  'A15,Ne Family,primary,Go,Ne,go.ne@nope.example,',
  'A16,Se Family,primary,El,Se,el@elsewhere.org,',
  'A17,Brown,primary,Bo,Brown,bo@nomail.example,',
  'A18,Green,secondary,Bo,Brown,bo@nomail.example,yes',
  'A18,Green,primary,Gil,Green,gil@club.example,',
  'A19,Con Family,primary,Ya,Con,ya@yahoo.con,',
];

describe('the DNS lookup and its classification', () => {
  it.each([
    ['club.example', { kind: 'mx', hosts: ['mx1.club.example'] }],
    ['gmail.com', { kind: 'mx', hosts: ['gmail-smtp-in.l.google.com', 'alt1.gmail-smtp-in.l.google.com'] }],
    ['nomail.example', { kind: 'null-mx' }],
    ['gmail.con', { kind: 'address-only' }],
    ['webonly.example', { kind: 'address-only' }],
    ['txtonly.example', { kind: 'no-mail-host' }],
    ['nope.example', { kind: 'no-domain' }],
    ['elsewhere.org', { kind: 'lookup-failed', code: 'EREFUSED' }],
  ])('%s → %j', async (domain, verdict) => {
    expect(classifyMailDomain(await lookUpMailDns(domain, [dns.server], 1500))).toEqual(verdict);
  });

  it('gives up on a server that never answers, and calls it a failed lookup', async () => {
    const silent = await startSilentServer();
    try {
      const verdict = classifyMailDomain(await lookUpMailDns('club.example', [silent.server], 1500));
      expect(verdict.kind).toBe('lookup-failed');
      expect(['ETIMEOUT', 'ECANCELLED']).toContain((verdict as { code: string }).code);
      expect(silent.queries()).toBeGreaterThan(0);
    } finally {
      await silent.stop();
    }
  });
});

describe('mail provider detection', () => {
  it.each([
    ['gmail.com', ['gmail-smtp-in.l.google.com'], 'google', 'Gmail', false],
    ['school.example', ['ASPMX.L.GOOGLE.COM.', 'alt1.aspmx.l.google.com'], 'google', 'Google Workspace', false],
    ['school.example', ['smtp.google.com'], 'google', 'Google Workspace', false],
    ['firm.example', ['firm-example.mail.protection.outlook.com'], 'microsoft', 'Microsoft 365', true],
    ['hotmail.com', ['hotmail-com.olc.protection.outlook.com'], 'microsoft', 'Outlook.com', false],
    ['yahoo.com', ['mta6.am0.yahoodns.net'], 'yahoo', 'Yahoo Mail', false],
    ['icloud.com', ['mx02.mail.icloud.com'], 'apple', 'Apple iCloud Mail', false],
    ['bank.example', ['mx0b-001.pphosted.com', 'mx0a-001.pphosted.com'], 'proofpoint', 'Proofpoint (a company mail filter)', true],
    ['bank.example', ['mx1-us1.ppe-hosted.com'], 'proofpoint', 'Proofpoint (a company mail filter)', true],
    ['law.example', ['us-smtp-inbound-1.mimecast.com'], 'mimecast', 'Mimecast (a company mail filter)', true],
    // A filter in front of Microsoft 365: the filter is what holds mail back.
    ['law.example', ['eu-smtp-inbound-1.mimecast.com', 'law-example.mail.protection.outlook.com'], 'mimecast', 'Mimecast (a company mail filter)', true],
    ['club.example', ['mx1.club.example'], 'other', 'another mail service', false],
    // Look-alikes of provider names are not the provider.
    ['evil.example', ['google.com.evil.example', 'notgoogle.com'], 'other', 'another mail service', false],
  ])('%s via %j is %s (%s)', (domain, hosts, id, name, quarantines) => {
    expect(detectMailProvider(domain, hosts)).toMatchObject({ id, name, quarantines });
  });

  it('names consumer providers from the domain alone when there are no MX hosts, and nothing otherwise', () => {
    expect(detectMailProvider('googlemail.com', [])?.name).toBe('Gmail');
    expect(detectMailProvider('outlook.com', [])?.name).toBe('Outlook.com');
    expect(detectMailProvider('privaterelay.appleid.com', [])).toMatchObject({ id: 'apple', appleRelay: true });
    expect(detectMailProvider('club.example', [])).toBeNull();
  });
});

describe.each(engines)('on %s', (engine) => {
  const demo = useDemoStorePerTest({ beforeEach, afterEach }, engine, {
    init: ['--name', 'Sunrise Swim', '--sign-in-url', 'https://app.example/signin', '--reset-url', 'https://app.example/reset', '--sender', 'help@sunrise.example'],
  });
  beforeEach(async () => {
    const csv = join(demo.dir, 'accounts.csv');
    writeFileSync(csv, `${[HEADER, ...ROWS].join('\n')}\n`);
    expect((await runInProcess(['--db', demo.db, 'import', csv], { clock: demo.clock, env: demo.env })).code).toBe(0);
  });

  const cli = (args: string[], env: NodeJS.ProcessEnv = { ENROLLSY_DNS_SERVERS: dns.server }) => runInProcess(['--db', demo.db, ...args], { clock: demo.clock, env: { ...demo.env, ...env } });
  async function diagnoseJson(email: string, env?: NodeJS.ProcessEnv) {
    const result = await cli(['diagnose', email, '--json'], env);
    const report = JSON.parse(result.stdout);
    return { code: result.code, report, mail: report.checks.find((c: { id: string }) => c.id === 'recipient-mail') };
  }
  // Every link issued is audited in the same transaction.
  const linkCount = () => demo.withStore(async (store) => (await store.listAudit({})).filter((entry) => entry.action === 'reset.issued').length);
  const outbox = () => (existsSync(demo.outbox) ? readdirSync(demo.outbox) : []);

  describe('diagnose: the recipient-mail check', () => {
    it.each([
      ['cara@club.example', 'pass', 'club.example receives mail (another mail service)', /goes to mx1\.club\.example/],
      ['gina.mail@gmail.com', 'pass', 'gmail.com receives mail (Gmail)', /gmail-smtp-in\.l\.google\.com, alt1\.gmail-smtp-in/],
      ['wes@workspace.example', 'pass', 'workspace.example receives mail (Google Workspace)', /smtp\.google\.com/],
      ['mo@m365.example', 'pass', 'm365.example receives mail (Microsoft 365)', /Microsoft 365 can quarantine email.*IT team can find and release it/],
      ['hal@hotmail.com', 'pass', 'hotmail.com receives mail (Outlook.com)', /^(?!.*quarantine)/],
      ['yan@yahoo.com', 'pass', 'yahoo.com receives mail (Yahoo Mail)', /yahoodns/],
      ['ida@icloud.com', 'pass', 'icloud.com receives mail (Apple iCloud Mail)', /^(?!.*Hide My Email)/],
      ['x7f3k9q2bd@privaterelay.appleid.com', 'pass', 'privaterelay.appleid.com receives mail (Apple iCloud Mail)', /Apple "Hide My Email" relay address.*may not recognise it/],
      ['pru@proofpoint.example', 'pass', 'proofpoint.example receives mail (Proofpoint (a company mail filter))', /Proofpoint can quarantine email/],
      ['mim@mimecast.example', 'pass', 'mimecast.example receives mail (Mimecast (a company mail filter))', /Mimecast can quarantine email/],
      ['nia@nomail.example', 'fail', 'nomail.example accepts no mail', /No email to nia@nomail\.example can arrive: nomail\.example accepts no email \(it publishes a "null MX" record, RFC 7505\)/],
      ['ty.po@gmail.con', 'warn', 'gmail.con lists no mail servers', /falls back to that host.*Did they mean @gmail\.com\?/],
      ['wen@webonly.example', 'info', 'webonly.example lists no mail servers', /RFC 5321 fallback/],
      ['tex@txtonly.example', 'fail', 'txtonly.example has no mail server', /no MX, A or AAAA record/],
      ['go.ne@nope.example', 'fail', 'nope.example does not exist', /the domain nope\.example does not exist\.$/],
      ['ya@yahoo.con', 'fail', 'yahoo.con does not exist', /does not exist \(did they mean @yahoo\.com\?\)/],
      ['el@elsewhere.org', 'skip', 'Recipient mail check skipped', /the DNS server refused to answer\. This says nothing about the address\./],
    ])('%s: %s, "%s"', async (email, status, title, detail) => {
      const { code, mail } = await diagnoseJson(email);
      expect(mail).toMatchObject({ id: 'recipient-mail', status, title });
      expect(mail.detail).toMatch(detail);
      // Only a failing check fails the diagnosis; a failed lookup never does.
      expect(code).toBe(status === 'fail' ? 1 : 0);
    });

    it('looks up the reset recipient: a secondary without access is checked at the primary address', async () => {
      const csv = join(demo.dir, 'more.csv');
      writeFileSync(csv, `${HEADER}\nB1,Mixed,primary,Pam,Mixed,pam@nomail.example,\nB1,Mixed,secondary,Sid,Mixed,sid@club.example,no\n`);
      expect((await cli(['import', csv])).code).toBe(0);
      const { mail, report } = await diagnoseJson('sid@club.example');
      expect(report.resetRecipient).toEqual({ email: 'pam@nomail.example', role: 'primary' });
      expect(mail).toMatchObject({ status: 'fail', title: 'nomail.example accepts no mail' });
    });

    it('times out after 1.5 s on a server that never answers: skip, never a bad address', async () => {
      const silent = await startSilentServer();
      try {
        const { code, mail, report } = await diagnoseJson('cara@club.example', { ENROLLSY_DNS_SERVERS: silent.server });
        expect(mail).toMatchObject({ status: 'skip', title: 'Recipient mail check skipped' });
        expect(mail.detail).toBe('Could not look up the mail servers of club.example: no answer from the DNS server within 1.5 s. This says nothing about the address.');
        expect(code).toBe(0);
        expect(report.summary).toBe('Nothing blocks a login: send the Account Sign-In link and ask how they reached the sign-in page.');
      } finally {
        await silent.stop();
      }
    });

    it('--offline skips the check without sending a single query', async () => {
      const silent = await startSilentServer();
      try {
        const { code, mail } = await diagnoseJson('nia@nomail.example', { ENROLLSY_DNS_SERVERS: silent.server });
        expect(mail.status).toBe('skip');
        const queriesBefore = silent.queries();
        const offline = await cli(['--offline', 'diagnose', 'nia@nomail.example', '--json'], { ENROLLSY_DNS_SERVERS: silent.server });
        const check = JSON.parse(offline.stdout).checks.find((c: { id: string }) => c.id === 'recipient-mail');
        expect(check).toMatchObject({ status: 'skip', detail: 'Skipped because of --offline, so the mail servers of nomail.example were not looked up.' });
        expect(offline.code).toBe(0);
        expect(silent.queries()).toBe(queriesBefore);
        expect(code).toBe(0);
      } finally {
        await silent.stop();
      }
    });

    it('refuses a malformed ENROLLSY_DNS_SERVERS with exit 2, naming the variable', async () => {
      for (const value of ['dns.example:53', '127.0.0.1:99999', '127.0.0.1:53,,']) {
        const result = await cli(['diagnose', 'cara@club.example'], { ENROLLSY_DNS_SERVERS: value });
        expect(result.code).toBe(2);
        expect(result.stderr).toMatch(/^✖ ENROLLSY_DNS_SERVERS must list DNS servers as ip:port/);
      }
    });
  });

  describe('diagnose: the root cause first', () => {
    it('text: the summary is the first line, and a counts line ends the checks', async () => {
      const result = await cli(['diagnose', 'nia@nomail.example']);
      const lines = result.stdout.split('\n');
      expect(lines[0]).toBe(
        'No email to nia@nomail.example can arrive: nomail.example accepts no email (it publishes a "null MX" record, RFC 7505); ask the customer for an address that receives mail, and correct it in the account.',
      );
      expect(result.stdout).toContain('\nChecks: 4 passed, 0 warned, 1 failed, 0 skipped (and 1 for information).\n');
      expect(result.stdout).toContain('\n✖ nomail.example accepts no mail\n');
    });

    it('R1 comes before the mail check when both fail', async () => {
      const { report, code } = await diagnoseJson('bo@nomail.example');
      expect(code).toBe(1);
      expect(report.checks.find((c: { id: string }) => c.id === 'recipient-mail').status).toBe('fail');
      expect(report.summary).toBe("Bo's address is in two accounts (Brown and Green): login fails until it is removed from one of them (`enrollsy-help fix-conflict bo@nomail.example`).");
    });

    it('a mistyped provider domain that still has an address: nothing blocks, but the mail may never arrive', async () => {
      const { report, code } = await diagnoseJson('ty.po@gmail.con');
      expect(code).toBe(0);
      expect(report.summary).toBe('Nothing blocks a login, but mail to gmail.con may never arrive (did they mean gmail.com?): confirm the address with the customer before sending a reset.');
    });

    it('counts skipped checks', async () => {
      const result = await cli(['--offline', 'diagnose', 'cara@club.example']);
      expect(result.stdout.split('\n')[0]).toBe('Nothing blocks a login: send the Account Sign-In link and ask how they reached the sign-in page.');
      expect(result.stdout).toContain('Checks: 4 passed, 0 warned, 0 failed, 1 skipped (and 1 for information).');
    });
  });

  describe('reset: before the email goes', () => {
    it('refuses (exit 1, nothing issued) when the recipient domain accepts no mail, and says what to do', async () => {
      for (const [email, why] of [
        ['nia@nomail.example', 'nomail.example accepts no email (it publishes a "null MX" record, RFC 7505)'],
        ['ya@yahoo.con', 'the domain yahoo.con does not exist (did they mean @yahoo.com?)'],
      ] as const) {
        const result = await cli(['reset', email]);
        expect(result.code).toBe(1);
        expect(result.stderr.trim()).toBe(
          `✖ No email to ${email} can arrive: ${why}; no reset link was issued. Correct the address in the account, or issue the link with --no-send and text it to the customer.`,
        );
      }
      expect(await linkCount()).toBe(0);
      expect(outbox()).toEqual([]);
      const json = await cli(['reset', 'nia@nomail.example', '--json']);
      expect(JSON.parse(json.stdout)).toMatchObject({ error: { exitCode: 1 }, recipientMail: { id: 'recipient-mail', status: 'fail' } });
    });

    it('--no-send still issues the link to text (no email, so no mail check)', async () => {
      const silent = await startSilentServer();
      try {
        const result = await cli(['reset', 'nia@nomail.example', '--no-send', '--json'], { ENROLLSY_DNS_SERVERS: silent.server });
        expect(result.code).toBe(0);
        expect(JSON.parse(result.stdout).delivery).toBeNull();
        expect(silent.queries()).toBe(0);
        expect(await linkCount()).toBe(1);
      } finally {
        await silent.stop();
      }
    });

    it('warns about a mistyped provider domain on stderr but sends', async () => {
      // A mistyped provider domain needs --yes (or a yes on a terminal) before any reset.
      expect((await cli(['reset', 'ty.po@gmail.con', '--json'])).code).toBe(2);
      const result = await cli(['--yes', 'reset', 'ty.po@gmail.con', '--json']);
      expect(result.code).toBe(0);
      expect(result.stderr).toContain('! gmail.con has no mail servers, only a web address: it looks like a typo of gmail.com, so the email may never arrive.\n');
      expect(JSON.parse(result.stdout)).toMatchObject({ delivery: { transport: 'outbox' }, recipientMail: { status: 'warn' } });
      expect(outbox()).toHaveLength(1);
    });

    it('a skipped check never blocks: failed lookup, timeout, --offline', async () => {
      const silent = await startSilentServer();
      try {
        expect((await cli(['reset', 'el@elsewhere.org'])).code).toBe(0);
        expect((await cli(['reset', 'cara@club.example'], { ENROLLSY_DNS_SERVERS: silent.server })).code).toBe(0);
        expect((await cli(['--offline', 'reset', 'gina.mail@gmail.com'], { ENROLLSY_DNS_SERVERS: silent.server })).code).toBe(0);
        expect(outbox()).toHaveLength(3);
      } finally {
        await silent.stop();
      }
    });
  });

  describe('message: the not-received advice and --send', () => {
    const text = async (email: string, extra: string[] = [], env?: NodeJS.ProcessEnv) => {
      const result = await cli(['message', email, '--template', 'not-received', ...extra], env);
      expect(result.code).toBe(0);
      return result.stdout;
    };

    it('--send refuses (exit 1, nothing sent) when the address cannot receive mail', async () => {
      const result = await cli(['message', 'go.ne@nope.example', '--template', 'sign-in', '--send']);
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toBe(
        '✖ No email to go.ne@nope.example can arrive: the domain nope.example does not exist; nothing was sent. Correct the address in the account, or print the instructions (without --send) and give them another way.',
      );
      expect(outbox()).toEqual([]);
      expect((await cli(['message', 'cara@club.example', '--template', 'sign-in', '--send'])).code).toBe(0);
      expect(outbox()).toHaveLength(1);
    });

    it("puts only the recipient's provider's steps, and offers the others on request", async () => {
      const gmail = await text('gina.mail@gmail.com');
      expect(gmail).toContain('- Gmail: if our email is in Spam');
      expect(gmail).not.toMatch(/Outlook\.com|Yahoo Mail:|iCloud Mail/);
      expect(gmail).toContain('- Using another email service? Tell us which one and we will send you its steps.');
      expect(gmail).toContain('Promotions and Updates tabs');

      const all = await text('gina.mail@gmail.com', ['--all-providers']);
      const order = ['- Gmail:', '- Outlook and Outlook.com:', '- Yahoo Mail:', '- iCloud Mail'].map((marker) => all.indexOf(marker));
      expect(order.every((at, i) => at > 0 && (i === 0 || at > order[i - 1]!))).toBe(true);
      expect(all).not.toContain('Using another email service?');

      const yahoo = await text('yan@yahoo.com');
      expect(yahoo).toContain('- Yahoo Mail:');
      expect(yahoo).not.toMatch(/- Gmail:|Promotions and Updates/);
    });

    it('company filters: Microsoft 365, Proofpoint and Mimecast get the quarantine step (their IT can release it)', async () => {
      const m365 = await text('mo@m365.example');
      expect(m365).toMatch(/Ask your IT team whether the email is being held\. Your organisation uses Microsoft 365, whose filters can put messages in quarantine.*ask your IT team to release it and to allow help@sunrise\.example/);
      expect(m365).toContain('- Outlook and Outlook.com:');
      const proofpoint = await text('pru@proofpoint.example');
      expect(proofpoint).toMatch(/Your organisation's email passes through Proofpoint, which can hold messages in quarantine/);
      expect(proofpoint).not.toMatch(/- Gmail:|- Outlook/);
      expect(proofpoint).toContain('Tell us which email program you use and we will send you its steps.');
      expect(await text('mim@mimecast.example')).toMatch(/passes through Mimecast/);
      // A consumer Outlook.com mailbox has no IT team.
      expect(await text('hal@hotmail.com')).not.toContain('IT team');
    });

    it('an Apple "Hide My Email" address gets the relay note and the iCloud steps', async () => {
      const relay = await text('x7f3k9q2bd@privaterelay.appleid.com');
      expect(relay).toContain('The address on your account ends in @privaterelay.appleid.com: it is an Apple "Hide My Email" address');
      expect(relay).toContain('- iCloud Mail (iPhone, iPad, Mac or iCloud.com)');
      expect(await text('ida@icloud.com')).not.toContain('Hide My Email');
    });

    it('offline: a well-known domain still picks its steps; an unknown one lists every provider', async () => {
      const env = { ENROLLSY_DNS_SERVERS: dns.server };
      expect(await text('gina.mail@gmail.com', [], env)).not.toContain('Yahoo Mail:');
      const offlineGmail = await cli(['--offline', 'message', 'gina.mail@gmail.com', '--template', 'not-received']);
      expect(offlineGmail.stdout).toContain('- Gmail:');
      expect(offlineGmail.stdout).not.toContain('Yahoo Mail:');
      const offlineClub = await cli(['--offline', 'message', 'cara@club.example', '--template', 'not-received']);
      for (const marker of ['- Gmail:', '- Outlook and Outlook.com:', '- Yahoo Mail:', '- iCloud Mail']) expect(offlineClub.stdout).toContain(marker);
      expect(offlineClub.stdout).not.toContain('Using another email service?');
    });

    it('the template itself: provider first, HTML in step with the text', () => {
      const company = { name: 'Sunrise', signInUrl: null, resetUrl: null, embedHtml: null, sender: null };
      const mailProvider = recipientMailFrom('jo@m365.example', { kind: 'mx', hosts: ['m365-example.mail.protection.outlook.com'] }).provider;
      const message = customerMessage('not-received', { company, recipientName: 'Jo', sender: 'help@sunrise.example', mailProvider });
      expect(message.html).toContain('<strong>Ask your IT team whether the email is being held.</strong>');
      expect(message.html).toContain('Outlook and Outlook.com:');
      expect(message.html).not.toContain('Gmail:');
    });
  });
});
