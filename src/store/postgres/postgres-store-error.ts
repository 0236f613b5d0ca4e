import { StoreError, type StoreFix } from '../../core/errors.js';

// SQLSTATE classes and codes (https://www.postgresql.org/docs/current/errcodes-appendix.html)
// that are about reaching or using the server, not about our statements: these are store
// problems (exit 3). Anything else from a statement is a bug and stays exit 70.
const bySqlState: Record<string, (where: string) => string> = {
  '28P01': (where) => `PostgreSQL refused the password for ${where}: check PGPASSWORD, ~/.pgpass or the URL`,
  '28000': (where) => `PostgreSQL refused the login for ${where} (pg_hba.conf has no matching entry, or the role may not log in): ask the database admin`,
  '3D000': (where) => `The database in ${where} does not exist: create it (createdb), or fix the URL`,
  '3F000': (where) => `The schema named in ${where} does not exist`,
  '42501': (where) => `The role in ${where} lacks a privilege the store needs: grant it, or use the role that ran init`,
  '53300': (where) => `The PostgreSQL server at ${where} has too many connections: try again in a moment`,
  '55P03': (where) => `The store at ${where} is locked by another enrollsy-help that is still writing`,
  '40001': (where) => `The store at ${where} stayed too busy with concurrent writers to finish; nothing was changed; try again`,
  '40P01': (where) => `The store at ${where} stayed too busy with concurrent writers to finish; nothing was changed; try again`,
  '25006': (where) => `The store at ${where} is read-only (a standby or a read-only transaction)`,
  '53100': (where) => `The PostgreSQL server at ${where} is out of disk space`,
};

const FIXES: Record<string, StoreFix> = {
  '3F000': { kind: 'run-init', orPointElsewhere: false },
  '55P03': { kind: 'wait-or-raise-the-lock-timeout' },
  '25006': { kind: 'point-at-the-primary-server' },
};

const lostConnection = (where: string) => `The connection to the PostgreSQL server at ${where} was lost; nothing was changed by the unfinished step: check the server, then try again`;

const byNetworkCode: Record<string, (where: string) => string> = {
  ECONNREFUSED: (where) => `The PostgreSQL server at ${where} refused the connection: check that it is running and that the host and port are right`,
  ENOTFOUND: (where) => `The PostgreSQL host in ${where} could not be found: check the host name`,
  EAI_AGAIN: (where) => `The PostgreSQL host in ${where} could not be looked up (DNS): check the network and the host name`,
  ETIMEDOUT: (where) => `No answer from the PostgreSQL server at ${where}: check the host, the port and any firewall`,
  EHOSTUNREACH: (where) => `The PostgreSQL server at ${where} cannot be reached: check the network`,
  ENETUNREACH: (where) => `The PostgreSQL server at ${where} cannot be reached: check the network`,
  ECONNRESET: lostConnection,
  EPIPE: lostConnection,
  // A COPY stream cut off under us: the connection went away mid-load.
  ERR_STREAM_PREMATURE_CLOSE: lostConnection,
  ERR_STREAM_DESTROYED: lostConnection,
};

/**
 * Turns a failure to reach or use a PostgreSQL store into a one-line StoreError (exit 3) that says
 * what to check; other errors (a bug in a statement) pass through. `where` is printable: the URL
 * without its password. pg's own messages never carry the password, but they are not shown raw.
 */
export function postgresStoreError(error: unknown, where: string): unknown {
  if (typeof error !== 'object' || error === null) return error;
  const code = String((error as { code?: unknown }).code ?? '');
  const message = String((error as { message?: unknown }).message ?? '');
  const known = bySqlState[code] ?? byNetworkCode[code];
  // These end in a way out that names a flag or a command: the cli words it.
  const fix = FIXES[code];
  if (known) return fix ? new StoreError(known(where), fix) : new StoreError(`${known(where)}.`);
  // Class 08 (connection exception) and 57P01-57P03 (the server shut down, crashed, or is starting).
  if (code.startsWith('08') || /^57P0[123]$/.test(code)) return new StoreError(`${lostConnection(where)}.`);
  if (/Connection terminated|Client has encountered a connection error|Connection ended unexpectedly|timeout expired/i.test(message)) {
    return new StoreError(`${/timeout expired/i.test(message) ? byNetworkCode.ETIMEDOUT!(where) : lostConnection(where)}.`);
  }
  if (/self[- ]signed certificate|certificate|SSL|does not support SSL/i.test(message) && code === '') {
    return new StoreError(`A TLS connection to ${where} failed (${message.split('\n')[0]!.slice(0, 100)}): check sslmode in the URL and the server's certificate.`);
  }
  if (/password authentication failed|no password supplied|SASL/i.test(message)) {
    return new StoreError(`${bySqlState['28P01']!(where)}.`);
  }
  return error;
}
