import { ACCOUNT_FIELDS, HOLDER_FIELDS, type ImportBatch } from '../../core/import-batches.js';

const H = HOLDER_FIELDS.length;

/**
 * A batch's rows as COPY text (PostgreSQL's text format): `holders` has one line per valid row,
 * in HOLDER_FIELDS order; `accounts` one line (account_id, name, first_line, primaries) per piece
 * of a run of rows of one account: a run that spans batches is listed once per batch it reaches,
 * each with the primaries among its rows of that batch (a piece after the first only when it has
 * some), so summing per account gives the file's primaries however the rows are ordered.
 */
export interface CopyText {
  holders: string;
  accounts: string;
  holderCount: number;
}

/** A batch whose rows are COPY text; its `holders` and `accounts` arrays are then empty. */
export type CopyReadyBatch = ImportBatch & { copy: CopyText };

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
 * Turns the batches of one file into COPY text, in order. Stateful (a run of one account may go
 * on into the next batch): one formatter per file, fed every batch.
 */
export class CopyFormatter {
  #account = '';
  #accountLine = '';
  #primaries = 0;
  #listed = false;

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
        accounts += this.#piece();
        // The reader lists an account each time it differs from the row before: in step with this.
        if (starts[next] !== accountId) throw new Error(`import batch out of step: account ${accountId} has no entry`);
        this.#account = accountId;
        this.#accountLine = `${copyField(accountId)}\t${copyField(starts[next + 1]!)}\t${starts[next + 2]!}`;
        this.#primaries = 0;
        this.#listed = false;
        next += ACCOUNT_FIELDS;
      }
      const role = rows[at + 2]!;
      if (role === 'primary') this.#primaries++;
      // position, role and login_access are digits or fixed words: nothing to escape.
      holders += `${copyField(accountId)}\t${rows[at + 1]}\t${role}\t${copyField(rows[at + 3]!)}\t${copyField(rows[at + 4]!)}\t${nullable(rows[at + 5]!)}\t${nullable(rows[at + 6]!)}\t${rows[at + 7]}\t${copyField(rows[at + 8]!)}\n`;
    }
    if (next !== starts.length) throw new Error('import batch out of step: an account entry has no rows');
    accounts += this.#piece();
    return { holders: [], accounts: [], rejected: batch.rejected, rowsRead: batch.rowsRead, copy: { holders, accounts, holderCount: rows.length / H } };
  }

  // The current run's rows since it was last listed; the run itself goes on.
  #piece(): string {
    if (this.#account === '' || (this.#listed && this.#primaries === 0)) return '';
    const line = `${this.#accountLine}\t${this.#primaries}\n`;
    this.#listed = true;
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
}
