import { csvRecords, CsvSyntaxError } from '../core/csv-records.js';
import { UsageError } from '../core/errors.js';
import { IMPORT_COLUMNS, readHeader, readImportRow, type ImportRow } from '../core/import-row.js';
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

// Rows per multi-row INSERT: one call into SQLite per batch instead of per row (~35% faster).
const BATCH = 50;
const HOLDER_COLUMNS = 8;

/**
 * Imports an accounts export in one `begin immediate` transaction, streaming (memory stays flat):
 * valid rows go straight into `holders` in multi-row inserts, the accounts of the file into a
 * temp table; account-level rules run afterwards as set-based SQL. Each account of the file then
 * replaces the stored account with the same id. Into an empty store the indexes are built after
 * the load (several times faster than maintaining them row by row). Atomic unless `skipInvalid`,
 * in which case an account is kept or skipped whole.
 */
export async function importAccounts(
  store: Store,
  source: AsyncIterable<string | Buffer>,
  options: { skipInvalid: boolean; now: Date; sourceName: string; onProgress?: (rowsRead: number) => void },
): Promise<ImportOutcome> {
  const sqlite = store.sqlite;
  // Integrity is ours to keep here (every holder's account is written below); the per-row
  // foreign-key lookup would cost a B-tree search per holder. The pragma is a no-op inside a
  // transaction, so it is switched around it.
  sqlite.pragma('foreign_keys = OFF');
  // A larger page cache for the load keeps dirty pages out of the WAL until commit (bounded: 64 MiB).
  const cacheSize = sqlite.pragma('cache_size', { simple: true }) as number;
  sqlite.pragma('cache_size = -65536');
  // The load writes; mapped pages would only make the resident memory grow with the store.
  sqlite.pragma('mmap_size = 0');
  try {
    return await immediateTransaction(store, async (trx) => {
      const lastId = (sqlite.prepare('select coalesce(max(id), 0) as id from holders').get() as { id: number }).id;
      const emptyStore = lastId === 0;
      // Into an empty store, load first and index after; the indexes are re-created from their
      // own stored definitions, so the migrations stay the one place that defines them.
      const indexes = emptyStore
        ? (sqlite.prepare("select name, sql from sqlite_master where type = 'index' and tbl_name = 'holders' and sql is not null").all() as { name: string; sql: string }[])
        : [];
      for (const index of indexes) sqlite.exec(`drop index "${index.name}"`);
      sqlite.exec(`drop table if exists temp.import_accounts; drop table if exists temp.import_bad;
        create temp table import_accounts (account_id text primary key, name text not null, first_line integer not null) without rowid;
        create temp table import_bad (account_id text primary key) without rowid;`);

      const holderValues = `(${Array(HOLDER_COLUMNS).fill('?').join(', ')})`;
      const insertHolders = (n: number) =>
        sqlite.prepare(`insert into holders (account_id, position, role, first_name, last_name, email, email_key, login_access) values ${Array(n).fill(holderValues).join(', ')}`);
      const insertAccounts = (n: number) => sqlite.prepare(`insert or ignore into import_accounts (account_id, name, first_line) values ${Array(n).fill('(?, ?, ?)').join(', ')}`);
      const holderBatch = insertHolders(BATCH);
      const accountBatch = insertAccounts(BATCH);
      const markBad = sqlite.prepare('insert or ignore into import_bad (account_id) values (?)');
      const holderParams: unknown[] = [];
      const accountParams: unknown[] = [];
      const rejected: RejectedRow[] = [];
      let lastAccount = '';
      let rowsRead = 0;
      let header: ReturnType<typeof readHeader> | undefined;

      const addHolder = (row: ImportRow, line: number) => {
        holderParams.push(row.accountId, line, row.role, row.firstName, row.lastName, row.email, row.emailKey, row.loginAccess ? 1 : 0);
        if (holderParams.length === BATCH * HOLDER_COLUMNS) {
          holderBatch.run(holderParams);
          holderParams.length = 0;
        }
        // Exports list an account's holders together, so most rows repeat the previous account.
        if (row.accountId !== lastAccount) {
          lastAccount = row.accountId;
          accountParams.push(row.accountId, row.accountName, line);
          if (accountParams.length === BATCH * 3) {
            accountBatch.run(accountParams);
            accountParams.length = 0;
          }
        }
      };

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
          if (result.ok) addHolder(result.row, record.line);
          else {
            rejected.push({ line: record.line, reason: result.reason });
            if (result.accountId !== '') markBad.run(result.accountId);
          }
          if (options.onProgress && rowsRead % 50000 === 0) options.onProgress(rowsRead);
        }
      } catch (error) {
        if (error instanceof CsvSyntaxError) throw new UsageError(`Line ${error.line}: ${error.message}. Nothing was imported.`);
        throw error;
      }
      if (header === undefined) throw new UsageError(`${options.sourceName} is empty: expected a header row (${IMPORT_COLUMNS.join(', ')}). Nothing was imported.`);
      if (holderParams.length > 0) insertHolders(holderParams.length / HOLDER_COLUMNS).run(holderParams);
      if (accountParams.length > 0) insertAccounts(accountParams.length / 3).run(accountParams);
      options.onProgress?.(rowsRead);
      // Indexes first: the checks below then read holders_account instead of sorting the load.
      for (const index of indexes) sqlite.exec(index.sql);

      // Account-level rule: exactly one primary. Accounts with an invalid row are already out.
      const primaries = sqlite
        .prepare(
          `select account_id, count(*) filter (where role = 'primary') as primaries from holders where id > ?
           group by account_id having primaries <> 1`,
        )
        .all(lastId) as { account_id: string; primaries: number }[];
      const wrong = primaries.filter((row) => !(sqlite.prepare('select 1 from import_bad where account_id = ?').get(row.account_id)));
      if (wrong.length > 0) {
        const firstLine = sqlite.prepare('select first_line from import_accounts where account_id = ?');
        const primaryLines = sqlite.prepare(`select position from holders where id > ? and account_id = ? and role = 'primary' order by position`);
        for (const { account_id: accountId, primaries: count } of wrong) {
          if (count === 0) {
            const { first_line: line } = firstLine.get(accountId) as { first_line: number };
            rejected.push({ line, reason: `account ${accountId} has no primary holder (exactly one row must have role primary)` });
          } else {
            const [first, ...extra] = (primaryLines.all(lastId, accountId) as { position: number }[]).map((row) => row.position);
            for (const line of extra) rejected.push({ line, reason: `account ${accountId} has a second primary holder (the first is on line ${first})` });
          }
          markBad.run(accountId);
        }
        rejected.sort((a, b) => a.line - b.line);
      }
      if (rejected.length > 0 && !options.skipInvalid) throw new ImportRejectedError(rejected, rowsRead);

      const skippedAccounts = (sqlite.prepare('select count(*) as n from import_bad').get() as { n: number }).n;
      if (skippedAccounts > 0) {
        sqlite.prepare('delete from holders where id > ? and account_id in (select account_id from import_bad)').run(lastId);
        sqlite.exec('delete from import_accounts where account_id in (select account_id from import_bad)');
      }
      // Each account of the file replaces the stored one: its old holders go.
      if (!emptyStore) sqlite.prepare('delete from holders where id <= ? and account_id in (select account_id from import_accounts)').run(lastId);
      const nowIso = options.now.toISOString();
      const accounts = sqlite
        .prepare(
          `insert into accounts (id, name, imported_at) select account_id, name, ? from import_accounts where true
           on conflict (id) do update set name = excluded.name, imported_at = excluded.imported_at`,
        )
        .run(nowIso).changes;
      const holders = (sqlite.prepare('select count(*) as n from holders where id > ?').get(lastId) as { n: number }).n;
      sqlite.exec('drop table temp.import_accounts; drop table temp.import_bad;');
      await appendAudit(trx, {
        at: nowIso,
        action: 'import',
        accountId: null,
        emailKey: null,
        details: { source: options.sourceName, rowsRead, accounts, holders, rejectedRows: rejected.length, skippedAccounts },
      });
      return { imported: { accounts, holders }, rejected, skippedAccounts, rowsRead };
    });
  } finally {
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma(`cache_size = ${cacheSize}`);
  }
}
