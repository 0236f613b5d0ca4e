import { detectMailProvider, type MailProvider } from './mail-provider.js';

/** One DNS query's outcome: the records, or the resolver's error code (ENOTFOUND, ENODATA, ETIMEOUT, …). */
export type DnsOutcome<T> = { ok: true; records: T[] } | { ok: false; code: string };

/** The answers the recipient mail check asks for about one domain. */
export interface MailDnsAnswers {
  mx: DnsOutcome<{ exchange: string; priority: number }>;
  a: DnsOutcome<string>;
  aaaa: DnsOutcome<string>;
}

/** What the DNS says about a domain's mail, or why the check could not run. */
export type MailVerdict =
  /** MX hosts, most preferred first. */
  | { kind: 'mx'; hosts: string[] }
  /** No MX, but an A/AAAA record: mail falls back to the host itself (RFC 5321 section 5.1). */
  | { kind: 'address-only' }
  /** A null MX (RFC 7505): the domain says it accepts no mail. */
  | { kind: 'null-mx' }
  /** NXDOMAIN: there is no such domain. */
  | { kind: 'no-domain' }
  /** The domain exists but has neither MX nor A/AAAA records. */
  | { kind: 'no-mail-host' }
  /** The lookup failed (timeout, refused, unreachable server): says nothing about the address. */
  | { kind: 'lookup-failed'; code: string }
  /** The check did not run: --offline, or no network connection. */
  | { kind: 'not-checked'; why: 'offline' | 'no-network' };

/** The recipient mail check's finding for one address. */
export interface RecipientMail {
  address: string;
  domain: string;
  verdict: MailVerdict;
  /** Who runs the domain's mail, when the MX hosts or the domain name tell. */
  provider: MailProvider | null;
}

// Definite answers about a name; anything else is a failed lookup.
const NO_RECORDS = new Set(['ENODATA', 'ENOTFOUND']);

function hasRecords<T>(outcome: DnsOutcome<T>): outcome is { ok: true; records: T[] } {
  return outcome.ok && outcome.records.length > 0;
}

function failureCode<T>(outcome: DnsOutcome<T>): string | null {
  if (outcome.ok) return outcome.records.length > 0 ? null : 'ENODATA';
  return outcome.code;
}

/**
 * Classifies a domain's mail set-up from its MX, A and AAAA answers. Only definite answers
 * (records, NODATA, NXDOMAIN) make a verdict about the domain; any other failure is
 * `lookup-failed`, never a bad address.
 */
export function classifyMailDomain(answers: MailDnsAnswers): MailVerdict {
  if (hasRecords(answers.mx)) {
    const real = answers.mx.records.filter((r) => r.exchange !== '' && r.exchange !== '.');
    if (real.length === 0) return { kind: 'null-mx' };
    return { kind: 'mx', hosts: [...real].sort((x, y) => x.priority - y.priority).map((r) => r.exchange.replace(/\.$/, '')) };
  }
  const mxCode = failureCode(answers.mx)!;
  if (!NO_RECORDS.has(mxCode)) return { kind: 'lookup-failed', code: mxCode };
  if (hasRecords(answers.a) || hasRecords(answers.aaaa)) return { kind: 'address-only' };
  const codes = [mxCode, failureCode(answers.a)!, failureCode(answers.aaaa)!];
  const failed = codes.find((code) => !NO_RECORDS.has(code));
  if (failed !== undefined) return { kind: 'lookup-failed', code: failed };
  return codes.every((code) => code === 'ENOTFOUND') ? { kind: 'no-domain' } : { kind: 'no-mail-host' };
}

/** The finding for `address` from a verdict, with the provider named from the MX hosts or the domain. */
export function recipientMailFrom(address: string, verdict: MailVerdict): RecipientMail {
  const trimmed = address.trim();
  const domain = trimmed.slice(trimmed.lastIndexOf('@') + 1).toLowerCase();
  const hosts = verdict.kind === 'mx' ? verdict.hosts : [];
  // A domain that takes no mail has no provider to give advice for.
  const definitelyNoMail = verdict.kind === 'null-mx' || verdict.kind === 'no-domain' || verdict.kind === 'no-mail-host';
  return { address: trimmed, domain, verdict, provider: definitelyNoMail ? null : detectMailProvider(domain, hosts) };
}
