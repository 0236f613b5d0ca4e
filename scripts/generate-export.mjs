#!/usr/bin/env node
// Writes a deterministic synthetic accounts export (CSV) for benchmarks, plus a list of
// addresses to check (`conflicts --file -`). Same parameters and seed give byte-identical files.
//
//   node scripts/generate-export.mjs <out.csv> [--holders 1000000] [--seed 42]
//        [--check-file <path>] [--checks 100000]
//
// The export: header account_id,account_name,role,first_name,last_name,email,login_access;
// ~1.68 holders per account (exactly one primary, 0-3 secondaries); some empty addresses;
// ~1% of addresses reused in another account (exact copies, case-changed copies, space-padded
// copies, and for non-ASCII addresses a few NFD-written copies); some secondaries reuse their
// primary's address. About 10% of addresses are on gmail.com, and a quarter of the copies of
// those are Gmail look-alikes (dots, a +tag or googlemail.com: a different key, one inbox).
// Fields are quoted per RFC 4180 (and when they have surrounding spaces).
// Both files are written in 1 MB chunks: memory stays flat whatever the size.
import { closeSync, openSync, renameSync, writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

export const HEADER = 'account_id,account_name,role,first_name,last_name,email,login_access';

// ---- deterministic PRNG (sfc32, seeded through splitmix32) ----------------------------------
function splitmix32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x9e3779b9) >>> 0;
    let z = a;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** A seeded generator of floats in [0, 1). */
export function makeRandom(seed) {
  const init = splitmix32(seed);
  let a = init(), b = init(), c = init(), d = init();
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

// ---- vocabulary ---------------------------------------------------------------------------
// [display name, ascii form for the address]. A few non-ASCII names keep their letters in the
// address (international customers); see NON_ASCII_LOCAL below.
const FIRST = [
  'Jane', 'John', 'Maria', 'Tom', 'Aisha', 'Liam', 'Olivia', 'Noah', 'Emma', 'Lucas', 'Mia', 'Ethan', 'Sofia', 'Mason',
  'Chloe', 'Logan', 'Grace', 'Owen', 'Zoe', 'Caleb', 'Nora', 'Isaac', 'Ava', 'Leo', 'Ruby', 'Hugo', 'Ivy', 'Omar',
  'Priya', 'Ken', 'Yuki', 'Chen', 'Fatima', 'Diego', 'Ana', 'Pedro', 'Kofi', 'Amara', 'Sam', 'Alex', 'Jordan', 'Taylor',
  'José', 'Zoë', 'Renée', 'Søren', 'Łukasz', 'Björn', 'Inés', 'Chloé', 'André', 'Maël',
];
const LAST = [
  'Doe', 'Smith', 'Johnson', 'Brown', 'Garcia', 'Miller', 'Davis', 'Martinez', 'Lopez', 'Wilson', 'Anderson', 'Thomas',
  'Moore', 'Jackson', 'Martin', 'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Clark', 'Lewis', 'Walker', 'Hall',
  'Young', 'King', 'Wright', 'Scott', 'Green', 'Baker', 'Adams', 'Nelson', 'Hill', 'Campbell', 'Mitchell', 'Roberts',
  'Nguyen', 'Kim', 'Patel', 'Okafor', "O'Brien", 'Van der Berg', 'Müller', 'Šimek', 'Jørgensen', 'Núñez', 'Öztürk',
];
const DOMAINS = [
  'example.com', 'example.org', 'example.net', 'mail.example', 'post.example.de', 'correo.example.es', 'inbox.example.co.uk',
  'swimclub.example', 'family.example.com', 'school.example.edu',
];
const ASCII_FOLD = { á: 'a', é: 'e', ë: 'e', è: 'e', í: 'i', ó: 'o', ö: 'o', ø: 'o', ú: 'u', ü: 'u', ñ: 'n', š: 's', ł: 'l', ć: 'c' };

function asciiLocal(name) {
  return name
    .toLowerCase()
    .replace(/[^a-z]/g, (ch) => ASCII_FOLD[ch] ?? '')
    .replace(/^$/, 'x');
}
function unicodeLocal(name) {
  return name.toLowerCase().replace(/[^\p{L}]/gu, '') || 'x';
}

/** RFC 4180 quoting; fields with surrounding whitespace are quoted too, so no reader trims them. */
function csvField(value) {
  if (value === '') return '';
  if (/[",\r\n]/.test(value) || /^\s|\s$/.test(value)) return `"${value.replace(/"/g, '""')}"`;
  return value;
}

/** A different address that Gmail delivers to the same inbox: dots moved, a +tag, or googlemail.com. */
function gmailLookAlike(address, rnd) {
  const at = address.lastIndexOf('@');
  const local = address.slice(0, at);
  const r = rnd();
  if (r < 0.4) return local.includes('.') ? `${local.replaceAll('.', '')}@gmail.com` : `${local[0]}.${local.slice(1)}@gmail.com`;
  if (r < 0.8) return `${local}+${['club', 'swim', 'kids', 'camp'][Math.floor(rnd() * 4)]}@gmail.com`;
  return `${local}@googlemail.com`;
}

/** Case-changed copy of an address: Title.Case@Domain.COM-style, or all upper-case. */
function changeCase(address, rnd) {
  const r = rnd();
  if (r < 0.4) return address.toUpperCase();
  const [local, domain] = address.split('@');
  const title = local.replace(/(^|[._-])(\p{L})/gu, (_m, sep, ch) => sep + ch.toUpperCase());
  const dom = r < 0.7 ? domain.replace(/(^|\.)(\p{L})/gu, (_m, sep, ch) => sep + ch.toUpperCase()) : domain.toUpperCase();
  const result = `${title}@${dom}`;
  return result === address ? address.toUpperCase() : result;
}

/** Writes strings to a file descriptor in ~1 MB chunks. */
class ChunkWriter {
  constructor(path) {
    this.fd = openSync(path, 'w');
    this.parts = [];
    this.size = 0;
    this.bytes = 0;
  }
  line(s) {
    this.parts.push(s);
    this.size += s.length + 1;
    if (this.size >= 1 << 20) this.flush();
  }
  flush() {
    if (this.parts.length === 0) return;
    const buf = Buffer.from(this.parts.join('\n') + '\n', 'utf8');
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off);
    this.bytes += buf.length;
    this.parts = [];
    this.size = 0;
  }
  close() {
    this.flush();
    closeSync(this.fd);
  }
}

/**
 * Generates the export at `out` and the check list at `checkOut` (each written to a temp name
 * and renamed, so an interrupted run never leaves a half file under the final name).
 * Returns counts and a few sample addresses for benchmarks.
 */
export function generateExport({ out, holders = 1_000_000, seed = 42, checkOut = null, checks = 100_000 }) {
  const rnd = makeRandom(seed);
  // Gmail choices draw from a stream of their own, so the rest of the data stays as it was.
  const rndGmail = makeRandom(seed + 1);
  const pick = (list) => list[Math.floor(rnd() * list.length)];
  const csv = new ChunkWriter(`${out}.partial`);
  csv.line(HEADER);

  const RING = 65536; // recent (address, account) pairs that cross-account copies are taken from
  const ringEmail = new Array(RING);
  const ringAccount = new Int32Array(RING);
  let ringFilled = 0;
  let ringPos = 0;

  const RESERVOIR = 60_000; // stored addresses sampled uniformly for the check list
  const reservoir = [];
  let seenStored = 0;
  const reusedSample = []; // addresses that ended up in two accounts (for the check list)

  const stats = {
    holders: 0, accounts: 0, primaries: 0, secondaries: 0, emptyEmail: 0,
    crossAccountCopies: { exact: 0, caseChanged: 0, spacePadded: 0, nfd: 0 }, sameAccountCopies: 0, nonAsciiAddresses: 0,
    gmailAddresses: 0, gmailLookAlikes: 0,
  };
  let serial = 0;
  let sampleEmail = null;
  let sampleConflict = null;

  const freshAddress = (first, last) => {
    serial++;
    const nonAscii = rnd() < 0.02 && /[^\x00-\x7f]/.test(first + last);
    const f = nonAscii ? unicodeLocal(first) : asciiLocal(first);
    const l = nonAscii ? unicodeLocal(last) : asciiLocal(last);
    const style = rnd();
    const local = style < 0.5 ? `${f}.${l}` : style < 0.7 ? `${f}${l}` : style < 0.85 ? `${f[0]}.${l}` : `${l}.${f}`;
    const domain = pick(DOMAINS);
    let address = `${local}${serial}@${!nonAscii && rndGmail() < 0.1 ? 'gmail.com' : domain}`;
    if (address.endsWith('@gmail.com')) stats.gmailAddresses++;
    if (nonAscii) stats.nonAsciiAddresses++;
    if (rnd() < 0.03) address = changeCase(address, rnd); // some people type their address capitalised
    return address;
  };

  let accountNo = 0;
  while (stats.holders < holders) {
    accountNo++;
    const accountId = `A${String(accountNo).padStart(7, '0')}`;
    const familyLast = pick(LAST);
    const nameStyle = rnd();
    const accountName =
      nameStyle < 0.8 ? `${familyLast} Family` : nameStyle < 0.97 ? `${familyLast}, ${pick(FIRST)}` : `The "${familyLast}" Household`;
    const r = rnd();
    const secondaries = r < 0.5 ? 0 : r < 0.85 ? 1 : r < 0.97 ? 2 : 3;
    const size = Math.min(1 + secondaries, holders - stats.holders);
    let primaryEmail = '';
    for (let i = 0; i < size; i++) {
      const primary = i === 0;
      const first = pick(FIRST);
      const last = rnd() < 0.85 ? familyLast : pick(LAST);
      let email = '';
      let copied = false;
      if (rnd() >= (primary ? 0.02 : 0.12)) {
        if (!primary && primaryEmail !== '' && rnd() < 0.02) {
          // The secondary shares the primary's address (same account: not a conflict).
          email = rnd() < 0.5 ? primaryEmail : changeCase(primaryEmail, rnd);
          stats.sameAccountCopies++;
          copied = true;
        } else if (ringFilled > 1000 && rnd() < 0.01) {
          const slot = Math.floor(rnd() * ringFilled);
          if (ringAccount[slot] !== accountNo) {
            const base = ringEmail[slot];
            // Non-ASCII bases are rare; give them a fair share of NFD-written copies.
            const kind = /[^\x00-\x7f]/.test(base) && rnd() < 0.3 ? 1 : rnd();
            const lookAlike = base.toLowerCase().endsWith('@gmail.com') && rndGmail() < 0.25;
            if (lookAlike) {
              email = gmailLookAlike(base.toLowerCase(), rndGmail);
              stats.gmailLookAlikes++;
            } else if (kind < 0.45) {
              email = base;
              stats.crossAccountCopies.exact++;
            } else if (kind < 0.75) {
              email = changeCase(base, rnd);
              stats.crossAccountCopies.caseChanged++;
            } else if (kind < 0.9 || !/[^\x00-\x7f]/.test(base)) {
              const pad = rnd() < 0.5 ? ' ' : '  ';
              email = rnd() < 0.6 ? `${pad}${base}${pad}` : rnd() < 0.5 ? `${pad}${base}` : `${base}${pad}`;
              stats.crossAccountCopies.spacePadded++;
            } else {
              email = base.normalize('NFD'); // same key after NFC, different bytes
              stats.crossAccountCopies.nfd++;
            }
            copied = true;
            if (!lookAlike && reusedSample.length < 5000) reusedSample.push(base);
            if (!lookAlike && sampleConflict === null) sampleConflict = base.trim();
          }
        }
        if (!copied) email = freshAddress(first, last);
      } else {
        stats.emptyEmail++;
      }
      if (primary) primaryEmail = email.trim();
      if (email !== '' && !copied) {
        ringEmail[ringPos] = email;
        ringAccount[ringPos] = accountNo;
        ringPos = (ringPos + 1) % RING;
        if (ringFilled < RING) ringFilled++;
        if (sampleEmail === null && primary) sampleEmail = email;
      }
      if (email !== '') {
        seenStored++;
        if (reservoir.length < RESERVOIR) reservoir.push(email);
        else {
          const j = Math.floor(rnd() * seenStored);
          if (j < RESERVOIR) reservoir[j] = email;
        }
      }
      const access = primary ? '' : (() => {
        const a = rnd();
        return a < 0.4 ? 'yes' : a < 0.8 ? 'no' : '';
      })();
      csv.line(
        [accountId, csvField(accountName), primary ? 'primary' : 'secondary', csvField(first), csvField(last), csvField(email), access].join(','),
      );
      stats.holders++;
      if (primary) stats.primaries++;
      else stats.secondaries++;
    }
    stats.accounts++;
  }
  csv.close();
  renameSync(`${out}.partial`, out);
  stats.bytes = csv.bytes;
  stats.sampleEmail = sampleEmail;
  stats.sampleConflict = sampleConflict;
  stats.unknownEmail = 'jane.doe@gmial.com';

  if (checkOut) stats.check = writeCheckList(checkOut, checks, rnd, reservoir, reusedSample);
  return stats;
}

/** The list for `conflicts --file -`: stored addresses in varied case, unknown ones, comments, blanks, malformed lines. */
function writeCheckList(path, count, rnd, reservoir, reusedSample) {
  const out = new ChunkWriter(`${path}.partial`);
  const MALFORMED = [
    'jane.doe.example.com', 'two@@example.com', 'first last@example.com', 'user@localhost', '@example.com', 'user@',
    'user@example..com', 'no-at-sign', 'a@b@example.com', 'trailing.dot@example.',
  ];
  const stats = { lines: 0, addresses: 0, stored: 0, reused: 0, unknown: 0, malformed: 0, comments: 0, blank: 0 };
  out.line('# addresses to check: one per line; blank lines and # comments are ignored');
  stats.lines++;
  stats.comments++;
  const malformedEvery = Math.max(1, Math.floor(count / MALFORMED.length));
  for (let i = 0; i < count; i++) {
    if (i > 0 && i % 1000 === 0) {
      out.line(`# batch ${i / 1000}`);
      stats.comments++;
      stats.lines++;
    }
    if (rnd() < 0.002) {
      out.line(rnd() < 0.5 ? '' : '   ');
      stats.blank++;
      stats.lines++;
    }
    let value;
    if (i % malformedEvery === malformedEvery - 1) {
      value = MALFORMED[Math.floor(i / malformedEvery) % MALFORMED.length];
      stats.malformed++;
    } else {
      const r = rnd();
      if (r < 0.55 && reservoir.length > 0) {
        value = reservoir[Math.floor(rnd() * reservoir.length)].trim();
        stats.stored++;
      } else if (r < 0.6 && reusedSample.length > 0) {
        value = reusedSample[Math.floor(rnd() * reusedSample.length)].trim();
        stats.reused++;
      } else {
        const domain = rnd() < 0.9 ? DOMAINS[Math.floor(rnd() * DOMAINS.length)] : 'gmial.com';
        value = `${asciiLocal(FIRST[Math.floor(rnd() * FIRST.length)])}.${asciiLocal(LAST[Math.floor(rnd() * LAST.length)])}${1_000_000_000 + i}@${domain}`;
        stats.unknown++;
      }
      const c = rnd();
      if (c < 0.3) value = value.toLowerCase();
      else if (c < 0.5) value = changeCase(value, rnd);
      if (rnd() < 0.05) value = `  ${value} `;
    }
    out.line(value);
    stats.addresses++;
    stats.lines++;
  }
  out.close();
  renameSync(`${path}.partial`, path);
  stats.bytes = out.bytes;
  return stats;
}

function parseArgs(argv) {
  const options = { out: null, holders: 1_000_000, seed: 42, checkOut: null, checks: 100_000 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    const int = (v) => {
      const n = Number(v.replace(/_/g, ''));
      if (!Number.isInteger(n) || n < 1) throw new Error(`${arg} needs a positive whole number, got "${v}"`);
      return n;
    };
    if (arg === '--holders') options.holders = int(value());
    else if (arg === '--seed') options.seed = int(value());
    else if (arg === '--checks') options.checks = int(value());
    else if (arg === '--check-file') options.checkOut = value();
    else if (arg === '-h' || arg === '--help') options.help = true;
    else if (arg.startsWith('-')) throw new Error(`unknown option ${arg}`);
    else if (options.out === null) options.out = arg;
    else throw new Error(`unexpected argument ${arg}`);
  }
  return options;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`generate-export: ${error.message}\n`);
    process.exit(2);
  }
  if (options.help || options.out === null) {
    process.stderr.write('usage: node scripts/generate-export.mjs <out.csv> [--holders 1000000] [--seed 42] [--check-file <path>] [--checks 100000]\n');
    process.exit(options.help ? 0 : 2);
  }
  options.checkOut ??= options.out.replace(/\.csv$/i, '') + '.check.txt';
  const started = performance.now();
  const stats = generateExport(options);
  const seconds = (performance.now() - started) / 1000;
  process.stderr.write(
    `Wrote ${options.out}: ${stats.holders.toLocaleString('en-US')} holders in ${stats.accounts.toLocaleString('en-US')} accounts, ` +
      `${(stats.bytes / 1e6).toFixed(1)} MB; ${options.checkOut}: ${stats.check.addresses.toLocaleString('en-US')} addresses to check. ` +
      `${seconds.toFixed(1)} s.\n`,
  );
  process.stdout.write(`${JSON.stringify({ ...stats, seconds }, null, 2)}\n`);
}
