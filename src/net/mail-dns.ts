import { Resolver } from 'node:dns/promises';
import { networkInterfaces } from 'node:os';
import { domainToASCII } from 'node:url';
import type { DnsOutcome, MailDnsAnswers } from '../core/mail-domain.js';

async function outcome<T>(query: Promise<T[]>): Promise<DnsOutcome<T>> {
  try {
    return { ok: true, records: await query };
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : 'EUNKNOWN';
    return { ok: false, code };
  }
}

/**
 * Asks for a domain's MX, A and AAAA records at once, through `servers` (null: the system's),
 * one try each, and gives up on whatever has not answered after `budgetMs` in all.
 */
export async function lookUpMailDns(domain: string, servers: readonly string[] | null, budgetMs: number): Promise<MailDnsAnswers> {
  const name = domainToASCII(domain);
  if (name === '') return { mx: { ok: false, code: 'EBADNAME' }, a: { ok: false, code: 'EBADNAME' }, aaaa: { ok: false, code: 'EBADNAME' } };
  const resolver = new Resolver({ timeout: budgetMs, tries: 1 });
  if (servers !== null) resolver.setServers(servers);
  // The resolver's own timeout is per query and per server; this bounds the whole lookup.
  const deadline = setTimeout(() => resolver.cancel(), budgetMs);
  try {
    const [mx, a, aaaa] = await Promise.all([outcome(resolver.resolveMx(name)), outcome(resolver.resolve4(name)), outcome(resolver.resolve6(name))]);
    return { mx, a, aaaa };
  } finally {
    clearTimeout(deadline);
  }
}

/** True when some network interface other than loopback has an address (a quick "no network" test). */
export function hasNetworkInterface(): boolean {
  return Object.values(networkInterfaces()).some((addresses) => (addresses ?? []).some((address) => !address.internal));
}
