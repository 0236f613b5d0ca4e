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
    ["o'brien+club@example.com"],
    ['x{1}|y~z@sub-domain.example.co.uk'],
    ['zoë.müller@example.de'],
    ['пользователь@пример.рф'],
    ['a@123.example.com'],
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
    // issue 8: extra syntax that mail software reads as another address
    ['<jane.doe@example.com>', 'angle bracket'],
    ['a@example.com>', 'angle bracket'],
    ['a@x.com(comment)', 'parenthesis'],
    ['a(comment)@x.com', 'parenthesis'],
    ['a<b>@x.com', 'angle bracket'],
    ['a,b@x.com', 'comma'],
    ['a@x.com\\', 'backslash'],
    ['"quoted"@x.com', 'quotation mark'],
    ['user@[127.0.0.1]', 'IP address'],
    ['user@127.0.0.1', 'IP address'],
    ['.jane@example.com', 'starts with a dot'],
    ['jane.@example.com', 'ends with a dot'],
    ['ja..ne@example.com', 'two dots'],
    ['jane@-example.com', 'hyphen'],
    ['jane@exa_mple.com', 'underscore'],
    ['jane@ｅxample.com', 'type it as example.com'],
    ['jane@xn--exmple-cua.de', 'type it as exämple.de'],
    [`jane@${'b'.repeat(64)}.com`, 'longer than 63'],
    // invisible and format characters
    ['ja\u00adne@example.com', 'invisible'],
    ['ja\u034fne@example.com', 'invisible'],
    ['ja\u061cne@example.com', 'invisible'],
    ['ja\u115fne@example.com', 'invisible'],
    ['ja\u1160ne@example.com', 'invisible'],
    ['ja\u3164ne@example.com', 'invisible'],
    ['jane\u{e0041}@example.com', 'invisible'],
    ['jane@exa\u{e007f}mple.com', 'invisible'],
    ['ja\u2028ne@example.com', 'space'],
    ['ja\u2029ne@example.com', 'space'],
    ['ja\u200bne@example.com', 'invisible'],
    ['ja\u202ene@example.com', 'invisible'],
  ])('refuses %j (%s)', (value, reason) => {
    expect(emailProblem(value)).toContain(reason);
    expect(isWellFormedEmail(value)).toBe(false);
  });
});

describe('emailProblem properties', () => {
  const atext = fc.constantFrom(...'abcxyzABC019!#$%&\'*+/=?^_`{|}~-'.split(''), 'é', 'ß', 'ü');
  const atom = fc.array(atext, { minLength: 1, maxLength: 8 }).map((chars) => chars.join(''));
  const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?$/);
  const address = fc
    .tuple(fc.array(atom, { minLength: 1, maxLength: 3 }), fc.array(label, { minLength: 1, maxLength: 3 }), fc.constantFrom('com', 'de', 'example'))
    .map(([atoms, labels, tld]) => `${atoms.join('.')}@${labels.join('.')}.${tld}`);

  it('accepts every dot-atom address with host-name labels', () => {
    fc.assert(fc.property(address, (value) => expect(emailProblem(value)).toBeNull()));
  });

  it('refuses any of them with a character of address syntax, an invisible or a format character put anywhere', () => {
    const intruder = fc.constantFrom('<', '>', '(', ')', '[', ']', ',', ';', ':', '"', '\\', ' ', '\u00ad', '\u034f', '\u061c', '\u115f', '\u1160', '\u3164', '\u{e0020}', '\u2028', '\u2029', '\u200d', '\u0000', '\u001b');
    fc.assert(
      fc.property(address, intruder, fc.nat(), (value, char, at) => {
        const position = at % (value.length + 1);
        const spoiled = `${value.slice(0, position)}${char}${value.slice(position)}`;
        if (spoiled.trim() !== spoiled) return; // a leading or trailing space is trimmed, as the contract says
        expect(emailProblem(spoiled)).not.toBeNull();
      }),
    );
  });
});

describe('shortForMessage', () => {
  it('shows control and invisible characters as escapes and shortens long values', async () => {
    const { shortForMessage } = await import('../src/core/email.js');
    expect(shortForMessage('a\u001b[2Jb\u202ec')).toBe('a\\u{1b}[2Jb\\u{202e}c');
    expect(shortForMessage('x'.repeat(500), 10)).toBe(`${'x'.repeat(9)}…`);
  });
});
