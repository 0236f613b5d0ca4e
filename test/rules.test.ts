import { describe, expect, it } from '@jest/globals';
import { diagnose, type DiagnoseFacts } from '../src/core/diagnose.js';
import { normalizeEmail } from '../src/core/email.js';
import { editDistance } from '../src/core/edit-distance.js';
import { planConflictFix } from '../src/core/plan-conflict-fix.js';
import { cooldownRemainingMs, linkStatus, loginKey, RESET_COOLDOWN_MS, RESET_LINK_LIFETIME_MS, type StoredLink } from '../src/core/reset-link-state.js';
import { resolveResetRecipient } from '../src/core/reset-recipient.js';
import { likelyDomain, rankSuggestions } from '../src/core/suggest.js';
import type { Holder } from '../src/core/types.js';

function holder(accountId: string, role: Holder['role'], email: string | null, loginAccess = false, firstName = role): Holder {
  return { accountId, accountName: `${accountId} family`, role, firstName, lastName: 'X', email, emailKey: email === null ? null : normalizeEmail(email), loginAccess };
}

/** Facts for `email` over a small in-memory set of holders, the way the store gathers them. */
function factsFor(email: string, all: Holder[], overrides: Partial<DiagnoseFacts> = {}): DiagnoseFacts {
  const key = normalizeEmail(email);
  const withAddress = all.filter((h) => h.emailKey === key);
  const ids = new Set(withAddress.map((h) => h.accountId));
  return {
    email,
    emailKey: key,
    holdersWithAddress: withAddress,
    accountHolders: all.filter((h) => ids.has(h.accountId)),
    accountsUsing: (k) => [...new Set(all.filter((h) => h.emailKey === k).map((h) => h.accountId))],
    latestLinks: new Map(),
    company: { name: 'C', signInUrl: 'https://x.test/in', resetUrl: 'https://x.test/reset', embedHtml: null, sender: 'a@x.test' },
    suggestions: [],
    now: new Date('2026-11-27T10:00:00Z'),
    ...overrides,
  };
}

const check = (facts: DiagnoseFacts, id: string) => diagnose(facts).report.checks.find((c) => c.id === id);

describe('R1: one email, one account', () => {
  const store = [
    holder('A', 'primary', 'jane@example.com'),
    holder('B', 'primary', 'bob@example.com'),
    holder('B', 'secondary', ' Jane@Example.COM ', true),
    holder('C', 'primary', 'pat@example.com'),
    holder('C', 'secondary', 'pat@example.com', true),
  ];

  it('fails the duplicate check when the address is in two accounts, even as a case/space variant', () => {
    const result = check(factsFor('JANE@example.com', store), 'duplicate-email');
    expect(result?.status).toBe('fail');
    expect(result?.detail).toContain('A family (A)');
    expect(result?.detail).toContain('B family (B)');
    expect(result?.fix).toContain('fix-conflict');
  });

  it('no reset can be sent for an address in a conflict', () => {
    const { report } = diagnose(factsFor('jane@example.com', store));
    expect(report.resetRecipient).toBeNull();
    expect(report.checks.find((c) => c.id === 'reset-recipient')?.status).toBe('fail');
  });

  it('the same address twice inside one account is not a conflict', () => {
    const result = check(factsFor('pat@example.com', store), 'duplicate-email');
    expect(result?.status).toBe('pass');
    expect(result?.detail).toContain('not a conflict');
  });

  it('has every check id the contract requires, in a malformed case too', () => {
    for (const email of ['jane@example.com', 'nobody@example.com', 'not an address']) {
      const ids = diagnose(factsFor(email, store)).report.checks.map((c) => c.id);
      expect(ids).toEqual(expect.arrayContaining(['email-format', 'account-found', 'duplicate-email', 'reset-recipient', 'pending-reset']));
    }
    expect(check(factsFor('not an address', store), 'email-format')?.status).toBe('fail');
  });
});

describe('R3: who receives the reset email', () => {
  const decide = (email: string, all: Holder[]) => {
    const facts = factsFor(email, all);
    return resolveResetRecipient({ emailKey: facts.emailKey, holdersWithAddress: facts.holdersWithAddress, accountHolders: facts.accountHolders, accountsUsing: facts.accountsUsing });
  };

  it('goes to the primary for the primary', () => {
    const result = decide('p@example.com', [holder('A', 'primary', 'p@example.com'), holder('A', 'secondary', 's@example.com', true)]);
    expect(result).toMatchObject({ ok: true, email: 'p@example.com', role: 'primary' });
  });

  it('goes to a secondary with access', () => {
    const result = decide('S@example.com', [holder('A', 'primary', 'p@example.com'), holder('A', 'secondary', 's@example.com', true)]);
    expect(result).toMatchObject({ ok: true, email: 's@example.com', role: 'secondary' });
  });

  it('goes to the primary for a secondary without access', () => {
    const result = decide('s@example.com', [holder('A', 'primary', 'p@example.com'), holder('A', 'secondary', 's@example.com', false)]);
    expect(result).toMatchObject({ ok: true, email: 'p@example.com', role: 'primary' });
  });

  it("goes to the primary when the secondary's access shares the primary's address", () => {
    const result = decide('p@example.com', [holder('A', 'primary', 'p@example.com'), holder('A', 'secondary', 'P@example.com', true)]);
    expect(result).toMatchObject({ ok: true, role: 'primary' });
  });

  it('refuses when the primary has no address and the secondary has no access', () => {
    const result = decide('s@example.com', [holder('A', 'primary', null), holder('A', 'secondary', 's@example.com', false)]);
    expect(result).toMatchObject({ ok: false, problem: 'no-address' });
  });

  it("refuses when the primary's address is in another account", () => {
    const result = decide('s@example.com', [holder('A', 'primary', 'p@example.com'), holder('A', 'secondary', 's@example.com'), holder('B', 'primary', 'p@example.com')]);
    expect(result).toMatchObject({ ok: false, problem: 'recipient-conflict' });
  });

  it('warns that a secondary without access should ask the primary to grant it', () => {
    const facts = factsFor('s@example.com', [holder('A', 'primary', 'p@example.com'), holder('A', 'secondary', 's@example.com')]);
    const access = check(facts, 'login-access');
    expect(access?.status).toBe('warn');
    expect(access?.fix).toContain('grant-access');
  });
});

describe('reset link lifetime (R3)', () => {
  const issuedAt = new Date('2026-11-27T10:00:00Z');
  const link: StoredLink = {
    id: 1,
    accountId: 'A',
    recipientEmail: 'p@x.test',
    recipientKey: 'p@x.test',
    recipientName: 'Pat X',
    recipientRole: 'primary',
    issuedAt: issuedAt.toISOString(),
    expiresAt: new Date(issuedAt.getTime() + RESET_LINK_LIFETIME_MS).toISOString(),
    supersededAt: null,
    supersededBy: null,
    revokedAt: null,
    revokedReason: null,
    deliveryStatus: 'sent',
    deliveryTransport: 'smtp',
  };

  it('is valid for two hours, then expired', () => {
    expect(RESET_LINK_LIFETIME_MS).toBe(2 * 3600 * 1000);
    expect(linkStatus(link, new Date(issuedAt.getTime() + RESET_LINK_LIFETIME_MS - 1))).toBe('valid');
    expect(linkStatus(link, new Date(issuedAt.getTime() + RESET_LINK_LIFETIME_MS))).toBe('expired');
  });

  it('is superseded by a newer link whatever its age', () => {
    expect(linkStatus({ ...link, supersededAt: issuedAt.toISOString() }, issuedAt)).toBe('superseded');
  });

  it('has a ten-minute cooldown', () => {
    expect(cooldownRemainingMs(link, new Date(issuedAt.getTime() + 60_000))).toBe(RESET_COOLDOWN_MS - 60_000);
    expect(cooldownRemainingMs(link, new Date(issuedAt.getTime() + RESET_COOLDOWN_MS))).toBe(0);
  });

  it('reports an outstanding link in pending-reset', () => {
    const all = [holder('A', 'primary', 'p@x.test')];
    const facts = factsFor('p@x.test', all, { latestLinks: new Map([[loginKey('A', 'p@x.test'), link]]), now: new Date(issuedAt.getTime() + 30 * 60_000) });
    const pending = check(facts, 'pending-reset');
    expect(pending?.title).toBe('A reset link is outstanding');
    expect(pending?.detail).toContain('1 hour 30 minutes');
  });
});

describe('suggestions', () => {
  it('spots mistyped provider domains, not real ones', () => {
    expect(likelyDomain('gmial.com')).toBe('gmail.com');
    expect(likelyDomain('hotmial.com')).toBe('hotmail.com');
    expect(likelyDomain('yaho.com')).toBe('yahoo.com');
    expect(likelyDomain('gmail.con')).toBe('gmail.com');
    expect(likelyDomain('gmail.com')).toBeNull();
    expect(likelyDomain('example.com')).toBeNull();
    expect(likelyDomain('acme-swim.org')).toBeNull();
  });

  it('puts the nearest stored addresses first, then the provider correction, never the key itself', () => {
    const result = rankSuggestions('jane.doe@gmial.com', ['jane.doe@gmial.com', 'jane.dolle@gmial.com', 'jane.dole@gmial.com', 'zed@other.com']);
    // distance 1, distance 2, then the provider correction (not stored); the key itself and far addresses never.
    expect(result).toEqual(['jane.dole@gmial.com', 'jane.dolle@gmial.com', 'jane.doe@gmail.com']);
  });

  it('counts a swap of neighbours as one edit', () => {
    expect(editDistance('gmial', 'gmail')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('abc', 'xyz', 1)).toBe(2);
  });
});

describe('planConflictFix (R1 fix)', () => {
  const holders = [holder('A', 'primary', 'pat@x.test'), holder('B', 'secondary', 'Pat@x.test'), holder('C', 'primary', 'pat@x.test')];

  it('removes from every other account, flagging primaries left without an address', () => {
    const plan = planConflictFix({ email: 'pat@x.test', keep: 'A', action: 'delete' }, holders, []);
    expect(plan.targets.map((t) => t.accountId)).toEqual(['B', 'C']);
    expect(plan.primariesLeftWithoutAddress.map((h) => h.accountId)).toEqual(['C']);
  });

  it('refuses a keep account that does not use the address', () => {
    expect(() => planConflictFix({ email: 'pat@x.test', keep: 'Z', action: 'delete' }, holders, [])).toThrow(/--keep must be one of: A, B, C/);
  });

  it('needs --only to change the address in more than one account', () => {
    expect(() => planConflictFix({ email: 'pat@x.test', keep: 'A', action: 'change', newEmail: 'new@x.test' }, holders, [])).toThrow(/--only/);
    const plan = planConflictFix({ email: 'pat@x.test', keep: 'A', action: 'change', newEmail: 'new@x.test', only: 'B' }, holders, []);
    expect(plan.targets.map((t) => t.accountId)).toEqual(['B']);
    expect(plan.untouched).toEqual(['C']);
  });

  it('refuses a new address that is malformed or used by another account', () => {
    expect(() => planConflictFix({ email: 'pat@x.test', keep: 'A', action: 'change', newEmail: 'nope', only: 'B' }, holders, [])).toThrow(/not a valid address/);
    expect(() => planConflictFix({ email: 'pat@x.test', keep: 'A', action: 'change', newEmail: 'q@x.test', only: 'B' }, holders, ['C'])).toThrow(/new conflict/);
    // Using it inside the very account being changed is allowed (same-account duplicates are fine).
    expect(planConflictFix({ email: 'pat@x.test', keep: 'A', action: 'change', newEmail: 'q@x.test', only: 'B' }, holders, ['B']).newEmailKey).toBe('q@x.test');
  });
});

describe('company settings', () => {
  it('warns when links, sender or name are missing, and not when all are set', () => {
    const all = [holder('A', 'primary', 'p@x.test')];
    expect(check(factsFor('p@x.test', all), 'company-links')).toBeUndefined();
    const bare = check(factsFor('p@x.test', all, { company: { name: 'Your company', signInUrl: null, resetUrl: 'https://x.test/r', embedHtml: null, sender: null }, companyNameIsPlaceholder: true }), 'company-links');
    expect(bare?.status).toBe('warn');
    expect(bare?.detail).toBe('Not set: the Account Sign-In link, the sender address, the company name. Links cannot be handed out and emails to customers cannot say who they are from.');
  });
});

describe('audit --since', () => {
  it('takes real dates and times; local time without a zone; refuses impossible dates', async () => {
    const { parseSince } = await import('../src/cli/commands/audit.js');
    expect(parseSince('2026-11-27T09:30Z')).toBe('2026-11-27T09:30:00.000Z');
    expect(parseSince('2026-11-27T09:30+02:00')).toBe('2026-11-27T07:30:00.000Z');
    expect(parseSince('2026-11-27')).toBe(new Date(2026, 10, 27).toISOString());
    expect(parseSince('2026-11-27 09:30')).toBe(new Date(2026, 10, 27, 9, 30).toISOString());
    for (const bad of ['2026-02-30', '2026-13-01', '2026-11-27T25:00', 'yesterday', '27/11/2026']) expect(() => parseSince(bad)).toThrow(/--since needs a real ISO 8601/);
  });
});
