import { afterAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { csvRecordBatches, csvRecords, type CsvRecord } from '../src/core/csv-records.js';
import { importBatches, type ImportBatch } from '../src/core/import-batches.js';
import { findExportSplit } from '../src/store/export-split.js';
import { tempDir } from './helpers/cli.js';

// A large export is read in two parts on two threads (src/store/export-split.ts): the later part
// starts at a record, its lines numbered as the whole file's reader numbers them. The property:
// the two parts read on their own give exactly the records of the whole file.

const temp = tempDir('enrollsy-split-test-');
afterAll(() => temp.cleanup());

const HEADER = 'account_id,account_name,role,first_name,last_name,email,login_access';

async function records(bytes: Buffer, line?: number): Promise<CsvRecord[]> {
  const all: CsvRecord[] = [];
  const source = (async function* () {
    yield bytes;
  })();
  // From the file's start, or from a later part's first record, on its line.
  if (line === undefined) {
    for await (const record of csvRecords(source)) all.push(record);
    return all;
  }
  for await (const batch of csvRecordBatches(source, { line })) all.push(...batch);
  return all;
}

let files = 0;
function fileOf(bytes: Buffer): string {
  const path = join(temp.dir, `export-${files++}.csv`);
  writeFileSync(path, bytes);
  return path;
}

describe('findExportSplit', () => {
  // Values biased to what matters: quotes, commas, every line break, accents and wide characters.
  const char = fc.constantFrom('"', ',', '\r', '\n', '\r\n', 'a', 'b', ' ', 'é', '日', '😀', '\uFEFF');
  const value = fc.string({ unit: char, maxLength: 6 });
  const quoted = (text: string) => `"${text.replaceAll('"', '""')}"`;
  const field = fc.oneof(fc.string({ unit: fc.constantFrom('a', 'b', ' ', 'é', '日'), maxLength: 5 }), value.map(quoted));
  const record = fc.array(field, { minLength: 1, maxLength: 7 }).map((fields) => fields.join(','));
  const file = fc.record({
    bom: fc.boolean(),
    rows: fc.array(record, { minLength: 1, maxLength: 30 }),
    newline: fc.constantFrom('\n', '\r\n', '\r'),
    chunkBytes: fc.integer({ min: 1, max: 64 }),
  });

  it('cuts where the later part, read on its own from the line given, gives the rest of the whole file’s records', async () => {
    await fc.assert(
      fc.asyncProperty(file, async ({ bom, rows, newline, chunkBytes }) => {
        const bytes = Buffer.from(`${bom ? '\uFEFF' : ''}${[HEADER, ...rows].join(newline)}${newline}`, 'utf8');
        const whole = await records(bytes);
        const split = await findExportSplit(fileOf(bytes), { minBytes: 0, chunkBytes });
        if (split === null) {
          // Only when no line feed outside quotes follows the middle.
          const middle = Math.floor(bytes.length / 2);
          const tail = bytes.subarray(middle).toString('latin1');
          const quotesBefore = (bytes.subarray(0, middle).toString('latin1').match(/"/g) ?? []).length;
          let inQuotes = quotesBefore % 2 === 1;
          let lineFeedOutside = false;
          for (const c of tail) {
            if (c === '"') inQuotes = !inQuotes;
            else if (c === '\n' && !inQuotes) lineFeedOutside = true;
          }
          expect(lineFeedOutside).toBe(false);
          return;
        }
        expect(split.at).toBeGreaterThanOrEqual(Math.floor(bytes.length / 2));
        expect(bytes[split.at - 1]).toBe(0x0a);
        const first = await records(bytes.subarray(0, split.at));
        const later = await records(bytes.subarray(split.at), split.line);
        expect([...first, ...later]).toEqual(whole);
        expect(split.header.count).toBe(7);
      }),
      { numRuns: 400 },
    );
  });

  it('reads nothing in two below the size that pays, or when the header is not the export’s', async () => {
    const rows = Array.from({ length: 2000 }, (_, i) => `A${i},Name,primary,Al,Bee,a${i}@example.com,`);
    const small = Buffer.from(`${HEADER}\n${rows.join('\n')}\n`);
    expect(await findExportSplit(fileOf(small))).toBeNull();
    expect(await findExportSplit(fileOf(small), { minBytes: 0 })).not.toBeNull();
    const badHeader = Buffer.from(`account_id;account_name\n${rows.join('\n')}\n`);
    expect(await findExportSplit(fileOf(badHeader), { minBytes: 0 })).toBeNull();
  });

  it('leaves a named pipe alone (read as it comes, on one thread): no open that would wait for its writer', async () => {
    const fifo = join(temp.dir, 'pipe.csv');
    execFileSync('mkfifo', [fifo]);
    expect(await findExportSplit(fifo, { minBytes: 0 })).toBeNull();
  });

  it('numbers the later part’s rows as the whole file’s reader does, and gives it the header (columns in any order)', async () => {
    const header = 'email,role,account_id,first_name,last_name,login_access,account_name,extra';
    const rows = Array.from({ length: 400 }, (_, i) => `a${i}@example.com,${i % 2 ? 'secondary' : 'primary'},A${Math.floor(i / 2)},"Al\n${i}",Bee,,Name ${i},x`);
    const bytes = Buffer.from(`${header}\r\n${rows.join('\r\n')}\r\n`);
    const split = (await findExportSplit(fileOf(bytes), { minBytes: 0, chunkBytes: 100 }))!;
    const batches: ImportBatch[] = [];
    const later = (async function* () {
      yield bytes.subarray(split.at);
    })();
    for await (const batch of importBatches(later, 'later', split)) batches.push(batch);
    const whole: ImportBatch[] = [];
    for await (const batch of importBatches((async function* () {
      yield bytes;
    })(), 'whole')) whole.push(batch);
    const wholeRows = whole.flatMap((batch) => batch.holders);
    const laterRows = batches.flatMap((batch) => batch.holders);
    // The later part's rows are the whole file's last rows, with the same line numbers.
    expect(laterRows.length).toBeGreaterThan(0);
    expect(wholeRows.slice(wholeRows.length - laterRows.length)).toEqual(laterRows);
  });
});
