import { describe, expect, it } from '@jest/globals';
import { buildSync } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { formatCount } from '../src/core/format-count.js';
import { formatMoment, formatNear, offsetLabel } from '../src/core/format-time.js';
import { machineTimeZone } from '../src/ui/machine-time-zone.js';

// Times and counts are written without Intl (its first use costs ~13 ms of a start); these
// tests hold the hand-written forms to what Intl says of the same moment in the same zone.
/**
 * The real functions, run in a Node process whose TZ is `zone` (the zone is read at start; jest's
 * process.env is a copy, so setting TZ in here would not reach Date). Returns, per moment, what
 * formatMoment, formatNear (against `now`), offsetLabel and machineTimeZone wrote there.
 */
function inZone(zone: string, moments: number[], now = 0): { moment: string; near: string; label: string; machine: string }[] {
  const dir = mkdtempSync(join(tmpdir(), 'format-time-'));
  try {
    const entry = join(dir, 'entry.ts');
    const root = fileURLToPath(new URL('..', import.meta.url));
    writeFileSync(
      entry,
      `import { formatMoment, formatNear, offsetLabel } from ${JSON.stringify(join(root, 'src/core/format-time.ts'))};
       import { machineTimeZone } from ${JSON.stringify(join(root, 'src/ui/machine-time-zone.ts'))};
       const now = new Date(${now});
       console.log(JSON.stringify(${JSON.stringify(moments)}.map((ms) => ({ moment: formatMoment(new Date(ms)), near: formatNear(new Date(ms), now), label: offsetLabel(new Date(ms)), machine: machineTimeZone() }))));`,
    );
    buildSync({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', outfile: join(dir, 'entry.mjs'), logLevel: 'silent' });
    const run = spawnSync(process.execPath, [join(dir, 'entry.mjs')], { env: { PATH: process.env.PATH, TZ: zone }, encoding: 'utf8' });
    if (run.status !== 0) throw new Error(run.stderr);
    return JSON.parse(run.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Intl's day, month, year, hour and minute of `date` in `zone`, as our format writes them. */
function intlMoment(date: Date, zone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: zone })
      .formatToParts(date)
      .map((part) => [part.type, part.value]),
  );
  // en-GB writes "Sept"; we write the three-letter form of every month.
  return `${parts.day} ${parts.month === "Sept" ? "Sep" : parts.month} ${parts.year}, ${parts.hour}:${parts.minute}`;
}

/** Intl's offset of `zone` at that moment, written as our label ("GMT+05:30" → "UTC+5:30"). */
function intlOffsetLabel(date: Date, zone: string): string {
  const offset = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' }).formatToParts(date).find((p) => p.type === 'timeZoneName')!.value;
  return offset === 'GMT' || offset === 'GMT+00:00' ? 'UTC' : offset.replace('GMT', 'UTC').replace(/([+-])0(\d)/, '$1$2').replace(/:00$/, '');
}

describe('formatMoment and formatNear', () => {
  it.each([
    ['UTC', '2026-11-27T11:34:00Z', '27 Nov 2026, 11:34 UTC'],
    ['Europe/Berlin', '2026-11-27T11:34:00Z', '27 Nov 2026, 12:34 UTC+1'],
    ['Europe/Berlin', '2026-07-01T11:34:00Z', '1 Jul 2026, 13:34 UTC+2'],
    ['America/New_York', '2026-11-27T03:05:00Z', '26 Nov 2026, 22:05 UTC-5'],
    ['Asia/Kolkata', '2026-11-27T11:34:00Z', '27 Nov 2026, 17:04 UTC+5:30'],
    ['Asia/Kathmandu', '2026-12-31T18:20:00Z', '1 Jan 2027, 00:05 UTC+5:45'],
  ])('in %s, %s is written %s', (zone, iso, expected) => {
    expect(inZone(zone, [Date.parse(iso)])[0]!.moment).toBe(expected);
  });

  it('agrees with Intl on the local date, time and offset in zones with daylight saving and odd offsets', () => {
    const moments = fc.sample(fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2060, 0, 1) }), { numRuns: 300, seed: 11 });
    for (const zone of ['Europe/London', 'America/Los_Angeles', 'Australia/Lord_Howe', 'Pacific/Chatham', 'America/St_Johns', 'Asia/Tehran']) {
      const written = inZone(zone, moments);
      moments.forEach((ms, i) => {
        const date = new Date(ms);
        expect(written[i]!.moment).toBe(`${intlMoment(date, zone)} ${intlOffsetLabel(date, zone)}`);
        expect(written[i]!.label).toBe(intlOffsetLabel(date, zone));
      });
    }
  });

  it('writes only the time for a moment on the same local day, the full moment otherwise', () => {
    const now = Date.parse('2026-11-27T22:30:00Z'); // 23:30 in Berlin
    // 00:15 the next day in Berlin, though still the 27th in UTC.
    const [same, next] = inZone('Europe/Berlin', [Date.parse('2026-11-27T22:45:00Z'), Date.parse('2026-11-27T23:15:00Z')], now);
    expect(same!.near).toBe('23:45 UTC+1');
    expect(next!.near).toBe('28 Nov 2026, 00:15 UTC+1');
  });
});

describe('machineTimeZone', () => {
  it('takes TZ when it names a zone file, with or without the leading colon', () => {
    expect(machineTimeZone({ TZ: 'Europe/Berlin' })).toBe('Europe/Berlin');
    expect(machineTimeZone({ TZ: ':Asia/Kolkata' })).toBe('Asia/Kolkata');
    expect(inZone('Asia/Kolkata', [0])[0]!.machine).toBe('Asia/Kolkata');
  });

  it('calls every name of UTC itself "UTC", as Intl does', () => {
    for (const name of ['UTC', 'Etc/UTC', 'Etc/GMT', 'Zulu', 'Universal']) expect(machineTimeZone({ TZ: name })).toBe('UTC');
  });

  it('asks Intl when TZ is not a zone file (a POSIX rule, an unknown or a hostile name)', () => {
    const intlIn = (tz: string) => {
      const run = spawnSync(process.execPath, ['-e', 'process.stdout.write(Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC")'], { env: { TZ: tz }, encoding: 'utf8' });
      return run.stdout;
    };
    for (const tz of ['CET-1CEST,M3.5.0,M10.5.0/3', 'Foo/Bar', '../../../etc/passwd']) expect(inZone(tz, [0])[0]!.machine).toBe(intlIn(tz));
    expect(machineTimeZone({ TZ: 'Europe/Berlin\u001b[31m' })).not.toContain('\u001b');
  });

  it('without TZ, names the zone /etc/localtime links to, as Intl does', () => {
    expect(machineTimeZone({})).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
  });
});

describe('formatCount', () => {
  it('groups thousands as en-US does', () => {
    fc.assert(fc.property(fc.integer({ min: -1e15, max: 1e15 }), (n) => expect(formatCount(n)).toBe(n.toLocaleString('en-US'))));
    expect(formatCount(1_000_000)).toBe('1,000,000');
    expect(formatCount(999)).toBe('999');
  });
});
