import { from as copyFrom } from 'pg-copy-streams';
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished, pipeline } from 'node:stream/promises';
import { HOLDER_FIELDS, type ImportBatch } from '../../core/import-batches.js';
import type { ImportOptions } from '../engine.js';
import { ImportRejectedError, primaryRuleReason, unreadableAsUsage, type ImportOutcome, type RejectedRow } from '../import-outcome.js';
import { finishImport } from '../finish-import.js';
import { copyBatches, CopyWriter, type AccountsSeen, type NumberedRows } from './copy-batches.js';
import { routeAccountLines, settleLaterRuns } from './route-account-lines.js';
import type { PostgresEngine } from './postgres-engine.js';

const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;

// Settings for the import's transaction only. Memory for its sorts and hashes (the accounts'
// grouping, the index builds): the server's defaults (4 MB, 64 MB) spill a million-row sort to
// disk; only ever raised, never lowered. And no JIT compilation: its cost (about 0.15 s for each
// large statement here) is more than these single passes over the rows gain from it.
const TRANSACTION_SETTINGS = `select set_config(name, case name when 'jit' then 'off' when 'work_mem' then '64MB' else '256MB' end, true) from pg_settings
  where name = 'jit' or (name = 'work_mem' and setting::bigint < 64 * 1024) or (name = 'maintenance_work_mem' and setting::bigint < 256 * 1024)`;

/**
 * Imports validated batches on PostgreSQL with every other writer shut out (the store-wide
 * advisory lock) in one transaction: holders stream in with COPY (the foreign key to accounts is
 * deferred to commit), the file's accounts into a temp table, then the same set-based rules as on
 * SQLite: exactly one primary per account, each account of the file replacing the stored one,
 * links of changed logins revoked. Into an empty store the holders' indexes and keys are built after
 * the load, and the rows go in frozen. The rows arrive as COPY text (copy-batches.ts).
 */
export async function importAccountsPostgres(engine: PostgresEngine, batches: AsyncIterable<ImportBatch> | Iterable<ImportBatch>, options: ImportOptions): Promise<ImportOutcome> {
  try {
    return await engine.exclusiveTransaction(async (trx, client) => {
      await client.query('set constraints all deferred');
      await client.query(TRANSACTION_SETTINGS);
      const lastId = Number((await client.query<{ id: string }>('select coalesce(max(id), 0) as id from holders')).rows[0]!.id);
      // No accounts either (a first import): their primary key is built after the load too.
      const noAccounts = lastId === 0 && (await client.query('select 1 from accounts limit 1')).rowCount === 0;
      // Into an empty store, load first and index after; the indexes are re-created from their own
      // definitions, so the migrations stay the one place that defines them.
      const indexes =
        lastId === 0
          ? (await client.query<{ indexname: string; indexdef: string }>(
              `select i.indexname, i.indexdef from pg_indexes i where i.schemaname = current_schema() and i.tablename = 'holders'
               and not exists (select 1 from pg_constraint c where c.conname = i.indexname)`,
            )).rows
          : [];
      for (const index of indexes) await client.query(`drop index ${quoted(index.indexname)}`);
      // Likewise the foreign key to accounts: checked once, set-based, when it is added back, rather
      // than once per loaded row (into a store that has rows, the check is deferred to the end instead);
      // with no accounts, every key referring to them, and their primary key (its index built in one sort).
      // And the holders' own primary key, when no key refers to it: kept up to date row by row it
      // cost the server 0.6 s of the load's CPU at 1M rows (both cores busy then), built after 0.25 s.
      const constraints =
        lastId === 0
          ? (await client.query<{ relation: string; name: string; definition: string }>(
              `select conrelid::regclass::text as relation, conname as name, pg_get_constraintdef(oid) as definition from pg_constraint
               where (contype = 'f' and (conrelid = 'holders'::regclass or ($1 and confrelid = 'accounts'::regclass)))
               or ($1 and contype = 'p' and conrelid = 'accounts'::regclass)
               or (contype = 'p' and conrelid = 'holders'::regclass and not exists (select 1 from pg_constraint r where r.confrelid = 'holders'::regclass))
               order by contype = 'p'`,
              [noAccounts],
            )).rows
          : [];
      // Foreign keys first, the primary key they rely on last (and re-added in the reverse order).
      for (const key of constraints) await client.query(`alter table ${key.relation} drop constraint ${quoted(key.name)}`);
      await client.query(`create temp table import_accounts (account_id text collate "C" not null, name text not null, first_line integer not null, repeated boolean not null, primaries integer not null) on commit drop`);
      await client.query(`create temp table import_bad (account_id text collate "C" primary key) on commit drop`);

      const rejected: RejectedRow[] = [];
      let copiedAccounts = 0;
      let rowsRead = 0;
      let holders = 0;
      const bad = new Set<string>();
      // One COPY stream for the whole file, written while the worker thread is still reading: the
      // server loads rows while the next ones are parsed. The accounts (one COPY at a time per
      // connection) wait in an owner-only temp file, so memory stays flat however large the file.
      // Into an empty holders table that no key refers to, the rows go in frozen (COPY FREEZE needs
      // the table emptied in this transaction: a TRUNCATE of no rows): nothing for the first readers
      // to mark, and the visibility map set, so the conflict scan reads its index alone at once.
      const freeze =
        lastId === 0 &&
        (await client.query(`select 1 where not exists (select 1 from holders) and not exists (select 1 from pg_constraint where confrelid = 'holders'::regclass)`)).rowCount === 1;
      if (freeze) await client.query('truncate holders');
      // Into a store with no accounts, each account's first run goes straight into the accounts
      // table (by COPY, frozen: truncated here, no key refers to it now), the others to
      // import_accounts (route-account-lines.ts).
      const direct = noAccounts;
      if (direct) await client.query('truncate accounts');
      const nowIso = options.now.toISOString();
      // Each row comes with its id, the last id plus its line (NumberedRows): the batches of the
      // parsing threads are told where to start, the others are numbered here.
      (batches as Partial<NumberedRows>).numberRowsAfter?.(lastId);
      const holdersCopy = client.query(copyFrom(`copy holders (id, ${HOLDER_FIELDS.join(', ')}) from stdin${freeze ? ' with (freeze)' : ''}`));
      const holdersLoaded = finished(holdersCopy);
      // Awaited below; until then a failed COPY must not count as an unhandled rejection.
      holdersLoaded.catch(() => undefined);
      // A file the reader refuses (empty, a bad header, not UTF-8, an unterminated quote) throws from
      // the source; that typed error (exit 2) is the one to report, not the server's "COPY from stdin
      // failed" that cancelling the COPY over it brings back.
      let sourceFailed = false;
      async function* readingSource() {
        try {
          yield* batches;
        } catch (error) {
          sourceFailed = true;
          throw error;
        }
      }
      const spool = mkdtempSync(join(tmpdir(), 'enrollsy-import-'));
      // Its files (owner-only), each with the promise of its last write; their streams are closed
      // before it goes (an error can leave one open), and a failed write (a full disk) rolls back.
      const spoolFiles: WriteStream[] = [];
      const spoolFile = (name: string) => {
        const path = join(spool, name);
        const stream = createWriteStream(path, { mode: 0o600 });
        spoolFiles.push(stream);
        const written = finished(stream);
        written.catch(() => undefined);
        return { path, stream, written };
      };
      const spoolWrite = async (file: { stream: WriteStream }, text: string) => {
        if (text !== '' && !file.stream.write(text)) await once(file.stream, 'drain');
      };
      // Into a store with no accounts, each first run's account line goes straight to `accounts`.
      const route = (lines: string) => (direct ? routeAccountLines(lines, nowIso) : { accounts: '', runs: lines });
      try {
        const runs = spoolFile('runs.tsv');
        // The account lines wait here while the rows load, as they come (each part's in its own
        // file: a large file is read in two parts on two threads, see export-split.ts); they are
        // sent on while the server takes in the accounts (into an empty store) or the last rows:
        // on cores the load keeps busy, the main thread feeds the server and does no more.
        const first = spoolFile('first.tsv');
        const later = spoolFile('later.tsv');
        let firstPartSeen: AccountsSeen | null = null;
        for await (const { copy, rejected: rejectedRows, rowsRead: read } of copyBatches(readingSource(), new CopyWriter(false, lastId))) {
          for (const row of rejectedRows) {
            rejected.push({ line: row.line, reason: row.reason });
            if (row.accountId !== '') bad.add(row.accountId);
          }
          holders += copy.holderCount;
          rowsRead += read;
          if (copy.seen) firstPartSeen = copy.seen;
          await spoolWrite(copy.laterPart ? later : first, copy.accounts);
          if (copy.holders.length > 0 && !holdersCopy.write(copy.holders)) await Promise.race([once(holdersCopy, 'drain'), holdersLoaded]);
          // (The last account line may come in a batch of its own, with no rows.)
          if (read > 0) options.onProgress?.(rowsRead);
        }
        holdersCopy.end();
        first.stream.end();
        later.stream.end();
        // A part's account lines, a chunk at a time: the later part's settled against the first
        // part's accounts seen; their runs go to the runs' file, their accounts are yielded.
        async function* routedAccounts(file: typeof first, settle: boolean): AsyncGenerator<string> {
          await file.written;
          let carry = '';
          for await (const chunk of createReadStream(file.path, { encoding: 'utf8' })) {
            const text = carry + (chunk as string);
            const whole = text.lastIndexOf('\n') + 1;
            carry = text.slice(whole);
            if (whole === 0) continue;
            const lines = text.slice(0, whole);
            const routed = route(settle ? settleLaterRuns(lines, firstPartSeen) : lines);
            await spoolWrite(runs, routed.runs);
            if (routed.accounts !== '') yield routed.accounts;
          }
        }
        async function* allAccounts(): AsyncGenerator<string> {
          yield* routedAccounts(first, false);
          yield* routedAccounts(later, true);
        }
        if (direct) {
          await holdersLoaded;
          const accountsCopy = client.query(copyFrom('copy accounts (id, name, imported_at) from stdin with (freeze)'));
          await pipeline(allAccounts, accountsCopy);
          copiedAccounts = accountsCopy.rowCount;
        } else {
          // (No account line goes to `accounts` then: this yields nothing.)
          for await (const _ of allAccounts());
          await holdersLoaded;
        }
        runs.stream.end();
        await runs.written;
        await pipeline(createReadStream(runs.path), client.query(copyFrom('copy import_accounts (account_id, name, first_line, repeated, primaries) from stdin')));
      } catch (error) {
        // Ends the COPY (CopyFail) so the connection can roll the transaction back.
        if (!holdersCopy.writableFinished) holdersCopy.destroy(error as Error);
        // The COPY's own failure (a lost connection, a server error) is the cause to report, not
        // the stream state error a later write ran into.
        const loadError = await holdersLoaded.then(() => null, (failure: unknown) => failure);
        throw sourceFailed ? error : (loadError ?? error);
      } finally {
        for (const stream of spoolFiles) stream.destroy();
        rmSync(spool, { recursive: true, force: true });
      }
      options.onSaving?.();
      if (bad.size > 0) await client.query('insert into import_bad (account_id) select unnest($1::text[]) on conflict do nothing', [[...bad]]);

      // The file's accounts come one line per run of their rows (copy-batches.ts), with the run's
      // primaries; those that may have had an earlier run are grouped, the others (nearly all) need not be.
      // (stored: the account's first run went straight into the accounts table.)
      await client.query(`create temp table import_repeated (account_id text collate "C" primary key, stored boolean not null default false) on commit drop`);
      const repeatedAccounts = (await client.query('insert into import_repeated select distinct account_id from import_accounts where repeated')).rowCount ?? 0;
      if (direct && repeatedAccounts > 0) await client.query('update import_repeated r set stored = true from accounts x where x.id = r.account_id');
      const oneRun = 'not exists (select 1 from import_repeated r where r.account_id = a.account_id)';
      const valid = 'not exists (select 1 from import_bad b where b.account_id = a.account_id)';
      // Account-level rule: exactly one primary. Accounts with an invalid row are out already.
      // Straight into an empty store, a repeated account's first run is in import_accounts only if
      // it did not have exactly one primary: otherwise it counts one.
      const wrong = (
        await client.query<{ account_id: string; primaries: number }>(
          `select account_id, primaries from import_accounts a where primaries <> 1 and ${oneRun} and ${valid}
           union all
           ${
             direct
               ? `select account_id, primaries from (
                    select r.account_id, (sum(a.primaries) + case when r.stored and count(*) filter (where not a.repeated) = 0 then 1 else 0 end)::int as primaries
                    from import_repeated r join import_accounts a using (account_id) where ${valid} group by r.account_id, r.stored) t
                  where primaries <> 1`
               : `select account_id, sum(primaries)::int from import_accounts a where not ${oneRun} and ${valid} group by account_id having sum(primaries) <> 1`
           }`,
        )
      ).rows;
      // What to say of each: one statement per kind, not per account (a file may have thousands).
      const none = wrong.filter((account) => account.primaries === 0).map((account) => account.account_id);
      const many = new Map(wrong.filter((account) => account.primaries > 1).map((account) => [account.account_id, account.primaries]));
      if (none.length > 0) {
        const firstLines = await client.query<{ account_id: string; line: number }>(
          'select account_id, min(first_line) as line from import_accounts join unnest($1::text[]) as w(account_id) using (account_id) group by account_id',
          [none],
        );
        for (const { account_id: accountId, line } of firstLines.rows) rejected.push({ line, reason: primaryRuleReason(accountId, 0) });
      }
      if (many.size > 0) {
        const primaryLines = await client.query<{ account_id: string; position: number }>(
          `select account_id, position from holders join unnest($2::text[]) as w(account_id) using (account_id)
           where id > $1 and role = 'primary' order by account_id, position`,
          [lastId, [...many.keys()]],
        );
        let first = 0;
        primaryLines.rows.forEach(({ account_id: accountId, position }, i) => {
          // The first primary of an account is kept as the one named; the others are refused.
          if (i === 0 || primaryLines.rows[i - 1]!.account_id !== accountId) first = position;
          else rejected.push({ line: position, reason: primaryRuleReason(accountId, many.get(accountId)!, first) });
        });
      }
      if (wrong.length > 0) await client.query('insert into import_bad (account_id) select unnest($1::text[]) on conflict do nothing', [wrong.map((account) => account.account_id)]);
      rejected.sort((a, b) => a.line - b.line);
      if (rejected.length > 0 && !options.skipInvalid) throw new ImportRejectedError(rejected, rowsRead);

      const skippedAccounts = Number((await client.query<{ n: string }>('select count(*) as n from import_bad')).rows[0]!.n);
      if (skippedAccounts > 0) {
        holders -= (await client.query('delete from holders where id > $1 and account_id in (select account_id from import_bad)', [lastId])).rowCount ?? 0;
        await client.query('delete from import_accounts where account_id in (select account_id from import_bad)');
        if (direct) copiedAccounts -= (await client.query('delete from accounts where id in (select account_id from import_bad)')).rowCount ?? 0;
      }
      // Each account of the file replaces the stored one: its old holders go.
      if (lastId > 0) await client.query('delete from holders where id <= $1 and account_id in (select account_id from import_accounts)', [lastId]);
      // An account's name comes from its first row (the file may list it in several runs of rows).
      let accounts = copiedAccounts;
      if (direct) {
        // Only an account whose first run the filter took for a later one (its rare false positive) is not in yet.
        accounts += (
          await client.query(
            `insert into accounts (id, name, imported_at)
             select distinct on (account_id) account_id, name, $1::text from import_accounts a join import_repeated r using (account_id) where not r.stored order by account_id, first_line`,
            [nowIso],
          )
        ).rowCount ?? 0;
      } else {
        accounts = (
          await client.query(
            `insert into accounts (id, name, imported_at)
             select account_id, name, $1::text from import_accounts a where ${oneRun}
             union all
             (select distinct on (account_id) account_id, name, $1::text from import_accounts a where not ${oneRun} order by account_id, first_line)
             on conflict (id) do update set name = excluded.name, imported_at = excluded.imported_at`,
            [nowIso],
          )
        ).rowCount ?? 0;
      }
      // The holders' accounts exist now: run the deferred foreign-key checks, then (into an empty
      // store) build the indexes, which PostgreSQL refuses while checks are pending.
      await client.query('set constraints all immediate');
      for (const index of indexes) await client.query(index.indexdef);
      // Adding a foreign key back checks every row with one query (PostgreSQL's own, serial). Both
      // sides' keys are in indexes by now: merged in key order the check reads those alone (the rows
      // are frozen: index-only), where the hash of every referenced key that the planner picks
      // without statistics took 0.75 s of CPU at 1M holders against 0.2 s. For these statements only.
      const hashJoins = constraints.length > 0 ? (await client.query<{ value: string }>("select current_setting('enable_hashjoin') as value")).rows[0]!.value : null;
      if (hashJoins !== null) await client.query("select set_config('enable_hashjoin', 'off', true)");
      for (const key of [...constraints].reverse()) await client.query(`alter table ${key.relation} add constraint ${quoted(key.name)} ${key.definition}`);
      if (hashJoins !== null) await client.query("select set_config('enable_hashjoin', $1, true)", [hashJoins]);
      // The ids were given, not drawn: the identity goes on after the largest (never back).
      await client.query(
        `select setval(seq, greatest(m, coalesce(pg_sequence_last_value(seq), 0)))
         from (select pg_get_serial_sequence('holders', 'id')::regclass as seq, (select max(id) from holders) as m) s where m > $1`,
        [lastId],
      );
      // A store loaded from empty has no statistics on its holders: without them the commands that
      // follow (a conflict scan first of all) plan badly until autovacuum runs (2.8 s against 1.8 s).
      // From a sample of 9,000 rows (statistics target 30) rather than the default 30,000: the
      // sample's reads were most of its time (0.3 s at 1M holders against 0.12 s), and the scan,
      // the 100,000-address check and the advisories ran as fast on either (measured, and down to
      // target 10). Never raised: a server set lower keeps its own.
      if (lastId === 0) {
        await client.query("select set_config('default_statistics_target', least(current_setting('default_statistics_target')::int, 30)::text, true)");
        await client.query('analyze holders');
      }
      // R3: a replaced account may have lost an address or an access that a valid link was sent for.
      const withValidLinks = (
        await client.query<{ account_id: string }>(
          `select distinct account_id from reset_links where revoked_at is null and superseded_at is null and expires_at > $1 and account_id in (${direct ? 'select id from accounts' : 'select account_id from import_accounts'})`,
          [nowIso],
        )
      ).rows.map((row) => row.account_id);
      return finishImport(trx, withValidLinks, options, { rowsRead, accounts, holders, rejected, skippedAccounts });
    });
  } catch (error) {
    throw unreadableAsUsage(error);
  }
}
