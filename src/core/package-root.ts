import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding enrollsy-help's package.json, found upward from this module (works from src/ and dist/). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate) && (JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string }).name === 'enrollsy-help') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('enrollsy-help: cannot find its own package folder');
    dir = parent;
  }
}
