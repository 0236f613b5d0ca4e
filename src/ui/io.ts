import type { Readable, Writable } from 'node:stream';

/** The streams a command talks through, and what they are connected to (after `gh`'s iostreams). */
export interface IO {
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/** The process's own streams. stdin is opened on first use: most commands never read it (~3 ms). */
export function processIO(): IO {
  return {
    get stdin() {
      return process.stdin;
    },
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
  };
}

/**
 * Colour depth (0–3) for a stream: `--no-color` and a non-empty `NO_COLOR` switch it off (chalk
 * ignores NO_COLOR), `FORCE_COLOR` switches it on, otherwise only a terminal that is not dumb gets colour.
 */
export function colorLevel(env: NodeJS.ProcessEnv, isTTY: boolean, noColorFlag: boolean): 0 | 1 | 2 | 3 {
  if (noColorFlag || (env.NO_COLOR !== undefined && env.NO_COLOR !== '')) return 0;
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '0' || force === 'false') return 0;
    if (force === '2' || force === '3') return Number(force) as 2 | 3;
    return 1;
  }
  if (!isTTY || env.TERM === 'dumb') return 0;
  return env.COLORTERM === 'truecolor' || env.COLORTERM === '24bit' ? 3 : /256/.test(env.TERM ?? '') ? 2 : 1;
}
