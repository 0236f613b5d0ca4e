import { ACCOUNT_FIELDS, HOLDER_FIELDS, type ImportBatch } from '../../core/import-batches.js';

const H = HOLDER_FIELDS.length;

/**
 * A batch's rows as COPY text (PostgreSQL's text format): `holders` has one line per valid row,
 * in HOLDER_FIELDS order; `accounts` one line per run of rows of one account that ended in the
 * batch (a run may go on over several batches; the last one comes with the end of the file):
 * account_id, name, first_line, whether the account may have had a run before (t or f: f is
 * certain, t may be wrong) and its primaries, so that an export that lists each account's rows
 * together (nearly all) needs no grouping of its accounts, and one in any order is still read right.
 */
export interface CopyText {
  holders: string;
  accounts: string;
  holderCount: number;
}

/** A batch whose rows are COPY text; its `holders` and `accounts` arrays are then empty. */
export type CopyReadyBatch = ImportBatch & { copy: CopyText };

// The filter of accounts seen (a Bloom filter, 2 MB whatever the file's size): false positives
// only (about 0.1 % at 600,000 accounts), which cost a little grouping, never a wrong result.
const FILTER_BITS = 1 << 24;
const FILTER_HASHES = 3;

function seenBefore(filter: Uint32Array, value: string): boolean {
  // Two FNV-1a hashes of the UTF-16 code units; the bits are h1 + i * h2 (double hashing).
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ value.length;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
  }
  h2 |= 1;
  let seen = true;
  for (let i = 0; i < FILTER_HASHES; i++) {
    const bit = (h1 + Math.imul(i, h2)) & (FILTER_BITS - 1);
    const word = bit >>> 5;
    const mask = 1 << (bit & 31);
    if ((filter[word]! & mask) === 0) {
      seen = false;
      filter[word]! |= mask;
    }
  }
  return seen;
}

const SPECIAL = /[\\\t\n\r]/;
const SPECIALS = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

// COPY's text format: backslash escapes for the characters that delimit rows and fields. A test
// first: almost no value has one, and a test allocates nothing.
function copyField(value: string): string {
  return SPECIAL.test(value) ? value.replace(SPECIALS, (c) => ESCAPES[c]!) : value;
}

// '' in a batch stands for "no email": NULL, written \N.
function nullable(value: string): string {
  return value === '' ? '\\N' : copyField(value);
}

/**
 * Turns the batches of one file into COPY text, in order, then `end()`. Stateful (a run of one
 * account may go on into the next batch): one formatter per file, fed every batch.
 */
export class CopyFormatter {
  #account = '';
  #run = '';
  #primaries = 0;
  #seen = new Uint32Array(FILTER_BITS / 32);

  /** The batch with its rows as COPY text. */
  format(batch: ImportBatch): CopyReadyBatch {
    const rows = batch.holders;
    const starts = batch.accounts;
    let next = 0;
    let holders = '';
    let accounts = '';
    for (let at = 0; at < rows.length; at += H) {
      const accountId = rows[at]!;
      if (accountId !== this.#account) {
        accounts += this.end();
        // The reader lists an account each time it differs from the row before: in step with this.
        if (starts[next] !== accountId) throw new Error(`import batch out of step: account ${accountId} has no entry`);
        this.#account = accountId;
        this.#run = `${copyField(accountId)}\t${copyField(starts[next + 1]!)}\t${starts[next + 2]!}\t${seenBefore(this.#seen, accountId) ? 't' : 'f'}`;
        next += ACCOUNT_FIELDS;
      }
      const role = rows[at + 2]!;
      if (role === 'primary') this.#primaries++;
      // position, role and login_access are digits or fixed words: nothing to escape.
      holders += `${copyField(accountId)}\t${rows[at + 1]}\t${role}\t${copyField(rows[at + 3]!)}\t${copyField(rows[at + 4]!)}\t${nullable(rows[at + 5]!)}\t${nullable(rows[at + 6]!)}\t${rows[at + 7]}\t${copyField(rows[at + 8]!)}\n`;
    }
    if (next !== starts.length) throw new Error('import batch out of step: an account entry has no rows');
    return { holders: [], accounts: [], rejected: batch.rejected, rowsRead: batch.rowsRead, oddRuns: batch.oddRuns, copy: { holders, accounts, holderCount: rows.length / H } };
  }

  /** The line of the run going on (the next row starts another, or the file ends), or ''. */
  end(): string {
    if (this.#account === '') return '';
    const line = `${this.#run}\t${this.#primaries}\n`;
    this.#account = '';
    this.#primaries = 0;
    return line;
  }
}

/**
 * The batches of one file with their rows as COPY text, in order; batches already formatted (on
 * the import worker, see import-batches-in-worker.ts) pass through.
 */
export async function* copyBatches(batches: AsyncIterable<ImportBatch> | Iterable<ImportBatch>): AsyncGenerator<CopyReadyBatch> {
  const formatter = new CopyFormatter();
  for await (const batch of batches) yield 'copy' in batch ? (batch as CopyReadyBatch) : formatter.format(batch);
  const last = formatter.end();
  if (last !== '') yield { holders: [], accounts: [], rejected: [], rowsRead: 0, oddRuns: [], copy: { holders: '', accounts: last, holderCount: 0 } };
}
