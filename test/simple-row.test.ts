import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { importBatches, type ImportBatch } from '../src/core/import-batches.js';
import { readHeader, readImportRow } from '../src/core/import-row.js';
import { LATIN_ACCOUNT_NAME, LATIN_FIRST_NAME, LATIN_LAST_NAME, readSimpleRow, SIMPLE, SimpleRow } from '../src/core/simple-row.js';
import { CopyWriter, type CopyReadyBatch } from '../src/store/postgres/copy-batches.js';

// A PostgreSQL import reads most rows by readSimpleRow (src/core/simple-row.ts) and writes them
// from their bytes (CopyWriter.simpleRow); every other row goes the general way (the CSV parser,
// readImportRow, CopyWriter.row). Both ways must give the same COPY text, account lines,
// refusals and counts for any file, cut into chunks anywhere.

const HEADER = ['account_id', 'account_name', 'role', 'first_name', 'last_name', 'email', 'login_access'];

async function* chunksOf(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

interface Read {
  holders: string;
  accounts: string;
  rejected: ImportBatch['rejected'];
  oddRuns: ImportBatch['oddRuns'];
  rowsRead: number;
  holderCount: number;
  /** Rows written from their bytes (the fast lane). */
  simpleRows: number;
}

// A writer that counts the rows it is given by the fast lane.
class CountingWriter extends CopyWriter {
  simpleRows = 0;
  override simpleRow(...args: Parameters<CopyWriter['simpleRow']>): void {
    this.simpleRows++;
    super.simpleRow(...args);
  }
}

// What the import reads of a file: with the fast lane (a CopyWriter as the reader's output), or
// the general way (the batches' value arrays, then CopyWriter.format), as the in-process import does.
async function read(bytes: Buffer, chunkSize: number, fast: boolean, idBase: number | null = null): Promise<Read | { error: string }> {
  const writer = new CountingWriter(false, idBase);
  const out: Read = { holders: '', accounts: '', rejected: [], oddRuns: [], rowsRead: 0, holderCount: 0, simpleRows: 0 };
  const add = (batch: CopyReadyBatch) => {
    out.holders += Buffer.from(batch.copy.holders).toString('utf8');
    out.accounts += batch.copy.accounts;
    out.rejected.push(...batch.rejected);
    out.oddRuns.push(...batch.oddRuns);
    out.rowsRead += batch.rowsRead;
    out.holderCount += batch.copy.holderCount;
  };
  try {
    for await (const batch of importBatches(chunksOf(bytes, chunkSize), 'file.csv', undefined, fast ? writer : undefined)) add(fast ? (batch as CopyReadyBatch) : writer.format(batch));
    if (!fast) out.accounts += writer.end();
    out.simpleRows = writer.simpleRows;
  } catch (error) {
    return { error: (error as Error).message };
  }
  return out;
}

const csv = (rows: string[][], newline = '\n') => Buffer.from(rows.map((row) => row.join(',')).join(newline) + newline, 'utf8');

describe('simple rows (PostgreSQL import)', () => {
  it('reads a plain row, a quoted name with a comma, escaped quotes in an account name and accented names itself; leaves other escaped quotes, accented addresses and odd values to the general reader', () => {
    const header = readHeader(HEADER);
    if (!header.ok) throw new Error(header.reason);
    const index = header.index;
    const row = new SimpleRow();
    const latin1 = (text: string) => Buffer.from(`${text}\n`, 'utf8').toString('latin1');
    const accepts = (text: string) => readSimpleRow(latin1(text), 0, index, row) >= 0;
    expect(accepts('A1,Rivera Family,primary,Sam,Rivera,Sam.Rivera@Example.com,')).toBe(true);
    expect(row.ranges[SIMPLE.role]).toBe(1);
    expect(accepts('A1, "Rivera, Sam" ,Secondary , Sam ,Rivera,,yes')).toBe(false); // a space before the quote: a stray quote
    expect(accepts('A1,"Rivera, Sam",Secondary , Sam ,Rivera,,YES')).toBe(true);
    expect([row.ranges[SIMPLE.role], row.ranges[SIMPLE.access]]).toEqual([2, 1]);
    expect(accepts('A1,Šimek Family,primary,Zoë,Šimek,z@example.cz,')).toBe(true);
    // Latin letters: checked on their bytes, nothing decoded.
    expect([row.latin, row.accountName, row.firstName, row.lastName]).toEqual([LATIN_ACCOUNT_NAME | LATIN_FIRST_NAME | LATIN_LAST_NAME, null, null, null]);
    // Other letters: decoded and checked the general way.
    expect(accepts('A1,Nguyễn Family,primary,Zoë,Nguyễn,z@example.vn,')).toBe(true);
    expect([row.latin, row.accountName, row.firstName, row.lastName]).toEqual([LATIN_FIRST_NAME, 'Nguyễn Family', null, 'Nguyễn']);
    // Escaped quotes in the account name (its range keeps them as written, its text has one each).
    expect(accepts('A1,"The ""Rivera"" Household",primary,Sam,Rivera,,')).toBe(true);
    expect(accepts('A1,"Nguyễn ""Ng"" Family",primary,Sam,Rivera,,')).toBe(true);
    expect(row.accountName).toBe('Nguyễn "Ng" Family');
    for (const general of [
      'A1,Rivera,primary,"Say ""hi""",Rivera,,', // an escaped quote in a name
      'A1,"Say ""hi""",primary,"Sam ""S""",Rivera,,', // in two fields
      'A1,Rivera,primary,Sam,Rivera,zoë@example.com,', // an address beyond ASCII
      'A1,Rivera,primary,Sam,Rivera,sam@xn--bcher-kva.example,', // IDNA
      'A1,Rivera,primary,Sam,Rivera,sam@example.123,', // a domain ending in digits
      'A1,Rivera,owner,Sam,Rivera,,', // a role to refuse
      'A1,Rivera,primary,Sam,Rivera,,maybe', // login access to refuse
      'A1,Rivera,secondary,Sam,Rivera,,constructor', // not a login access value, though Object has it
      'A1,Rivera,primary,Sam\\,Rivera,,', // a backslash
      'A1,Rivera,primary,Sam\tT,Rivera,,', // a tab
      'A1,Rivera,primary,\u00a0Sam,Rivera,,', // a space beyond ASCII, trimmed the general way
      'A1,Rivera,primary,Sa\u00adm,Rivera,,', // an invisible character
      ',Rivera,primary,Sam,Rivera,,', // no account
      'A1,Rivera,primary,Sam,Rivera,', // a field too few
      `A1,Rivera,primary,${'S'.repeat(201)},Rivera,,`, // too long
    ]) {
      expect([general, accepts(general)]).toEqual([general, false]);
    }
    // A row that goes on past the text read so far: the general reader waits for the rest.
    expect(readSimpleRow('A1,Rivera,primary,Sam,Rivera,,', 0, index, row)).toBe(-1);
  });

  it('gives the same COPY text, account lines, refusals and counts as the general reader, for any file cut anywhere', async () => {
    const piece = fc.constantFrom('a', 'B', 'z', ' ', '-', "'", '.', 'é', 'Š', 'ø', 'İ', 'ß', 'Ł', 'ǅ', '×', 'Ĳ', 'ſ', 'ɏ', 'ɐ', '’', 'ễ', '日', '😀', '\u00a0', '\u00ad', '\u0085', '\u2028', '"', ',', '\\', '\t', '\r\n', '\n', '\u007f', 'xn--');
    const text = fc.string({ unit: piece, maxLength: 8 });
    const name = fc.oneof({ arbitrary: fc.constantFrom('Sam', 'Mary-Jane', "O'Neil", ' Lee ', 'Nguyễn  Văn', 'Zoë', 'Šimek', 'Ann', 'Đặng', ''), weight: 4 }, { arbitrary: text, weight: 1 });
    const field = (value: fc.Arbitrary<string>) =>
      fc.tuple(value, fc.constantFrom('plain', 'plain', 'quoted')).map(([v, how]) => (how === 'quoted' ? `"${v.replaceAll('"', '""')}"` : v));
    const email = fc.oneof(
      { arbitrary: fc.constantFrom('', 'sam@example.com', 'x.y+z@Mail.example.org'), weight: 4 },
      fc.constantFrom('', ' ', 'sam@example.com', 'Sam.Rivera@Example.COM', ' a.b@c.de ', 'a..b@c.de', 'a@b', 'a@b.123', 'a@-b.com', 'a@xn--bcher-kva.example', 'zoë@example.com', 'a@b.c_d', `${'x'.repeat(65)}@example.com`, `a@${'d'.repeat(64)}.com`),
      fc.tuple(text, text).map(([local, domain]) => `${local}@${domain}.com`),
    );
    const account = fc.oneof({ arbitrary: fc.constantFrom('A1', 'A2', 'A3', ' A1'), weight: 4 }, fc.constantFrom('A\\4', '', 'Ä5'));
    const row = fc.tuple(
      field(account),
      field(name),
      field(fc.oneof({ arbitrary: fc.constantFrom('primary', 'secondary', 'Secondary', ' PRIMARY '), weight: 4 }, fc.constantFrom('owner', ''))),
      field(name),
      field(name),
      field(email),
      field(fc.constantFrom('', 'yes', 'No', ' y ', 'TRUE', 'false', '1', '0', 'maybe')),
    );
    const file = fc.record({
      order: fc.shuffledSubarray([0, 1, 2, 3, 4, 5, 6], { minLength: 7, maxLength: 7 }),
      extra: fc.boolean(),
      rows: fc.array(fc.oneof(row, row, row, fc.constant(null)), { maxLength: 25 }),
      newline: fc.constantFrom('\n', '\r\n', '\r'),
      chunkSize: fc.oneof(fc.integer({ min: 1, max: 200 }), fc.constant(65536)),
      // (Rows numbered from an id, as a PostgreSQL import does, or not.)
      idBase: fc.constantFrom(null, 0, 41, 2_000_000_000),
    });
    let fastRows = 0;
    await fc.assert(
      fc.asyncProperty(file, async ({ order, extra, rows, newline, chunkSize, idBase }) => {
        const arrange = (fields: string[]) => [...order.map((i) => fields[i]!), ...(extra ? ['x'] : [])];
        // (null: a line with a field too many or too few.)
        const lines = rows.map((fields) => (fields === null ? ['A1', 'x'] : arrange(fields)));
        const bytes = csv([arrange(HEADER), ...lines], newline);
        const fast = await read(bytes, chunkSize, true, idBase);
        const general = await read(bytes, chunkSize, false, idBase);
        if ('simpleRows' in fast && 'simpleRows' in general) {
          fastRows += fast.simpleRows;
          general.simpleRows = fast.simpleRows;
        }
        expect(fast).toEqual(general);
      }),
      { numRuns: 400 },
    );
    // (The property is not empty: many rows were read by the fast lane.)
    expect(fastRows).toBeGreaterThan(100);
  });

  it('refuses a login access that only an object’s prototype knows (constructor, __proto__, toString), either way', async () => {
    const header = readHeader(HEADER);
    if (!header.ok) throw new Error(header.reason);
    for (const word of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      const result = readImportRow(['A1', 'Rivera', 'secondary', 'Sam', 'Rivera', '', word], header.index);
      expect([word, result.ok]).toEqual([word, false]);
    }
    const bytes = csv([HEADER, ['A1', 'Rivera', 'primary', 'Sam', 'Rivera', '', ''], ['A1', 'Rivera', 'secondary', 'Al', 'Rivera', '', 'constructor']]);
    const fast = (await read(bytes, 1 << 20, true)) as Read;
    expect(fast.rejected).toEqual([{ line: 3, reason: expect.stringContaining('login_access must be'), accountId: 'A1' }]);
    expect({ ...fast, simpleRows: 0 }).toEqual(await read(bytes, 1 << 20, false));
  });

  it('reads each kind of character in each name field as the general reader does (refused, trimmed, folded or kept)', async () => {
    const chars = ['é', 'Š', 'Ł', 'ǅ', '×', 'Ĳ', 'ſ', 'ɏ', 'ɐ', 'İ', 'ß', 'Æ', 'ễ', '’', '日', '😀', '\u00a0', '\u00ad', '\u0085', '\u2028', '\u200b', '\ufeff', '\u034f', '\u3164', '\u202e'];
    const rows: string[][] = [];
    for (const char of chars) {
      for (const value of [`Zo${char}`, `${char}Zoe`, `Zoe${char}`, `A${char}-${char}b`]) {
        rows.push(['A1', value, 'primary', 'Zoe', 'Smith', '', ''], ['A2', 'Smith', 'primary', value, 'Smith', '', ''], ['A3', 'Smith', 'primary', 'Zoe', value, '', '']);
      }
    }
    const bytes = csv([HEADER, ...rows]);
    const fast = await read(bytes, 1 << 20, true);
    const general = await read(bytes, 1 << 20, false);
    expect({ ...fast, simpleRows: 0 }).toEqual(general);
    // Some are refused (invisible characters), some read by the fast lane, some the general way.
    expect((general as Read).rejected.length).toBeGreaterThan(20);
    expect((fast as Read).simpleRows).toBeGreaterThan(100);
  });

  it('reads an export of plain rows through the fast lane, byte for byte as the general reader', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => [`A${Math.floor(i / 2)}`, i % 7 === 0 ? '"Rivera, Sam"' : 'Šimek Family', i % 2 ? 'secondary' : 'primary', 'Zoë', "O'Neil-Šimek", i % 5 ? `Zoe.${i}@Example.com` : '', i % 3 ? 'yes' : '']);
    const bytes = csv([HEADER, ...rows]);
    const fast = await read(bytes, 65536, true);
    expect(fast).toMatchObject({ rowsRead: 3000, holderCount: 3000, rejected: [] });
    // All but the few rows a chunk's end cuts (the general reader takes those).
    const { simpleRows } = fast as Read;
    expect(simpleRows).toBeGreaterThan(2990);
    expect(fast).toEqual({ ...(await read(bytes, 65536, false)), simpleRows });
  });
});
