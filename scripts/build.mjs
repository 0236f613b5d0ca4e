// Bundles the CLI into dist/ with esbuild. Why bundle: kysely, inquirer and ora are many small
// ESM files, and loading them one by one costs ~100 ms at every start. Code splitting keeps each
// command's heavy modules in their own chunk, loaded only when that command runs.
// better-sqlite3 stays external: it is a native addon.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';

const outdir = new URL('../dist/', import.meta.url).pathname;
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: {
    main: new URL('../src/cli/main.ts', import.meta.url).pathname,
    'import-worker': new URL('../src/store/import-worker.ts', import.meta.url).pathname,
  },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['better-sqlite3'],
  // Bundled CommonJS packages (commander, nodemailer) call require() for Node built-ins.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  chunkNames: 'chunks/[name]-[hash]',
  // The version is fixed at build time: npm_package_version would name the caller's package under npx.
  define: { 'process.env.ENROLLSY_HELP_VERSION': JSON.stringify(version) },
  legalComments: 'none',
  sourcemap: 'linked',
  logLevel: 'warning',
});
