#!/usr/bin/env node
// Thin entry: everything lives in dist/main.cjs, which `npm install` (prepare) builds. It is
// compiled here with V8's code cache for the command being run (dist/cache/<command>.bin, made
// by the build), so a start deserializes bytecode instead of parsing ~1 MB of JavaScript. A
// missing or rejected cache (say, after switching Node versions) only makes the start slower.
// This file is CommonJS (bin/package.json): an ES module entry costs Node's ESM loader, ~8 ms.
'use strict';
const { readFileSync, renameSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { Script } = require('node:vm');

const dist = join(__dirname, '..', 'dist');
const bundle = join(dist, 'main.cjs');

let source;
try {
  // ASCII by construction (the build checks): Latin-1 reads it without decoding.
  source = readFileSync(bundle, 'latin1');
} catch (error) {
  if (error && error.code === 'ENOENT') {
    process.stderr.write('enrollsy-help is not built yet: run `npm install` (or `npm run build`) in its folder.\n');
    process.exit(70);
  }
  throw error;
}

// The command: the first word that is neither an option nor a global option's value.
const VALUE_OPTIONS = new Set(['--db', '--lock-timeout']);
const argv = process.argv.slice(2);
let command = 'start';
for (let i = 0; i < argv.length; i++) {
  const arg = argv[i];
  if (VALUE_OPTIONS.has(arg)) i++;
  else if (!arg.startsWith('-')) {
    if (/^[a-z-]+$/.test(arg)) command = arg;
    break;
  }
}
const readCache = (name) => {
  try {
    return readFileSync(join(dist, 'cache', `${name}.bin`));
  } catch {
    return undefined;
  }
};
const cachedData = readCache(command) ?? (command === 'start' ? undefined : readCache('start'));

const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: bundle, cachedData });
// The build records a command's cache after running it (on top of the cache it started from).
const cacheOut = process.env.ENROLLSY_CODE_CACHE_OUT;
if (cacheOut) {
  process.on('exit', () => {
    writeFileSync(`${cacheOut}.partial`, script.createCachedData());
    renameSync(`${cacheOut}.partial`, cacheOut);
  });
}
const bundleModule = { exports: {} };
// The bundle's require: its own files (./vendor/…) from dist/, packages as this file finds them
// (the same node_modules). node:module's createRequire would also load Node's ESM loader (~1 ms).
const bundleRequire = (id) => require(id.startsWith('./') ? join(dist, id) : id);
script.runInThisContext()(bundleModule.exports, bundleRequire, bundleModule, bundle, dist);
