#!/usr/bin/env node
// Thin entry: everything lives in the bundle that `npm install` (prepare) builds into dist/.
import('../dist/main.js').catch((error) => {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/main.js')) {
    process.stderr.write('enrollsy-help is not built yet: run `npm install` (or `npm run build`) in its folder.\n');
    process.exit(70);
  }
  throw error;
});
