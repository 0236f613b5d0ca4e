import { CsvSyntaxError, readCsvInto, type CsvSink, type CsvStart } from './csv-records.js';
import { IMPORT_COLUMNS, readHeader, readImportRow, type ColumnIndex, type ImportRow } from './import-row.js';
import { nameKey } from './name-key.js';
import { readSimpleRow, SIMPLE, SimpleRow } from './simple-row.js';

/** Values per holder row in `ImportBatch.holders`, in this order. */
export const HOLDER_FIELDS = ['account_id', 'position', 'role', 'first_name', 'last_name', 'email', 'email_key', 'login_access', 'name_key'] as const;

/** Values per account in `ImportBatch.accounts`: account_id, account_name, first line. */
export const ACCOUNT_FIELDS = 3;

/**
 * A slice of a validated export, flat so it can cross a thread boundary as one string:
 * `holders` holds HOLDER_FIELDS.length values per valid row ('' for no email), `accounts` one
 * entry each time the account changes from the row before, `rejected` the invalid rows.
 */
export interface ImportBatch {
  holders: string[];
  accounts: string[];
  rejected: { line: number; reason: string; accountId: string }[];
  rowsRead: number;
  /**
   * Runs of an account (its consecutive valid rows) that ended in this batch with no primary or
   * more than one: the run's first line and its primaries' lines. When every account of the file
   * is one run (as exports list them: one entry per account in `accounts`), these are exactly the
   * accounts breaking the one-primary rule, found without a pass over the loaded rows.
   */
  oddRuns: OddRun[];
}

/** A run of an account's rows with no primary or more than one (see ImportBatch.oddRuns). */
export interface OddRun {
  accountId: string;
  firstLine: number;
  primaryLines: number[];
}

/** Why an export cannot be read at all: a bad header, a CSV syntax error, or no header. */
export class ImportFileError extends Error {
  constructor(
    message: string,
    /** The line the problem is on (1 for the header and for an empty file). */
    readonly line: number,
    /** The problem without the "Line N:" prefix, for the JSON `rejected` entry. */
    readonly reason: string,
  ) {
    super(message);
    this.name = 'ImportFileError';
  }
}

function fileError(line: number, reason: string): ImportFileError {
  // A reason may end with its own question ("is this a CSV export?"): no full stop after it.
  return new ImportFileError(`Line ${line}: ${reason}${reason.endsWith('?') ? '' : '.'} Nothing was imported.`, line, reason);
}

// Small batches keep both threads busy: the main thread starts inserting sooner and waits less.
const ROWS_PER_BATCH = 500;

/** A later part of an export read on its own (see export-split.ts): where it starts, and the file's header, read already. */
export interface LaterPart extends CsvStart {
  header: ColumnIndex;
}

/**
 * Where an import's valid rows go instead of its batches' value arrays: a PostgreSQL import writes
 * them as COPY text while they are read (copy-batches.ts). With one, the reader also reads the
 * simple rows (simple-row.ts) without making a string of each field.
 */
export interface RowOutput {
  /** A valid row; `startsRun` when its account is not the one of the valid row before. */
  row(row: ImportRow, line: number, startsRun: boolean): void;
  /** A valid row readSimpleRow read (its fields are ranges of `text`, see SimpleRow); `accountId` is its account's. */
  simpleRow(text: string, row: SimpleRow, line: number, accountId: string, startsRun: boolean): void;
  /** The batch, with what was written of its rows (called as each batch is cut; `last` for the file's last). */
  take(batch: ImportBatch, last: boolean): ImportBatch;
}

const newBatch = (): ImportBatch => ({ holders: [], accounts: [], rejected: [], rowsRead: 0, oddRuns: [] });

// Turns an export's records, in file order, into batches (see importBatches).
class ImportReader implements CsvSink {
  #index: ColumnIndex | undefined;
  #simple = new SimpleRow();
  #batch = newBatch();
  #ready: ImportBatch[] = [];
  // The run in progress, in plain fields: an object per account would cost a million allocations.
  #runAccount = '';
  #runFirstLine = 0;
  // Its primaries: how many, the first one's line, and all their lines once there are two (an
  // array per run cost 150 bytes of garbage a run).
  #runPrimaryCount = 0;
  #runFirstPrimary = 0;
  #runPrimaries: number[] = [];
  readonly fast: CsvSink['fast'];

  constructor(
    header: ColumnIndex | undefined,
    private readonly output: RowOutput | undefined,
  ) {
    this.#index = header;
    if (output) this.fast = (text, start, line) => this.#simpleRow(output, text, start, line);
  }

  record(fields: string[], line: number): void {
    const index = this.#index;
    if (index === undefined) {
      const header = readHeader(fields);
      if (!header.ok) throw fileError(line, header.reason);
      this.#index = header.index;
      return;
    }
    const batch = this.#batch;
    batch.rowsRead++;
    const result = readImportRow(fields, index);
    if (result.ok) {
      const r = result.row;
      const startsRun = this.#startRow(r.accountId, line, r.role === 'primary');
      if (this.output) this.output.row(r, line, startsRun);
      else {
        const text = String(line);
        batch.holders.push(r.accountId, text, r.role, r.firstName, r.lastName, r.email ?? '', r.emailKey ?? '', r.loginAccess ? '1' : '0', nameKey(r.firstName, r.lastName));
        if (startsRun) batch.accounts.push(r.accountId, r.accountName, text);
      }
    } else {
      batch.rejected.push({ line, reason: result.reason, accountId: result.accountId });
    }
    if (batch.rowsRead === ROWS_PER_BATCH) this.#cut(false);
  }

  #simpleRow(output: RowOutput, text: string, start: number, line: number): number {
    if (this.#index === undefined) return -1;
    const row = this.#simple;
    const end = readSimpleRow(text, start, this.#index, row);
    if (end < 0) return end;
    this.#batch.rowsRead++;
    const from = row.ranges[SIMPLE.accountId]!;
    const to = row.ranges[SIMPLE.accountId + 1]!;
    const account = this.#runAccount;
    let same = to - from === account.length;
    for (let i = 0; same && i < account.length; i++) same = text.charCodeAt(from + i) === account.charCodeAt(i);
    const startsRun = this.#startRow(same ? account : text.slice(from, to), line, row.ranges[SIMPLE.role] === 1);
    output.simpleRow(text, row, line, this.#runAccount, startsRun);
    if (this.#batch.rowsRead === ROWS_PER_BATCH) this.#cut(false);
    return end;
  }

  // Follows the runs of an account's consecutive valid rows; says whether this row starts one.
  #startRow(accountId: string, line: number, primary: boolean): boolean {
    const starts = accountId !== this.#runAccount;
    if (starts) {
      this.#endRun();
      this.#runAccount = accountId;
      this.#runFirstLine = line;
    }
    if (primary) {
      const count = ++this.#runPrimaryCount;
      if (count === 1) this.#runFirstPrimary = line;
      else if (count === 2) this.#runPrimaries = [this.#runFirstPrimary, line];
      else this.#runPrimaries.push(line);
    }
    return starts;
  }

  #endRun(): void {
    if (this.#runAccount === '') return;
    const count = this.#runPrimaryCount;
    if (count !== 1) this.#batch.oddRuns.push({ accountId: this.#runAccount, firstLine: this.#runFirstLine, primaryLines: count === 0 ? [] : this.#runPrimaries });
    this.#runPrimaryCount = 0;
  }

  #cut(last: boolean): void {
    const batch = this.output ? this.output.take(this.#batch, last) : this.#batch;
    this.#ready.push(batch);
    this.#batch = newBatch();
  }

  /** The batches made so far, handed over once. */
  take(): ImportBatch[] {
    const ready = this.#ready;
    this.#ready = [];
    return ready;
  }

  /** Ends the file: its last batch (with an output, always: the last run is written with it). */
  finish(sourceName: string): void {
    if (this.#index === undefined) throw fileError(1, `${sourceName} is empty: expected a header row (${IMPORT_COLUMNS.join(', ')})`);
    this.#endRun();
    if (this.output || this.#batch.rowsRead > 0 || this.#batch.oddRuns.length > 0) this.#cut(true);
  }
}

/**
 * Reads and validates an export into batches (row-level rules only; account-level rules need
 * the whole file: the store checks them, helped by `oddRuns`). Throws ImportFileError when the
 * file cannot be read at all. With `part`, the source is a later part of the file: records from
 * its first byte, numbered from `part.line`, read with the header given. With `output`, valid
 * rows go there instead of the batches' arrays (see RowOutput).
 */
export async function* importBatches(source: AsyncIterable<string | Buffer>, sourceName: string, part?: LaterPart, output?: RowOutput): AsyncGenerator<ImportBatch> {
  const reader = new ImportReader(part?.header, output);
  try {
    for await (const _ of readCsvInto(source, reader, part)) yield* reader.take();
  } catch (error) {
    if (error instanceof CsvSyntaxError) throw fileError(error.line, error.message);
    throw error;
  }
  reader.finish(sourceName);
  yield* reader.take();
}
