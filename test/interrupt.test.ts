import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { once } from 'node:events';
import { NO_DNS_ENV, repoRoot, runBinary, useDemoStorePerTest, type RunResult } from './helpers/cli.js';

const store = useDemoStorePerTest({ beforeEach, afterEach });

/** Runs the binary and sends SIGINT once `ready` says the moment has come. */
function interruptWhen(args: string[], env: NodeJS.ProcessEnv, ready: (stderr: string, elapsedMs: number) => boolean): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin/enrollsy-help.js'), ...args], { env: { PATH: process.env.PATH, ...NO_DNS_ENV, ...env } });
    let stdout = '';
    let stderr = '';
    const started = Date.now();
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setInterval(() => {
      if (ready(stderr, Date.now() - started)) {
        clearInterval(timer);
        child.kill('SIGINT');
      }
    }, 20);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

describe('Ctrl-C outside prompts', () => {
  let silent: Server;
  const sockets: Socket[] = [];
  beforeEach(async () => {
    // Accepts the connection and never greets: the send hangs until interrupted.
    silent = createServer((socket) => sockets.push(socket));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
  });
  afterEach(async () => {
    for (const socket of sockets) socket.destroy();
    silent.close();
  });

  it('while a reset email is being sent: exit 130, the link is printed and stays valid, the delivery is marked failed', async () => {
    const port = (silent.address() as AddressInfo).port;
    const result = await interruptWhen(['--db', store.db, 'reset', 'jane.doe@example.com', '--json'], { ENROLLSY_SMTP_URL: `smtp://127.0.0.1:${port}` }, () => sockets.length > 0);
    expect(result.code).toBe(130);
    const json = JSON.parse(result.stdout);
    expect(json.error).toEqual({ exitCode: 130, message: expect.stringContaining('recorded and valid') });
    expect(json.reset.link).toMatch(/token=/);
    expect(result.stderr).toContain('--force');
    const verify = await runBinary(['--db', store.db, 'reset', 'verify', json.reset.link, '--json']);
    expect(JSON.parse(verify.stdout).status).toBe('valid');
    const sqlite = new Database(store.db, { readonly: true });
    expect(sqlite.prepare('select delivery_status from reset_links').all()).toEqual([{ delivery_status: 'failed' }]);
    sqlite.close();
  });

  it('during an import: exit 130 and the store is exactly as before', async () => {
    const file = join(store.dir, 'big.csv');
    const out = createWriteStream(file);
    out.write('account_id,account_name,role,first_name,last_name,email,login_access\n');
    for (let i = 0; i < 300000; i++) out.write(`B${i},Family ${i},primary,First,Last,person${i}@example.com,\n`);
    out.end();
    await once(out, 'finish');
    const result = await interruptWhen(['--db', store.db, 'import', file, '--json'], {}, (_stderr, elapsed) => elapsed > 400);
    expect(result.code).toBe(130);
    expect(JSON.parse(result.stdout)).toEqual({ error: { exitCode: 130, message: expect.stringContaining('nothing was changed') } });
    const sqlite = new Database(store.db, { readonly: true });
    expect(sqlite.prepare('select count(*) as n from accounts').get()).toEqual({ n: 11 });
    expect(sqlite.prepare("select count(*) as n from holders where account_id like 'B%'").get()).toEqual({ n: 0 });
    sqlite.close();
  });
});
