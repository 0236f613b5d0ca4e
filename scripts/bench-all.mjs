#!/usr/bin/env node
// `npm run bench`: the SQLite bench (scripts/bench.mjs), then the PostgreSQL column
// (scripts/bench-postgres.mjs), each given the same options (--quick, --holders N, --json).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
let status = 0;
for (const script of ['bench.mjs', 'bench-postgres.mjs']) {
  const forwarded = script === 'bench-postgres.mjs' ? args.filter((a, i) => ['--quick', '--json'].includes(a) || a.startsWith('--holders') || args[i - 1] === '--holders') : args;
  const result = spawnSync(process.execPath, [fileURLToPath(new URL(script, import.meta.url)), ...forwarded], { stdio: 'inherit' });
  if (result.status !== 0) status = result.status ?? 1;
}
process.exit(status);
