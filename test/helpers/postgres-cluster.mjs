// A throwaway PostgreSQL cluster for the test run: initdb into a temp folder, pg_ctl start on a
// free 127.0.0.1 port with fsync off, removed afterwards. A real server, not a stand-in.
// initdb and postgres refuse to run as root (CI runs as root): then both run as the `postgres`
// user that Debian's package creates, on a folder that user owns.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The newest PostgreSQL server binaries on this machine, or null. */
export function postgresBinDir() {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin/pg_ctl'))).sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(root, versions[0], 'bin');
  }
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
    return existsSync(join(dir, 'pg_ctl')) ? dir : null;
  } catch {
    return null;
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function asOwner(bin, args, owner) {
  if (owner === null) return execFileSync(bin, args, { stdio: 'pipe' });
  const quoted = [bin, ...args].map((a) => `'${String(a).replace(/'/g, `'\\''`)}'`).join(' ');
  return execFileSync('su', [owner, '-s', '/bin/sh', '-c', quoted], { stdio: 'pipe' });
}

/**
 * Starts a cluster; returns its superuser URL and a stop function. With `password`, the superuser
 * needs it (scram-sha-256 for every connection) instead of trust authentication.
 */
export async function startCluster({ password } = {}) {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL server binaries not found (install Debian\'s postgresql package)');
  const dir = mkdtempSync(join(tmpdir(), 'enrollsy-pg-'));
  const owner = process.getuid && process.getuid() === 0 ? 'postgres' : null;
  let uid = -1;
  let gid = -1;
  if (owner) {
    uid = Number(execFileSync('id', ['-u', owner], { encoding: 'utf8' }).trim());
    gid = Number(execFileSync('id', ['-g', owner], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const auth = ['-A', 'trust'];
  if (password !== undefined) {
    const pwfile = join(dir, 'pwfile');
    writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    if (owner) chownSync(pwfile, uid, gid);
    auth.splice(0, 2, '-A', 'scram-sha-256', `--pwfile=${pwfile}`);
  }
  asOwner(join(bin, 'initdb'), ['-D', data, ...auth, '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync'], owner);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  asOwner(join(bin, 'pg_ctl'), ['-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', 'start'], owner);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    stop() {
      try {
        asOwner(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop'], owner);
      } catch {
        // already stopped (a test may stop it on purpose)
      }
      rmSync(dir, { recursive: true, force: true });
    },
    /** Starts it again after a test stopped it. */
    restart() {
      asOwner(join(bin, 'pg_ctl'), ['-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', 'start'], owner);
    },
    stopNow() {
      asOwner(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop'], owner);
    },
  };
}
