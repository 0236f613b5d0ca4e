import { describe, expect, it } from '@jest/globals';
import { visibleWidth, wrapText } from '../src/ui/wrap-text.js';

describe('wrapText', () => {
  const sentence = 'Tom Smith is a secondary holder without login access: reset emails go to the primary, Maria Smith, whose login access granted nothing.';

  it('never cuts a word at 80 columns and keeps every line within the width', () => {
    const wrapped = wrapText(`    ${sentence}`, 80);
    for (const line of wrapped.split('\n')) expect(visibleWidth(line)).toBeLessThanOrEqual(80);
    expect(wrapped.replace(/\s+/g, ' ').trim()).toBe(sentence);
    expect(wrapped).not.toMatch(/\Sg\n\s*ranted/);
  });

  it('hangs continuation lines under the text after a mark or a list number', () => {
    expect(wrapText(`✔ ${sentence}`, 40).split('\n').slice(1).every((line) => line.startsWith('  ') && !line.startsWith('   '))).toBe(true);
    expect(wrapText(`  2. ${sentence}`, 40).split('\n').slice(1).every((line) => line.startsWith('     ') && line[5] !== ' ')).toBe(true);
    expect(wrapText(`    → ${sentence}`, 40).split('\n')[1]).toMatch(/^ {6}\S/);
  });

  it('leaves a word longer than the line (a link) whole, on a line of its own', () => {
    const link = `https://app.enrollsy.com/account/password-reset?company=sunrise-swim&token=${'a'.repeat(43)}`;
    const wrapped = wrapText(`    Open ${link} now`, 80);
    expect(wrapped.split('\n')).toContain(`    ${link}`);
  });

  it('does not count colour codes as width', () => {
    const red = `\x1b[31m${'word '.repeat(15).trim()}\x1b[39m`;
    expect(wrapText(red, 80)).toBe(red);
  });
});
