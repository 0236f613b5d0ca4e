import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { planEmailChange } from '../src/core/plan-email-change.js';
import type { Holder } from '../src/core/types.js';
import { repoRoot, runBinary, runInProcess, storeSnapshot, useDemoStorePerTest } from './helpers/cli.js';
import { engines } from './helpers/engines.js';
import { TmuxSession } from './helpers/tmux.js';

const holder = (over: Partial<Holder>): Holder => ({
  accountId: 'A1',
  accountName: 'One',
  role: 'primary',
  firstName: 'Ann',
  lastName: 'One',
  email: 'ann@example.com',
  emailKey: 'ann@example.com',
  loginAccess: false,
  ...over,
});

describe('planEmailChange (the rules, in process)', () => {
  const ann = holder({});
  const bob = holder({ accountId: 'A2', accountName: 'Two', firstName: 'Bob', email: 'Ann@Example.com', emailKey: 'ann@example.com', role: 'secondary' });
  const facts = { holders: [ann], accountHolders: [ann], accountsUsingNew: [] };

  it('plans a change of one holder, with the old and new keys', () => {
    const decision = planEmailChange({ current: ' ANN@example.com', newEmail: ' ann.one@example.com ' }, facts);
    expect(decision).toMatchObject({ ok: true, plan: { form: 'change', accountId: 'A1', oldEmailKey: 'ann@example.com', newEmail: 'ann.one@example.com', newEmailKey: 'ann.one@example.com', holders: [ann] } });
  });

  it.each([
    [{ current: 'ann@@example.com', newEmail: 'x@example.com' }, 'malformed-current'],
    [{ current: 'ann@example.com', newEmail: 'x@example' }, 'malformed-new'],
    [{ current: 'nobody@example.com', newEmail: 'x@example.com' }, 'unknown-current'],
    [{ current: 'ann@example.com', newEmail: ' ANN@example.com' }, 'same-address'],
    [{ current: 'ann@example.com', newEmail: 'x@example.com', account: 'A9' }, 'account-not-using'],
    [{ current: 'ann@example.com', newEmail: 'x@example.com', role: 'secondary' as const }, 'role-not-using'],
  ])('refuses %j: %s', (request, problem) => {
    expect(planEmailChange(request, facts)).toMatchObject({ ok: false, problem });
  });

  it('needs the account when the address is in two, and matches its id regardless of case', () => {
    const both = { holders: [ann, bob], accountHolders: [ann, bob], accountsUsingNew: [] };
    expect(planEmailChange({ current: 'ann@example.com', newEmail: 'x@example.com' }, both)).toMatchObject({ ok: false, problem: 'account-needed', accounts: ['A1', 'A2'] });
    expect(planEmailChange({ current: 'ann@example.com', newEmail: 'x@example.com', account: 'a2' }, both)).toMatchObject({ ok: true, plan: { accountId: 'A2', holders: [bob] } });
  });

  it('refuses a new address that another account uses, but allows one used inside the same account', () => {
    expect(planEmailChange({ current: 'ann@example.com', newEmail: 'x@example.com' }, { ...facts, accountsUsingNew: ['A2'] })).toMatchObject({ ok: false, problem: 'used-elsewhere', accounts: ['A2'] });
    const sec = holder({ role: 'secondary', firstName: 'Cy', email: 'cy@example.com', emailKey: 'cy@example.com' });
    const decision = planEmailChange({ current: 'ann@example.com', newEmail: 'cy@example.com' }, { holders: [ann], accountHolders: [ann, sec], accountsUsingNew: ['A1'] });
    expect(decision).toMatchObject({ ok: true, plan: { sharedWith: [sec], loginLost: [] } });
  });

  it('names a secondary with access whose login stops working because their address becomes the primary\'s (R3)', () => {
    const sec = holder({ role: 'secondary', firstName: 'Cy', email: 'cy@example.com', emailKey: 'cy@example.com', loginAccess: true });
    const decision = planEmailChange({ current: 'ann@example.com', newEmail: 'cy@example.com' }, { holders: [ann], accountHolders: [ann, sec], accountsUsingNew: ['A1'] });
    expect(decision).toMatchObject({ ok: true, plan: { loginLost: [sec] } });
  });

  it('gives an address only to a primary who has none', () => {
    const none = holder({ email: null, emailKey: null });
    expect(planEmailChange({ current: null, newEmail: 'ann@example.com', account: 'a1' }, { holders: [none], accountHolders: [none], accountsUsingNew: [] })).toMatchObject({
      ok: true,
      plan: { form: 'add', accountId: 'A1', oldEmailKey: null, holders: [none] },
    });
    expect(planEmailChange({ current: null, newEmail: 'x@example.com', account: 'A1' }, facts)).toMatchObject({ ok: false, problem: 'primary-has-address' });
    expect(planEmailChange({ current: null, newEmail: 'x@example.com', account: 'A9' }, { holders: [], accountHolders: [], accountsUsingNew: [] })).toMatchObject({ ok: false, problem: 'unknown-account' });
  });
});

describe.each(engines)('on %s', (engine) => {
  const demo = useDemoStorePerTest({ beforeEach, afterEach }, engine);
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runInProcess(['--db', demo.db, ...args], { clock: demo.clock, env: { ...demo.env, ENROLLSY_ADMIN: 'dana', ...env } });
  const dump = () => demo.withStore((store) => storeSnapshot(store));

  describe('holder set-email', () => {
    it('corrects a mistyped domain in one transaction, audited under both addresses with who acted', async () => {
      const result = await cli(['holder', 'set-email', 'Chris.Baker@gmial.com', 'chris.baker@gmail.com']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Changed the address of Chris Baker (primary) in Baker Family (A1008): chris.baker@gmial.com → chris.baker@gmail.com.');
      expect(result.stdout).toContain('Password-reset emails for this account now go to chris.baker@gmail.com.');
      const report = JSON.parse((await cli(['diagnose', 'chris.baker@gmail.com', '--json'])).stdout);
      expect(report.holders).toEqual([expect.objectContaining({ accountId: 'A1008', email: 'chris.baker@gmail.com' })]);
      const old = JSON.parse((await cli(['audit', '--email', 'chris.baker@gmial.com', '--json'])).stdout).entries;
      expect(old).toEqual([
        {
          at: demo.clock.now().toISOString(),
          admin: 'dana',
          action: 'holder.email-changed',
          accountId: 'A1008',
          details: { holders: [{ role: 'primary', name: 'Chris Baker', before: 'chris.baker@gmial.com', after: 'chris.baker@gmail.com' }] },
        },
      ]);
      const received = JSON.parse((await cli(['audit', '--email', 'chris.baker@gmail.com', '--json'])).stdout).entries;
      expect(received).toEqual([expect.objectContaining({ admin: 'dana', action: 'holder.email-received', details: { replaced: 'chris.baker@gmial.com' } })]);
    });

    it('a reset link issued to the old address stops working: reset verify says revoked', async () => {
      const issued = JSON.parse((await cli(['reset', 'chris.baker@gmial.com', '--no-send', '--yes', '--json'])).stdout);
      expect(JSON.parse((await cli(['reset', 'verify', issued.link, '--json'])).stdout).status).toBe('valid');
      const result = await cli(['holder', 'set-email', 'chris.baker@gmial.com', 'chris.baker@gmail.com', '--json']);
      expect(JSON.parse(result.stdout)).toMatchObject({ applied: true, linksRevoked: 1 });
      const verify = await cli(['reset', 'verify', issued.link, '--json']);
      expect(verify.code).toBe(1);
      expect(JSON.parse(verify.stdout).status).toBe('revoked');
      const revoked = JSON.parse((await cli(['audit', '--email', 'chris.baker@gmial.com', '--json'])).stdout).entries.find((e: { action: string }) => e.action === 'reset.revoked');
      expect(revoked).toMatchObject({ admin: 'dana', details: { reason: 'address-changed', cause: 'holder set-email' } });
      // A link issued to the new address works.
      const fresh = JSON.parse((await cli(['reset', 'chris.baker@gmail.com', '--no-send', '--json'])).stdout);
      expect(JSON.parse((await cli(['reset', 'verify', fresh.link, '--json'])).stdout).status).toBe('valid');
    });

    it('says in words when links stopped working', async () => {
      await cli(['reset', 'maria.smith@example.com', '--no-send']);
      const result = await cli(['holder', 'set-email', 'maria.smith@example.com', 'maria@example.com', '--no-color']);
      expect(result.stdout).toContain('! 1 valid reset link issued before this change no longer works: a link belongs to the address it was sent to (see enrollsy-help audit).');
    });

    it('an address in two accounts needs --account (exit 2, nothing changed); --account matches regardless of case', async () => {
      const before = await dump();
      const refused = await cli(['holder', 'set-email', 'pat.brown@example.com', 'pat.b@example.com']);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('pat.brown@example.com is in 2 accounts (A1005, A1006); say which one to change with --account <accountId>. Nothing was changed.');
      expect(await dump()).toEqual(before);
      const done = await cli(['holder', 'set-email', 'pat.brown@example.com', 'pat.b@example.com', '--account', 'a1006', '--json']);
      expect(done.code).toBe(0);
      expect(JSON.parse(done.stdout)).toMatchObject({ applied: true, accountId: 'A1006', changes: [{ role: 'secondary', name: 'Pat Brown', before: 'pat.brown@example.com', after: 'pat.b@example.com' }] });
      // The duplicate is gone: the address is now in one account only.
      expect((await cli(['conflicts', 'pat.brown@example.com'])).code).toBe(0);
    });

    it.each([
      [['jane.doe@example.com', 'jane@@example.com'], 'The new address "jane@@example.com" is not valid'],
      [['jane.doe@example.com', 'maria.smith@example.com'], 'maria.smith@example.com is already used in account A1002'],
      [['jane.doe@example.com', ' JANE.DOE@example.com'], 'is the same as the current one'],
      [['pat.brown@example.com', 'x@example.com', '--account', 'A1001'], 'Account A1001 does not use pat.brown@example.com; it is used in: A1005, A1006'],
    ])('refuses %j with exit 2 and changes nothing', async (args, message) => {
      const before = await dump();
      const result = await cli(['holder', 'set-email', ...args, '--json']);
      expect(result.code).toBe(2);
      expect(JSON.parse(result.stdout).error.message).toContain(message);
      expect(await dump()).toEqual(before);
    });

    it('an address no holder uses is exit 1 with suggestions, as for reset', async () => {
      const result = await cli(['holder', 'set-email', 'jane.do@example.com', 'jane@example.com', '--json']);
      expect(result.code).toBe(1);
      expect(JSON.parse(result.stdout)).toMatchObject({ suggestions: ['jane.doe@example.com'], error: { exitCode: 1 } });
    });

    it('--role picks one of two holders of an account who share the address', async () => {
      const result = await cli(['holder', 'set-email', 'priya.patel@example.com', 'raj.patel@example.com', '--role', 'secondary']);
      expect(result.code).toBe(0);
      const report = JSON.parse((await cli(['diagnose', 'raj.patel@example.com', '--json'])).stdout);
      expect(report.holders).toEqual([expect.objectContaining({ role: 'secondary', name: 'Raj Patel' })]);
      expect(JSON.parse((await cli(['diagnose', 'priya.patel@example.com', '--json'])).stdout).holders).toEqual([expect.objectContaining({ role: 'primary', name: 'Priya Patel' })]);
    });

    it("giving the primary a secondary-with-access's address warns that the secondary's login stops working, and needs --yes", async () => {
      const before = await dump();
      const refused = await cli(['holder', 'set-email', 'jane.doe@example.com', 'john.doe@example.com']);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain("John Doe would have the primary's address, so their own login (access granted by the primary) would stop working. Pass --yes to confirm. Nothing was changed.");
      expect(await dump()).toEqual(before);
      const done = await cli(['holder', 'set-email', 'jane.doe@example.com', 'john.doe@example.com', '--yes']);
      expect(done.code).toBe(0);
      expect(done.stdout).toContain("! John Doe (secondary with login access) now has the primary's address, so their own login stops working");
    });
  });

  describe('holder add-email', () => {
    it("gives the address-less primary of Minh's account an address, so a reset can be sent", async () => {
      const refusedBefore = await cli(['reset', 'minh.nguyen@example.com', '--no-send']);
      expect(refusedBefore.code).toBe(1);
      const result = await cli(['holder', 'add-email', 'a1007', 'Linh.Nguyen@example.com']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Gave Linh Nguyen (primary) in Nguyen Family (A1007) the address Linh.Nguyen@example.com.');
      const reset = JSON.parse((await cli(['reset', 'minh.nguyen@example.com', '--no-send', '--json'])).stdout);
      expect(reset.recipient).toEqual({ email: 'Linh.Nguyen@example.com', role: 'primary' });
      const audit = JSON.parse((await cli(['audit', '--email', 'linh.nguyen@example.com', '--json'])).stdout).entries;
      expect(audit).toEqual([
        expect.objectContaining({ admin: 'dana', action: 'holder.email-added', accountId: 'A1007', details: { holders: [{ role: 'primary', name: 'Linh Nguyen', before: null, after: 'Linh.Nguyen@example.com' }] } }),
      ]);
    });

    it('refuses a primary who has an address (pointing to set-email), an unknown account, and an address used elsewhere', async () => {
      const before = await dump();
      const has = await cli(['holder', 'add-email', 'A1001', 'jane@example.com']);
      expect(has.code).toBe(2);
      expect(has.stderr).toContain('already has the address jane.doe@example.com; to correct it: enrollsy-help holder set-email jane.doe@example.com jane@example.com');
      const unknown = await cli(['holder', 'add-email', 'A9999', 'x@example.com']);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('No account A9999 in the store');
      const taken = await cli(['holder', 'add-email', 'A1007', 'jane.doe@example.com']);
      expect(taken.code).toBe(2);
      expect(taken.stderr).toContain('already used in account A1001');
      expect(await dump()).toEqual(before);
    });
  });

  describe('holder set-email, the built binary', () => {
    it('exit codes and --json documents as scripts see them', async () => {
      const run = (args: string[]) => runBinary(['--db', demo.db, ...args], { env: { ...demo.env, ENROLLSY_ADMIN: 'script' } });
      const bad = await run(['holder', 'set-email', 'jane.doe@example.com', 'nope', '--json']);
      expect(bad.code).toBe(2);
      expect(JSON.parse(bad.stdout).error).toEqual({ exitCode: 2, message: expect.stringContaining('not valid') });
      const role = await run(['holder', 'set-email', 'jane.doe@example.com', 'j@example.com', '--role', 'owner']);
      expect(role.code).toBe(2);
      expect(role.stderr).toMatch(/Allowed choices are primary, secondary/);
      const ok = await run(['holder', 'set-email', 'tom.smith@example.com', 'tom@example.com', '--json']);
      expect(ok.code).toBe(0);
      expect(JSON.parse(ok.stdout)).toMatchObject({ applied: true, form: 'change', accountId: 'A1002', holdersChanged: 1 });
      const audit = JSON.parse((await run(['audit', '--email', 'tom@example.com', '--json'])).stdout);
      expect(audit.entries[0]).toMatchObject({ admin: 'script', action: 'holder.email-received' });
    });
  });

  // Terminal flows run on SQLite: the prompt is the same code on either engine.
  if (engine === 'sqlite') describe('holder set-email in a terminal', () => {
    let session: TmuxSession | undefined;
    afterEach(() => session?.kill());

    it('asks before taking a secondary\'s login away; "no" changes nothing', async () => {
      const before = await dump();
      session = TmuxSession.start(`cd '${repoRoot}' && node bin/enrollsy-help.js --db '${demo.db}' holder set-email jane.doe@example.com john.doe@example.com`, { NO_COLOR: '1', TERM: 'xterm-256color' });
      const screen = await session.waitFor('Change the address anyway?');
      expect(screen).toContain("John Doe would have the primary's address, so their own login (access granted by the primary) would stop working.");
      session.send('n', 'Enter');
      const end = await session.waitFor('EXIT=');
      expect(end).toContain('Nothing was changed.');
      expect(end).toContain('EXIT=0');
      expect(await dump()).toEqual(before);
    });
  });
});
