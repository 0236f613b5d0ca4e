import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { NO_DNS_ENV, repoRoot, runBinary, tempDir, type RunResult } from './helpers/cli.js';

// Issue 8, M1 and M2: once a reset link is issued, a busy store never loses it. The binary runs
// as users run it; another writer holds the store's write lock (`begin immediate`) meanwhile.
let dir: string;
let cleanup: () => void;
let db: string;
let lockHolder: Database.Database | null = null;
beforeEach(async () => {
  ({ dir, cleanup } = tempDir());
  db = join(dir, 'store.db');
  expect((await runBinary(['--db', db, 'init', '--demo'])).code).toBe(0);
});
afterEach(() => {
  releaseLock();
  cleanup();
});

/** Another writer takes the write lock now and releases it after `ms`. */
function holdLockFor(ms: number): void {
  lockHolder = new Database(db);
  lockHolder.exec('begin immediate');
  setTimeout(releaseLock, ms).unref();
}
/** Waits until `ready()` holds, failing the test after 10 s. */
async function until(ready: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
function releaseLock(): void {
  if (lockHolder === null) return;
  lockHolder.exec('rollback');
  lockHolder.close();
  lockHolder = null;
}
function linkRows(): { delivery_status: string }[] {
  const sqlite = new Database(db, { readonly: true });
  const rows = sqlite.prepare('select delivery_status from reset_links').all() as { delivery_status: string }[];
  sqlite.close();
  return rows;
}

function spawnBinary(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [join(repoRoot, 'bin/enrollsy-help.js'), ...args], { env: { PATH: process.env.PATH, ...NO_DNS_ENV, ...env } });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  const done = new Promise<RunResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, ...output }));
  });
  return { child, output, done };
}

describe('M1: the email went out while another writer held the store', () => {
  let server: SMTPServer;
  afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('reset still prints the link, ends with the delivery outcome, exits 0, and records it once the lock is free', async () => {
    // The server takes 3 s to accept the message; an import-like writer holds the lock for 4.5 s from the moment the email starts.
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onConnect: (_session, callback) => {
        holdLockFor(4500);
        callback();
      },
      onData: (stream, _session, callback) => {
        stream.resume().on('end', () => setTimeout(() => callback(), 3000));
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.server.address() as AddressInfo).port;
    const result = await runBinary(['--db', db, '--lock-timeout', '200', 'reset', 'jane.doe@example.com'], { env: { ENROLLSY_SMTP_URL: `smtp://127.0.0.1:${port}` } });
    expect(result.stderr).not.toMatch(/locked by another|try again/);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/token=[A-Za-z0-9_-]{43}\n/);
    expect(result.stdout.trim().split('\n').at(-1)).toMatch(/^✔ Emailed to Jane Doe <jane\.doe@example\.com>: SMTP server 127\.0\.0\.1:\d+ accepted it\.$/);
    expect(result.stderr).toContain('waiting to record the delivery');
    expect(linkRows()).toEqual([{ delivery_status: 'sent' }]);
  });
});

describe('M2: Ctrl-C during a send while another writer holds the store', () => {
  let silent: Server;
  const sockets: Socket[] = [];
  beforeEach(async () => {
    sockets.length = 0;
    // Accepts the connection and never greets: the send hangs until interrupted.
    silent = createServer((socket) => sockets.push(socket));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
  });
  afterEach(() => {
    for (const socket of sockets) socket.destroy();
    silent.close();
  });

  it('aborts the send, records it once the lock is free, prints the link, exits 130, no stack trace', async () => {
    const port = (silent.address() as AddressInfo).port;
    const run = spawnBinary(['--db', db, '--lock-timeout', '200', 'reset', 'jane.doe@example.com'], { ENROLLSY_SMTP_URL: `smtp://127.0.0.1:${port}` });
    await until(() => sockets.length > 0, 'the SMTP connection');
    holdLockFor(1500);
    run.child.kill('SIGINT');
    const result = await run.done;
    expect(result.stderr).not.toMatch(/SqliteError|database is locked|\n\s+at /);
    expect(result.code).toBe(130);
    expect(result.stdout).toMatch(/Give this link only to Jane Doe \(primary\), for example by text message\.\n {4}https:\/\/\S+token=[A-Za-z0-9_-]{43}\n/);
    expect(result.stderr).toMatch(/Interrupted while sending the reset email to jane\.doe@example\.com; it may or may not arrive\. The reset link is recorded and valid until .*--force/);
    expect(linkRows()).toEqual([{ delivery_status: 'failed' }]);
  });

  it('a second Ctrl-C stops waiting for the store: the link is still printed, exit 130, the outcome left unrecorded and said so', async () => {
    const port = (silent.address() as AddressInfo).port;
    const run = spawnBinary(['--db', db, '--lock-timeout', '200', 'reset', 'jane.doe@example.com', '--json'], { ENROLLSY_SMTP_URL: `smtp://127.0.0.1:${port}` });
    await until(() => sockets.length > 0, 'the SMTP connection');
    holdLockFor(20_000);
    run.child.kill('SIGINT');
    await until(() => run.output.stderr.includes('waiting to record'), 'the wait for the store');
    run.child.kill('SIGINT');
    const result = await run.done;
    releaseLock();
    expect(result.code).toBe(130);
    const json = JSON.parse(result.stdout);
    expect(json.reset).toMatchObject({ link: expect.stringMatching(/token=/), deliveryRecorded: false });
    expect(json.error.message).toMatch(/not recorded/);
    expect(linkRows()).toEqual([{ delivery_status: 'pending' }]);
  });
});
