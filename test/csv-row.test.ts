import { describe, expect, it } from '@jest/globals';
import { csvRow, spreadsheetSafe } from '../src/core/csv-row.js';

describe('spreadsheetSafe (OWASP CSV injection)', () => {
  it('a tab or carriage return first, or spaces before a formula, count too; ordinary text does not', () => {
    for (const cell of ['\t=1', '\r=1', '\tx', '\rx', '  =1', ' @x', '=', '+', '-', '@']) expect(spreadsheetSafe(cell)).toBe(`'${cell}`);
    for (const cell of ['Jane', 'a-b', 'x=1', 'jane+tag@example.com', '', '1.5', "'quoted"]) expect(spreadsheetSafe(cell)).toBe(cell);
  });

  it('csvRow neutralises before it quotes', () => {
    expect(csvRow(['=1,2', '\t=x', 'plain'])).toBe(`"'=1,2",'\t=x,plain`);
  });
});
