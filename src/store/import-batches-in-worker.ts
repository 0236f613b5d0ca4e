import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { UsageError } from '../core/errors.js';
import { ImportFileError, type ImportBatch } from '../core/import-batches.js';
import { packageRoot } from '../core/package-root.js';
import { findExportSplit } from './export-split.js';
import type { ImportWorkerData, ImportWorkerMessage } from './import-worker.js';
import { rowlessBatch, type NumberedRows } from './postgres/copy-batches.js';

/**
 * The bundled worker, or null when running from source (in-process tests), where parsing stays
 * in-thread: a worker from dist/ could be older than the source being tested.
 */
export function importWorkerPath(): string | null {
  if (import.meta.url.endsWith('.ts')) return null;
  const path = join(packageRoot(), 'dist', 'import-worker.js');
  return existsSync(path) ? path : null;
}

// The parsing thread's heap, bounded: left alone, V8 let it grow with the run under the high
// allocation rate (committing 40 → 62 MB at 2M rows with 6–8 MB live), so larger files cost more
// memory. Measured at 1M and 2M rows: peak RSS 148 and 148 MB on SQLite (was 166 and 180), 134
// and 138 MB on PostgreSQL (was 153 and 158), at the same CPU. The young generation: at 16 MB it
// still grew once, three seconds into a run (15 → 23 MB committed per thread), which only files
// of more than 1M rows reach (PostgreSQL 127 MB at 1M rows, 135 at 2M); at 8 MB, 127 and 129,
// and SQLite 137 against 146 at 1M, at the same CPU on both (once the threads allocated a third
// of what they did, see copy-batches.ts: before, 8 MB cost PostgreSQL's load 30% more time).
// The reader holds one record whole, up to MAX_RECORD_CHARS (10M characters, 20 MB at most):
// that fits, and a file that exhausts the heap anyway is refused as unreadable below.
const WORKER_HEAP = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 96 };

/** What the parsing thread's failure means: running out of its bounded heap is the file's doing (exit 2, nothing imported); anything else stays as it is. */
export function parsingThreadFailure(error: Error): Error {
  if ((error as NodeJS.ErrnoException).code !== 'ERR_WORKER_OUT_OF_MEMORY') return error;
  return new UsageError(
    `The file could not be read within the import's memory bound (${WORKER_HEAP.maxOldGenerationSizeMb} MB for reading): no export row needs that much. Nothing was imported; check that it is the accounts export, saved as CSV.`,
  );
}

// One parsing thread, its messages queued as they come.
interface ParsingThread {
  worker: Worker;
  messages: ImportWorkerMessage[];
  failure: Error | null;
  exited: boolean;
}

/**
 * The same batches as `importBatches(createReadStream(path))`, read and validated on a worker
 * thread. Each batch taken hands the worker a credit for one more; leaving early ends the worker.
 * `copyText` (for a PostgreSQL store only: its import reads them) has the rows written as COPY
 * text on the worker too (copy-batches.ts), the batches' row arrays then left empty, each row
 * starting with its id from the last id the store gave (NumberedRows) before reading; a large file
 * is then read in two parts (export-split.ts) on two threads, their batches as they come, the
 * later part's marked (CopyText.laterPart) and the first part's accounts seen after its last
 * (CopyText.seen). A file error is the first in the file: the later part's waits for the first
 * part to end without one.
 */
export function importBatchesInWorker(workerPath: string, path: string, options: { copyText?: boolean } = {}): AsyncIterable<ImportBatch> & NumberedRows {
  // The threads start when the batches are first asked for: by then the store has said where
  // ids start (COPY text only).
  let idBase: number | undefined;
  return {
    numberRowsAfter: (lastId) => void (idBase = lastId),
    [Symbol.asyncIterator]: () => batchesInWorker(workerPath, path, options.copyText === true, idBase),
  };
}

async function* batchesInWorker(workerPath: string, path: string, copyText: boolean, idBase: number | undefined): AsyncGenerator<ImportBatch> {
  // (A programming error, found before any thread starts: the store did not say where ids start.)
  if (copyText && idBase === undefined) throw new Error('COPY text for an import needs the id to start from: call numberRowsAfter before reading');
  const split = copyText ? await findExportSplit(path) : null;
  const parts: ImportWorkerData[] = split
    ? [
        { path, copyText, idBase, end: split.at },
        { path, copyText, idBase, part: split },
      ]
    : [{ path, copyText, idBase }];
  let wake: (() => void) | null = null;
  const threads = parts.map((workerData): ParsingThread => {
    const thread: ParsingThread = { worker: new Worker(workerPath, { workerData, resourceLimits: WORKER_HEAP }), messages: [], failure: null, exited: false };
    thread.worker.on('message', (message: ImportWorkerMessage) => {
      thread.messages.push(message);
      wake?.();
    });
    thread.worker.on('error', (error) => {
      thread.failure = parsingThreadFailure(error);
      wake?.();
    });
    thread.worker.on('exit', (code) => {
      if (code !== 0) thread.failure ??= new Error(`the import worker stopped with code ${code}`);
      thread.exited = true;
      wake?.();
    });
    return thread;
  });
  // A part is over when done; the later part's failure is held until the first part is over.
  const over = threads.map(() => false);
  let laterFailure: Error | null = null;
  const fail = (index: number, error: Error) => {
    if (index === 0) throw error;
    laterFailure = error;
    over[index] = true;
    void threads[index]!.worker.terminate();
  };
  // Taken in turn when both have batches ready, so that neither waits for credits the other took.
  let turn = 0;
  const ready = (i: number) => !over[i] && (threads[i]!.messages.length > 0 || threads[i]!.failure !== null || threads[i]!.exited);
  try {
    while (!over.every(Boolean)) {
      const index = ready(turn) ? turn : threads.findIndex((_, i) => ready(i));
      turn = (index + 1) % threads.length;
      if (index === -1) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
        continue;
      }
      const thread = threads[index]!;
      const message = thread.messages.shift();
      if (!message) {
        fail(index, thread.failure ?? new Error('the import worker ended without finishing'));
        continue;
      }
      if (message.type === 'done') {
        over[index] = true;
        if (message.seen) yield rowlessBatch({ holders: '', accounts: '', holderCount: 0, seen: message.seen });
      } else if (message.type === 'error') {
        fail(index, message.file ? new ImportFileError(message.message, message.file.line, message.file.reason) : Object.assign(new Error(message.message), { code: message.code }));
      } else {
        thread.worker.postMessage('credit');
        yield message.batch;
      }
    }
    if (laterFailure) throw laterFailure;
  } finally {
    await Promise.all(threads.map((thread) => thread.worker.terminate()));
  }
}
