import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, runBinary, tempDir } from './helpers/cli.js';
import { TmuxSession } from './helpers/tmux.js';

// A terminal that reports 0 columns (`stty cols 0`; `script` gives one too): ora would divide
// by the width, write megabytes of cursor moves and ignore Ctrl-C. Run in a real terminal.
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

const cli = () => `node '${join(repoRoot, 'bin/enrollsy-help.js')}' --db '${db}'`;

describe('a terminal 0 columns wide', () => {
  it('conflicts (which shows a spinner on a terminal) finishes and prints its report', async () => {
    session = TmuxSession.start(`stty cols 0; stty size; ${cli()} conflicts`, { NO_COLOR: '1' });
    const screen = await session.waitFor(/EXIT=\d+/, 15000);
    expect(screen).toMatch(/^\d+ 0$/m);
    expect(screen).toContain('EXIT=1');
    expect(screen).toContain('Checked 13 addresses: 2 used in more than one account');
  });

  it('Ctrl-C stops a command that waits with a spinner (exit 130)', async () => {
    // import - waits for its input with the spinner running.
    // Its input never comes; the feeding side ignores Ctrl-C so the shell outlives it and reports.
    session = TmuxSession.start(`stty cols 0; (trap '' INT; exec sleep 60) | { ${cli()} import -; echo "NODE_EXIT=$?"; }`, { NO_COLOR: '1' });
    // Ready once it has opened the store (SQLite's -shm file appears; its Ctrl-C handler is set before that).
    for (let waited = 0; !existsSync(`${db}-shm`); waited += 50) {
      if (waited > 10000) throw new Error(`import never opened the store; the screen shows:\n${session.screen()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    session.send('C-c');
    const screen = await session.waitFor(/NODE_EXIT=\d+/, 15000);
    expect(screen).toContain('Interrupted; nothing was changed by the unfinished step.');
    expect(screen).toContain('NODE_EXIT=130');
  });
});
