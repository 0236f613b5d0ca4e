import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './helpers/cli.js';

// The bundles scripts/build.mjs makes of packages only some commands need (dist/vendor/).
describe('vendor bundles', () => {
  // The internal modules a fresh Node process has loaded after `code`: those of its fetch
  // implementation (undici) among them.
  const fetchModulesAfter = (code: string): string[] =>
    JSON.parse(execFileSync(process.execPath, ['-e', `${code}; process.stdout.write(JSON.stringify(process.moduleLoadList.filter((name) => name.includes('undici'))))`], { encoding: 'utf8' }));

  it('the PostgreSQL driver loads without Node’s fetch implementation (pg’s Cloudflare probe made a fetch Response: 32 ms of every PostgreSQL command)', () => {
    // (The check sees fetch when it is loaded: a Response is enough.)
    expect(fetchModulesAfter('new Response(null)').length).toBeGreaterThan(0);
    expect(fetchModulesAfter(`require(${JSON.stringify(join(repoRoot, 'dist/vendor/pg.cjs'))})`)).toEqual([]);
  });
});
