import { describe, expect, it } from '@jest/globals';
import { CopyWriter } from '../src/store/postgres/copy-batches.js';
import { routeAccountLines, settleLaterRuns } from '../src/store/postgres/route-account-lines.js';

// How an import into a store with no accounts splits the account lines (copy-batches.ts) between
// the accounts table and import_accounts (src/store/postgres/route-account-lines.ts).
describe('account lines of an import into an empty store (PostgreSQL)', () => {
  it('loads each first run into accounts, and keeps for the one-primary rule the later runs and the first runs without exactly one primary', () => {
    const lines = [
      'A1\tOne\t2\tf\t1',
      'A2\tTab\\there\t3\tf\t0',
      'A3\tBack\\\\slash\t4\tf\t2',
      'A1\tOne again\t5\tt\t1',
      'A4\tFour\t6\tt\t0',
      'A5\tFive\t7\tf\t10',
      'A6\tSix\t8\tf\t11',
    ];
    const { accounts, runs } = routeAccountLines(lines.map((line) => `${line}\n`).join(''), '2026-01-02T03:04:05.000Z');
    const at = '2026-01-02T03:04:05.000Z';
    expect(accounts).toBe(`A1\tOne\t${at}\nA2\tTab\\there\t${at}\nA3\tBack\\\\slash\t${at}\nA5\tFive\t${at}\nA6\tSix\t${at}\n`);
    expect(runs).toBe(`${[lines[1], lines[2], lines[3], lines[4], lines[5], lines[6]].join('\n')}\n`);
  });

  it('no lines: nothing either way', () => {
    expect(routeAccountLines('', 'x')).toEqual({ accounts: '', runs: '' });
  });

  it('a later part’s first runs of accounts the first part met become later runs; the others, and lines already `t`, stay', () => {
    // The first part's formatter met B\\1 (an id with a backslash, as COPY text) and C1.
    const first = new CopyWriter();
    first.format({ holders: ['B\\1', '2', 'primary', 'a', 'b', '', '', '0', 'a b', 'C1', '3', 'primary', 'a', 'b', '', '', '0', 'a b'], accounts: ['B\\1', 'Bee', '2', 'C1', 'See', '3'], rejected: [], rowsRead: 2, oddRuns: [] });
    const later = ['B\\\\1\tBee again\t900\tf\t0', 'D1\tDee\t901\tf\t1', 'C1\tSee\t902\tt\t1', 'E1\tEe\t903\tf\t2'].map((line) => `${line}\n`).join('');
    expect(settleLaterRuns(later, first.seen)).toBe(['B\\\\1\tBee again\t900\tt\t0', 'D1\tDee\t901\tf\t1', 'C1\tSee\t902\tt\t1', 'E1\tEe\t903\tf\t2'].map((line) => `${line}\n`).join(''));
    // An account larger than every one the first part met was not met there, whatever its bits
    // (K10065043, K1911246 and K47695 set Z1's three: test/copy-batches.test.ts).
    const met = new CopyWriter();
    met.format({
      holders: ['K10065043', 'K1911246', 'K47695'].flatMap((id, i) => [id, String(i + 2), 'primary', 'a', 'b', '', '', '0', 'a b']),
      accounts: ['K10065043', 'K1911246', 'K47695'].flatMap((id, i) => [id, 'Kay', String(i + 2)]),
      rejected: [],
      rowsRead: 3,
      oddRuns: [],
    });
    expect(settleLaterRuns('Z1\tZed\t900\tf\t1\nK47695\tKay\t901\tf\t1\n', met.seen)).toBe('Z1\tZed\t900\tf\t1\nK47695\tKay\t901\tt\t1\n');
    // Without the first part's filter, every run may have had one before.
    expect(settleLaterRuns(later, null)).toBe(later.replaceAll('\tf\t', '\tt\t'));
  });
});
