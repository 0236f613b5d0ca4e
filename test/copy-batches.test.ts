import { describe, expect, it } from '@jest/globals';
import { HOLDER_FIELDS, type ImportBatch } from '../src/core/import-batches.js';
import { copyBatches, CopyWriter } from '../src/store/postgres/copy-batches.js';

// The rows of a PostgreSQL import as COPY text (src/store/postgres/copy-batches.ts). The import's
// outcomes are compared with SQLite's in test/postgres.test.ts; this checks the account lines the
// one-primary rule and the account names are read from.

// Batches as the reader makes them: an account entry each time the account differs from the row before.
function batchesOf(rows: { account: string; role: 'primary' | 'secondary'; first?: string }[], perBatch: number): ImportBatch[] {
  const batches: ImportBatch[] = [];
  let last = '';
  rows.forEach((row, i) => {
    if (i % perBatch === 0) batches.push({ holders: [], accounts: [], rejected: [], rowsRead: 0, oddRuns: [] });
    const batch = batches[batches.length - 1]!;
    const line = String(i + 2);
    batch.holders.push(row.account, line, row.role, row.first ?? 'Al', 'Bee', '', '', '0', 'al bee');
    if (row.account !== last) batch.accounts.push(row.account, `Name of ${row.account}`, line);
    last = row.account;
    batch.rowsRead++;
  });
  return batches;
}

async function accountLines(batches: ImportBatch[]): Promise<string[][]> {
  let text = '';
  for await (const batch of copyBatches(batches)) text += batch.copy.accounts;
  return text.split('\n').filter((line) => line !== '').map((line) => line.split('\t'));
}

describe('COPY text of an import (PostgreSQL)', () => {
  it('lists each run of an account once, with its primaries, across batches; a later run of an account is flagged', async () => {
    const rows = [
      ...Array.from({ length: 7 }, (_, i) => ({ account: 'R1', role: i === 5 ? ('primary' as const) : ('secondary' as const) })),
      { account: 'S1', role: 'primary' as const },
      { account: 'R1', role: 'primary' as const },
    ];
    expect(await accountLines(batchesOf(rows, 3))).toEqual([
      ['R1', 'Name of R1', '2', 'f', '1'],
      ['S1', 'Name of S1', '9', 'f', '1'],
      ['R1', 'Name of R1', '10', 't', '1'],
    ]);
  });

  it('flags every account seen before, whatever the order, and few that were not', async () => {
    // 50,000 accounts; 10,000 of them come back later, in another order.
    const ids = Array.from({ length: 50_000 }, (_, i) => `ACC-${(i * 7919) % 50_021}`);
    const again = ids.filter((_, i) => i % 5 === 0).reverse();
    const rows = [...ids, ...again].map((account) => ({ account, role: 'primary' as const }));
    const lines = await accountLines(batchesOf(rows, 500));
    expect(lines).toHaveLength(60_000);
    const firsts = lines.slice(0, 50_000);
    expect(lines.slice(50_000).every((line) => line[3] === 't')).toBe(true);
    expect(firsts.filter((line) => line[3] === 't').length).toBeLessThan(50);
  });

  it('takes FP1 and FP2 for accounts seen before once three others have set their bits (test/postgres.test.ts relies on it)', async () => {
    const rows = ['K1477833', 'K1175736', 'K4414455', 'FP1', 'K8532679', 'K13116151', 'K7583204', 'FP2'].map((account) => ({ account, role: 'primary' as const }));
    const flags = (await accountLines(batchesOf(rows, 500))).map((line) => `${line[0]} ${line[3]}`);
    expect(flags).toEqual(['K1477833 f', 'K1175736 f', 'K4414455 f', 'FP1 t', 'K8532679 f', 'K13116151 f', 'K7583204 f', 'FP2 t']);
  });

  it('takes an account larger than every one before for a first run without looking in the filter: none of its false positives then', async () => {
    // K10065043, K1911246 and K47695 set the three bits of Z1 (as K… set FP1's above); Z1 comes
    // after them all in code-unit order, as accounts do in a sorted export, so it cannot have been met.
    const rows = ['K10065043', 'K1911246', 'K47695', 'Z1', 'A1', 'K47695'].map((account) => ({ account, role: 'primary' as const }));
    const flags = (await accountLines(batchesOf(rows, 500))).map((line) => `${line[0]} ${line[3]}`);
    expect(flags).toEqual(['K10065043 f', 'K1911246 f', 'K47695 f', 'Z1 f', 'A1 f', 'K47695 t']);
  });

  it('escapes backslashes, tabs and line breaks; no email is NULL', async () => {
    const [batch] = batchesOf([{ account: 'A\\1', role: 'primary', first: 'Tab\there' }], 10);
    let holders = '';
    for await (const copy of copyBatches([batch!])) holders += copy.copy.holders;
    expect(holders).toBe('A\\\\1\t2\tprimary\tTab\\there\tBee\t\\N\t\\N\t0\tal bee\n');
    expect(holders.split('\t')).toHaveLength(HOLDER_FIELDS.length);
  });

  it('numbers each row from the id given: the last id plus the row’s line', async () => {
    const [batch] = batchesOf([{ account: 'A1', role: 'primary' }, { account: 'A1', role: 'secondary' }], 10);
    let holders = '';
    for await (const copy of copyBatches([batch!], new CopyWriter(false, 1000))) holders += Buffer.from(copy.copy.holders).toString('utf8');
    expect(holders.split('\n').filter(Boolean).map((line) => line.split('\t').slice(0, 3))).toEqual([
      ['1002', 'A1', '2'],
      ['1003', 'A1', '3'],
    ]);
  });
});
