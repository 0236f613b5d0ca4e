import { csvRecordBatches, CsvSyntaxError, type CsvStart } from './csv-records.js';
import { IMPORT_COLUMNS, readHeader, readImportRow, type ColumnIndex } from './import-row.js';
import { nameKey } from './name-key.js';

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
 * Reads and validates an export into batches (row-level rules only; account-level rules need
 * the whole file: the store checks them, helped by `oddRuns`). Throws ImportFileError when the
 * file cannot be read at all. With `part`, the source is a later part of the file: records from
 * its first byte, numbered from `part.line`, read with the header given.
 */
export async function* importBatches(source: AsyncIterable<string | Buffer>, sourceName: string, part?: LaterPart): AsyncGenerator<ImportBatch> {
  let header: ReturnType<typeof readHeader> | undefined = part ? { ok: true, index: part.header } : undefined;
  let batch: ImportBatch = { holders: [], accounts: [], rejected: [], rowsRead: 0, oddRuns: [] };
  // The run in progress, in plain variables: an object per account would cost a million allocations.
  let runAccount = '';
  let runFirstLine = 0;
  let runPrimaries: number[] = [];
  const endRun = () => {
    if (runAccount === '') return;
    if (runPrimaries.length === 1) runPrimaries.length = 0;
    else {
      batch.oddRuns.push({ accountId: runAccount, firstLine: runFirstLine, primaryLines: runPrimaries });
      runPrimaries = [];
    }
  };
  try {
    for await (const records of csvRecordBatches(source, part)) {
      for (const record of records) {
        if (header === undefined) {
          header = readHeader(record.fields);
          if (!header.ok) throw fileError(record.line, header.reason);
          continue;
        }
        if (!header.ok) continue;
        batch.rowsRead++;
        const result = readImportRow(record.fields, header.index);
        if (result.ok) {
          const r = result.row;
          const line = String(record.line);
          batch.holders.push(r.accountId, line, r.role, r.firstName, r.lastName, r.email ?? '', r.emailKey ?? '', r.loginAccess ? '1' : '0', nameKey(r.firstName, r.lastName));
          // Exports list an account's holders together, so most rows repeat the previous account.
          if (r.accountId !== runAccount) {
            endRun();
            runAccount = r.accountId;
            runFirstLine = record.line;
            batch.accounts.push(r.accountId, r.accountName, line);
          }
          if (r.role === 'primary') runPrimaries.push(record.line);
        } else {
          batch.rejected.push({ line: record.line, reason: result.reason, accountId: result.accountId });
        }
        if (batch.rowsRead === ROWS_PER_BATCH) {
          yield batch;
          batch = { holders: [], accounts: [], rejected: [], rowsRead: 0, oddRuns: [] };
        }
      }
    }
  } catch (error) {
    if (error instanceof CsvSyntaxError) throw fileError(error.line, error.message);
    throw error;
  }
  if (header === undefined) throw fileError(1, `${sourceName} is empty: expected a header row (${IMPORT_COLUMNS.join(', ')})`);
  endRun();
  if (batch.rowsRead > 0 || batch.oddRuns.length > 0) yield batch;
}
