import { randomBytes } from 'node:crypto';
import { access, chmod, constants, mkdir, stat, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import nodemailer from 'nodemailer';
import type { NodemailerError, SendMailOptions } from 'nodemailer';
import { emailProblem, shortForMessage } from '../core/email.js';
import { DeliveryError, UsageError } from '../core/errors.js';
import type { Company } from '../core/types.js';

/** A display name and an address, handed to nodemailer as they are (never a string it parses again). */
export interface Mailbox {
  name: string;
  address: string;
}

/** A message ready to send. */
export interface OutgoingMessage {
  /** Exactly the stored address the mail goes to. */
  to: string;
  /** The recipient's name for the To header (optional). */
  toName?: string;
  from: Mailbox;
  subject: string;
  text: string;
  html: string;
}

/** What a transport reports after accepting a message. */
export interface SentMessage {
  transport: 'outbox' | 'smtp';
  messageId: string;
  /** the .eml path, or host:port */
  location: string;
}

/** Sends messages; one per command run. */
export interface Mailer {
  readonly transport: 'outbox' | 'smtp';
  /** e.g. "outbox folder /x/outbox" or "SMTP smtp.example.com:587" (never the password) */
  readonly description: string;
  /** Sends one message; `signal` aborts a send in progress (it then rejects with MailDeliveryError). */
  send(message: OutgoingMessage, options?: { signal?: AbortSignal }): Promise<SentMessage>;
  /** The outbox folder, or the SMTP server's host:port. */
  readonly location: string;
  /**
   * Checks the set-up without sending anything: SMTP connects and logs in; the outbox folder
   * can be written. Throws MailDeliveryError saying what failed.
   */
  verify(): Promise<void>;
  close(): void;
}

/**
 * Delivery failed; `message` is one human line naming what failed (no stack, no password).
 * It is a DeliveryError so the CLI's top level maps it to exit 4 without knowing about mail.
 */
export class MailDeliveryError extends DeliveryError {}

/** Environment variables this module reads, named once so messages and code agree. */
const ENV = {
  url: 'ENROLLSY_SMTP_URL',
  passwordFile: 'ENROLLSY_SMTP_PASSWORD_FILE',
  timeout: 'ENROLLSY_SMTP_TIMEOUT_MS',
  from: 'ENROLLSY_MAIL_FROM',
} as const;

const DEFAULT_TIMEOUT_MS = 15000;

/** Picks the SMTP transport when ENROLLSY_SMTP_URL is set, else the outbox folder (see outboxFolder). */
export function createMailer(options: { env: NodeJS.ProcessEnv; outbox: string }): Mailer {
  const url = options.env[ENV.url]?.trim() ?? '';
  if (url !== '') return createSmtpMailer(parseSmtpSettings(url, options.env));
  // A password file without a URL means the admin expected SMTP; quietly writing to the
  // outbox instead would look like a successful send.
  if ((options.env[ENV.passwordFile]?.trim() ?? '') !== '') {
    throw new UsageError(`${ENV.passwordFile} is set but ${ENV.url} is not; set ${ENV.url} (e.g. smtp://user@host:587) or unset ${ENV.passwordFile}.`);
  }
  return createOutboxMailer(options.outbox);
}

/** The sender as `"Company Name" <addr>` (or the admin's own `Name <addr>`), for people to read. */
export function senderAddress(env: NodeJS.ProcessEnv, company: Company): string {
  const { name, address } = senderMailbox(env, company);
  if (name === '') return address;
  return /[()<>[\]:;@\\,."]/.test(name) ? `"${name.replace(/[\\"]/g, (c) => `\\${c}`)}" <${address}>` : `${name} <${address}>`;
}

/** The sender: env ENROLLSY_MAIL_FROM, else the company's sender; throws UsageError naming both when neither is set. Named after the company unless the admin wrote `Name <addr>`. */
export function senderMailbox(env: NodeJS.ProcessEnv, company: Company): Mailbox {
  const fromEnv = env[ENV.from]?.trim() ?? '';
  const fromCompany = company.sender?.trim() ?? '';
  const [raw, source] = fromEnv !== '' ? [fromEnv, ENV.from] : [fromCompany, "the company's sender address"];
  if (raw === '') {
    throw new UsageError(`No sender address: set ${ENV.from} or the company's sender address.`);
  }
  // An admin may already have written `Name <addr>`; respect their display name.
  const angle = /^(.*)<([^<>]*)>\s*$/.exec(raw);
  const address = (angle ? angle[2] ?? '' : raw).trim();
  const problem = emailProblem(address);
  if (problem !== null) {
    throw new UsageError(`The sender address from ${source} ("${shortForMessage(address)}") is not usable: ${problem}.`);
  }
  const name = (angle ? (angle[1] ?? '').trim().replace(/^"(.*)"$/, '$1') : company.name).replace(/\s+/g, ' ').trim();
  return { name, address };
}

// ---------------------------------------------------------------------------------------
// SMTP

interface SmtpSettings {
  host: string;
  port: number;
  secure: boolean;
  user: string | null;
  password: string | null;
  timeoutMs: number;
  /** host:port as a person writes it (IPv6 in brackets). */
  location: string;
}

/** Reads the URL, password file and timeout, failing early with a fixable message. */
function parseSmtpSettings(url: string, env: NodeJS.ProcessEnv): SmtpSettings {
  const shape = 'expected smtp://[user[:password]@]host[:port] or smtps://…';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // The URL may hold a password, so it is never echoed back.
    throw new UsageError(`${ENV.url} is not a valid URL; ${shape}.`);
  }
  const scheme = parsed.protocol.replace(/:$/, '');
  if (scheme !== 'smtp' && scheme !== 'smtps') {
    throw new UsageError(`${ENV.url} uses the unsupported scheme "${shortForMessage(scheme, 20)}:"; ${shape}.`);
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw new UsageError(`${ENV.url} names no host; ${shape}.`);
  if ((parsed.pathname !== '' && parsed.pathname !== '/') || parsed.search !== '' || parsed.hash !== '') {
    throw new UsageError(`${ENV.url} has a path or ?options after the host, which are not supported; ${shape}.`);
  }
  const secure = scheme === 'smtps';
  const port = parsed.port === '' ? (secure ? 465 : 587) : Number(parsed.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`${ENV.url} has an invalid port; ${shape}.`);

  let user: string | null;
  let password: string | null;
  try {
    user = parsed.username === '' ? null : decodeURIComponent(parsed.username);
    password = parsed.password === '' ? null : decodeURIComponent(parsed.password);
  } catch {
    throw new UsageError(`${ENV.url} has a badly %-encoded user name or password; ${shape}.`);
  }

  const passwordFile = env[ENV.passwordFile]?.trim() ?? '';
  if (passwordFile !== '') {
    if (password !== null) {
      throw new UsageError(`${ENV.url} contains a password and ${ENV.passwordFile} is set too; keep only one of them.`);
    }
    if (user === null) {
      throw new UsageError(`${ENV.passwordFile} is set but ${ENV.url} names no user; write it as smtp://user@host:port.`);
    }
    password = readPasswordFile(passwordFile);
  } else if (user !== null && password === null) {
    throw new UsageError(`${ENV.url} names user "${shortForMessage(user, 40)}" but no password; add it to the URL or put it in the file named by ${ENV.passwordFile}.`);
  }

  const timeoutRaw = env[ENV.timeout]?.trim() ?? '';
  const timeoutMs = timeoutRaw === '' ? DEFAULT_TIMEOUT_MS : /^\d+$/.test(timeoutRaw) ? Number(timeoutRaw) : NaN;
  // Node's timers hold at most 2^31 - 1 ms; a larger value would silently become 1 ms.
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 2 ** 31 - 1) {
    throw new UsageError(`${ENV.timeout} must be a whole number of milliseconds from 1 to ${2 ** 31 - 1}, not "${shortForMessage(timeoutRaw, 20)}".`);
  }

  const location = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  return { host, port, secure, user, password, timeoutMs, location };
}

/** The password from its file, so it need not sit in the environment or in `ps` output. */
function readPasswordFile(path: string): string {
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new UsageError(`Cannot read the SMTP password file ${shortForMessage(path)} named by ${ENV.passwordFile} (${code}).`);
  }
  // Editors and `echo` add a newline the password does not contain.
  const password = content.replace(/\r?\n$/, '');
  if (password === '') throw new UsageError(`The SMTP password file ${shortForMessage(path)} named by ${ENV.passwordFile} is empty.`);
  return password;
}

function createSmtpMailer(settings: SmtpSettings): Mailer {
  const transporter = nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    // Plain smtp:// still upgrades with STARTTLS when the server offers it (nodemailer's default).
    ...(settings.user !== null && settings.password !== null ? { auth: { user: settings.user, pass: settings.password } } : {}),
    connectionTimeout: settings.timeoutMs,
    greetingTimeout: settings.timeoutMs,
    socketTimeout: settings.timeoutMs,
    dnsTimeout: settings.timeoutMs,
  });
  const description = `SMTP ${settings.location}${settings.secure ? ' (TLS)' : ''}${settings.user !== null ? ` as ${settings.user}` : ''}`;
  return {
    transport: 'smtp',
    description,
    location: settings.location,
    async send(message, options = {}) {
      const mail = toMailOptions(message, options.signal);
      let info;
      try {
        info = await transporter.sendMail(mail);
      } catch (error) {
        if ((error as NodemailerError).code === 'EABORT') throw new MailDeliveryError(`Sending through SMTP server ${settings.location} was interrupted`, { transport: 'smtp', code: 'EABORT' });
        throw new MailDeliveryError(describeSmtpError(error as NodemailerError, settings, message.to), smtpErrorExtra(error as NodemailerError));
      }
      // With one recipient a refusal normally rejects the promise; this guards the partial case.
      if (info.rejected.length > 0) {
        throw new MailDeliveryError(`SMTP server ${settings.location} rejected the recipient ${shortForMessage(message.to)}`, { transport: 'smtp' });
      }
      return { transport: 'smtp', messageId: info.messageId, location: settings.location };
    },
    async verify() {
      try {
        await transporter.verify();
      } catch (error) {
        throw new MailDeliveryError(describeSmtpError(error as NodemailerError, settings, ''), smtpErrorExtra(error as NodemailerError));
      }
    },
    close() {
      transporter.close();
    },
  };
}

/**
 * The nodemailer fields, addresses as `{ name, address }` objects so nothing in them is parsed
 * again (a comma or <…> cannot become another recipient). An address the contract would refuse
 * is never sent to: what the store holds is exactly where mail goes.
 */
function toMailOptions(message: OutgoingMessage, signal?: AbortSignal): SendMailOptions {
  for (const address of [message.to, message.from.address]) {
    const problem = emailProblem(address);
    if (problem !== null) throw new MailDeliveryError(`Refused to send to or from "${shortForMessage(address)}": ${problem}`, { transport: 'none' });
  }
  return {
    from: { name: message.from.name, address: message.from.address.trim() },
    to: { name: message.toName ?? '', address: message.to.trim() },
    ...(signal ? { signal } : {}),
    subject: message.subject,
    text: message.text,
    html: message.html,
  };
}

/** Codes that say the server's certificate or TLS handshake was the problem. */
function isTlsError(error: NodemailerError): boolean {
  const original = error.originalCode ?? '';
  return (
    error.code === 'ETLS' ||
    original.startsWith('ERR_SSL') ||
    original.startsWith('ERR_TLS') ||
    original.includes('CERT') ||
    original === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' ||
    original === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'
  );
}

/** One line for the admin: what failed, where, and the server's words when it gave some. */
function describeSmtpError(error: NodemailerError, settings: SmtpSettings, recipient: string): string {
  const at = settings.location;
  const reply = serverReply(error, settings);
  const temporary = error.responseCode !== undefined && error.responseCode >= 400 && error.responseCode < 500 ? '; this is temporary, try again later' : '';
  const replyPart = reply === '' ? '' : ` (${reply}${temporary})`;
  const code = error.code ?? '';
  const original = error.originalCode ?? '';
  const seconds = formatSeconds(settings.timeoutMs);

  if (original === 'ECONNREFUSED') return `SMTP server ${at} refused the connection (are the host and port in ${ENV.url} right?)`;
  if (code === 'EDNS' || original === 'ENOTFOUND' || original === 'EAI_AGAIN') {
    return `Could not find the SMTP server ${settings.host}: DNS lookup failed (${original || code})`;
  }
  if (original === 'EHOSTUNREACH' || original === 'ENETUNREACH') return `SMTP server ${at} cannot be reached from this machine (${original})`;
  if (code === 'ETIMEDOUT' || original === 'ETIMEDOUT') {
    if (error.timeoutType === 'CONNECT_TIMEOUT') return `SMTP server ${at} did not accept the connection within ${seconds}`;
    // Greeting and idle-socket timers share one value and race on a silent server: one message for both.
    return `SMTP server ${at} did not answer in time (each step waits up to ${seconds}; ${ENV.timeout} sets it)`;
  }
  if (isTlsError(error)) {
    if (original === 'ERR_SSL_WRONG_VERSION_NUMBER') {
      return `TLS with SMTP server ${at} failed: the port expects plain SMTP, not implicit TLS; try smtp:// instead of smtps:// in ${ENV.url}`;
    }
    return `TLS with SMTP server ${at} failed: ${original || 'handshake error'} (is the server's certificate valid for ${settings.host}?)`;
  }
  if (code === 'EAUTH') return `SMTP authentication failed at ${at}${replyPart}`;
  if (code === 'ENOAUTH') return `SMTP server ${at} asks for a login; add user and password to ${ENV.url}`;
  if (code === 'EENVELOPE') {
    if (error.command === 'RCPT TO' || (error.rejected?.length ?? 0) > 0) {
      return `SMTP server ${at} rejected the recipient ${shortForMessage(recipient)}${replyPart}`;
    }
    if (error.responseCode === 530) return `SMTP server ${at} requires a login${replyPart}; add user and password to ${ENV.url}`;
    return `SMTP server ${at} rejected the sender address${replyPart}; check ${ENV.from} or the company's sender`;
  }
  if (code === 'EMESSAGE' || error.command === 'DATA') return `SMTP server ${at} refused the message${replyPart}`;
  if (code === 'ECONNECTION' || original === 'ECONNRESET' || original === 'EPIPE') {
    return `SMTP server ${at} closed the connection unexpectedly${replyPart}`;
  }
  if (code === 'EPROTOCOL') return `SMTP server ${at} sent a reply that is not SMTP${replyPart}`;
  const detail = reply !== '' ? reply : oneLine(redact(error.message ?? String(error), settings));
  return `Sending through SMTP server ${at} failed: ${detail}${code !== '' ? ` [${code}]` : ''}`;
}

/** Data a `--json` caller gets beside the message: codes only, never the server's text or secrets. */
function smtpErrorExtra(error: NodemailerError): Record<string, unknown> {
  return {
    transport: 'smtp',
    ...(error.code !== undefined ? { code: error.code } : {}),
    ...(error.responseCode !== undefined ? { responseCode: error.responseCode } : {}),
  };
}

/** The server's reply on one short line, with the password blanked in case a server echoes it. */
function serverReply(error: NodemailerError, settings: SmtpSettings): string {
  const raw = error.rejectedErrors?.[0]?.response ?? error.response ?? '';
  return shortForMessage(oneLine(redact(raw, settings)), 160);
}

/**
 * The text with the password blanked in every form a server might echo: as typed, inside any
 * base64 word that decodes to something holding it (AUTH PLAIN's `\0user\0password`, AUTH
 * LOGIN's password), and as the part of a base64 run that encodes it at any byte offset.
 */
function redact(text: string, settings: Pick<SmtpSettings, 'user' | 'password'>): string {
  const secret = settings.password;
  if (secret === null || secret === '') return text;
  let safe = text.split(secret).join('***');
  safe = safe.replace(/[A-Za-z0-9+/]{4,}={0,2}/g, (word) => (Buffer.from(word, 'base64').toString('latin1').includes(Buffer.from(secret).toString('latin1')) ? '***' : word));
  for (const form of base64Forms(secret, settings.user ?? '')) safe = safe.split(form).join('***');
  return safe;
}

// The base64 of the password and of the AUTH PLAIN string, and, for each of the three byte
// offsets the password can start at inside a longer base64 run, the characters that encode
// only password bytes (a run cut or glued to other text still shows those).
function base64Forms(secret: string, user: string): string[] {
  const bytes = Buffer.from(secret);
  const forms = [bytes.toString('base64'), Buffer.from(`\0${user}\0${secret}`).toString('base64'), Buffer.from(`${user}\0${user}\0${secret}`).toString('base64')];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64').replace(/=+$/, '');
    const start = offset === 0 ? 0 : Math.ceil((offset * 4) / 3);
    const end = Math.floor(((offset + bytes.length) * 4) / 3);
    const core = encoded.slice(start, Math.max(start, end));
    if (core.length >= 4) forms.push(core);
  }
  return forms.sort((a, b) => b.length - a.length);
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** 15000 → "15 s", 500 → "0.5 s". */
function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

// ---------------------------------------------------------------------------------------
// Outbox

function createOutboxMailer(folder: string): Mailer {
  // streamTransport builds the exact RFC 822 bytes an SMTP server would receive.
  const transporter = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    transport: 'outbox',
    description: `outbox folder ${folder}`,
    location: folder,
    async send(message, options = {}) {
      let info;
      try {
        info = await transporter.sendMail(toMailOptions(message, options.signal));
      } catch (error) {
        if (error instanceof MailDeliveryError) throw error;
        throw new MailDeliveryError(`Could not build the email to ${shortForMessage(message.to)}: ${oneLine((error as Error).message)}`, { transport: 'outbox' });
      }
      const raw = Buffer.isBuffer(info.message) ? info.message : Buffer.from(String(info.message));
      const path = await writeToOutbox(folder, message.to, raw);
      return { transport: 'outbox', messageId: info.messageId, location: path };
    },
    async verify() {
      // The folder, or the nearest folder above it that exists (it is made on the first message).
      let existing = folder;
      while (!(await pathExists(existing)) && dirname(existing) !== existing) existing = dirname(existing);
      try {
        await access(existing, constants.W_OK);
      } catch (error) {
        throw outboxError(folder, error);
      }
    },
    close() {
      transporter.close();
    },
  };
}

async function pathExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Writes one .eml; the files hold live reset links, hence owner-only folder and files. */
async function writeToOutbox(folder: string, recipient: string, raw: Buffer): Promise<string> {
  try {
    await mkdir(folder, { recursive: true, mode: 0o700 });
    // An existing folder keeps its old mode; tighten it so other users cannot list live links.
    const info = await stat(folder);
    if ((info.mode & 0o077) !== 0) await chmod(folder, 0o700);
  } catch (error) {
    throw outboxError(folder, error);
  }
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const who = recipient.trim().toLowerCase().replace(/[^a-z0-9.@+_-]+/g, '_').slice(0, 64) || 'recipient';
  // 'wx' never overwrites; a clash of the random part is retried instead of losing a message.
  for (let attempt = 0; ; attempt += 1) {
    const path = join(folder, `${stamp}-${randomBytes(4).toString('hex')}-${who}.eml`);
    try {
      await writeFile(path, raw, { flag: 'wx', mode: 0o600 });
      return path;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' && attempt < 5) continue;
      throw outboxError(folder, error);
    }
  }
}

function outboxError(folder: string, error: unknown): MailDeliveryError {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const why: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EROFS: 'the file system is read-only',
    ENOSPC: 'the disk is full',
    ENOTDIR: 'a file stands where a folder should be',
    EEXIST: 'a file stands where the folder should be',
  };
  return new MailDeliveryError(`Could not write to the outbox folder ${folder} (${why[code] ?? (code || 'unknown error')})`, {
    transport: 'outbox',
    ...(code !== '' ? { code } : {}),
  });
}
