import { statSync } from 'node:fs';
import { UsageError } from '../../core/errors.js';

/** Checks an input path names a readable file before the store is touched (exit 2 otherwise). */
export function requireFile(path: string, what: string): void {
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    throw new UsageError(`Cannot read ${path}: no such file. Give ${what}, or - to read stdin.`);
  }
  if (!isFile) throw new UsageError(`${path} is not a file. Give ${what}, or - to read stdin.`);
}
