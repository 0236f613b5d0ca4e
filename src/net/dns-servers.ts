import { isIP } from 'node:net';
import { UsageError } from '../core/errors.js';

/**
 * The DNS servers named by ENROLLSY_DNS_SERVERS (`host:port`, comma-separated; IPv6 as
 * `[::1]:53`; the port defaults to 53), in the form `Resolver.setServers` takes; null when
 * unset, meaning the system's servers. Host names are refused: finding them would need DNS.
 */
export function dnsServersFrom(env: NodeJS.ProcessEnv): string[] | null {
  const raw = env.ENROLLSY_DNS_SERVERS?.trim() ?? '';
  if (raw === '') return null;
  return raw.split(',').map((entry) => {
    const item = entry.trim();
    const match = /^\[([^\]]+)\](?::(\d+))?$/.exec(item) ?? /^([^:]+)(?::(\d+))?$/.exec(item) ?? (isIP(item) === 6 ? [item, item, undefined] : null);
    const host = match?.[1] ?? '';
    const port = match?.[2] === undefined ? 53 : Number(match[2]);
    if (isIP(host) === 0 || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw new UsageError(
        `ENROLLSY_DNS_SERVERS must list DNS servers as ip:port, separated by commas (e.g. 10.0.0.53:53 or [::1]:53); "${item.slice(0, 60).replace(/[^\x20-\x7e]/g, '?')}" is not one.`,
      );
    }
    return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
  });
}
