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
  /** The text, or its UTF-8 bytes once encoded to cross threads (see import-worker.ts). */
  holders: string | Uint8Array;
  accounts: string;
  holderCount: number;
  /**
   * The batch comes from the later part of a file read in two (export-split.ts): its account lines'
   * `f` holds within that part only, until checked against the first part's filter (settleLaterRuns).
   */
  laterPart?: boolean;
  /** The first part's filter of accounts seen, on a batch of its own after that part's last one. */
  seen?: Uint32Array;
}

/** A batch whose rows are COPY text; its `holders` and `accounts` arrays are then empty. */
export type CopyReadyBatch = ImportBatch & { copy: CopyText };

// The filter of accounts seen (a Bloom filter, 2 MB whatever the file's size): false positives
// only (about 0.1 % at 600,000 accounts), which cost a little grouping, never a wrong result.
const FILTER_BITS = 1 << 24;
const FILTER_HASHES = 3;

// The filter's bits for a value: two FNV-1a hashes of its UTF-16 code units; the bits are
// h1 + i * h2 (double hashing). Marks them when `mark`; says whether all were set before.
function inFilter(filter: Uint32Array, value: string, mark: boolean): boolean {
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
      if (!mark) return false;
      filter[word]! |= mask;
    }
  }
  return seen;
}

/** Whether an account (its COPY text) may be in a formatter's filter of accounts seen (CopyFormatter.seen). */
export function mayHaveSeen(filter: Uint32Array, accountId: string): boolean {
  return inFilter(filter, accountId, false);
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
  #id = '';
  #primaries = 0;
  #seen = new Uint32Array(FILTER_BITS / 32);
  #parts: string[] = [];

  /** `laterPart`: the rows are the later part of a file read in two (see CopyText.laterPart). */
  constructor(readonly laterPart = false) {}

  /** The filter of the accounts met so far (by their COPY text), for settleLaterRuns. */
  get seen(): Uint32Array {
    return this.#seen;
  }

  /** The batch with its rows as COPY text. */
  format(batch: ImportBatch): CopyReadyBatch {
    const rows = batch.holders;
    const starts = batch.accounts;
    // The text's pieces, joined once: a template per row would make a dozen intermediate strings
    // of it, then flatten them all again when the batch crosses to the main thread.
    const parts = this.#parts;
    let k = 0;
    let next = 0;
    let accounts = '';
    let id = this.#id;
    for (let at = 0; at < rows.length; at += H) {
      const accountId = rows[at]!;
      if (accountId !== this.#account) {
        accounts += this.end();
        // The reader lists an account each time it differs from the row before: in step with this.
        if (starts[next] !== accountId) throw new Error(`import batch out of step: account ${accountId} has no entry`);
        this.#account = accountId;
        // The account as COPY text (escaping is one-to-one): what settleLaterRuns reads from a line.
        id = this.#id = copyField(accountId);
        this.#run = `${id}\t${copyField(starts[next + 1]!)}\t${starts[next + 2]!}\t${inFilter(this.#seen, id, true) ? 't' : 'f'}`;
        next += ACCOUNT_FIELDS;
      }
      const role = rows[at + 2]!;
      if (role === 'primary') this.#primaries++;
      // position, role and login_access are digits or fixed words: nothing to escape.
      parts[k++] = id;
      parts[k++] = '\t';
      parts[k++] = rows[at + 1]!;
      parts[k++] = '\t';
      parts[k++] = role;
      parts[k++] = '\t';
      parts[k++] = copyField(rows[at + 3]!);
      parts[k++] = '\t';
      parts[k++] = copyField(rows[at + 4]!);
      parts[k++] = '\t';
      parts[k++] = nullable(rows[at + 5]!);
      parts[k++] = '\t';
      parts[k++] = nullable(rows[at + 6]!);
      parts[k++] = '\t';
      parts[k++] = rows[at + 7]!;
      parts[k++] = '\t';
      parts[k++] = copyField(rows[at + 8]!);
      parts[k++] = '\n';
    }
    if (next !== starts.length) throw new Error('import batch out of step: an account entry has no rows');
    parts.length = k;
    const holders = parts.join('');
    return { holders: [], accounts: [], rejected: batch.rejected, rowsRead: batch.rowsRead, oddRuns: batch.oddRuns, copy: { holders, accounts, holderCount: rows.length / H, ...(this.laterPart ? { laterPart: true } : {}) } };
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
export async function* copyBatches(batches: AsyncIterable<ImportBatch> | Iterable<ImportBatch>, formatter = new CopyFormatter()): AsyncGenerator<CopyReadyBatch> {
  for await (const batch of batches) yield 'copy' in batch ? (batch as CopyReadyBatch) : formatter.format(batch);
  const last = formatter.end();
  if (last !== '') yield rowlessBatch({ holders: '', accounts: last, holderCount: 0, ...(formatter.laterPart ? { laterPart: true } : {}) });
}

/** A batch of no rows: an account line that ends a file's rows, or the first part's filter (CopyText.seen). */
export function rowlessBatch(copy: CopyText): CopyReadyBatch {
  return { holders: [], accounts: [], rejected: [], rowsRead: 0, oddRuns: [], copy };
}
