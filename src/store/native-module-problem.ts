import { createRequire } from 'node:module';
import { dirname } from 'node:path';

/**
 * Why better-sqlite3's native module could not be loaded, as one line that says how to fix it,
 * or null when the error is something else. Without its compiled addon no store can be opened,
 * so this is a store problem the user can fix, not a bug in enrollsy-help.
 */
export function nativeModuleProblem(error: unknown): string | null {
  if (typeof error !== 'object' || error === null) return null;
  const raw = String((error as { message?: unknown }).message ?? '');
  // Node wraps its dlopen message over several lines.
  const message = raw.replace(/\s+/g, ' ');
  const code = String((error as { code?: unknown }).code ?? '');
  const fix = `run \`npm rebuild better-sqlite3\` in ${installFolder()}`;
  if (message.includes('Could not locate the bindings file')) {
    // npm 12 runs a dependency's install script only when package.json's allowScripts approves it;
    // `--ignore-scripts` (or ignore-scripts=true in an .npmrc) skips them all.
    return `better-sqlite3's native module is missing, so no store can be opened: npm did not build it (its install script was skipped, e.g. by --ignore-scripts or an allowScripts policy). To fix it, ${fix}.`;
  }
  if (code !== 'ERR_DLOPEN_FAILED' || !message.includes('better_sqlite3')) return null;
  const versions = /NODE_MODULE_VERSION (\d+)\. This version of Node\.js requires NODE_MODULE_VERSION (\d+)/.exec(message);
  if (versions) {
    return `better-sqlite3's native module was built for another Node.js version (module version ${versions[1]}; this Node ${process.version} needs ${versions[2]}), which happens after switching Node versions. To fix it, ${fix}.`;
  }
  return `better-sqlite3's native module cannot be loaded (${firstLine(raw)}). To fix it, ${fix}.`;
}

// The folder npm installed better-sqlite3 into (its node_modules' parent): where `npm rebuild` must run.
function installFolder(): string {
  try {
    return dirname(dirname(dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json'))));
  } catch {
    return "enrollsy-help's folder";
  }
}

function firstLine(message: string): string {
  const line = message.split('\n')[0] ?? '';
  // dlopen's message starts with the whole path of the file; the reason after it is what helps.
  const reason = line.includes(': ') ? line.slice(line.lastIndexOf(': ') + 2) : line;
  return reason.length > 120 ? `${reason.slice(0, 119)}…` : reason;
}
