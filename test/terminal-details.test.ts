import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { createReadStream, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importBatches } from '../src/core/import-batches.js';
import { matchAccountId } from '../src/core/match-account-id.js';
import { CUSTOMER_TEMPLATES, customerMessage } from '../src/mail/templates.js';
import { openStore } from '../src/store/open-store.js';
import { repoRoot, runInProcess, useDemoStorePerTest } from './helpers/cli.js';
import { engines } from './helpers/engines.js';
import { closedPort } from './helpers/smtp.js';
import { TmuxSession } from './helpers/tmux.js';

let session: TmuxSession | undefined;
afterEach(() => session?.kill());

describe.each(engines)('on %s', (engine) => {
  const demo = useDemoStorePerTest({ beforeEach, afterEach }, engine);
  const cli = (args: string[], options: { stdin?: string; env?: NodeJS.ProcessEnv } = {}) => runInProcess(['--db', demo.db, ...args], { clock: demo.clock, ...options, env: { ...demo.env, ...options.env } });
  const terminal = (args: string) => TmuxSession.start(`cd '${repoRoot}' && node bin/enrollsy-help.js --db '${demo.db}' ${args}`, { NO_COLOR: '1', TERM: 'xterm-256color' });
  // Terminal sessions and store-free checks run once, on SQLite: they do not depend on the engine.
  const onceIt = (name: string, fn: () => unknown) => {
    if (engine === 'sqlite') it(name, fn as () => Promise<void>);
  };
  const auditCount = (prefix: string) => demo.withStore(async (store) => (await store.listAudit({})).filter((entry) => entry.action.startsWith(prefix)).length);

  describe('conflicts: where a bad address came from', () => {
    it('says "argument 3" for a command-line argument, and "line 3" for a line of stdin', async () => {
      const args = await cli(['conflicts', '--no-color', 'a@example.com', 'b@example.com', 'bad@@x']);
      expect(args.code).toBe(1);
      expect(args.stdout).toContain('✖ argument 3: "bad@@x" is not a well-formed address');
      expect(args.stdout).toContain('Checked 3 addresses: no conflicts, 1 invalid address.');
      expect(args.stdout).not.toContain('line 3');
      const lines = await cli(['conflicts', '--no-color', '--file', '-'], { stdin: 'a@example.com\nb@example.com\nbad@@x\n' });
      expect(lines.stdout).toContain('✖ line 3: "bad@@x" is not a well-formed address');
    });

    onceIt('at a terminal, --file - says how to paste and finish, then checks what was pasted', async () => {
      session = terminal('conflicts --file -');
      await session.waitFor('Paste addresses, one per line; press Ctrl-D on a new line to finish.');
      session.send('-l', 'pat.brown@example.com');
      session.send('Enter');
      session.send('-l', 'jane.doe@example.com');
      session.send('Enter', 'C-d');
      const screen = await session.waitFor('EXIT=');
      expect(screen).toContain('Checked 2 addresses: 1 used in more than one account.');
      expect(screen).toContain('EXIT=1');
    });
  });

  describe('account ids in --keep and --only', () => {
    it('match regardless of case when only one account fits', async () => {
      const result = await cli(['fix-conflict', 'sam.rivera@example.com', '--keep', 'a1004', '--delete', '--json']);
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ keep: 'A1004', applied: true, changes: [{ accountId: 'A1003' }] });
      const only = await cli(['fix-conflict', 'pat.brown@example.com', '--keep', 'A1005', '--change-to', 'robin.brown@example.com', '--only', 'a1006', '--dry-run', '--json']);
      expect(JSON.parse(only.stdout)).toMatchObject({ changes: [{ accountId: 'A1006' }] });
    });

    onceIt('ids that differ only in case are ambiguous: nothing is guessed', () => {
      expect(matchAccountId('ab1', ['Ab1', 'aB1'])).toEqual({ ok: false, problem: 'ambiguous', candidates: ['Ab1', 'aB1'] });
      expect(matchAccountId('aB1', ['Ab1', 'aB1'])).toEqual({ ok: true, accountId: 'aB1' });
      expect(matchAccountId('zz', ['Ab1'])).toEqual({ ok: false, problem: 'unknown', candidates: ['Ab1'] });
    });
  });

  describe('message', () => {
    it('to an address no holder uses: prints the text but warns and exits 1', async () => {
      const result = await cli(['message', 'nobody@example.com', '--template', 'sign-in']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('No holder uses nobody@example.com, so this text is not addressed to anyone on file.');
    });

    it('--template reset --send to an address in a conflict is refused: exit 1, nothing sent or audited', async () => {
      const result = await cli(['message', 'Sam.Rivera@example.com', '--template', 'reset', '--send']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('sam.rivera@example.com is in 2 accounts, so its login cannot work');
      expect(result.stderr).toContain('Nothing was sent.');
      expect(existsSync(demo.outbox)).toBe(false);
      expect(await auditCount('message.')).toBe(0);
    });
  });

  describe('delivery failures point to the set-up check', () => {
    it('reset and message --send: exit 4, and the message names enrollsy-help doctor', async () => {
      const env = { ENROLLSY_SMTP_URL: `smtp://127.0.0.1:${await closedPort()}` };
      const reset = await cli(['reset', 'jane.doe@example.com'], { env });
      expect(reset.code).toBe(4);
      expect(reset.stderr).toContain('Check the mail set-up with `enrollsy-help doctor`.');
      const message = await cli(['message', 'jane.doe@example.com', '--template', 'sign-in', '--send'], { env });
      expect(message.code).toBe(4);
      expect(message.stderr).toMatch(/refused the connection.*Nothing was sent; check the mail set-up with `enrollsy-help doctor`\./);
    });
  });

  describe('import', () => {
    it.each([
      [';', 'semicolons (;)'],
      ['\t', 'tabs'],
    ])('a file separated by %j is named as such (exit 2)', async (separator, name) => {
      const csv = ['account_id', 'account_name', 'role', 'first_name', 'last_name', 'email', 'login_access'].join(separator) + `\nB1${separator}B${separator}primary${separator}Bo${separator}B${separator}bo@example.com${separator}\n`;
      const result = await cli(['import', '-'], { stdin: csv });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`Line 1: the file separates its columns with ${name}, not commas; save it as comma-separated CSV`);
    });

    it('says when all rows are read and saving starts, before the commit (the last, silent phase)', async () => {
      const store = await openStore(demo.db, { admin: 'test' });
      const events: string[] = [];
      // On SQLite the import's transaction runs synchronously, so what another connection sees at
      // onSaving can be read right then, from the file; on PostgreSQL only the order is observable.
      const committedImports = () => {
        if (engine !== 'sqlite') return '';
        const sqlite = new Database(demo.db, { readonly: true });
        const { n } = sqlite.prepare("select count(*) as n from audit_log where action = 'import'").get() as { n: number };
        sqlite.close();
        return `; import entries committed: ${n}`;
      };
      try {
        await store.importAccounts(importBatches(createReadStream(join(repoRoot, 'fixtures/demo-accounts.csv')), 'demo'), {
          skipInvalid: false,
          now: demo.clock.now(),
          sourceName: 'demo',
          onProgress: (rows) => events.push(`read ${rows}`),
          onSaving: () => events.push(`saving${committedImports()}`),
        });
      } finally {
        await store.close();
      }
      expect(events).toEqual(['read 17', engine === 'sqlite' ? 'saving; import entries committed: 1' : 'saving']);
      expect(await auditCount('import')).toBe(2);
    });

    onceIt('at a terminal, no spinner is left on screen when it finishes', async () => {
      const file = join(demo.dir, 'accounts.csv');
      writeFileSync(file, ['account_id,account_name,role,first_name,last_name,email,login_access', ...Array.from({ length: 3000 }, (_, i) => `C${i},F${i},primary,A,B,c${i}@example.com,`)].join('\n'));
      session = terminal(`import '${file}'`);
      const screen = await session.waitFor('EXIT=');
      expect(screen).toContain('✔ Imported 3000 accounts with 3000 holders from 3000 rows.');
      expect(screen).not.toMatch(/Importing|rows read|[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
    });
  });
});

describe('the top-level --help', () => {
  it('lists reset verify and the set-up check', async () => {
    const result = await runInProcess(['--help']);
    expect(result.stdout).toContain('reset verify <link-or-token>');
    expect(result.stdout).toMatch(/doctor \[options\] +check the set-up/);
    expect(result.stdout).toMatch(/find \[options\] <name-or-account-id\.\.\.>/);
  });
});

describe('the templates agree on the button name', () => {
  it('"Setup/Reset Password", the vendor\'s current name; the older "Request Password" only once, as an aside', () => {
    const company = { name: 'Co', signInUrl: 'https://x.example/in', resetUrl: 'https://x.example/reset', embedHtml: null, sender: 'no-reply@x.example' };
    const texts = CUSTOMER_TEMPLATES.map((template) => customerMessage(template, { company, recipientName: 'Ann', sender: company.sender }).text).join('\n');
    expect(texts.match(/"Request Password"/g)).toHaveLength(1);
    expect(texts).toContain('(older pages call it "Request Password")');
    expect(texts.match(/"Setup\/Reset Password"/g)!.length).toBeGreaterThanOrEqual(3);
    expect(texts).not.toMatch(/Forgot\/Request/);
  });
});
