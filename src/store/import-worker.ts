// Worker-thread entry (bundled as dist/import-worker.js): reads and validates an export file
// while the main thread writes earlier batches to SQLite, so parsing and inserting overlap on
// two cores. Credit-based flow control keeps at most a few batches in flight, so memory stays
// bounded whatever the file size.
import { createReadStream } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { importBatches, ImportFileError, type ImportBatch } from '../core/import-batches.js';
import { copyBatches } from './postgres/copy-batches.js';

/** Batches the worker may send ahead of the main thread's inserts. */
export const BATCH_CREDITS = 4;

/** What the worker says to the main thread. */
export type ImportWorkerMessage =
  | { type: 'batch'; batch: ImportBatch }
  | { type: 'done' }
  | { type: 'error'; message: string; code?: string; file?: { line: number; reason: string } };

async function run(): Promise<void> {
  const port = parentPort!;
  const { path, copyText } = workerData as { path: string; copyText: boolean };
  let credits = BATCH_CREDITS;
  let wake: (() => void) | null = null;
  port.on('message', () => {
    credits++;
    wake?.();
    wake = null;
  });
  try {
    const batches = importBatches(createReadStream(path), path);
    // For a PostgreSQL store the rows cross as COPY text: one string is cheaper to post than
    // thousands, and writing it costs this thread, not the one feeding the server.
    for await (const batch of copyText ? copyBatches(batches) : batches) {
      while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
      credits--;
      port.postMessage({ type: 'batch', batch } satisfies ImportWorkerMessage);
    }
    port.postMessage({ type: 'done' } satisfies ImportWorkerMessage);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    port.postMessage({
      type: 'error',
      message,
      code: (error as { code?: string }).code,
      file: error instanceof ImportFileError ? { line: error.line, reason: error.reason } : undefined,
    } satisfies ImportWorkerMessage);
  }
  port.close();
}

if (parentPort) await run();
