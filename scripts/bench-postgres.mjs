#!/usr/bin/env node
// `npm run bench:postgres` (also run at the end of `npm run bench`): the tool on a PostgreSQL store
// against psql running the same SQL on the same synthetic export, in one run, on a throwaway
// cluster this script starts (initdb + pg_ctl on a free 127.0.0.1 port, fsync off, removed after).
//   Jobs (issue 10's targets): import (≤ 1.5×), full conflict scan (≤ 1.3×), 100,000-address check
//   from stdin (≤ 1.3×). The conflict counts of the tool and of psql must be equal, or it fails.
//   The read jobs run on a vacuumed and analyzed store (the script runs VACUUM ANALYZE first,
//   untimed): autovacuum does both to a freshly loaded table within a minute or so, so that is the
//   state admins work on.
//
//   The tool's import also runs on a quarter- and a double-size file, once each, for its peak
//   memory (/usr/bin/time -f %M): twice the rows may not cost more (5% for measurement noise).
//
//   node scripts/bench-postgres.mjs [--quick] [--holders N] [--json]
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateExport } from './generate-export.mjs';
import { startCluster } from '../test/helpers/postgres-cluster.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = process.env.ENROLLSY_BENCH_BIN || join(ROOT, 'bin', 'enrollsy-help.js');
const NODE = process.execPath;
const CACHE = join(ROOT, 'bench-data');
const SEED = 42;
const CHECKS = 100_000;
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const asJson = argv.includes('--json');
const holdersArg = argv.find((a, i) => argv[i - 1] === '--holders' || a.startsWith('--holders='));
const holders = holdersArg ? Number(String(holdersArg).replace(/^--holders=/, '').replace(/_/g, '')) : quick ? 100_000 : 1_000_000;
if (!Number.isInteger(holders) || holders < 1000) {
  process.stderr.write('bench-postgres: --holders needs a whole number ≥ 1000\n');
  process.exit(2);
}
const runs = { import: quick ? 1 : 2, read: quick ? 3 : 5 };
const progress = (message) => process.stderr.write(`${message}\n`);

// The same exports the SQLite bench uses (bench-data/, keyed by size, seed, checks and generator).
function ensureExport(holders, checks = CHECKS) {
  mkdirSync(CACHE, { recursive: true });
  const generatorHash = createHash('sha256').update(readFileSync(join(ROOT, 'scripts', 'generate-export.mjs'))).digest('hex').slice(0, 10);
  const key = `export-h${holders}-s${SEED}-c${checks}-g${generatorHash}`;
  const csv = join(CACHE, `${key}.csv`);
  const check = join(CACHE, `${key}.check.txt`);
  const meta = join(CACHE, `${key}.json`);
  if (existsSync(meta) && existsSync(csv) && (checks === 0 || existsSync(check)) && statSync(csv).size === JSON.parse(readFileSync(meta, 'utf8')).bytes) return { csv, check };
  progress(`Generating a ${holders.toLocaleString('en-US')}-holder export in bench-data/…`);
  for (const name of readdirSync(CACHE)) if (name.startsWith(key)) rmSync(join(CACHE, name), { force: true });
  // As bench.mjs makes them, so a file in bench-data/ is the same whichever script made it.
  const stats = generateExport({ out: csv, holders, seed: SEED, checkOut: checks > 0 ? check : null, checks: CHECKS });
  writeFileSync(meta, JSON.stringify(stats, null, 2));
  return { csv, check };
}

/** Runs a command, returns its exit code, wall time, stdout (when asked) and, with `rss`, its peak RSS in KB. */
function run(cmd, args, { stdin = null, env = {}, capture = false, rss = false } = {}) {
  if (rss && TIME) [cmd, args] = [TIME, ['-f', 'peak-rss-kb %M', cmd, ...args]];
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: [stdin ? 'pipe' : 'ignore', capture ? 'pipe' : 'ignore', 'pipe'], env: { ...process.env, NO_COLOR: '1', CI: '1', ...env } });
    let out = '';
    let err = '';
    child.stdout?.on('data', (d) => (out += d));
    let tail = '';
    child.stderr.on('data', (d) => {
      if (err.length < 65536) err += d;
      tail = (tail + d).slice(-200);
    });
    if (stdin) {
      child.stdin.on('error', () => {}); // a child that exits early: its exit code says why
      child.stdin.end(readFileSync(stdin));
    }
    child.on('close', (code) => {
      const peak = /peak-rss-kb (\d+)\s*$/.exec(tail);
      resolve({ code, ms: Number(process.hrtime.bigint() - started) / 1e6, out, err: err.trim().split('\n')[0] ?? '', peakRssKB: peak ? Number(peak[1]) : null });
    });
  });
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
function must(result, what, ok = [0]) {
  if (!ok.includes(result.code)) throw new Error(`${what} failed (exit ${result.code}): ${result.err}`);
  return result;
}

// ---- the SQL psql runs (the same work as the sqlite3 shell's reference, in PostgreSQL) ---------
const REF_IMPORT = (csv) => `create table holders(account_id text, account_name text, role text, first_name text, last_name text, email text, login_access text);
\\copy holders from '${csv.replace(/'/g, "''")}' with (format csv, header true)
alter table holders add column email_key text;
update holders set email_key = lower(trim(email)) where trim(email) <> '';
create index holders_email_key on holders(email_key, account_id);`;
// What the tool lists: every holder of an address used in two or more accounts, with the account name.
const REF_SCAN = `with c as (select email_key from holders where email_key is not null group by email_key having count(distinct account_id) > 1)
select coalesce(json_agg(r), '[]') from (select h.email_key, h.account_id, a.name, h.role, h.first_name || ' ' || h.last_name as name, h.email
from c join holders h on h.email_key = c.email_key join accounts a on a.id = h.account_id order by h.email_key, h.account_id, h.position) r;`;
const REF_CHECK = `create temp table list(value text);
\\copy list from pstdin
select coalesce(json_agg(r), '[]') from (select h.email_key, count(distinct h.account_id) as accounts
from (select distinct lower(trim(value)) as k from list where trim(value) <> '' and value not like '#%') l
join holders h on h.email_key = l.k group by h.email_key having count(distinct h.account_id) > 1) r;`;

// psql's lower() folds only ASCII letters in this cluster's C locale: as for the sqlite3 shell, the
// check list's non-ASCII lines reach it already in NFC and lower case, so both sides look up the same keys.
function referenceCheckList(check, out) {
  const text = readFileSync(check, 'utf8');
  writeFileSync(out, text.split('\n').map((line) => (/[^\x00-\x7f]/.test(line) ? line.normalize('NFC').toLowerCase().normalize('NFC') : line)).join('\n'));
  return out;
}

async function main() {
  const { csv, check } = ensureExport(holders);
  if (!existsSync(join(ROOT, 'dist', 'main.cjs'))) throw new Error('dist/ is missing: run npm run build first');
  progress('Starting a throwaway PostgreSQL cluster…');
  const cluster = await startCluster();
  const tmp = mkdtempSync(join(tmpdir(), 'enrollsy-bench-pg-'));
  const db = (name) => cluster.url.replace(/\/postgres$/, `/${name}`);
  const psql = (database, args, options) => run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', db(database), ...args], options);
  try {
    const jobs = [];
    // Import: a fresh database each run, the tool's after `init` (not timed).
    progress(`Import: ${runs.import} run(s) each of psql and the tool on ${holders.toLocaleString('en-US')} rows…`);
    const ref = [];
    const tool = [];
    const toolRss = [];
    let imported = null;
    for (let i = 0; i < runs.import; i++) {
      must(await psql('postgres', ['-c', `drop database if exists ref_${i}`, '-c', `create database ref_${i}`]), 'create database');
      const script = join(tmp, 'ref-import.sql');
      writeFileSync(script, REF_IMPORT(csv));
      // Each import starts from a checkpoint (not timed), so neither pays for the WAL the one before wrote.
      must(await psql('postgres', ['-c', 'checkpoint']), 'checkpoint');
      ref.push(must(await psql(`ref_${i}`, ['-f', script]), 'psql import').ms);
      must(await psql('postgres', ['-c', `drop database if exists tool_${i}`, '-c', `create database tool_${i}`]), 'create database');
      must(await run(NODE, [BIN, '--db', db(`tool_${i}`), 'init']), 'init');
      must(await psql('postgres', ['-c', 'checkpoint']), 'checkpoint');
      const result = must(await run(NODE, [BIN, '--db', db(`tool_${i}`), 'import', csv, '--json'], { capture: true, rss: true }), 'tool import');
      tool.push(result.ms);
      toolRss.push(result.peakRssKB);
      imported = JSON.parse(result.out).imported;
    }
    jobs.push({ id: 'import', title: `import ${holders.toLocaleString('en-US')}-row CSV`, reference: median(ref), tool: median(tool), target: 1.5, note: `tool: ${imported.accounts} accounts, ${imported.holders} holders` });

    // Peak memory at a quarter and at twice the size, one import each into a fresh database.
    const memory = { full: { holders, peakRssKB: toolRss.includes(null) ? null : Math.max(...toolRss) } };
    for (const [name, size] of [['small', Math.round(holders / 4)], ['large', holders * 2]]) {
      progress(`Import: the tool on ${size.toLocaleString('en-US')} rows, for its memory…`);
      const file = ensureExport(size, 0).csv;
      const database = `memory_${name}`;
      must(await psql('postgres', ['-c', `drop database if exists ${database}`, '-c', `create database ${database}`]), 'create database');
      must(await run(NODE, [BIN, '--db', db(database), 'init']), 'init');
      memory[name] = { holders: size, peakRssKB: must(await run(NODE, [BIN, '--db', db(database), 'import', file, '--json'], { rss: true }), 'tool import').peakRssKB };
      must(await psql('postgres', ['-c', `drop database ${database}`]), 'drop database');
    }
    memory.flat = memory.full.peakRssKB && memory.large.peakRssKB ? memory.large.peakRssKB <= memory.full.peakRssKB * 1.05 : null;

    // The read-only jobs run on the tool's last store (same data); psql reads the same tables.
    const store = `tool_${runs.import - 1}`;
    // The other freshly loaded databases go: autovacuum working through them would compete with
    // the timed reads on this 2-core machine.
    for (let i = 0; i < runs.import; i++) {
      for (const name of [`ref_${i}`, `tool_${i}`]) if (name !== store) must(await psql('postgres', ['-c', `drop database ${name}`]), 'drop database');
    }
    const refCheck = referenceCheckList(check, join(tmp, 'check-for-psql.txt'));
    // The steady state: autovacuum vacuums (for inserts, since PostgreSQL 13) and analyzes a
    // freshly loaded 1M-row table within a minute or so. Without statistics psql's plans are poor,
    // and without the visibility map its index-only scans visit the table. Both sides read a
    // vacuumed and analyzed store (not timed). The two large tables are named: a database-wide
    // VACUUM run here left their visibility maps empty (index-only scans then read the table).
    must(await psql(store, ['-c', 'vacuum analyze holders, accounts', '-c', 'analyze']), 'vacuum analyze');
    const { out: visible } = must(await psql(store, ['-A', '-t', '-c', "select bool_and(relallvisible = relpages) from pg_class where relname in ('holders', 'accounts')"], { capture: true }), 'visibility');
    if (visible.trim() !== 't') throw new Error('VACUUM left pages of holders or accounts not all-visible: the read jobs would not measure the steady state');
    progress(`Full scan and 100,000-address check: ${runs.read} runs each, interleaved…`);
    const scan = { ref: [], tool: [] };
    const checkTimes = { ref: [], tool: [] };
    let counts = null;
    for (let i = 0; i < runs.read; i++) {
      const r = must(await psql(store, ['-A', '-t', '-c', REF_SCAN], { capture: true }), 'psql scan');
      scan.ref.push(r.ms);
      const t = must(await run(NODE, [BIN, '--db', db(store), 'conflicts', '--json', '--no-advisories'], { capture: true }), 'tool scan', [0, 1]);
      scan.tool.push(t.ms);
      const script = join(tmp, 'ref-check.sql');
      writeFileSync(script, REF_CHECK);
      const rc = must(await run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-A', '-t', '-d', db(store), '-f', script], { stdin: refCheck, capture: true }), 'psql check');
      checkTimes.ref.push(rc.ms);
      const tc = must(await run(NODE, [BIN, '--db', db(store), 'conflicts', '--file', '-', '--json', '--no-advisories'], { stdin: check, capture: true }), 'tool check', [0, 1]);
      checkTimes.tool.push(tc.ms);
      if (i === 0) {
        counts = {
          scan: { reference: new Set(JSON.parse(r.out).map((row) => row.email_key)).size, tool: JSON.parse(t.out).conflicts.length },
          check: { reference: JSON.parse(rc.out).length, tool: JSON.parse(tc.out).conflicts.length },
        };
      }
    }
    jobs.push({ id: 'scan', title: 'full conflict scan (listing every conflicting holder)', reference: median(scan.ref), tool: median(scan.tool), target: 1.3, note: `${counts.scan.tool} conflicting addresses (psql: ${counts.scan.reference})` });
    jobs.push({ id: 'check', title: `check ${CHECKS.toLocaleString('en-US')} addresses from stdin`, reference: median(checkTimes.ref), tool: median(checkTimes.tool), target: 1.3, note: `${counts.check.tool} conflicting (psql: ${counts.check.reference})` });
    for (const job of jobs) {
      job.ratio = Math.round((job.tool / job.reference) * 100) / 100;
      job.ok = job.ratio <= job.target;
    }
    const correct = counts.scan.tool === counts.scan.reference && counts.check.tool === counts.check.reference;
    const machine = `${cpus().length} cores, Node ${process.version}, ${(await run('psql', ['--version'], { capture: true })).out.trim()}`;
    if (asJson) process.stdout.write(`${JSON.stringify({ machine, holders, analyzed: true, jobs, counts, correct, memory }, null, 2)}\n`);
    else {
      const rows = [['job', 'psql', 'tool', 'ratio', 'target', ''], ...jobs.map((j) => [j.title, `${(j.reference / 1000).toFixed(2)} s`, `${(j.tool / 1000).toFixed(2)} s`, `${j.ratio.toFixed(2)}×`, `≤ ${j.target}×`, j.ok ? 'ok' : 'MISS'])];
      const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
      process.stdout.write(`PostgreSQL (${machine}; medians of one run)\n`);
      for (const r of rows) process.stdout.write(`${r.map((cell, c) => cell.padEnd(widths[c])).join('  ')}\n`);
      for (const j of jobs) process.stdout.write(`  ${j.id}: ${j.note}\n`);
      process.stdout.write('  scan, check: on a vacuumed and analyzed store (VACUUM ANALYZE before them, not timed), as autovacuum leaves it within a minute of a load.\n');
      const mb = (m) => `${m.holders.toLocaleString('en-US')} holders → ${m.peakRssKB === null ? 'n/a' : `${Math.round(m.peakRssKB / 1024)} MB`}`;
      process.stdout.write(`  import memory (peak RSS): ${mb(memory.small)}; ${mb(memory.full)}; ${mb(memory.large)}` + (memory.flat === null ? '\n' : ` — ${memory.flat ? 'flat' : 'GROWS'}: ×${(memory.large.peakRssKB / memory.full.peakRssKB).toFixed(2)} memory for ×2 rows (target: no more)\n`));
      process.stdout.write(correct ? 'Conflict counts equal the reference.\n' : 'CONFLICT COUNTS DIFFER FROM THE REFERENCE: the bench fails.\n');
    }
    if (!correct) process.exitCode = 1;
  } finally {
    cluster.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`bench-postgres: ${error.message}\n`);
  process.exit(1);
});
