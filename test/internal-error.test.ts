import { describe, expect, it } from '@jest/globals';
import { PassThrough, Readable, Writable } from 'node:stream';
import { runCli } from '../src/cli/run-cli.js';
import { demoStore, NO_DNS_ENV, tempDir, TestClock } from './helpers/cli.js';

// A bug is simulated by a stdout that fails in a way no command expects.
async function runWithBrokenStdout(args: string[]) {
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const stdout = new Writable({
    write(_chunk, _encoding, callback) {
      callback();
    },
  });
  stdout.write = () => {
    throw new TypeError('simulated bug');
  };
  const code = await runCli(args, { io: { stdin: Readable.from([]), stdout, stderr, env: { ...NO_DNS_ENV } }, clock: new TestClock() });
  return { code, stderr: err };
}

describe('an internal error', () => {
  it('exits 70 with one line asking to report it; details only with --debug', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const { db } = await demoStore(dir);
      const plain = await runWithBrokenStdout(['--db', db, 'links']);
      expect(plain.code).toBe(70);
      expect(plain.stderr.trim().split('\n')).toEqual(['✖ enrollsy-help hit an internal error (a bug). Please report it with the command you ran; rerun with --debug for details.']);
      const debug = await runWithBrokenStdout(['--db', db, 'links', '--debug']);
      expect(debug.code).toBe(70);
      expect(debug.stderr).toContain('TypeError: simulated bug');
    } finally {
      cleanup();
    }
  });
});
