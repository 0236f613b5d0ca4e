import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { UsageError } from '../core/errors.js';
import { ImportFileError, type ImportBatch } from '../core/import-batches.js';
import { packageRoot } from '../core/package-root.js';
import type { ImportWorkerMessage } from './import-worker.js';

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
// and 138 MB on PostgreSQL (was 153 and 158), at the same CPU; a young generation of 8 MB kept
// SQLite near 138 MB but cost PostgreSQL's load, which waits on this thread, 30% more time.
// The reader holds one record whole, up to MAX_RECORD_CHARS (10M characters, 20 MB at most):
// that fits, and a file that exhausts the heap anyway is refused as unreadable below.
const WORKER_HEAP = { maxYoungGenerationSizeMb: 16, maxOldGenerationSizeMb: 96 };

/** What the parsing thread's failure means: running out of its bounded heap is the file's doing (exit 2, nothing imported); anything else stays as it is. */
export function parsingThreadFailure(error: Error): Error {
  if ((error as NodeJS.ErrnoException).code !== 'ERR_WORKER_OUT_OF_MEMORY') return error;
  return new UsageError(
    `The file could not be read within the import's memory bound (${WORKER_HEAP.maxOldGenerationSizeMb} MB for reading): no export row needs that much. Nothing was imported; check that it is the accounts export, saved as CSV.`,
  );
}

/**
 * The same batches as `importBatches(createReadStream(path))`, read and validated on a worker
 * thread. Each batch taken hands the worker a credit for one more; leaving early ends the worker.
 * `copyText` (for a PostgreSQL store only: its import reads them) has the rows written as COPY
 * text on the worker too (copy-batches.ts), the batches' row arrays then left empty.
 */
export async function* importBatchesInWorker(workerPath: string, path: string, options: { copyText?: boolean } = {}): AsyncGenerator<ImportBatch> {
  const worker = new Worker(workerPath, { workerData: { path, copyText: options.copyText === true }, resourceLimits: WORKER_HEAP });
  const queue: ImportWorkerMessage[] = [];
  let wake: (() => void) | null = null;
  let failure: Error | null = null;
  let exited = false;
  worker.on('message', (message: ImportWorkerMessage) => {
    queue.push(message);
    wake?.();
  });
  worker.on('error', (error) => {
    failure = parsingThreadFailure(error);
    wake?.();
  });
  worker.on('exit', (code) => {
    if (code !== 0) failure ??= new Error(`the import worker stopped with code ${code}`);
    exited = true;
    wake?.();
  });
  try {
    for (;;) {
      while (queue.length === 0 && failure === null && !exited) await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
      const message = queue.shift();
      if (!message) throw failure ?? new Error('the import worker ended without finishing');
      if (message.type === 'done') return;
      if (message.type === 'error') {
        if (message.file) throw new ImportFileError(message.message, message.file.line, message.file.reason);
        throw Object.assign(new Error(message.message), { code: message.code });
      }
      worker.postMessage('credit');
      yield message.batch;
    }
  } finally {
    await worker.terminate();
  }
}
