import { existsSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

// The names of UTC itself, which Intl reports as "UTC".
const UTC_NAMES = new Set(['UTC', 'Etc/UTC', 'UCT', 'Etc/UCT', 'GMT', 'Etc/GMT', 'GMT0', 'Etc/GMT0', 'GMT+0', 'Etc/GMT+0', 'GMT-0', 'Etc/GMT-0', 'Greenwich', 'Etc/Greenwich', 'Universal', 'Etc/Universal', 'Zulu', 'Etc/Zulu']);
const ZONE_NAME = /^[A-Za-z0-9_+-]+(?:\/[A-Za-z0-9_+-]+)*$/;

let known: string | undefined;

/**
 * The machine's IANA time zone ("Europe/Berlin"; "UTC" when the system names none): `TZ`, else
 * the zone /etc/localtime links to. Asking Intl gives the same answer but loads ICU's locale data
 * (~13 ms of a start), so Intl is asked only when neither names a zone file this machine has.
 */
export function machineTimeZone(env: NodeJS.ProcessEnv = process.env): string {
  if (known !== undefined && env === process.env) return known;
  const zoneDir = env.TZDIR || '/usr/share/zoneinfo';
  const fromTz = env.TZ === undefined ? undefined : env.TZ.replace(/^:/, '');
  let name: string | undefined;
  if (fromTz !== undefined && fromTz !== '') {
    name = fromTz;
  } else if (fromTz === undefined) {
    try {
      const target = readlinkSync('/etc/localtime');
      const at = target.lastIndexOf('zoneinfo/');
      if (at >= 0) name = target.slice(at + 'zoneinfo/'.length);
    } catch {
      // not a link (a copied file, or none): Intl reads it
    }
  }
  let zone: string;
  if (name !== undefined && ZONE_NAME.test(name) && !name.split('/').includes('..') && existsSync(join(zoneDir, name))) {
    zone = UTC_NAMES.has(name) ? 'UTC' : name.replace(/^posix\//, '');
  } else {
    // An empty TZ means UTC to the C library; anything else unknown is Intl's to read.
    zone = fromTz === '' ? 'UTC' : Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  }
  if (env === process.env) known = zone;
  return zone;
}
