import { shortForMessage } from '../../core/email.js';
import { CliError, StoreError, type StoreFix } from '../../core/errors.js';
import { DAMAGED } from './assert-intact.js';

// What is wrong, and (where the way out names a flag) the fix for the cli to word.
const messages: Record<string, string | [string, StoreFix]> = {
  SQLITE_BUSY: ['is locked by another enrollsy-help that is still writing', { kind: 'wait-or-raise-the-lock-timeout' }],
  SQLITE_LOCKED: ['is locked by another enrollsy-help that is still writing', { kind: 'wait-or-raise-the-lock-timeout' }],
  SQLITE_NOTADB: ['is not an enrollsy-help store (not an SQLite database)', { kind: 'point-at-your-store', orInitANewOne: false }],
  SQLITE_CORRUPT: DAMAGED,
  SQLITE_READONLY: 'cannot be written (read-only file or folder); check its permissions',
  SQLITE_CANTOPEN: 'cannot be opened; check that the file and its folder exist and are readable',
  SQLITE_FULL: 'cannot be written: the disk is full',
  SQLITE_IOERR: 'could not be read or written (I/O error); check the disk',
  SQLITE_PERM: 'cannot be accessed; check its permissions',
  EACCES: 'cannot be accessed; check its permissions',
  EPERM: 'cannot be accessed; check its permissions',
  ENOENT: 'cannot be created: its folder is missing',
  ENOTDIR: 'cannot be created: a file stands where its folder should be',
  EROFS: 'cannot be written: the file system is read-only',
  EISDIR: ['is a folder, not a store file', { kind: 'point-at-a-file', suggestion: null }],
  ENAMETOOLONG: ['cannot be used: its path is longer than the system allows', { kind: 'point-at-a-shorter-path' }],
  ELOOP: ['cannot be used: its path runs through a loop of symbolic links', { kind: 'point-at-the-real-store', orRemoveTheLink: false }],
  EEXIST: 'cannot be created: a file stands where its folder should be',
};

/** Turns an SQLite or file-system failure on the store into a one-line StoreError (exit 3); other errors pass through. */
export function sqliteStoreError(error: unknown, path: string): unknown {
  if (error instanceof CliError) return error;
  const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : '';
  const base = Object.keys(messages).find((key) => code === key || code.startsWith(`${key}_`));
  if (!base) return error;
  const found = messages[base]!;
  return typeof found === 'string' ? new StoreError(`The store ${shortForMessage(path, 160)} ${found}.`) : new StoreError(`The store ${shortForMessage(path, 160)} ${found[0]}`, found[1]);
}
