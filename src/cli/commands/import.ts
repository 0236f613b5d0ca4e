import { formatCount } from '../../core/format-count.js';
import { createReadStream } from 'node:fs';
import { UsageError } from '../../core/errors.js';
import { importBatches, type ImportBatch } from '../../core/import-batches.js';
import { ImportRejectedError, unreadableAsUsage, type RejectedRow } from '../../store/import-outcome.js';
import { importBatchesInWorker, importWorkerPath } from '../../store/import-batches-in-worker.js';
import type { CommandResult } from '../command-result.js';
import type { Context } from '../context.js';
import { startSpinner } from '../../ui/spinner.js';
import { requireFile } from '../options/require-file.js';

const SHOWN_REJECTIONS = 50;

/** Renders rejected rows for a terminal (all of them are in --json). */
export function renderRejected(rejected: readonly RejectedRow[]): string {
  const lines = rejected.slice(0, SHOWN_REJECTIONS).map((row) => `  line ${row.line}: ${row.reason}`);
  if (rejected.length > SHOWN_REJECTIONS) lines.push(`  … and ${rejected.length - SHOWN_REJECTIONS} more (--json lists them all)`);
  return lines.join('\n');
}

// Every batch of the input, read and checked before any lock is taken.
async function readAll(batches: AsyncIterable<ImportBatch>, onProgress: (rows: number) => void): Promise<ImportBatch[]> {
  const all: ImportBatch[] = [];
  let rows = 0;
  try {
    for await (const batch of batches) {
      all.push(batch);
      rows += batch.rowsRead;
      onProgress(rows);
    }
  } catch (error) {
    throw unreadableAsUsage(error);
  }
  return all;
}

/** `import <file | ->`: imports an accounts export, atomically unless --skip-invalid. */
export async function runImport(ctx: Context, file: string, options: { skipInvalid?: boolean }): Promise<CommandResult> {
  const fromStdin = file === '-';
  if (!fromStdin) requireFile(file, 'the path of the accounts export (CSV)');
  const store = await ctx.openStore();
  const spinner = await startSpinner(ctx, `Importing ${fromStdin ? 'stdin' : file}…`);
  const started = Date.now();
  try {
    // A file is read and checked on a worker thread while this one writes. Stdin may take any
    // time to arrive (a slow pipe, a person typing): it is read and checked in full first, and
    // the write lock is taken only after, so other admins are never locked out by a wait.
    const workerPath = fromStdin ? null : importWorkerPath();
    const batches = fromStdin
      ? await readAll(importBatches(ctx.io.stdin, 'stdin'), (rows) => spinner.update(`Reading stdin… ${formatCount(rows)} rows`))
      : workerPath
        ? importBatchesInWorker(workerPath, file, { copyText: store.engineKind === 'postgres' })
        : importBatches(createReadStream(file), file);
    const outcome = await store.importAccounts(batches, {
      skipInvalid: options.skipInvalid === true,
      now: ctx.clock.now(),
      sourceName: fromStdin ? 'stdin' : file,
      // Called once a batch: the text is built only when a spinner shows it.
      onProgress: spinner.live
        ? (rows) => {
            const seconds = (Date.now() - started) / 1000;
            spinner.update(`Importing… ${formatCount(rows)} rows read (${formatCount(Math.round(rows / Math.max(seconds, 0.001)))} rows/s)`);
          }
        : undefined,
      // The last phase reports no progress; a frozen row count would look like a hang.
      onSaving: () => spinner.update('Importing… all rows read; checking accounts and saving', true),
    });
    spinner.stop();
    const skipped = outcome.rejected.length > 0;
    const lines = [
      `${skipped ? ctx.out.yellow('!') : ctx.out.green('✔')} Imported ${outcome.imported.accounts} account${outcome.imported.accounts === 1 ? '' : 's'} with ${outcome.imported.holders} holder${outcome.imported.holders === 1 ? '' : 's'} from ${outcome.rowsRead} row${outcome.rowsRead === 1 ? '' : 's'}.`,
    ];
    if (skipped) {
      lines.push(`${ctx.out.yellow('!')} Skipped ${outcome.skippedAccounts} account${outcome.skippedAccounts === 1 ? '' : 's'} (kept or skipped whole) because of ${outcome.rejected.length} invalid row${outcome.rejected.length === 1 ? '' : 's'}:`);
      lines.push(renderRejected(outcome.rejected));
    }
    const revoked = outcome.linksRevoked ?? 0;
    if (revoked > 0) lines.push(`${ctx.out.yellow('!')} ${revoked} valid reset link${revoked === 1 ? '' : 's'} stopped working: the address or login access ${revoked === 1 ? 'it was' : 'they were'} sent for changed (see enrollsy-help audit).`);
    // A header and nothing else imports nothing: say so, rather than a tick for "0 accounts".
    if (outcome.rowsRead === 0) {
      return {
        exitCode: 0,
        json: { imported: outcome.imported, rejected: outcome.rejected },
        text: `${ctx.out.yellow('!')} The file has a header but no rows after it: nothing was imported. Check that this is the whole accounts export.`,
      };
    }
    lines.push(`Next: enrollsy-help conflicts (find addresses used in two accounts), or enrollsy-help diagnose <email>.`);
    return { exitCode: skipped ? 1 : 0, json: { imported: outcome.imported, rejected: outcome.rejected, ...(revoked > 0 ? { linksRevoked: revoked } : {}) }, text: lines.join('\n') };
  } catch (error) {
    spinner.stop();
    if (error instanceof ImportRejectedError && !ctx.json) ctx.notice(renderRejected(error.rejected));
    if (error instanceof Error && 'code' in error && (error as { code?: string }).code === 'EACCES') {
      throw new UsageError(`Cannot read ${file}: permission denied.`);
    }
    throw error;
  } finally {
    await store.close();
  }
}
