import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { repoRoot, runBinary, tempDir } from './helpers/cli.js';
import { TmuxSession } from './helpers/tmux.js';

// `reset` to a stored address whose domain looks mistyped asks first, in a real terminal (tmux).
let dir: string;
let cleanup: () => void;
let db: string;
let session: TmuxSession | undefined;
beforeEach(async () => {
  ({ dir, cleanup } = tempDir());
  db = join(dir, 'store.db');
  expect((await runBinary(['--db', db, 'init', '--demo'])).code).toBe(0);
});
afterEach(() => {
  session?.kill();
  cleanup();
});

const start = (email: string) => TmuxSession.start(`cd '${repoRoot}' && node bin/enrollsy-help.js --db '${db}' reset ${email} --no-send`, { NO_COLOR: '1', TERM: 'xterm-256color' });
const links = () => {
  const sqlite = new Database(db, { readonly: true });
  const rows = sqlite.prepare('select recipient_email from reset_links').all();
  sqlite.close();
  return rows;
};

describe('reset to an address whose domain looks mistyped, on a terminal', () => {
  it('names the likely domain and issues the link once the admin confirms', async () => {
    session = start('chris.baker@gmial.com');
    await session.waitFor('"gmial.com" looks like a typo of "gmail.com". Send the reset to chris.baker@gmial.com anyway?');
    session.send('y', 'Enter');
    const screen = await session.waitFor('EXIT=');
    expect(screen).toContain('Reset link issued for account A1008, for Chris Baker <chris.baker@gmial.com>');
    expect(screen).toContain('EXIT=0');
    expect(links()).toEqual([{ recipient_email: 'chris.baker@gmial.com' }]);
  });

  it('issues nothing when the admin declines', async () => {
    session = start('chris.baker@gmial.com');
    await session.waitFor('anyway?');
    session.send('n', 'Enter');
    const screen = await session.waitFor('EXIT=');
    expect(screen).toContain('Nothing was issued. Confirm the address with the customer');
    expect(screen).toContain('EXIT=1');
    expect(links()).toEqual([]);
  });
});
