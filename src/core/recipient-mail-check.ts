import type { Check } from './diagnose.js';
import { emailProblem } from './email.js';
import type { RecipientMail } from './mail-domain.js';
import { resolveResetRecipient, type ResetRecipientInput } from './reset-recipient.js';
import { likelyDomain } from './suggest.js';

/** How long the whole recipient mail lookup may take, in milliseconds. */
export const MAIL_LOOKUP_BUDGET_MS = 1500;

/** The check id of the recipient mail check in `diagnose`. */
export const RECIPIENT_MAIL_CHECK_ID = 'recipient-mail';

/**
 * The address whose mail the check looks up: the reset email's recipient when there is one,
 * else the address as given when it is well-formed, else null (nothing to look up).
 */
export function mailCheckAddress(facts: ResetRecipientInput & { email: string }): string | null {
  const decision = resolveResetRecipient(facts);
  if (decision.ok) return decision.email;
  return emailProblem(facts.email) === null ? facts.email.trim() : null;
}

// A resolver's error code in an admin's words (c-ares codes as node:dns reports them).
function lookupFailureWords(code: string): string {
  switch (code) {
    case 'ETIMEOUT':
    case 'ECANCELLED':
      return `no answer from the DNS server within ${MAIL_LOOKUP_BUDGET_MS / 1000} s`;
    case 'ECONNREFUSED':
      return 'the DNS server could not be reached';
    case 'EREFUSED':
      return 'the DNS server refused to answer';
    case 'ESERVFAIL':
      return 'the DNS server failed to answer (SERVFAIL)';
    case 'EBADNAME':
      return 'the domain cannot be looked up as written';
    default:
      return `the DNS lookup failed (${code})`;
  }
}

const CORRECT_IT = 'Ask the customer for an address that receives mail (have them spell it out), and correct it in the account (`enrollsy-help holder set-email <address on file> <new address>`).';

function typoHint(domain: string): string {
  const intended = likelyDomain(domain);
  return intended === null ? '' : ` Did they mean @${intended}?`;
}

/** Why no email to this address can arrive (the domain said so), or null when it may. */
export function mailCannotArrive(mail: RecipientMail): string | null {
  switch (mail.verdict.kind) {
    case 'null-mx':
      return `${mail.domain} accepts no email (it publishes a "null MX" record, RFC 7505)`;
    case 'no-domain': {
      const intended = likelyDomain(mail.domain);
      return `the domain ${mail.domain} does not exist${intended === null ? '' : ` (did they mean @${intended}?)`}`;
    }
    case 'no-mail-host':
      return `${mail.domain} exists but has no mail server (no MX, A or AAAA record)`;
    default:
      return null;
  }
}

/** A warning about mail to this address that should not stop a send, or null. */
export function mailWarning(mail: RecipientMail): string | null {
  if (mail.verdict.kind !== 'address-only') return null;
  const intended = likelyDomain(mail.domain);
  return intended === null ? null : `${mail.domain} has no mail servers, only a web address: it looks like a typo of ${intended}, so the email may never arrive`;
}

/** The DNS name of an MX host is remote data: shown only when it is a plain host name. */
function safeHost(host: string): string {
  return /^[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?$/i.test(host) ? host : '(a host name with unusual characters)';
}

function providerNotes(mail: RecipientMail): string {
  const notes: string[] = [];
  if (mail.provider?.quarantines) {
    notes.push(`Company mail filters like ${mail.provider.name.replace(/ \(.*\)$/, '')} can quarantine email without telling anyone: if it does not arrive, the customer's IT team can find and release it.`);
  }
  if (mail.provider?.appleRelay) {
    notes.push('This is an Apple "Hide My Email" relay address: it forwards to the customer\'s own inbox, and they may not recognise it as theirs when you read it out.');
  }
  return notes.length === 0 ? '' : ` ${notes.join(' ')}`;
}

/** The `recipient-mail` check of `diagnose` for a finding (null: the address is malformed). */
export function recipientMailCheck(mail: RecipientMail | null): Check {
  const id = RECIPIENT_MAIL_CHECK_ID;
  if (mail === null) {
    return { id, status: 'skip', title: 'Recipient mail check skipped', detail: 'The address is malformed, so there is no domain to look up.', fix: '' };
  }
  const { verdict, domain, address } = mail;
  const provider = mail.provider ? ` (${mail.provider.name})` : '';
  switch (verdict.kind) {
    case 'mx': {
      const hosts = verdict.hosts.slice(0, 2).map(safeHost).join(', ') + (verdict.hosts.length > 2 ? ` and ${verdict.hosts.length - 2} more` : '');
      return {
        id,
        status: 'pass',
        title: `${domain} receives mail${provider}`,
        detail: `Mail for ${address} goes to ${hosts}. That the domain takes mail does not prove the mailbox exists.${providerNotes(mail)}`,
        fix: '',
      };
    }
    case 'address-only': {
      const warning = mailWarning(mail);
      return warning !== null
        ? {
            id,
            status: 'warn',
            title: `${domain} lists no mail servers`,
            detail: `${domain} has no MX record, only a web address, so mail to ${address} falls back to that host (RFC 5321), which rarely takes mail for a mistyped provider.${typoHint(domain)}`,
            fix: `Confirm the address with the customer; if it is wrong, correct it in the account (\`enrollsy-help holder set-email\`, e.g. to @${likelyDomain(domain)}).`,
          }
        : {
            id,
            status: 'info',
            title: `${domain} lists no mail servers`,
            detail: `${domain} has no MX record, so mail to ${address} goes to the domain's own host (the RFC 5321 fallback); it arrives only if that host runs a mail server.${providerNotes(mail)}`,
            fix: 'If the email does not arrive, ask the customer whether they really receive mail at this address.',
          };
    }
    case 'null-mx':
    case 'no-domain':
    case 'no-mail-host': {
      const why = mailCannotArrive(mail)!;
      const title = verdict.kind === 'null-mx' ? `${domain} accepts no mail` : verdict.kind === 'no-domain' ? `${domain} does not exist` : `${domain} has no mail server`;
      return { id, status: 'fail', title, detail: `No email to ${address} can arrive: ${why}.`, fix: CORRECT_IT };
    }
    case 'lookup-failed':
      return {
        id,
        status: 'skip',
        title: 'Recipient mail check skipped',
        detail: `Could not look up the mail servers of ${domain}: ${lookupFailureWords(verdict.code)}. This says nothing about the address.${providerNotes(mail)}`,
        fix: 'Run it again later; if your office uses its own DNS server, set ENROLLSY_DNS_SERVERS=<ip>:<port>.',
      };
    case 'not-checked':
      return {
        id,
        status: 'skip',
        title: 'Recipient mail check skipped',
        detail: `${verdict.why === 'offline' ? 'Skipped because of --offline' : 'Skipped: this computer has no network connection'}, so the mail servers of ${domain} were not looked up.${providerNotes(mail)}`,
        fix: '',
      };
  }
}
