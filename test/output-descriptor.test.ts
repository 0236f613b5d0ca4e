import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, constants, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { demoStore, NO_DNS_ENV, repoRoot, runBinary, tempDir, TestClock } from './helpers/cli.js';

// Output that is not a terminal is written straight to its descriptor (src/ui/io.ts), not through
// process.stdout. These runs give the real binary the descriptors scripts give it: a file, a pipe
// opened non-blocking with a slow reader, a reader that stops early, and /dev/null.
describe('output to a file, a pipe and /dev/null', () => {
  const temp = tempDir();
  let db: string;
  let list: string;
  // A check of 20,000 malformed lines prints ~1.5 MB of JSON: more than a pipe holds (64 KB).
  const LINES = 20_000;
  beforeAll(async () => {
    db = (await demoStore(temp.dir, new TestClock())).db;
    list = join(temp.dir, 'list.txt');
    writeFileSync(list, Array.from({ length: LINES }, (_, i) => `not-an-address-number-${i}-of-the-list-${'x'.repeat(20)}`).join('\n'));
  });
  afterAll(() => temp.cleanup());

  const bin = join(repoRoot, 'bin/enrollsy-help.js');
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, ...NO_DNS_ENV };
  const shell = (script: string) => spawnSync('sh', ['-c', script], { env: { ...env, BIN: bin, DB: db, LIST: list, NODE: process.execPath }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const checked = (json: string) => JSON.parse(json) as { checked: number; invalid: unknown[] };

  it('writes the whole document to a file', async () => {
    const reference = await runBinary(['--db', db, 'conflicts', '--file', list, '--json']);
    expect(checked(reference.stdout).invalid).toHaveLength(LINES);
    const out = join(temp.dir, 'out.json');
    const run = shell(`"$NODE" "$BIN" --db "$DB" conflicts --file "$LIST" --json > "${out}"; echo "exit $?"`);
    expect(run.stdout.trim()).toBe('exit 1');
    expect(readFileSync(out, 'utf8')).toBe(reference.stdout);
  });

  it('writes it all through a non-blocking pipe whose reader is slow (a refused write falls back to the stream)', async () => {
    // A named pipe whose write end is opened non-blocking, as a parent process sharing it may
    // leave it; the reader (cat) starts a second late, so the pipe fills and writes are refused
    // (EAGAIN) until it drains. Our own read end is only there so the write end can be opened.
    const fifo = join(temp.dir, 'fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const ours = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const writeEnd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    const received = join(temp.dir, 'received.json');
    const reader = spawn('sh', ['-c', 'sleep 1; cat "$FIFO" > "$OUT"'], { env: { ...env, FIFO: fifo, OUT: received }, stdio: 'ignore' });
    // Listened for at once: the reader may end before the tool's end is handled.
    const readerClosed = once(reader, 'close');
    const tool = spawn(process.execPath, [bin, '--db', db, 'conflicts', '--file', list, '--json'], { env, stdio: ['ignore', writeEnd, 'pipe'] });
    const toolClosed = once(tool, 'close');
    closeSync(writeEnd);
    let stderr = '';
    tool.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const [toolCode] = (await toolClosed) as [number];
    closeSync(ours);
    await readerClosed;
    expect(stderr).toBe('');
    expect(toolCode).toBe(1);
    expect(checked(readFileSync(received, 'utf8')).invalid).toHaveLength(LINES);
  });

  it('stops quietly when the reader goes away, with the command\'s own exit code', () => {
    const status = spawnSync('bash', ['-c', `"$NODE" "$BIN" --db "$DB" conflicts --file "$LIST" --json 2>"$ERR" | head -c 100 > /dev/null; echo "\${PIPESTATUS[0]}"`], {
      env: { ...env, BIN: bin, DB: db, LIST: list, NODE: process.execPath, ERR: join(temp.dir, 'err.txt') },
      encoding: 'utf8',
    });
    expect(status.stdout.trim()).toBe('1');
    expect(readFileSync(join(temp.dir, 'err.txt'), 'utf8')).toBe('');
  });

  it('prints help to /dev/null and exits 0', () => {
    const run = shell(`"$NODE" "$BIN" --help > /dev/null; echo "exit $?"`);
    expect(run.stdout.trim()).toBe('exit 0');
    expect(run.stderr).toBe('');
  });
});
