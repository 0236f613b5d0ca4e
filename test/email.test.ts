import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { emailProblem, isWellFormedEmail, normalizeEmail } from '../src/core/email.js';

describe('normalizeEmail', () => {
  it('trims, lower-cases and composes to NFC', () => {
    expect(normalizeEmail('  Jane@Example.COM \t')).toBe('jane@example.com');
    // "Zoë" typed with a combining diaeresis equals the precomposed form.
    expect(normalizeEmail('Zoe\u0308@Example.de')).toBe('zo\u00eb@example.de');
    expect(normalizeEmail('ZOË@EXAMPLE.DE')).toBe('zoë@example.de');
  });

  it('agrees with the full definition on any string (the ASCII fast path changes nothing)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.constantFrom(' A@B.C ', 'Zoe\u0308@X.de', '\tX@Y.z')), (value) => {
        expect(normalizeEmail(value)).toBe(value.trim().normalize('NFC').toLowerCase().normalize('NFC'));
      }),
    );
  });

  it('is idempotent and ignores surrounding whitespace and case', () => {
    fc.assert(
      fc.property(fc.string(), (value) => {
        const key = normalizeEmail(value);
        expect(normalizeEmail(key)).toBe(key);
        expect(normalizeEmail(` ${value.toUpperCase()}\n`)).toBe(normalizeEmail(value.toUpperCase()));
      }),
    );
  });
});

describe('emailProblem (the contract definition)', () => {
  it.each([
    ['jane@example.com'],
    ['  jane@example.com  '],
    ['josé.müller@exämple.de'],
    ['a@b.co'],
  ])('accepts %s', (value) => expect(emailProblem(value)).toBeNull());

  it.each([
    ['', 'empty'],
    ['jane.example.com', 'no "@"'],
    ['jane@@example.com', 'more than one'],
    ['@example.com', 'before the "@"'],
    ['jane@', 'after the "@"'],
    ['jane@localhost', 'no dot'],
    ['jane@example..com', 'empty part'],
    ['ja ne@example.com', 'space'],
    [`${'a'.repeat(65)}@example.com`, 'longer than 64'],
    [`a@${'b'.repeat(250)}.com`, 'longer than 254'],
  ])('refuses %j (%s)', (value, reason) => {
    expect(emailProblem(value)).toContain(reason);
    expect(isWellFormedEmail(value)).toBe(false);
  });
});

describe('shortForMessage', () => {
  it('shows control and invisible characters as escapes and shortens long values', async () => {
    const { shortForMessage } = await import('../src/core/email.js');
    expect(shortForMessage('a\u001b[2Jb\u202ec')).toBe('a\\u{1b}[2Jb\\u{202e}c');
    expect(shortForMessage('x'.repeat(500), 10)).toBe(`${'x'.repeat(9)}…`);
  });
});
