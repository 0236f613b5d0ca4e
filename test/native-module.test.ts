import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, tempDir } from './helpers/cli.js';

// A copy of the installed tool whose better-sqlite3 addon is missing, broken, or built for
// another Node version: what a newcomer gets when npm skipped the install script, or after
// switching Node versions. Everything else is the real installed package.
function installCopy(dir: string, addon: 'missing' | 'garbage' | 'other-node'): string {
  const root = join(dir, 'install');
  mkdirSync(join(root, 'node_modules'), { recursive: true });
  for (const entry of ['bin', 'dist', 'fixtures', 'package.json']) cpSync(join(repoRoot, entry), join(root, entry), { recursive: true });
  for (const entry of readdirSync(join(repoRoot, 'node_modules'))) {
    if (entry === 'better-sqlite3' || entry.startsWith('.')) continue;
    symlinkSync(join(repoRoot, 'node_modules', entry), join(root, 'node_modules', entry));
  }
  const addonDir = join(root, 'node_modules/better-sqlite3');
  cpSync(join(repoRoot, 'node_modules/better-sqlite3'), addonDir, { recursive: true, filter: (source) => !source.includes(`${'better-sqlite3'}/build`) && !source.includes('better-sqlite3/deps') && !source.includes('better-sqlite3/src') });
  const release = join(addonDir, 'build/Release');
  if (addon === 'garbage') {
    mkdirSync(release, { recursive: true });
    writeFileSync(join(release, 'better_sqlite3.node'), 'this is not a shared library\n');
  }
  if (addon === 'other-node') {
    // A real shared library that registers itself as a Node addon of another module version
    // (127 = Node 22): Node's own loader refuses it with its NODE_MODULE_VERSION message.
    mkdirSync(release, { recursive: true });
    const source = join(dir, 'other-node.c');
    writeFileSync(
      source,
      `struct node_module { int nm_version; unsigned int nm_flags; void *nm_dso_handle; const char *nm_filename;
         void *nm_register_func; void *nm_context_register_func; const char *nm_modname; void *nm_priv; void *nm_link; };
       extern void node_module_register(void *);
       static struct node_module m = { 127, 0, 0, __FILE__, 0, 0, "better_sqlite3", 0, 0 };
       __attribute__((constructor)) static void init(void) { node_module_register(&m); }\n`,
    );
    execFileSync('cc', ['-shared', '-fPIC', '-o', join(release, 'better_sqlite3.node'), source]);
  }
  return root;
}

function run(root: string, args: string[]) {
  const result = spawnSync(process.execPath, [join(root, 'bin/enrollsy-help.js'), ...args], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('a missing or broken better-sqlite3 addon is a store problem with its fix, not a bug', () => {
  let temp: ReturnType<typeof tempDir>;
  beforeAll(() => {
    temp = tempDir('enrollsy-native-');
  });
  afterAll(() => temp.cleanup());

  test('never built (install script skipped): exit 3, one line naming better-sqlite3 and npm rebuild', () => {
    const root = installCopy(join(temp.dir, 'missing'), 'missing');
    const result = run(root, ['--db', 'data/x.db', 'init']);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain("better-sqlite3's native module is missing");
    expect(result.stderr).toContain(`run \`npm rebuild better-sqlite3\` in ${root}`);
    expect(result.stderr).toMatch(/install script was skipped/);
    expect(result.stderr).not.toMatch(/internal error|at .*\.js:\d+/);
  });

  test('built for another Node version: exit 3, says so, and the --json error carries the same line', () => {
    const root = installCopy(join(temp.dir, 'other-node'), 'other-node');
    const result = run(root, ['--db', 'data/x.db', '--json', 'init']);
    expect(result.code).toBe(3);
    const error = (JSON.parse(result.stdout) as { error: { exitCode: number; message: string } }).error;
    expect(error.exitCode).toBe(3);
    expect(error.message).toMatch(/built for another Node\.js version \(module version 127; this Node v20\.\d+\.\d+ needs 115\)/);
    expect(error.message).toContain('npm rebuild better-sqlite3');
  });

  test('a damaged addon file: exit 3 with the loader reason, not a stack trace', () => {
    const root = installCopy(join(temp.dir, 'garbage'), 'garbage');
    const result = run(root, ['--db', 'data/x.db', 'init', '--demo']);
    expect(result.code).toBe(3);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/better-sqlite3's native module cannot be loaded \(.*\)\. To fix it, run `npm rebuild better-sqlite3`/);
  });
});
