import type { Kysely } from 'kysely';
import { ACCOUNT_FIELDS, HOLDER_FIELDS, type ImportBatch, type OddRun } from '../../core/import-batches.js';
import type { ImportOptions } from '../engine.js';
import type { StoreSchema } from '../schema.js';
import { ImportRejectedError, primaryRuleReason, unreadableAsUsage, type ImportOutcome, type RejectedRow } from '../import-outcome.js';
import { finishImport } from '../finish-import.js';
import { FILL_REPEATED_KEYS } from '../migrations.js';
import { MMAP_BYTES } from './mmap-bytes.js';
import { rollbackJournalIfAlone } from './rollback-journal-if-alone.js';
import type { SqliteEngine } from './sqlite-engine.js';

const H = HOLDER_FIELDS.length;
// While the indexes are built after a load: SQLite's sorter keeps runs the size of the page
// cache, so a small cache and a helper thread to sort and merge them beat one large in-memory
// sort (1M holders, holders_email_key: 0.6 s with 4 MB and 2 threads, 1.7 s with 64 MB and none).
const INDEX_CACHE_KIB = 4000;
const SORT_THREADS = 2;
// The page cache while rows are loaded (see where it is set).
const INDEXED_LOAD_CACHE_KIB = 65536;
const APPEND_CACHE_KIB = 16000;

/**
 * Imports validated batches of an accounts export in one `begin immediate` transaction,
 * streaming (memory stays bounded): holders go straight into `holders`, one prepared statement
 * per row; the file's accounts into a temp table, or straight into `accounts` when the store has
 * none. The account-level rule (one primary) comes from the batches' odd runs when every account
 * is one run of rows, else from set-based SQL. Each account of the file then replaces the stored
 * account with the same id. Into an empty store the indexes are built after the load (several
 * times faster than maintaining them row by row). Atomic unless `skipInvalid`: then an account
 * is kept or skipped whole.
 */
export async function importAccountsSqlite(store: SqliteEngine, batches: AsyncIterable<ImportBatch> | Iterable<ImportBatch>, options: ImportOptions): Promise<ImportOutcome> {
  const sqlite = store.sqlite;
  // Integrity is ours to keep here (every holder's account is written below); the per-row
  // foreign-key lookup would cost a B-tree search per holder. The pragma is a no-op inside a
  // transaction, so it is switched around it.
  sqlite.pragma('foreign_keys = OFF');
  // Mapped pages would only make resident memory grow with the store, and the load only writes.
  const cacheSize = sqlite.pragma('cache_size', { simple: true }) as number;
  const threads = sqlite.pragma('threads', { simple: true }) as number;
  sqlite.pragma('mmap_size = 0');
  try {
    // Into a store without holders (the first import, the largest) without the WAL if it can.
    const empty = (sqlite.prepare('select exists (select 1 from holders) as found').get() as { found: number }).found === 0;
    const transaction = (work: (trx: Kysely<StoreSchema>) => Promise<ImportOutcome>) =>
      empty ? rollbackJournalIfAlone(sqlite, () => store.writeTransaction([], work)) : store.writeTransaction([], work);
    return await transaction(async (trx) => {
      const nowIso = options.now.toISOString();
      const lastId = (sqlite.prepare('select coalesce(max(id), 0) as id from holders').get() as { id: number }).id;
      // Into a store without accounts the file's accounts replace nothing: they are written
      // where they belong at once instead of into a temp table and then upserted.
      const intoEmpty = lastId === 0 && (sqlite.prepare('select exists (select 1 from accounts) as found').get() as { found: number }).found === 0;
      // Into a store without holders, load first and index after; the indexes are re-created from
      // their own stored definitions, so the migrations stay the one place that defines them.
      const indexes = lastId === 0 ? setAside(sqlite, 'index') : [];
      // The triggers that keep repeated_keys exact would probe holders at every row loaded: they
      // are dropped for the load (in this transaction, like the indexes), re-created from their
      // stored definitions, and the table is filled again from holders once the load is settled.
      const triggers = setAside(sqlite, 'trigger');
      // Loading into indexed holders inserts all over the indexes: a larger page cache keeps their
      // pages at hand (bounded: 64 MiB). Without indexes the load only appends, and a small cache
      // does as well (no slower at 1M rows, 60 MB less resident memory).
      sqlite.pragma(`cache_size = -${indexes.length > 0 ? APPEND_CACHE_KIB : INDEXED_LOAD_CACHE_KIB}`);
      sqlite.exec(`drop table if exists temp.import_accounts; drop table if exists temp.import_bad;
        create temp table import_bad (account_id text primary key) without rowid;`);
      if (!intoEmpty) sqlite.exec('create temp table import_accounts (account_id text primary key, name text not null) without rowid;');

      // One prepared single-row statement run in a tight loop: as fast here as multi-row inserts,
      // without slicing every batch. '' stands for "no email" in a batch (a valid address is never empty).
      const insertHolder = sqlite.prepare(`insert into holders (${HOLDER_FIELDS.join(', ')}) values (?, ?, ?, ?, ?, nullif(?, ''), nullif(?, ''), ?, ?)`);
      // The first entry of an account wins (its name), as with the temp table below.
      const insertAccount = sqlite.prepare(
        intoEmpty ? 'insert or ignore into accounts (id, name, imported_at) values (?, ?, ?)' : 'insert or ignore into import_accounts (account_id, name) values (?, ?)',
      );
      const addAccount = intoEmpty ? (id: string, name: string) => insertAccount.run(id, name, nowIso).changes : (id: string, name: string) => insertAccount.run(id, name).changes;
      const markBad = sqlite.prepare('insert or ignore into import_bad (account_id) values (?)');

      const rejected: RejectedRow[] = [];
      let rowsRead = 0;
      let holders = 0;
      // Runs of rows (an entry per run in batch.accounts) against distinct accounts: equal while
      // every account so far is one run, and then the batches' odd runs are the whole answer.
      let runs = 0;
      let distinct = 0;
      let oddRuns: OddRun[] | null = [];
      for await (const batch of batches) {
        const h = batch.holders;
        for (let at = 0; at < h.length; at += H) insertHolder.run(h[at], h[at + 1], h[at + 2], h[at + 3], h[at + 4], h[at + 5], h[at + 6], h[at + 7], h[at + 8]);
        const a = batch.accounts;
        for (let at = 0; at < a.length; at += ACCOUNT_FIELDS) distinct += addAccount(a[at]!, a[at + 1]!);
        runs += a.length / ACCOUNT_FIELDS;
        if (distinct !== runs) oddRuns = null;
        if (oddRuns) for (const run of batch.oddRuns) oddRuns.push(run);
        for (const bad of batch.rejected) {
          rejected.push({ line: bad.line, reason: bad.reason });
          if (bad.accountId !== '') markBad.run(bad.accountId);
        }
        holders += h.length / H;
        rowsRead += batch.rowsRead;
        options.onProgress?.(rowsRead);
        // Give the event loop a turn: the spinner keeps moving and Ctrl-C is heard mid-load.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      options.onSaving?.();
      // A turn of the event loop so a spinner can show that before the synchronous work below.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (indexes.length > 0) {
        sqlite.pragma(`cache_size = -${INDEX_CACHE_KIB}`);
        sqlite.pragma(`threads = ${SORT_THREADS}`);
      }
      // Indexes first: the checks below then read holders_account instead of sorting the load.
      for (const index of indexes) sqlite.exec(index);

      // Account-level rule: exactly one primary. Accounts with an invalid row are out already.
      const isBad = sqlite.prepare('select 1 from import_bad where account_id = ?').pluck();
      const wrong = oddRuns ? oddRuns.filter((run) => isBad.get(run.accountId) === undefined) : oddAccountsBySql(store, lastId);
      for (const { accountId, firstLine, primaryLines } of wrong) {
        if (primaryLines.length === 0) rejected.push({ line: firstLine, reason: primaryRuleReason(accountId, 0) });
        else {
          const [first, ...extra] = primaryLines;
          for (const line of extra) rejected.push({ line, reason: primaryRuleReason(accountId, primaryLines.length, first) });
        }
        markBad.run(accountId);
      }
      if (wrong.length > 0) rejected.sort((a, b) => a.line - b.line);
      if (rejected.length > 0 && !options.skipInvalid) throw new ImportRejectedError(rejected, rowsRead);

      const skippedAccounts = (sqlite.prepare('select count(*) as n from import_bad').get() as { n: number }).n;
      let accounts = distinct;
      if (skippedAccounts > 0) {
        holders -= sqlite.prepare('delete from holders where id > ? and account_id in (select account_id from import_bad)').run(lastId).changes;
        accounts -= sqlite.prepare(`delete from ${intoEmpty ? 'accounts where id' : 'import_accounts where account_id'} in (select account_id from import_bad)`).run().changes;
      }
      if (!intoEmpty) {
        // Each account of the file replaces the stored one: its old holders go.
        if (lastId > 0) sqlite.prepare('delete from holders where id <= ? and account_id in (select account_id from import_accounts)').run(lastId);
        accounts = sqlite
          .prepare(
            `insert into accounts (id, name, imported_at) select account_id, name, ? from import_accounts where true
             on conflict (id) do update set name = excluded.name, imported_at = excluded.imported_at`,
          )
          .run(nowIso).changes;
      }
      for (const trigger of triggers) sqlite.exec(trigger);
      sqlite.exec('delete from repeated_keys');
      sqlite.exec(FILL_REPEATED_KEYS);
      // R3: a replaced account may have lost an address or an access that a valid link was sent for.
      const withValidLinks = (
        sqlite
          .prepare(
            `select distinct account_id from reset_links where revoked_at is null and superseded_at is null and expires_at > ?
             and account_id in (${intoEmpty ? 'select id from accounts' : 'select account_id from import_accounts'})`,
          )
          .all(nowIso) as { account_id: string }[]
      ).map((row) => row.account_id);
      sqlite.exec('drop table if exists temp.import_accounts; drop table temp.import_bad;');
      return finishImport(trx, withValidLinks, options, { rowsRead, accounts, holders, rejected, skippedAccounts });
    });
  } catch (error) {
    throw unreadableAsUsage(error);
  } finally {
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma(`cache_size = ${cacheSize}`);
    sqlite.pragma(`threads = ${threads}`);
    sqlite.pragma(`mmap_size = ${MMAP_BYTES}`);
  }
}

// Drops the indexes or triggers of holders (those SQLite made itself have no SQL, and stay),
// returning their stored definitions to re-create them with.
function setAside(sqlite: SqliteEngine['sqlite'], kind: 'index' | 'trigger'): string[] {
  const found = sqlite.prepare("select name, sql from sqlite_master where type = ? and tbl_name = 'holders' and sql is not null").all(kind) as { name: string; sql: string }[];
  for (const { name } of found) sqlite.exec(`drop ${kind} "${name}"`);
  return found.map((entry) => entry.sql);
}

// The accounts of this import (holders after `lastId`) without exactly one primary, whatever the
// order of the file, as odd runs: the account's first line and its primaries' lines in order.
function oddAccountsBySql(store: SqliteEngine, lastId: number): OddRun[] {
  const sqlite = store.sqlite;
  const counts = sqlite
    .prepare(
      `select account_id, min(position) as first_line, count(*) filter (where role = 'primary') as primaries from holders where id > ?
       and account_id not in (select account_id from import_bad) group by account_id having primaries <> 1`,
    )
    .all(lastId) as { account_id: string; first_line: number; primaries: number }[];
  const primaryLines = sqlite.prepare(`select position from holders where id > ? and account_id = ? and role = 'primary' order by position`).pluck();
  return counts.map((row) => ({
    accountId: row.account_id,
    firstLine: row.first_line,
    primaryLines: row.primaries === 0 ? [] : (primaryLines.all(lastId, row.account_id) as number[]),
  }));
}
