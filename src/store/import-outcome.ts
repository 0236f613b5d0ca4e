import { UsageError } from '../core/errors.js';
import { ImportFileError } from '../core/import-batches.js';

/** A row the import refused, with the line where its record starts (header = line 1). */
export interface RejectedRow {
  line: number;
  reason: string;
}

/** What an import did. */
export interface ImportOutcome {
  imported: { accounts: number; holders: number };
  rejected: RejectedRow[];
  /** Accounts left out whole because one of their rows was invalid (--skip-invalid). */
  skippedAccounts: number;
  rowsRead: number;
  /** Valid reset links that stopped working because the import changed their login (R3). */
  linksRevoked?: number;
}

/** An export that cannot be read at all (bad header, CSV syntax) as a usage error (exit 2) with its line; other errors unchanged. */
export function unreadableAsUsage(error: unknown): unknown {
  if (error instanceof ImportFileError) return new UsageError(error.message, { imported: { accounts: 0, holders: 0 }, rejected: [{ line: error.line, reason: error.reason }] });
  return error;
}

/** Thrown when the file has invalid rows and --skip-invalid was not given: nothing was imported. */
export class ImportRejectedError extends UsageError {
  constructor(
    readonly rejected: RejectedRow[],
    rowsRead: number,
  ) {
    super(
      `${rejected.length} invalid row${rejected.length === 1 ? '' : 's'} in ${rowsRead} read; nothing was imported. Fix ${rejected.length === 1 ? 'it' : 'them'} and import again, or pass --skip-invalid to import the valid accounts.`,
      { imported: { accounts: 0, holders: 0 }, rejected },
    );
  }
}

/** Why an account of the file breaks the one-primary rule, worded for the admin (both engines). */
export function primaryRuleReason(accountId: string, primaries: number, firstPrimaryLine?: number): string {
  return primaries === 0
    ? `account ${accountId} has no primary holder (exactly one row must have role primary)`
    : `account ${accountId} has a second primary holder (the first is on line ${firstPrimaryLine})`;
}
