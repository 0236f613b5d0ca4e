import { csvRecords, CsvSyntaxError } from '../core/csv-records.js';
import { UsageError } from '../core/errors.js';
import { readHeader, readImportRow } from '../core/import-row.js';
import { appendAudit } from './audit.js';
import { immediateTransaction } from './immediate-transaction.js';
import type { Store } from './open-store.js';

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
}

/** Thrown when the file has invalid rows and --skip-invalid was not given: nothing was imported. */
export class ImportRejectedError extends UsageError {
  constructor(readonly rejected: RejectedRow[], rowsRead: number) {
    super(
      `${rejected.length} invalid row${rejected.length === 1 ? '' : 's'} in ${rowsRead} read; nothing was imported. Fix ${rejected.length === 1 ? 'it' : 'them'} and import again, or pass --skip-invalid to import the valid accounts.`,
      { imported: { accounts: 0, holders: 0 }, rejected },
    );
  }
}

/**
 * Imports an accounts export in one `begin immediate` transaction. Records stream into a temp
 * staging table (memory stays flat), account-level rules run as set-based SQL, then each
 * account in the file replaces the stored one of the same id. Atomic unless `skipInvalid`, in
 * which case an account is kept or skipped whole.
 */
export async function importAccounts(
  store: Store,
  source: AsyncIterable<string | Buffer>,
  options: { skipInvalid: boolean; now: Date; sourceName: string; onProgress?: (rowsRead: number) => void },
): Promise<ImportOutcome> {
  const sqlite = store.sqlite;
  return immediateTransaction(store, async (trx) => {
    sqlite.exec(`drop table if exists temp.staging;
      create temp table staging (line integer not null, account_id text, account_name text, role text, first_name text,
        last_name text, email text, email_key text, login_access integer, error text)`);
    const stage = sqlite.prepare(
      'insert into staging (line, account_id, account_name, role, first_name, last_name, email, email_key, login_access, error) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    let rowsRead = 0;
    let header: ReturnType<typeof readHeader> | undefined;
    try {
      for await (const record of csvRecords(source)) {
        if (header === undefined) {
          header = readHeader(record.fields);
          if (!header.ok) throw new UsageError(`Line ${record.line}: ${header.reason}. Nothing was imported.`);
          continue;
        }
        if (!header.ok) continue;
        rowsRead++;
        const result = readImportRow(record.fields, header.index);
        if (result.ok) {
          const r = result.row;
          stage.run(record.line, r.accountId, r.accountName, r.role, r.firstName, r.lastName, r.email, r.emailKey, r.loginAccess ? 1 : 0, null);
        } else {
          stage.run(record.line, result.accountId === '' ? null : result.accountId, null, null, null, null, null, null, null, result.reason);
        }
        if (options.onProgress && rowsRead % 50000 === 0) options.onProgress(rowsRead);
      }
    } catch (error) {
      if (error instanceof CsvSyntaxError) throw new UsageError(`Line ${error.line}: ${error.message} Nothing was imported.`);
      throw error;
    }
    if (header === undefined) throw new UsageError(`${options.sourceName} is empty: expected a header row (${'account_id, account_name, role, first_name, last_name, email, login_access'}). Nothing was imported.`);
    options.onProgress?.(rowsRead);

    // Account-level rules, set-based: exactly one primary, one account name.
    sqlite.exec(`create index temp.staging_account on staging (account_id, line)`);
    sqlite.exec(`
      update staging set error = 'account ' || account_id || ' has no primary holder (exactly one row must have role primary)'
      where error is null and line = (select min(s.line) from staging s where s.account_id = staging.account_id)
        and not exists (select 1 from staging p where p.account_id = staging.account_id and p.role = 'primary');
      update staging set error = 'account ' || account_id || ' has a second primary holder (the first is on line '
          || (select min(p.line) from staging p where p.account_id = staging.account_id and p.role = 'primary') || ')'
      where error is null and role = 'primary'
        and line > (select min(p.line) from staging p where p.account_id = staging.account_id and p.role = 'primary');
      update staging set error = 'account_name "' || account_name || '" differs from "'
          || (select f.account_name from staging f where f.account_id = staging.account_id and f.error is null order by f.line limit 1)
          || '" given for account ' || account_id || ' on an earlier line'
      where error is null and account_name <> (select f.account_name from staging f where f.account_id = staging.account_id and f.account_name is not null order by f.line limit 1);
    `);
    const rejected = sqlite.prepare('select line, error as reason from staging where error is not null order by line').all() as RejectedRow[];
    if (rejected.length > 0 && !options.skipInvalid) throw new ImportRejectedError(rejected, rowsRead);

    sqlite.exec(`create temp table bad_accounts as select distinct account_id from staging where error is not null and account_id is not null`);
    const keep = `account_id not in (select account_id from bad_accounts)`;
    const nowIso = options.now.toISOString();
    sqlite.prepare(`delete from accounts where id in (select account_id from staging where ${keep})`).run();
    const accounts = sqlite
      .prepare(
        `insert into accounts (id, name, imported_at)
         select account_id, (select f.account_name from staging f where f.account_id = s.account_id order by f.line limit 1), ?
         from staging s where ${keep} and error is null group by account_id`,
      )
      .run(nowIso).changes;
    const holders = sqlite
      .prepare(
        `insert into holders (account_id, position, role, first_name, last_name, email, email_key, login_access)
         select account_id, line, role, first_name, last_name, email, email_key, login_access from staging where ${keep} and error is null order by line`,
      )
      .run().changes;
    const skippedAccounts = (sqlite.prepare('select count(*) as n from bad_accounts').get() as { n: number }).n;
    sqlite.exec('drop table temp.staging; drop table temp.bad_accounts');
    await appendAudit(trx, {
      at: nowIso,
      action: 'import',
      accountId: null,
      emailKey: null,
      details: { source: options.sourceName, rowsRead, accounts, holders, rejectedRows: rejected.length, skippedAccounts },
    });
    return { imported: { accounts, holders }, rejected, skippedAccounts, rowsRead };
  });
}
