import type { StoreFix } from '../core/errors.js';

/** The end of a store problem's message: what to do, in the cli's words (flags, commands). */
export function storeProblemFix(fix: StoreFix): string {
  switch (fix.kind) {
    case 'give-a-store':
      return ': give --db <path-or-url>, or set ENROLLSY_DB.';
    case 'run-init':
      return fix.orPointElsewhere ? '. Run `enrollsy-help init` to create it, or point --db / ENROLLSY_DB at your store.' : '. Run `enrollsy-help init` first.';
    case 'point-at-a-file':
      return fix.suggestion ? `: point --db at a file such as ${fix.suggestion}.` : '; point --db at a file.';
    case 'point-at-the-real-store':
      return fix.orRemoveTheLink ? '. Point --db at the real store, or remove the link.' : '; point --db at the real file.';
    case 'point-at-your-store':
      return fix.orInitANewOne ? '. Point --db at your store, or run `enrollsy-help init --db <new file>`.' : '; point --db at your store.';
    case 'point-at-a-shorter-path':
      return '; point --db at a shorter path.';
    case 'wait-or-raise-the-lock-timeout':
      return '; try again in a moment, or raise --lock-timeout.';
    case 'point-at-the-primary-server':
      return ': point --db at the primary server.';
    case 'use-another-database-or-schema':
      return '. Use another database, or pass `init --schema <name>` (then ?schema=<name> in the URL).';
  }
}
