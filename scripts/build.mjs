// Bundles the CLI into dist/ with esbuild, then records V8's code cache for it.
//
// Why this shape (measured with `npm run bench`, 2 cores, Node 20):
// - dist/main.cjs: the whole CLI (our code, commander, kysely, chalk) in ONE CommonJS file. Every
//   ES module file costs a resolve, a read and a compile at each start; one file costs one. The
//   commands' modules stay lazy: a dynamic import() becomes an init function that runs on first use.
// - dist/cache/<command>.bin: V8's code cache of main.cjs after running that command, so a start
//   deserializes bytecode instead of parsing and compiling. Node 20 has no module compile cache
//   (module.enableCompileCache is 22.1+), so bin/ compiles main.cjs itself with vm.Script and
//   `cachedData`. A cache per command keeps each start's cache to the code that command runs.
//   A missing or rejected cache (another Node version) only costs the compile, never correctness.
// - dist/vendor/*.cjs: packages only some commands or stores need (prompts, the spinner, mail,
//   PostgreSQL), each bundled alone and required on first use: nothing at the others' start.
// - dist/import-worker.js: the import's parsing thread (an ES module of its own).
// better-sqlite3 stays external: it is a native addon.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const outdir = join(root, 'dist');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
rmSync(outdir, { recursive: true, force: true });

const common = { bundle: true, platform: 'node', target: 'node20', legalComments: 'none', logLevel: 'warning' };

// Packages bundled on their own (the name our source imports → the file in dist/vendor/).
const VENDOR = { '@inquirer/prompts': 'prompts', ora: 'ora', nodemailer: 'nodemailer', pg: 'pg', 'pg-copy-streams': 'pg-copy-streams' };
// pg asks, as it loads, whether it runs on Cloudflare Workers: with no `navigator` (Node 20 has
// none) it constructs a fetch `Response`, which makes Node load its whole fetch implementation:
// 32 ms of every PostgreSQL command. pg uses `Response` for nothing else, so in its bundle the
// name means undefined (the answer stays "no"; Node's own sockets are used, as before).
const NO_FETCH = new Set(['pg']);
for (const names of [Object.keys(VENDOR).filter((pkg) => !NO_FETCH.has(pkg)), [...NO_FETCH]]) {
  await build({
    ...common,
    entryPoints: Object.fromEntries(names.map((pkg) => [VENDOR[pkg], pkg])),
    outdir: join(outdir, 'vendor'),
    format: 'cjs',
    outExtension: { '.js': '.cjs' },
    ...(names.some((pkg) => NO_FETCH.has(pkg)) ? { define: { Response: 'undefined' } } : {}),
  });
}

// main.cjs requires a vendor bundle on first use (an `import()` of it becomes an init call). A
// small ES module stands in for the package, so default and named imports mean what they did.
const vendorModules = {
  name: 'vendor-modules',
  setup(b) {
    const filter = new RegExp(`^(${Object.keys(VENDOR).map((p) => p.replace(/[/@]/g, '\\$&')).join('|')})$`);
    b.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'vendor' }));
    b.onResolve({ filter: /^\.\/vendor\//, namespace: 'vendor' }, (args) => ({ path: args.path, external: true }));
    b.onLoad({ filter: /.*/, namespace: 'vendor' }, async (args) => {
      const names = Object.keys(await import(args.path)).filter((name) => name !== 'default');
      // A bundled ES module marks itself __esModule; a CommonJS package's default is its exports.
      const lines = [`const m = require('./vendor/${VENDOR[args.path]}.cjs');`, 'export default m.__esModule ? m.default : m;'];
      if (names.length > 0) lines.push(`export const { ${names.join(', ')} } = m;`);
      return { contents: lines.join('\n'), loader: 'js' };
    });
  },
};
// Node modules the start does not need, loaded on first use instead (each costs 3-5 ms):
// child_process (with net and dgram), which commander loads for executable subcommands this CLI
// has none of; crypto, which only issuing and checking a reset link uses; worker_threads, which
// only the import and the full scan's store check use; net, whose isIP only checks the DNS servers
// a mail lookup is told to use (its load pulls in streams and sockets); dns/promises (with c-ares),
// which only the recipient mail check uses, not `--offline`; os and timers/promises, which only
// the audit's user name, a mail lookup, temp files and waits for a busy store use; module (with
// Node's ESM loader), which only finding better-sqlite3's folder needs. Each export becomes a function that
// requires the module when called or constructed (the build fails if code imports a non-function).
const LAZY_BUILTINS = ['child_process', 'crypto', 'dns/promises', 'module', 'net', 'os', 'timers/promises', 'worker_threads'];
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    b.onResolve({ filter: new RegExp(`^(node:)?(${LAZY_BUILTINS.join('|')})$`) }, (args) =>
      args.namespace === 'lazy' ? undefined : { path: args.path.replace(/^node:/, ''), namespace: 'lazy' },
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy' }, async (args) => {
      const real = await import(`node:${args.path}`);
      const names = Object.keys(real).filter((name) => name !== 'default' && typeof real[name] === 'function');
      const load = `let loaded; const load = () => (loaded ??= require('node:${args.path}'));`;
      const wrap = (name) => `export function ${name}(...args) { return new.target ? Reflect.construct(load().${name}, args) : load().${name}(...args); }`;
      return { contents: [load, ...names.map(wrap), `export default new Proxy({}, { get: (_, name) => load()[name] });`].join('\n'), loader: 'js' };
    });
  },
};
// chalk detects the terminal's colours when loaded (tty, os: ~3 ms); every Chalk here is made
// with the level src/ui/io.ts decides, so the detection is replaced by "no colour by default".
const chalkWithoutDetection = {
  name: 'chalk-without-detection',
  setup(b) {
    b.onResolve({ filter: /^#supports-color$/ }, () => ({ path: 'supports-color', namespace: 'chalk-stub' }));
    b.onLoad({ filter: /.*/, namespace: 'chalk-stub' }, () => ({ contents: 'export default { stdout: false, stderr: false };', loader: 'js' }));
  },
};
await build({
  ...common,
  entryPoints: { main: join(root, 'src/cli/main.ts') },
  outdir,
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
  external: ['better-sqlite3'],
  plugins: [vendorModules, lazyBuiltins, chalkWithoutDetection],
  // Every import() inside the bundle becomes an init call or a require(): nothing asks Node's
  // ES module loader for anything, which a script compiled by vm.Script could not do.
  supported: { 'dynamic-import': false },
  // The file's own URL, for the code that finds the package folder and the worker.
  // Made when first asked for (pathToFileURL costs ~0.3 ms, and most starts never ask).
  define: { 'import.meta.url': '__bundle.url', 'process.env.ENROLLSY_HELP_VERSION': JSON.stringify(version) },
  banner: { js: 'var __bundle = { get url() { return (this.href ??= require("node:url").pathToFileURL(__filename).href); } };' },
  sourcemap: 'linked',
});
await build({
  ...common,
  entryPoints: { 'import-worker': join(root, 'src/store/import-worker.ts') },
  outdir,
  format: 'esm',
  external: ['better-sqlite3'],
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  sourcemap: 'linked',
});

// bin/ reads main.cjs as Latin-1 (a one-byte string, no UTF-8 decoding), so it must be ASCII.
// esbuild escapes strings, templates and regular expressions itself (charset ascii); what is
// left is the odd character in a dependency's comments, escaped here the same way.
const bundlePath = join(outdir, 'main.cjs');
writeFileSync(bundlePath, readFileSync(bundlePath, 'utf8').replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));

// The code caches: each command run once on a throwaway store, recording what it compiled.
trainCodeCache();

function trainCodeCache() {
  const temp = mkdtempSync(join(tmpdir(), 'enrollsy-build-'));
  try {
    const db = join(temp, 'train.db');
    const list = join(temp, 'list.txt');
    writeFileSync(list, '# addresses\njane.doe@example.com\nJANE.DOE@example.com\nnot-an-address\n');
    const runs = [
      // [cache name, argv, stdin]: bin/ picks the cache named after the command, else "start".
      // A second run of a command adds what it compiled to that command's cache.
      [null, ['--db', db, 'init', '--demo'], null],
      ['start', ['--help'], null],
      ['diagnose', ['--db', db, 'diagnose', 'jane.doe@example.com', '--json'], null],
      ['conflicts', ['--db', db, 'conflicts', '--json'], null],
      ['conflicts', ['--db', db, 'conflicts', '--file', '-', '--json'], list],
      ['import', ['--db', db, 'import', join(root, 'fixtures/demo-accounts.csv'), '--json'], null],
    ];
    mkdirSync(join(outdir, 'cache'), { recursive: true });
    for (const [name, argv, stdin] of runs) {
      const result = spawnSync(process.execPath, [join(root, 'bin/enrollsy-help.js'), ...argv], {
        env: { ...process.env, ENROLLSY_CODE_CACHE_OUT: name ? join(outdir, 'cache', `${name}.bin`) : '', NO_COLOR: '1' },
        input: stdin ? readFileSync(stdin) : '',
        encoding: 'utf8',
      });
      if (result.status !== 0 && result.status !== 1) {
        // The tool runs without a cache, only slower to start: say so and go on.
        process.stderr.write(`build: no code cache for "${argv.join(' ')}" (exit ${result.status}): ${result.stderr.split('\n')[0]}\n`);
      }
    }
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}
