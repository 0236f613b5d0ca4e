import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { isUtf8 } from 'node:buffer';
import { CsvSyntaxError, csvRecords, type CsvRecord } from '../src/core/csv-records.js';
import { firstInvalidUtf8 } from '../src/core/utf8-chunks.js';

type Chunk = string | Buffer;

async function* chunked(chunks: readonly Chunk[]): AsyncGenerator<Chunk> {
  for (const chunk of chunks) yield chunk;
}

async function parseChunks(chunks: readonly Chunk[]): Promise<CsvRecord[]> {
  const records: CsvRecord[] = [];
  for await (const record of csvRecords(chunked(chunks))) records.push(record);
  return records;
}

const parse = (text: string): Promise<CsvRecord[]> => parseChunks([text]);

/** Records yielded before the failure, and the failure itself (which must be a CsvSyntaxError). */
async function parseFailure(chunks: readonly Chunk[]): Promise<{ records: CsvRecord[]; error: CsvSyntaxError }> {
  const records: CsvRecord[] = [];
  try {
    for await (const record of csvRecords(chunked(chunks))) records.push(record);
  } catch (error) {
    expect(error).toBeInstanceOf(CsvSyntaxError);
    return { records, error: error as CsvSyntaxError };
  }
  throw new Error(`expected a CsvSyntaxError, got ${JSON.stringify(records)}`);
}

/** Either the records or the error (message and line), so whole and chunked runs can be compared. */
async function outcome(chunks: readonly Chunk[]): Promise<unknown> {
  try {
    return { records: await parseChunks(chunks) };
  } catch (error) {
    if (!(error instanceof CsvSyntaxError)) throw error;
    return { error: error.message, line: error.line };
  }
}

const oneByteBuffers = (bytes: Buffer): Buffer[] => Array.from(bytes, (byte) => Buffer.from([byte]));

/** Cuts `whole` at the given offsets (any order, duplicates allowed, so empty chunks occur too). */
function cutAt<T extends Chunk>(whole: T, offsets: readonly number[]): T[] {
  const points = [...offsets].sort((a, b) => a - b);
  const pieces: T[] = [];
  let from = 0;
  for (const point of points) {
    pieces.push(whole.slice(from, point) as T);
    from = point;
  }
  pieces.push(whole.slice(from) as T);
  return pieces;
}

const rec = (line: number, ...fields: string[]): CsvRecord => ({ line, fields });

describe('csvRecords: RFC 4180 fields', () => {
  it('splits plain records on commas and line breaks', async () => {
    expect(await parse('email,first,last\njane@example.com,Jane,Doe\n')).toEqual([
      rec(1, 'email', 'first', 'last'),
      rec(2, 'jane@example.com', 'Jane', 'Doe'),
    ]);
  });

  it('keeps commas inside quoted fields', async () => {
    expect(await parse('"Doe, Jane",x\n"a,b,c"\n')).toEqual([rec(1, 'Doe, Jane', 'x'), rec(2, 'a,b,c')]);
  });

  it('turns "" inside a quoted field into one quote', async () => {
    expect(await parse('"say ""hi""",""""\n"",x\n')).toEqual([rec(1, 'say "hi"', '"'), rec(2, '', 'x')]);
  });

  it('keeps empty fields, including a trailing one', async () => {
    expect(await parse('a,,b\n,\nc,\n')).toEqual([rec(1, 'a', '', 'b'), rec(2, '', ''), rec(3, 'c', '')]);
    expect(await parse('a,')).toEqual([rec(1, 'a', '')]);
  });

  it('keeps line breaks inside quoted fields and numbers the following records by physical line', async () => {
    const text = 'id,note\n1,"line one\nline two\r\nline three\rline four"\n2,"x\n\ny"\n3,z\n';
    expect(await parse(text)).toEqual([
      rec(1, 'id', 'note'),
      rec(2, '1', 'line one\nline two\r\nline three\rline four'),
      rec(6, '2', 'x\n\ny'),
      rec(9, '3', 'z'),
    ]);
  });

  it('accepts CRLF and lone CR line endings without leaking CR into fields', async () => {
    expect(await parse('a,b\r\nc,d\r\n')).toEqual([rec(1, 'a', 'b'), rec(2, 'c', 'd')]);
    expect(await parse('a\rb\r\rc')).toEqual([rec(1, 'a'), rec(2, 'b'), rec(4, 'c')]);
    expect(await parse('"q"\r\n"r"\r"s"')).toEqual([rec(1, 'q'), rec(2, 'r'), rec(3, 's')]);
  });

  it('keeps whitespace, which is data in RFC 4180', async () => {
    expect(await parse(' a , b \n   \n\t\n')).toEqual([rec(1, ' a ', ' b '), rec(2, '   '), rec(3, '\t')]);
  });

  it('keeps non-ASCII text', async () => {
    expect(await parse('Zoë,José,"日本, 😀"\n')).toEqual([rec(1, 'Zoë', 'José', '日本, 😀')]);
  });
});

describe('csvRecords: lines and input edges', () => {
  it('skips empty lines but still counts them', async () => {
    expect(await parse('\na\n\n\nb\n\n')).toEqual([rec(2, 'a'), rec(5, 'b')]);
    expect(await parse('\r\n\r\na,b\r\n\r\n\r\nc\r\n')).toEqual([rec(3, 'a', 'b'), rec(6, 'c')]);
  });

  it('yields a last record that has no final line break', async () => {
    expect(await parse('a,b\nc,d')).toEqual([rec(1, 'a', 'b'), rec(2, 'c', 'd')]);
    expect(await parse('a\n"x,y"')).toEqual([rec(1, 'a'), rec(2, 'x,y')]);
    expect(await parse('a\n""')).toEqual([rec(1, 'a'), rec(2, '')]);
  });

  it('yields nothing for empty input or input of only line breaks', async () => {
    expect(await parse('')).toEqual([]);
    expect(await parseChunks([])).toEqual([]);
    expect(await parse('\n\r\n\r')).toEqual([]);
  });

  it('drops a UTF-8 byte order mark at the very start only', async () => {
    const expected = [rec(1, 'email'), rec(2, '\uFEFFx')];
    expect(await parse('\uFEFFemail\n\uFEFFx\n')).toEqual(expected);
    const bytes = Buffer.from('\uFEFFemail\n\uFEFFx\n', 'utf8');
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(await parseChunks([bytes])).toEqual(expected);
    expect(await parseChunks(oneByteBuffers(bytes))).toEqual(expected);
    expect(await parseChunks(['', '\uFEFFemail\n', '\uFEFFx\n'])).toEqual(expected);
  });

  it('refuses invalid UTF-8 (a Latin-1 export) instead of storing U+FFFD, naming the line', async () => {
    // The second chunk is pure ASCII but must still go through the decoder holding 0xC3.
    await expect(parseChunks([Buffer.from([0x61, 0xc3]), Buffer.from('b\n')])).rejects.toThrow(CsvSyntaxError);
    await expect(parseChunks([Buffer.from([0x61, 0xc3])])).rejects.toThrow(/not UTF-8/);
    await expect(parseChunks([Buffer.from([0x61, 0xc3]), 'b\n'])).rejects.toThrow(/not UTF-8/);
    await expect(parseChunks([Buffer.from('a,b\nc,d\nM\xfcller\n', 'latin1')])).rejects.toMatchObject({ line: 3 });
  });
});

describe('csvRecords: chunk boundaries', () => {
  // Every feature in one input, so each boundary case is covered: CRLF split between CR and
  // LF, a "" escape split between its quotes, multi-byte characters split between bytes.
  const text =
    '\uFEFFname,city,note\r\n' +
    'Zoë,"São Paulo, BR","she said ""olá"""\r\n' +
    '\r\n' +
    'José,"multi\r\nline\nnote","日本 😀"\n' +
    '\n' +
    '"",x,"a\rb"\r' +
    'last,,"no newline"';
  const expected = [
    rec(1, 'name', 'city', 'note'),
    rec(2, 'Zoë', 'São Paulo, BR', 'she said "olá"'),
    rec(4, 'José', 'multi\r\nline\nnote', '日本 😀'),
    rec(8, '', 'x', 'a\rb'),
    rec(10, 'last', '', 'no newline'),
  ];
  const bytes = Buffer.from(text, 'utf8');

  it('parses the whole input as expected', async () => {
    expect(await parse(text)).toEqual(expected);
    expect(await parseChunks([bytes])).toEqual(expected);
  });

  it('gives the same records for every two-chunk split of the bytes', async () => {
    for (let at = 0; at <= bytes.length; at++) {
      const records = await parseChunks([bytes.subarray(0, at), bytes.subarray(at)]);
      if (JSON.stringify(records) !== JSON.stringify(expected)) {
        throw new Error(`split at byte ${at} gave ${JSON.stringify(records)}`);
      }
    }
  });

  it('gives the same records for every two-chunk split of the string', async () => {
    for (let at = 0; at <= text.length; at++) {
      const records = await parseChunks([text.slice(0, at), text.slice(at)]);
      if (JSON.stringify(records) !== JSON.stringify(expected)) {
        throw new Error(`split at character ${at} gave ${JSON.stringify(records)}`);
      }
    }
  });

  it('gives the same records when fed one byte at a time', async () => {
    expect(await parseChunks(oneByteBuffers(bytes))).toEqual(expected);
  });

  it('reassembles "Zoë" and "José" split inside their two-byte characters', async () => {
    const zoe = Buffer.from('Zoë,José\n', 'utf8');
    const eAcute = zoe.indexOf(Buffer.from('é', 'utf8'));
    expect(await parseChunks([zoe.subarray(0, 3), zoe.subarray(3)])).toEqual([rec(1, 'Zoë', 'José')]);
    expect(await parseChunks([zoe.subarray(0, eAcute + 1), zoe.subarray(eAcute + 1)])).toEqual([
      rec(1, 'Zoë', 'José'),
    ]);
  });

  it('accepts a mix of string and byte chunks', async () => {
    expect(await parseChunks(['a,"b', Buffer.from('\nc",d\n'), 'e,', Buffer.from('f')])).toEqual([
      rec(1, 'a', 'b\nc', 'd'),
      rec(3, 'e', 'f'),
    ]);
  });
});

describe('csvRecords: syntax errors', () => {
  it('reports an unterminated quoted field with the line where its record starts', async () => {
    const { records, error } = await parseFailure(['a,b\n"open,x\nmore\n']);
    expect(records).toEqual([rec(1, 'a', 'b')]);
    expect(error.line).toBe(2);
    expect(error.message).toMatch(/unterminated quoted field starting on line 2\b/);
    expect(error.message).toMatch(/closing "/);
    expect(error.name).toBe('CsvSyntaxError');
  });

  it('names both lines when the open quote is on a later line than the record start', async () => {
    const { error } = await parseFailure(['x\n1,"two\nlines","open\n']);
    expect(error.line).toBe(2);
    expect(error.message).toMatch(/starting on line 3 \(in the record that starts on line 2\)/);
  });

  it('reports a quote inside an unquoted field', async () => {
    const { records, error } = await parseFailure(['a,b\r\n\r\nc,d"e\nf\n']);
    expect(records).toEqual([rec(1, 'a', 'b')]);
    expect(error.line).toBe(3);
    expect(error.message).toMatch(/stray " in unquoted field 2 of the record on line 3/);
    expect(error.message).toMatch(/double quotes/);
  });

  it('reports text between a closing quote and the next separator', async () => {
    const { error } = await parseFailure(['"ab"c,d\n']);
    expect(error.line).toBe(1);
    expect(error.message).toMatch(/after the closing " of field 1 in the record on line 1/);
    // A space counts too: RFC 4180 has no padding around quoted fields.
    expect((await parseFailure(['x,"a" ,b'])).error.line).toBe(1);
  });

  it('gives the record start line of an error that follows a multi-line quoted field', async () => {
    const { error } = await parseFailure(['id\n"a\nb"c\n']);
    expect(error.line).toBe(2);
    expect(error.message).toMatch(/field 1 in the record on line 2/);
  });

  it('finds the same errors when fed one byte at a time', async () => {
    for (const text of ['a,b\n"open,x\nmore\n', 'a,b\r\n\r\nc,d"e\nf\n', 'id\n"a\nb"c\n']) {
      const whole = await outcome([text]);
      expect(whole).toHaveProperty('error');
      expect(await outcome(oneByteBuffers(Buffer.from(text, 'utf8')))).toEqual(whole);
    }
  });

  it('keeps every message on one line', async () => {
    for (const text of ['"a\n\nb', 'a"b', '"a"b', '1,"x\r\ny","z']) {
      const { error } = await parseFailure([text]);
      expect(error.message).not.toMatch(/[\r\n]/);
    }
  });
});

describe('csvRecords: properties', () => {
  // Biased towards the characters that matter to CSV, plus arbitrary code points.
  const csvChar = fc.oneof(
    fc.constantFrom('"', ',', '\r', '\n', ' ', 'a', 'ë', 'é', '日', '😀', '\uFEFF'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  );
  const field = fc.string({ unit: csvChar, maxLength: 8 });
  const records = fc.array(fc.array(field, { minLength: 1, maxLength: 5 }), { maxLength: 8 });

  const quote = (value: string): string => `"${value.replaceAll('"', '""')}"`;

  it('round-trips fully quoted records through any chunking, with correct line numbers', async () => {
    await fc.assert(
      fc.asyncProperty(
        records,
        fc.constantFrom('\n', '\r\n'),
        fc.boolean(),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 12 }),
        async (rows, newline, finalNewline, asBytes, cuts) => {
          const text =
            rows.map((row) => row.map(quote).join(',')).join(newline) + (finalNewline && rows.length > 0 ? newline : '');
          // Line numbers computed independently: each record starts after the previous one's
          // line breaks (its own and the separator).
          let line = 1;
          const expected = rows.map((fields) => {
            const record = rec(line, ...fields);
            line += 1 + fields.reduce((sum, value) => sum + (value.match(/\r\n|\r|\n/g)?.length ?? 0), 0);
            return record;
          });
          const whole: Chunk = asBytes ? Buffer.from(text, 'utf8') : text;
          const chunks = cutAt(whole, cuts.map((cut) => cut % (whole.length + 1)));
          expect(await parseChunks(chunks)).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reports a CSV error before invalid bytes in the same chunk first, and invalid bytes on their own line after a CR cut from its LF', async () => {
    const early = Buffer.concat([Buffer.from('a,b\n"Fam"ily,x\nc,d\n'), Buffer.from([0xff]), Buffer.from('\n')]);
    await expect(parseChunks([early])).rejects.toThrow(/^unexpected text after the closing " of field 1 in the record on line 2/);
    const afterCrLf = [Buffer.from('h\r'), Buffer.concat([Buffer.from('\n'), Buffer.from([0x80]), Buffer.from('A')])];
    const { error } = await parseFailure(afterCrLf);
    expect({ message: error.message, line: error.line }).toEqual({ message: expect.stringContaining('invalid bytes on line 2'), line: 2 });
  });

  it('gives the same result (records or error) however arbitrary bytes are chunked', async () => {
    // Bytes include CSV syntax, UTF-8 lead and continuation bytes, a BOM and invalid bytes.
    const byte = fc.constantFrom(0x22, 0x2c, 0x0a, 0x0d, 0x20, 0x61, 0xc3, 0xab, 0xe6, 0x97, 0xa5, 0xef, 0xbb, 0xbf, 0xff);
    await fc.assert(
      fc.asyncProperty(fc.array(byte, { maxLength: 40 }), fc.array(fc.nat(), { maxLength: 8 }), async (values, cuts) => {
        const bytes = Buffer.from(values);
        const chunkings = [[bytes], cutAt(bytes, cuts.map((cut) => cut % (bytes.length + 1))), oneByteBuffers(bytes)];
        const outcomes = await Promise.all(chunkings.map((chunks) => outcome(chunks)));
        // The same records, or the same first error on the same line, invalid UTF-8 included (a
        // large file is read in parts whose chunks are cut elsewhere than a whole read's).
        for (const result of outcomes) expect(result).toEqual(outcomes[0]);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('firstInvalidUtf8', () => {
  it('finds where bytes stop being UTF-8 by the rule isUtf8 applies (overlong forms, surrogates, above U+10FFFF, cut sequences)', () => {
    const byte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x80, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0x9f, 0xa0, 0x8f, 0x90));
    const text = fc.string({ unit: 'grapheme', maxLength: 6 }).map((value) => [...Buffer.from(value, 'utf8')]);
    fc.assert(
      fc.property(fc.array(fc.oneof(text, fc.array(byte, { maxLength: 4 })), { maxLength: 6 }), (pieces) => {
        const bytes = Buffer.from(pieces.flat());
        const at = firstInvalidUtf8(bytes);
        expect(at === bytes.length).toBe(isUtf8(bytes));
        expect(isUtf8(bytes.subarray(0, at))).toBe(true);
        if (at < bytes.length) {
          // No longer valid prefix: the bytes from `at` cannot continue it.
          for (let end = at + 1; end <= Math.min(bytes.length, at + 4); end++) expect(isUtf8(bytes.subarray(0, end))).toBe(false);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
