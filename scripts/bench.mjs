#!/usr/bin/env node
// `npm run bench`: wall-clock medians of the built CLI on this machine, side by side with the
// baselines they are judged against, in one run.
//   1. Start-up (issue 2): `node -e 0` vs `--help` vs `diagnose --json` on the demo store.
//   2. Scale (issue 4): a synthetic export (scripts/generate-export.mjs, cached in bench-data/)
//      imported, scanned and checked by the tool and by the sqlite3 shell with plain SQL; and
//      (issue 12) the scan with its Gmail look-alike advisories against the scan without them.
// diagnose runs with --offline: the recipient mail lookup is network time, not the tool's.
// It is a script, not a test: it prints numbers and targets. It exits 1 when the tool and the
// reference disagree on what they found (the conflict counts), 2 when it cannot run, else 0.
//
//   node scripts/bench.mjs [--quick] [--holders N] [--json] [--fresh] [--keep]
//     --quick       100,000 holders and fewer repetitions (a smoke run, ~15-20 s)
//     --holders N   size of the export (default 1,000,000)
//     --json        print the results as one JSON document instead of the table
//     --fresh       regenerate the export even when a cached one matches
//     --keep        keep the temp folder (stores, outputs) and print where it is
//   env ENROLLSY_BENCH_BIN=<path to an enrollsy-help.js> benches another build of the tool.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateExport } from './generate-export.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// ENROLLSY_BENCH_BIN points the bench at another entry script (e.g. an older checkout's bin/).
const BIN = process.env.ENROLLSY_BENCH_BIN || join(ROOT, 'bin', 'enrollsy-help.js');
const NODE = process.execPath;
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
const SQLITE = 'sqlite3';
const CACHE = join(ROOT, 'bench-data');
const SEED = 42;
const CHECKS = 100_000;

// ---- the jobs ------------------------------------------------------------------------------
// The one list of what is timed, what it is judged against, and the target ratio (issue 11).
// A new job or engine adds a line here and a block in startup() or scale() that reads it.
const JOBS = {
  help: { reference: 'node -e 0', target: 1.2 },
  'diagnose-demo': { reference: 'node -e 0', target: 1.6 },
  import: { reference: 'sqlite3: .import + normalized-address column + its index', target: 1.5 },
  scan: { reference: 'sqlite3 -json: every holder of an address in two or more accounts', target: 1.15 },
  'scan-advisories': { reference: 'the same scan with --no-advisories (issue 12)', target: 1.1 },
  check: { reference: 'sqlite3 -json: the same, for the addresses of a list read from stdin', target: 1.3 },
  diagnose: { reference: 'node -e 0', target: 1.6 },
};

// ---- options ------------------------------------------------------------------------------
function parseArgs(argv) {
  const o = { quick: false, holders: null, json: false, fresh: false, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') o.quick = true;
    else if (a === '--json') o.json = true;
    else if (a === '--fresh') o.fresh = true;
    else if (a === '--keep') o.keep = true;
    else if (a === '--holders' || a.startsWith('--holders=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      const n = Number(String(v).replace(/_/g, ''));
      if (!Number.isInteger(n) || n < 1000) fail(`--holders needs a whole number ≥ 1000, got "${v}"`);
      o.holders = n;
    } else if (a === '-h' || a === '--help') {
      const lines = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1);
      const header = lines.slice(0, lines.findIndex((l) => !l.startsWith('//')));
      process.stdout.write(`${header.map((l) => l.replace(/^\/\/ ?/, '')).join('\n')}\n`);
      process.exit(0);
    } else fail(`unknown option ${a} (try --help)`);
  }
  o.holders ??= o.quick ? 100_000 : 1_000_000;
  o.startupRuns = o.quick ? 8 : 20;
  o.fastRuns = o.quick ? 3 : 5;
  o.advisoryRuns = o.quick ? 5 : 15;
  o.importRuns = o.quick ? 1 : 2;
  o.smallHolders = Math.max(1000, Math.round(o.holders / 4));
  o.largeHolders = o.holders * 2;
  return o;
}
function fail(message) {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

const opts = parseArgs(process.argv.slice(2));
const progress = (message) => process.stderr.write(`${message}\n`);

// ---- running commands ---------------------------------------------------------------------
let tmp = null;
let currentChild = null;
/** Runs where the tool and the reference disagreed on what they found: the bench fails. */
const mismatches = [];

/**
 * Runs one command and measures its wall-clock time (spawn to exit).
 * stdin: a file path or null (/dev/null). stdout: 'ignore' (/dev/null) or a file path.
 * rss: wrap in `/usr/bin/time -f %M` and report the peak RSS (KB) of the command.
 */
function run(cmd, args, { stdin = null, stdout = 'ignore', rss = false, timeoutMs = 120_000 } = {}) {
  return new Promise((resolve) => {
    const fds = [];
    const open = (path, flags) => {
      const fd = openSync(path, flags);
      fds.push(fd);
      return fd;
    };
    const rssFile = rss && TIME ? join(tmp, `rss-${process.hrtime.bigint()}.txt`) : null;
    const [file, argv] = rssFile ? [TIME, ['-f', '%M', '-o', rssFile, cmd, ...args]] : [cmd, args];
    const stdio = [stdin ? open(stdin, 'r') : 'ignore', stdout === 'ignore' ? 'ignore' : open(stdout, 'w'), 'pipe'];
    let stderr = '';
    let timedOut = false;
    const started = process.hrtime.bigint();
    let ended = null;
    const child = spawn(file, argv, { stdio, detached: true, env: { ...process.env, NO_COLOR: '1', CI: '1' } });
    currentChild = child;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
    }, timeoutMs);
    child.stderr.on('data', (d) => {
      if (stderr.length < 65536) stderr += d;
    });
    child.on('exit', () => {
      ended = process.hrtime.bigint();
    });
    const finish = (code, signal, spawnError) => {
      clearTimeout(timer);
      currentChild = null;
      for (const fd of fds) closeSync(fd);
      const ms = Number((ended ?? process.hrtime.bigint()) - started) / 1e6;
      let rssKB = null;
      if (rssFile && existsSync(rssFile)) {
        const lines = readFileSync(rssFile, 'utf8').trim().split('\n');
        const n = Number(lines[lines.length - 1]);
        rssKB = Number.isFinite(n) ? n : null;
        rmSync(rssFile, { force: true });
      }
      const firstLine = (spawnError ? spawnError.message : stderr)
        .split('\n')
        .map((l) => l.trim())
        .find((l) => l !== '' && !l.startsWith('Command exited with non-zero status')) ?? '';
      resolve({ code: spawnError ? 127 : code, signal, ms, stderr, firstLine, rssKB, timedOut });
    };
    child.on('error', (error) => finish(null, null, error));
    child.on('close', (code, signal) => finish(code, signal, null));
  });
}

/** Why a finished run counts as a failure (null when it succeeded). */
function failure(result, okCodes) {
  if (result.timedOut) return 'n/a (timed out)';
  if (result.signal) return `n/a (killed by ${result.signal}${result.firstLine ? `: ${result.firstLine}` : ''})`;
  if (!okCodes.includes(result.code)) return `n/a (exit ${result.code}${result.firstLine ? `: ${result.firstLine}` : ''})`;
  return null;
}

const median = (xs) => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * One side of a comparison: `runs` timed runs of a command. Each `spec` is a function of the
 * run index returning { cmd, args, stdin, stdout, rss, okCodes, before(), after(result) }.
 * The first failure stops that side and records "n/a (...)".
 */
function side(label, spec) {
  return { label, spec, runsMs: [], rssKB: [], error: null, last: null };
}
async function runSide(s, i) {
  if (s.error) return;
  const { cmd, args, stdin, stdout, rss, okCodes = [0], before, after, timeoutMs } = s.spec(i);
  if (before) {
    const problem = await before();
    if (problem) {
      s.error = problem;
      return;
    }
  }
  const result = await run(cmd, args, { stdin, stdout, rss, timeoutMs });
  const problem = failure(result, okCodes);
  if (problem) {
    s.error = problem;
    return;
  }
  s.runsMs.push(result.ms);
  if (result.rssKB !== null) s.rssKB.push(result.rssKB);
  s.last = result;
  if (after) {
    const afterProblem = await after(result);
    if (afterProblem) s.error = afterProblem;
  }
}
/** Runs several sides interleaved (A B C, A B C, ...) so drift on the machine hits all alike. */
async function interleave(sides, runs, { warmup = 0, name = '' } = {}) {
  for (let w = 0; w < warmup; w++) for (const s of sides) if (!s.error) await run(...warmArgs(s.spec(-1 - w)));
  for (let i = 0; i < runs; i++) {
    for (const s of sides) {
      await runSide(s, i);
    }
    if (name) progress(`  ${name}: round ${i + 1}/${runs} ${sides.map((s) => `${s.label} ${s.error ? 'n/a' : fmtMs(s.runsMs.at(-1))}`).join(' · ')}`);
  }
  return sides.map(summarize);
}
function warmArgs(spec) {
  return [spec.cmd, spec.args, { stdin: spec.stdin, stdout: 'ignore', timeoutMs: spec.timeoutMs }];
}
function summarize(s) {
  return {
    label: s.label,
    medianMs: s.error ? null : median(s.runsMs),
    runsMs: s.runsMs.map((ms) => Math.round(ms * 10) / 10),
    peakRssKB: s.rssKB.length ? Math.max(...s.rssKB) : null,
    error: s.error,
  };
}

// ---- formatting ---------------------------------------------------------------------------
function fmtMs(ms) {
  if (ms === null || ms === undefined) return 'n/a';
  if (ms < 1000) return `${ms.toFixed(ms < 100 ? 1 : 0)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}
/** An error for a table cell: the full text stays in --json. */
const cell = (error) => (error.length > 64 ? `${error.slice(0, 63)}…` : error);
const fmtMB = (kb) => (kb === null || kb === undefined ? '—' : `${(kb / 1024).toFixed(0)} MB`);
const fmtInt = (n) => (n === null || n === undefined ? '—' : n.toLocaleString('en-US'));
function table(rows, align) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  return rows
    .map((r, i) => {
      const line = r.map((cell, c) => (align[c] === 'r' ? String(cell).padStart(widths[c]) : String(cell).padEnd(widths[c]))).join('  ');
      return `  ${line.trimEnd()}${i === 0 ? `\n  ${widths.map((w) => '─'.repeat(w)).join('  ')}` : ''}`;
    })
    .join('\n');
}
function ratioOf(tool, reference) {
  if (tool.medianMs === null || reference.medianMs === null || reference.medianMs === 0) return null;
  return tool.medianMs / reference.medianMs;
}
const verdict = (ratio, target) => (ratio === null ? '' : ratio <= target ? 'ok' : 'MISS');

// ---- environment --------------------------------------------------------------------------
function shell(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}
function newestMtime(dir) {
  let newest = 0;
  try {
    for (const name of readdirSync(dir, { recursive: true })) newest = Math.max(newest, statSync(join(dir, name)).mtimeMs);
  } catch {}
  return newest;
}
function ensureBuilt() {
  if (existsSync(join(ROOT, 'dist', 'main.cjs'))) return;
  progress('dist/ is missing: running npm run build…');
  const r = spawnSync(NODE, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) fail('the build failed; fix it (npm run build) and run the bench again');
}

/** The export and check list for `holders`, from bench-data/ when generated before with the same parameters. */
function ensureExport(holders, withChecks) {
  mkdirSync(CACHE, { recursive: true });
  const generatorHash = createHash('sha256').update(readFileSync(join(ROOT, 'scripts', 'generate-export.mjs'))).digest('hex').slice(0, 10);
  const key = `export-h${holders}-s${SEED}-c${withChecks ? CHECKS : 0}-g${generatorHash}`;
  // Files from an older generator can never be reused: drop them.
  for (const name of readdirSync(CACHE)) {
    if (name.startsWith('export-') && !name.includes(`-g${generatorHash}`)) rmSync(join(CACHE, name), { force: true });
  }
  const csv = join(CACHE, `${key}.csv`);
  const check = withChecks ? join(CACHE, `${key}.check.txt`) : null;
  const meta = join(CACHE, `${key}.json`);
  if (!opts.fresh && existsSync(meta) && existsSync(csv) && (!check || existsSync(check))) {
    const stats = JSON.parse(readFileSync(meta, 'utf8'));
    if (statSync(csv).size === stats.bytes) return { csv, check, stats, cached: true };
  }
  progress(`Generating a ${fmtInt(holders)}-holder export in bench-data/…`);
  rmSync(meta, { force: true });
  const started = performance.now();
  const stats = generateExport({ out: csv, holders, seed: SEED, checkOut: check, checks: CHECKS });
  stats.generationSeconds = (performance.now() - started) / 1000;
  writeFileSync(meta, JSON.stringify(stats, null, 2));
  return { csv, check, stats, cached: false };
}

const sqlQuote = (s) => `'${s.replace(/'/g, "''")}'`;
const dotQuote = (s) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

// ---- the SQL the sqlite3 shell runs -------------------------------------------------------
const REF_IMPORT_TABLE =
  'CREATE TABLE holders(account_id TEXT, account_name TEXT, role TEXT, first_name TEXT, last_name TEXT, email TEXT, login_access TEXT);';
const refImportScript = (csv) =>
  [
    REF_IMPORT_TABLE,
    `.import --csv --skip 1 ${dotQuote(csv)} holders`,
    "ALTER TABLE holders ADD COLUMN email_key TEXT;",
    "UPDATE holders SET email_key = lower(trim(email)) WHERE trim(email) <> '';",
    'CREATE INDEX holders_email_key ON holders(email_key, account_id);',
  ].join('\n');
const refImportExprScript = (csv) =>
  [REF_IMPORT_TABLE, `.import --csv --skip 1 ${dotQuote(csv)} holders`, "CREATE INDEX holders_email_key ON holders(lower(trim(email)), account_id) WHERE trim(email) <> '';"].join('\n');
const refImportBareScript = (csv) => [REF_IMPORT_TABLE, `.import --csv --skip 1 ${dotQuote(csv)} holders`].join('\n');
// The scan and the check as the issue defines them: every holder of an address used in two or
// more accounts (address, account, name, role, email), as JSON (`-json`), as the tool lists them.
const REF_DETAIL = `SELECT h.email_key, h.account_id, a.name AS account_name, h.role, h.first_name || ' ' || h.last_name AS name, h.email
FROM c JOIN holders h ON h.email_key = c.email_key JOIN accounts a ON a.id = h.account_id ORDER BY h.email_key, h.account_id, h.position;`;
const REF_SCAN = `WITH c AS (SELECT email_key FROM holders WHERE email_key IS NOT NULL GROUP BY email_key HAVING count(DISTINCT account_id) > 1)
${REF_DETAIL}`;
// The grouping alone (what the bench compared with before issue 11): counts, no holders.
const REF_SCAN_COUNTS =
  'SELECT email_key, count(DISTINCT account_id) FROM holders WHERE email_key IS NOT NULL GROUP BY email_key HAVING count(DISTINCT account_id) > 1;';
// What the tool's full scan reads, each measured alone in the shell (not targets; they explain the
// scan's ratio): the holders of every key in repeated_keys (schema 8), which also lists addresses
// repeated within one account, with the distinct-address count's terms (the tool builds the JSON
// in the same statement with ordered aggregates, which the shell's older SQLite may lack); and the
// store check it runs on a second thread.
const REF_SCAN_TOOL_SQL = `SELECT (SELECT count(*) FROM holders) - (SELECT count(*) FROM holders WHERE email_key IS NULL);
SELECT h.email_key, h.account_id, a.name AS account_name, h.role, h.first_name || ' ' || h.last_name AS name, h.email
FROM repeated_keys r CROSS JOIN holders h ON h.email_key = r.email_key JOIN accounts a ON a.id = h.account_id ORDER BY h.email_key, h.account_id, h.position;`;
const REF_QUICK_CHECK = 'PRAGMA quick_check(5);';
const REF_CHECK_SETUP = ['CREATE TEMP TABLE list(value TEXT);', '.import --csv --schema temp /dev/stdin list'];
const REF_CHECK = `WITH l AS (SELECT DISTINCT lower(trim(value)) AS k FROM temp.list WHERE trim(value) <> '' AND value NOT LIKE '#%'),
c AS (SELECT h.email_key FROM l JOIN holders h ON h.email_key = l.k GROUP BY h.email_key HAVING count(DISTINCT h.account_id) > 1)
${REF_DETAIL}`;

/**
 * The check list as the sqlite3 shell reads it: lines with non-ASCII characters put in Unicode
 * NFC and lower case beforehand (the shell has no NFC, and its lower() folds ASCII letters only),
 * so both sides look up the same keys. ASCII lines, nearly all of them, are left to the shell.
 */
function shellCheckList(path, out) {
  const text = readFileSync(path, 'utf8');
  writeFileSync(out, text.split('\n').map((line) => (/[^\x00-\x7f]/.test(line) ? line.normalize('NFC').toLowerCase().normalize('NFC') : line)).join('\n'));
  return out;
}

/** Addresses in the sqlite3 shell's -json output (null when it cannot be read). */
function addressesInJson(path) {
  try {
    const text = readFileSync(path, 'utf8').trim();
    return new Set((text === '' ? [] : JSON.parse(text)).map((row) => row.email_key)).size;
  } catch {
    return null;
  }
}

// ---- main ---------------------------------------------------------------------------------
async function main() {
  const t0 = performance.now();
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'enrollsy-bench-'));
  const sqliteVersion = shell(SQLITE, ['--version'])?.split(' ')[0] ?? null;
  const head = shell('git', ['rev-parse', '--short', 'HEAD']);
  const dirty = shell('git', ['status', '--porcelain', '--', 'src']);
  const distBuilt = statSync(join(ROOT, 'dist', 'main.cjs')).mtime;
  if (process.env.ENROLLSY_BENCH_BIN) progress(`Benching ${BIN} (ENROLLSY_BENCH_BIN)`);
  const results = {
    machine: {
      node: process.version, cores: cpus().length, sqlite3: sqliteVersion, peakRss: TIME ? '/usr/bin/time -f %M' : null,
      loadAverageAtStart: Math.round(loadavg()[0] * 100) / 100, loadAverageAtEnd: null,
    },
    tool: { bin: BIN, commit: head, srcModified: dirty ? dirty.split('\n').length : 0, distBuiltAt: distBuilt.toISOString() },
    options: { quick: opts.quick, holders: opts.holders, startupRuns: opts.startupRuns, fastRuns: opts.fastRuns, importRuns: opts.importRuns },
    startup: null,
    data: null,
    scale: null,
    notes: [],
  };
  if (!sqliteVersion) results.notes.push('sqlite3 was not found on PATH: the reference column is n/a.');
  const newestSrc = newestMtime(join(ROOT, 'src'));
  if (!process.env.ENROLLSY_BENCH_BIN && newestSrc > distBuilt.getTime()) {
    results.notes.push(`dist/ (built ${distBuilt.toISOString()}) is older than src/ (changed ${new Date(newestSrc).toISOString()}): these numbers are for the last build; run npm run build to bench the current source.`);
  }
  if (!TIME) results.notes.push('/usr/bin/time is missing: peak RSS is not reported.');

  results.startup = await startup();
  results.data = {};
  results.scale = await scale(results.data, results.notes);
  results.totalSeconds = Math.round((performance.now() - t0) / 100) / 10;
  results.machine.loadAverageAtEnd = Math.round(loadavg()[0] * 100) / 100;
  if (results.machine.loadAverageAtStart > 0.5) {
    results.notes.push(`The 1-minute load average was ${results.machine.loadAverageAtStart} when the bench started: other work was running, so absolute times are inflated (ratios less so, since the runs are interleaved).`);
  }

  results.mismatches = mismatches;
  if (opts.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  else process.stdout.write(render(results));
  if (mismatches.length > 0) {
    for (const m of mismatches) process.stderr.write(`bench: FAILED: ${m}\n`);
    process.exitCode = 1;
  }
}

// 1. Start-up --------------------------------------------------------------------------------
async function startup() {
  progress(`Start-up: ${opts.startupRuns} runs each…`);
  const demo = join(tmp, 'demo.db');
  const init = await run(NODE, [BIN, '--db', demo, 'init', '--demo'], { timeoutMs: 60_000 });
  const initProblem = failure(init, [0]);
  const sides = [
    side('node -e 0', () => ({ cmd: NODE, args: ['-e', '0'] })),
    side('enrollsy-help --help', () => ({ cmd: NODE, args: [BIN, '--help'] })),
    side('enrollsy-help --offline diagnose jane.doe@example.com --json (demo store)', () => ({
      cmd: NODE,
      args: [BIN, '--offline', '--db', demo, 'diagnose', 'jane.doe@example.com', '--json'],
      okCodes: [0, 1],
    })),
  ];
  if (initProblem) sides[2].error = `${initProblem} (init --demo)`;
  const [base, help, diag] = await interleave(sides, opts.startupRuns, { warmup: 2 });
  const rows = [
    { id: 'node', ...base, ratio: base.medianMs === null ? null : 1, target: null },
    { id: 'help', ...help, ratio: ratioOf(help, base), target: JOBS.help.target },
    { id: 'diagnose-demo', ...diag, ratio: ratioOf(diag, base), target: JOBS['diagnose-demo'].target },
  ];
  for (const r of rows) r.ok = r.target === null || r.ratio === null ? null : r.ratio <= r.target;
  return { runs: opts.startupRuns, rows };
}

// 2. Scale -------------------------------------------------------------------------------------
async function scale(data, notes) {
  const full = ensureExport(opts.holders, true);
  const small = ensureExport(opts.smallHolders, false);
  const large = ensureExport(opts.largeHolders, false);
  Object.assign(data, {
    holders: full.stats.holders,
    accounts: full.stats.accounts,
    csvBytes: full.stats.bytes,
    csv: full.csv,
    cached: full.cached,
    generationSeconds: Math.round(full.stats.generationSeconds * 10) / 10,
    emptyEmail: full.stats.emptyEmail,
    crossAccountCopies: full.stats.crossAccountCopies,
    sameAccountCopies: full.stats.sameAccountCopies,
    gmailAddresses: full.stats.gmailAddresses,
    gmailLookAlikes: full.stats.gmailLookAlikes,
    check: full.stats.check,
    smallHolders: small.stats.holders,
    largeHolders: large.stats.holders,
  });
  const jobs = [];
  const info = [];

  // Import ----------------------------------------------------------------------------------
  progress(`Import: ${opts.importRuns} run(s) each of sqlite3 and the tool on ${fmtInt(opts.holders)} rows…`);
  const template = join(tmp, 'template.db');
  const init = await run(NODE, [BIN, '--db', template, 'init'], { timeoutMs: 60_000 });
  const initProblem = failure(init, [0]);
  let toolStore = null;
  let refStore = null;
  let imported = null;
  const importSpec = (csv, tag) => (i) => {
    const db = join(tmp, `${tag}-${i}.db`);
    const out = join(tmp, `${tag}-${i}.json`);
    return {
      cmd: NODE,
      args: [BIN, '--db', db, 'import', csv, '--json'],
      stdout: out,
      rss: true,
      timeoutMs: 600_000,
      before: () => {
        if (initProblem) return `${initProblem} (init)`;
        copyFileSync(template, db);
        return null;
      },
      after: () => {
        try {
          const doc = JSON.parse(readFileSync(out, 'utf8'));
          if (tag === 'tool') imported = doc.imported;
        } catch {}
        if (tag === 'tool') {
          if (toolStore) rmSync(toolStore, { force: true });
          toolStore = db; // keep the latest good store for the read-only jobs
        } else rmSync(db, { force: true });
        return null;
      },
    };
  };
  const refSpec = (script, tag) => (i) => {
    const db = join(tmp, `${tag}-${i}.db`);
    const sql = join(tmp, `${tag}.sql`);
    return {
      cmd: SQLITE,
      args: ['-bail', db],
      stdin: sql,
      rss: true,
      timeoutMs: 600_000,
      before: () => {
        rmSync(db, { force: true });
        writeFileSync(sql, script);
        return null;
      },
      after: () => {
        if (tag === 'ref') {
          if (refStore) rmSync(refStore, { force: true });
          refStore = db;
        } else rmSync(db, { force: true });
        return null;
      },
    };
  };
  const [refImport, toolImport] = await interleave(
    [side('sqlite3', refSpec(refImportScript(full.csv), 'ref')), side('tool', importSpec(full.csv, 'tool'))],
    opts.importRuns,
    { name: 'import' },
  );
  jobs.push({
    id: 'import',
    title: `import ${fmtInt(full.stats.holders)}-row CSV`,
    reference: refImport,
    tool: toolImport,
    ratio: ratioOf(toolImport, refImport),
    target: JOBS.import.target,
    referenceDid: refImportScript('<export.csv>'),
    toolDid: `enrollsy-help --db <copy of a fresh init store> import <export.csv> --json   (init not timed)`,
    result: imported ? `tool: ${fmtInt(imported.accounts)} accounts, ${fmtInt(imported.holders)} holders` : null,
  });
  progress('Import: sqlite3 variants (1 run each) and the tool on the quarter-size file…');
  const [refExpr] = await interleave([side('sqlite3', refSpec(refImportExprScript(full.csv), 'expr'))], 1);
  info.push({ id: 'import-expression-index', title: 'sqlite3: .import + expression index on lower(trim(email)) (no stored column)', ...refExpr, did: refImportExprScript('<export.csv>') });
  const [refBare] = await interleave([side('sqlite3', refSpec(refImportBareScript(full.csv), 'bare'))], 1);
  info.push({ id: 'import-bare', title: 'sqlite3: .import alone (no key, no index)', ...refBare, did: refImportBareScript('<export.csv>') });
  const [toolSmall] = await interleave([side('tool', importSpec(small.csv, 'small'))], 1);
  rmSync(join(tmp, 'small-0.db'), { force: true });
  progress(`Import: the tool on the double-size file (${fmtInt(large.stats.holders)} rows), for its memory…`);
  const [toolLarge] = await interleave([side('tool', importSpec(large.csv, 'large'))], 1);
  rmSync(join(tmp, 'large-0.db'), { force: true });
  const memory = {
    small: { holders: small.stats.holders, ms: toolSmall.medianMs, peakRssKB: toolSmall.peakRssKB, error: toolSmall.error },
    full: { holders: full.stats.holders, ms: toolImport.medianMs, peakRssKB: toolImport.peakRssKB, error: toolImport.error },
    large: { holders: large.stats.holders, ms: toolLarge.medianMs, peakRssKB: toolLarge.peakRssKB, error: toolLarge.error },
  };
  // Flat: twice the rows may not cost more memory (5% for measurement noise).
  memory.flat = memory.full.peakRssKB && memory.large.peakRssKB ? memory.large.peakRssKB <= memory.full.peakRssKB * 1.05 : null;

  // Read-only jobs use the tool's store (same data, same index); if the tool's import failed,
  // the sqlite3 side still runs on the shell's own store so its numbers are not lost.
  let store = toolStore;
  if (!store) {
    store = refStore;
    notes.push("The tool's import failed: the sqlite3 side of scan and check ran on the shell's own store; the tool side is n/a.");
  }
  const noToolStore = toolStore ? null : 'n/a (no store: the import failed)';
  const toolSideError = (s) => {
    if (noToolStore) s.error = noToolStore;
    return s;
  };

  // Full conflict scan and list check ------------------------------------------------------
  // Every timed run writes its output to a file and is counted: the tool and the shell must name
  // the same number of conflicting addresses in every run, or the bench fails (exit 1).
  const found = { scan: { tool: [], reference: [] }, check: { tool: [], reference: [] }, advisories: null };
  const counted = (job, side, count) => () => {
    const n = count();
    found[job][side].push(n);
    return n === null ? 'n/a (its output could not be read)' : null;
  };
  const refSide = (job, args, stdin) => (i) => {
    const out = join(tmp, `${job}-ref-${i}.json`);
    return { cmd: SQLITE, args, stdin, stdout: out, rss: true, before: () => (store ? null : 'n/a (no store)'), after: counted(job, 'reference', () => addressesInJson(out)) };
  };
  const toolSide = (job, args, stdin) => (i) => {
    const out = join(tmp, `${job}-tool-${i}.json`);
    const count = () => {
      const summary = summaryOf(out);
      if (job === 'scan' && summary?.advisories != null) found.advisories = summary.advisories;
      return summary?.conflicts ?? null;
    };
    return { cmd: NODE, args: [BIN, '--db', store, ...args], stdin, stdout: out, rss: true, okCodes: [0, 1], after: counted(job, 'tool', count) };
  };

  progress(`Conflict scan: ${opts.fastRuns} runs each…`);
  const scanArgs = ['-bail', '-readonly', '-json', store, REF_SCAN];
  const [refScan, toolScan] = await interleave(
    [side('sqlite3', refSide('scan', scanArgs, null)), toolSideError(side('tool', toolSide('scan', ['conflicts', '--json'], null)))],
    opts.fastRuns,
    { name: 'scan', warmup: 1 },
  );
  // The advisories' cost is a few percent of the scan: more runs, so machine noise does not decide it.
  progress(`Conflict scan with and without advisories: ${opts.advisoryRuns} runs each…`);
  const [toolScanAdvised, toolScanPlain] = await interleave(
    [
      toolSideError(side('with advisories', () => ({ cmd: NODE, args: [BIN, '--db', store, 'conflicts', '--json'], okCodes: [0, 1] }))),
      toolSideError(side('--no-advisories', () => ({ cmd: NODE, args: [BIN, '--db', store, 'conflicts', '--json', '--no-advisories'], okCodes: [0, 1] }))),
    ],
    opts.advisoryRuns,
    { name: 'advisories' },
  );
  jobs.push({
    id: 'scan',
    title: 'full conflict scan',
    reference: refScan,
    tool: toolScan,
    ratio: ratioOf(toolScan, refScan),
    target: JOBS.scan.target,
    referenceDid: `sqlite3 -readonly -json <tool's store> "<below>" > out.json\n${REF_SCAN}`,
    toolDid: 'enrollsy-help --db <store> conflicts --json > out.json   (also runs the store check, quick_check)',
    result: resultLine(found.scan, 'addresses in conflict'),
  });
  jobs.push({
    id: 'scan-advisories',
    title: 'full scan: advisories cost',
    referenceLabel: '(--no-advisories)',
    reference: toolScanPlain,
    tool: toolScanAdvised,
    ratio: ratioOf(toolScanAdvised, toolScanPlain),
    target: JOBS['scan-advisories'].target,
    referenceDid: 'enrollsy-help --db <store> conflicts --json --no-advisories > /dev/null   (the same scan without the look-alike pass)',
    toolDid: 'enrollsy-help --db <store> conflicts --json > /dev/null',
    result: found.advisories == null ? null : `tool: ${fmtInt(found.advisories)} Gmail inboxes shared by look-alike addresses (${fmtInt(full.stats.gmailAddresses ?? 0)} gmail.com addresses generated, ${fmtInt(full.stats.gmailLookAlikes ?? 0)} look-alike copies)`,
  });
  const [refScanCounts] = await interleave(
    [side('sqlite3', () => ({ cmd: SQLITE, args: ['-bail', '-readonly', store, REF_SCAN_COUNTS], before: () => (store ? null : 'n/a (no store)') }))],
    Math.min(3, opts.fastRuns),
  );
  info.push({ id: 'scan-counts', title: 'sqlite3: the scan\'s grouping alone (addresses and counts, no holders)', ...refScanCounts, did: REF_SCAN_COUNTS });
  const [refScanToolSql, refQuickCheck] = await interleave(
    [
      side('sqlite3', () => ({ cmd: SQLITE, args: ['-bail', '-readonly', '-json', store, REF_SCAN_TOOL_SQL], before: () => (store ? null : 'n/a (no store)') })),
      side('sqlite3', () => ({ cmd: SQLITE, args: ['-bail', '-readonly', store, REF_QUICK_CHECK], before: () => (store ? null : 'n/a (no store)') })),
    ],
    Math.min(3, opts.fastRuns),
  );
  info.push({
    id: 'scan-tool-sql',
    title: 'sqlite3: the rows the tool\'s scan reads (the holders of repeated_keys, also within one account; no JSON building)',
    ...refScanToolSql,
    ratio: ratioOf(refScanToolSql, refScan),
    ratioOf: 'the reference scan',
    did: REF_SCAN_TOOL_SQL,
  });
  info.push({ id: 'quick-check', title: 'sqlite3: PRAGMA quick_check (the tool runs it beside the scan, on a second thread)', ...refQuickCheck, ratio: ratioOf(refQuickCheck, refScan), ratioOf: 'the reference scan', did: REF_QUICK_CHECK });

  progress(`Check ${fmtInt(full.stats.check.addresses)} addresses from stdin: ${opts.fastRuns} runs each…`);
  const shellList = store ? shellCheckList(full.check, join(tmp, 'check-list-nfc.txt')) : null;
  const checkArgs = ['-bail', '-readonly', '-json', store, ...REF_CHECK_SETUP.flatMap((c) => ['-cmd', c]), REF_CHECK];
  const [refCheck, toolCheck] = await interleave(
    [side('sqlite3', refSide('check', checkArgs, shellList)), toolSideError(side('tool', toolSide('check', ['conflicts', '--file', '-', '--json'], full.check)))],
    opts.fastRuns,
    { name: 'check', warmup: 1 },
  );
  jobs.push({
    id: 'check',
    title: `check ${fmtInt(full.stats.check.addresses)} addresses (stdin)`,
    reference: refCheck,
    tool: toolCheck,
    ratio: ratioOf(toolCheck, refCheck),
    target: JOBS.check.target,
    referenceDid: `sqlite3 -readonly -json <store> ${REF_CHECK_SETUP.map((c) => `-cmd '${c}'`).join(' ')} "<below>" < list > out.json\n${REF_CHECK}\n(the shell has no Unicode NFC and its lower() folds ASCII letters only: lines with non-ASCII characters reach it in NFC and lower case; it does not reject malformed lines)`,
    toolDid: 'enrollsy-help --db <store> conflicts --file - --json < list > out.json',
    result: resultLine(found.check, 'addresses in conflict'),
  });
  for (const job of ['scan', 'check']) {
    const all = [...found[job].tool, ...found[job].reference];
    if (all.length > 0 && new Set(all).size !== 1) mismatches.push(`${job}: the tool found ${found[job].tool.join(', ')} and sqlite3 found ${found[job].reference.join(', ')} addresses in conflict (one per run)`);
  }

  // diagnose on the big store ----------------------------------------------------------------
  progress(`diagnose --json on the ${fmtInt(full.stats.holders)}-holder store: ${opts.fastRuns} runs each…`);
  const diagnoseSide = (label, email) =>
    toolSideError(side(label, () => ({ cmd: NODE, args: [BIN, '--offline', '--db', store, 'diagnose', email, '--json'], okCodes: [0, 1] })));
  const [node0, diag, diagConflict, diagUnknown] = await interleave(
    [
      side('node -e 0', () => ({ cmd: NODE, args: ['-e', '0'] })),
      diagnoseSide('known', full.stats.sampleEmail),
      diagnoseSide('conflict', full.stats.sampleConflict),
      diagnoseSide('unknown', full.stats.unknownEmail),
    ],
    opts.fastRuns,
    { warmup: 1, name: 'diagnose' },
  );
  jobs.push({
    id: 'diagnose',
    title: 'diagnose <email> --json',
    reference: node0,
    tool: diag,
    ratio: ratioOf(diag, node0),
    target: JOBS.diagnose.target,
    referenceDid: 'node -e 0',
    toolDid: `enrollsy-help --offline --db <store> diagnose ${full.stats.sampleEmail} --json   (a clean address)`,
  });
  info.push({ id: 'diagnose-conflict', title: `diagnose ${full.stats.sampleConflict} (in a conflict)`, ...diagConflict, ratio: ratioOf(diagConflict, node0) });
  info.push({ id: 'diagnose-unknown', title: `diagnose ${full.stats.unknownEmail} (unknown: suggestions)`, ...diagUnknown, ratio: ratioOf(diagUnknown, node0) });

  for (const job of jobs) job.ok = job.ratio === null ? null : job.ratio <= job.target;
  if (!opts.keep) {
    rmSync(tmp, { recursive: true, force: true });
  } else notes.push(`Temp files kept in ${tmp}`);
  return { jobs, info, memory };
}

function summaryOf(path) {
  try {
    const doc = JSON.parse(readFileSync(path, 'utf8'));
    return {
      checked: doc.checked ?? null,
      conflicts: Array.isArray(doc.conflicts) ? doc.conflicts.length : null,
      invalid: Array.isArray(doc.invalid) ? doc.invalid.length : null,
      advisories: Array.isArray(doc.advisories) ? doc.advisories.length : null,
    };
  } catch {
    return null;
  }
}
function resultLine(counts, what) {
  const seen = (list) => [...new Set(list)].map(fmtInt).join(' or ');
  const parts = [];
  if (counts.tool.length > 0) parts.push(`tool: ${seen(counts.tool)} ${what}`);
  if (counts.reference.length > 0) parts.push(`sqlite3: ${seen(counts.reference)} ${what}`);
  return parts.length ? `${parts.join(' · ')} (every run)` : null;
}

// ---- rendering ------------------------------------------------------------------------------
function render(r) {
  const out = [];
  const m = r.machine;
  out.push(`enrollsy-help bench — node ${m.node}, ${m.cores} cores, sqlite3 ${m.sqlite3 ?? 'missing'}; tool ${r.tool.commit ?? '?'}${r.tool.srcModified ? ` + ${r.tool.srcModified} changed file(s) in src/` : ''}, dist built ${r.tool.distBuiltAt}; load average ${m.loadAverageAtStart} at start, ${m.loadAverageAtEnd} at end`);
  out.push('');
  out.push(`1. Start-up (issue 2): median of ${r.startup.runs} runs each, interleaved`);
  out.push(
    table(
      [
        ['command', 'median', '× node -e 0', 'target', ''],
        ...r.startup.rows.map((row) => [
          row.label,
          row.error ? cell(row.error) : fmtMs(row.medianMs),
          row.ratio === null ? '' : `${row.ratio.toFixed(2)}×`,
          row.target === null ? '' : `≤ ${row.target}×`,
          row.target === null ? '' : verdict(row.ratio, row.target),
        ]),
      ],
      ['l', 'r', 'r', 'l', 'l'],
    ),
  );
  out.push('');
  const d = r.data;
  const c = d.crossAccountCopies;
  out.push(`2. Scale (issue 4): ${fmtInt(d.holders)} holders in ${fmtInt(d.accounts)} accounts, ${(d.csvBytes / 1e6).toFixed(1)} MB CSV`);
  out.push(
    `   data: ${d.cached ? `cached in bench-data/ (generation took ${d.generationSeconds} s when made)` : `generated in ${d.generationSeconds} s`}; ` +
      `${fmtInt(d.emptyEmail)} empty addresses; ${fmtInt(c.exact + c.caseChanged + c.spacePadded + c.nfd)} copied into another account ` +
      `(${fmtInt(c.exact)} exact, ${fmtInt(c.caseChanged)} case-changed, ${fmtInt(c.spacePadded)} space-padded, ${fmtInt(c.nfd)} NFD); ` +
      `${fmtInt(d.sameAccountCopies)} secondaries share their primary's address; ` +
      `${fmtInt(d.gmailAddresses ?? 0)} gmail.com addresses, ${fmtInt(d.gmailLookAlikes ?? 0)} Gmail look-alikes copied into another account`,
  );
  out.push(
    `   check list: ${fmtInt(d.check.addresses)} addresses (${fmtInt(d.check.stored)} stored + ${fmtInt(d.check.reused)} known-conflict, varied case; ` +
      `${fmtInt(d.check.unknown)} unknown; ${d.check.malformed} malformed) + ${d.check.comments} comment and ${d.check.blank} blank lines`,
  );
  out.push(`   runs: ${r.options.importRuns} for import, ${r.options.fastRuns} for the others (median; interleaved sqlite3/tool)`);
  out.push(
    table(
      [
        ['job', 'sqlite3 reference', 'tool', 'ratio', 'target', '', 'peak RSS tool', 'peak RSS sqlite3'],
        ...r.scale.jobs.map((j) => [
          j.title,
          `${j.reference.error ? cell(j.reference.error) : fmtMs(j.reference.medianMs)}${j.id === 'diagnose' ? ' (node -e 0)' : j.referenceLabel ? ` ${j.referenceLabel}` : ''}`,
          j.tool.error ? cell(j.tool.error) : fmtMs(j.tool.medianMs),
          j.ratio === null ? '' : `${j.ratio.toFixed(2)}×`,
          `≤ ${j.target}×`,
          verdict(j.ratio, j.target),
          j.id === 'diagnose' || j.referenceLabel ? '' : fmtMB(j.tool.peakRssKB),
          j.id === 'diagnose' || j.referenceLabel ? '' : fmtMB(j.reference.peakRssKB),
        ]),
      ],
      ['l', 'r', 'r', 'r', 'l', 'l', 'r', 'r'],
    ),
  );
  out.push('');
  out.push('   Also measured (not compared against a target):');
  out.push(
    table(
      [
        ['', 'median', ''],
        ...r.scale.info.map((i) => [
          i.title,
          i.error ? cell(i.error) : fmtMs(i.medianMs),
          i.ratio !== undefined && i.ratio !== null ? `${i.ratio.toFixed(2)}× ${i.ratioOf ?? 'node -e 0'}` : '',
        ]),
      ],
      ['l', 'r', 'l'],
    ),
  );
  const mem = r.scale.memory;
  out.push('');
  const memLine = (m) => `${fmtInt(m.holders)} holders → ${m.error ?? `${fmtMB(m.peakRssKB)} peak RSS in ${fmtMs(m.ms)}`}`;
  out.push(
    `   Tool import memory: ${memLine(mem.small)}; ${memLine(mem.full)}; ${memLine(mem.large)}` +
      (mem.flat === null ? '' : ` — ${mem.flat ? 'flat' : 'GROWS'}: ×${(mem.large.peakRssKB / mem.full.peakRssKB).toFixed(2)} memory for ×2 rows (target: no more)`),
  );
  out.push('');
  out.push('   What each side ran:');
  for (const j of r.scale.jobs) {
    out.push(`   • ${j.title}`);
    out.push(`       tool:    ${j.toolDid}`);
    out.push(`       ${j.referenceLabel ? 'without:' : 'sqlite3:'} ${j.referenceDid.split('\n').join('\n                ')}`);
    if (j.result) out.push(`       found:   ${j.result}`);
  }
  for (const i of r.scale.info.filter((x) => x.did)) {
    out.push(`   • ${i.title}`);
    out.push(`       sqlite3: ${i.did.split('\n').join('\n                ')}`);
  }
  for (const note of r.notes) out.push(`   Note: ${note}`);
  for (const m of r.mismatches ?? []) out.push(`   FAILED: ${m}`);
  out.push('');
  out.push(`Total ${r.totalSeconds} s.`);
  return `${out.join('\n')}\n`;
}

// ---- lifecycle ------------------------------------------------------------------------------
function cleanup() {
  if (currentChild) {
    try {
      process.kill(-currentChild.pid, 'SIGKILL');
    } catch {}
  }
  if (tmp && !opts.keep) rmSync(tmp, { recursive: true, force: true });
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    cleanup();
    process.exit(130);
  });
}
main().catch((error) => {
  cleanup();
  process.stderr.write(`bench: ${error.stack ?? error}\n`);
  process.exit(70);
});
