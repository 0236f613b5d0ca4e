import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { repoRoot } from './helpers/cli.js';

// esbuild initializes the modules of an import cycle as soon as the bundle starts, whatever
// command runs: a cycle between two store modules once made `--help` compile 225 KB more code
// (about 15 ms of every start). Only imports of values count; `import type` is erased.

const src = join(repoRoot, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The relative modules a file imports values from (static imports; `import type` left out). */
function valueImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/^import\s+(?!type\s)(?:[^'";]*?\s+from\s+)?'(\.{1,2}\/[^']+)'/gm)].map((match) => match[1]!);
  return specifiers.map((specifier) => resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
}

function cycles(files: readonly string[]): string[][] {
  const graph = new Map(files.map((file) => [file, valueImports(file).filter((target) => files.includes(target))]));
  const state = new Map<string, 'open' | 'done'>();
  const found: string[][] = [];
  const visit = (file: string, path: string[]) => {
    state.set(file, 'open');
    path.push(file);
    for (const target of graph.get(file)!) {
      if (state.get(target) === 'open') found.push([...path.slice(path.indexOf(target)), target].map((p) => relative(src, p)));
      else if (!state.has(target)) visit(target, path);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (!state.has(file)) visit(file, []);
  return found;
}

describe('the source', () => {
  it('has no import cycle between its modules', () => {
    const files = sourceFiles(src);
    expect(files.length).toBeGreaterThan(50);
    // The reader sees imports at all: a file known to import another is found to.
    expect(valueImports(join(src, 'store', 'sqlite', 'assert-intact.ts'))).toContain(join(src, 'store', 'sqlite', 'mmap-bytes.ts'));
    expect(cycles(files)).toEqual([]);
  });
});
