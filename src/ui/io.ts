import { fstatSync, statSync, writeSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';

/** Where a command's text goes, and what it is connected to. */
export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
  /** The same output as a stream, for what needs one (prompts); absent when it is one. */
  asStream?(): NodeJS.WritableStream;
}

/** The streams a command talks through, and what they are connected to (after `gh`'s iostreams). */
export interface IO {
  stdin: Readable & { isTTY?: boolean };
  stdout: Output;
  /** At a terminal, the process's own stream (prompts and the spinner draw on it). */
  stderr: Output;
  env: NodeJS.ProcessEnv;
}

/**
 * The process's own streams. stdin is opened on first use: most commands never read it (~3 ms).
 * Output that is surely not a terminal (a file, a pipe, a socket, /dev/null) is written straight
 * to its descriptor: creating process.stdout and writing through it loads Node's stream machinery,
 * ~10 ms of a start. At a terminal, or when unsure, the process's own stream is used.
 */
export function processIO(): IO {
  return {
    get stdin() {
      return process.stdin;
    },
    stdout: outputTo(1, () => process.stdout),
    stderr: outputTo(2, () => process.stderr),
    env: process.env,
  };
}

// A terminal is a character device; so is /dev/null, which is told apart by its device number.
function surelyNotTerminal(fd: number): boolean {
  try {
    const stat = fstatSync(fd);
    if (stat.isFile() || stat.isFIFO() || stat.isSocket()) return true;
    return stat.isCharacterDevice() && stat.rdev === statSync('/dev/null').rdev;
  } catch {
    return false;
  }
}

function outputTo(fd: 1 | 2, stream: () => NodeJS.WriteStream): Output {
  if (!surelyNotTerminal(fd)) return stream();
  // A descriptor someone made non-blocking may refuse a write (EAGAIN): from then on the stream
  // writes, in order. A reader that went away (EPIPE, as with `| head`) gets nothing more.
  let fallback: NodeJS.WriteStream | null = null;
  let readerGone = false;
  return {
    isTTY: false,
    asStream: () => (fallback ??= stream()),
    write(text: string) {
      if (readerGone) return true;
      if (fallback) return fallback.write(text);
      const bytes = Buffer.from(text, 'utf8');
      let at = 0;
      try {
        while (at < bytes.length) at += writeSync(fd, bytes, at);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EPIPE') {
          readerGone = true;
          return true;
        }
        if (code !== 'EAGAIN') throw error;
        fallback = stream();
        return fallback.write(bytes.subarray(at));
      }
      return true;
    },
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
