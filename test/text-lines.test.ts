import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { textLines } from '../src/core/text-lines.js';

type Chunk = string | Buffer;

async function* chunked(chunks: readonly Chunk[]): AsyncGenerator<Chunk> {
  for (const chunk of chunks) yield chunk;
}

async function lines(chunks: readonly Chunk[]): Promise<string[]> {
  const all: string[] = [];
  for await (const batch of textLines(chunked(chunks))) all.push(...batch);
  return all;
}

// What `conflicts --file` read lines with before: node's readline, as the reference.
async function readlineLines(bytes: Buffer): Promise<string[]> {
  const all: string[] = [];
  for await (const line of createInterface({ input: Readable.from([bytes]), crlfDelay: Infinity })) all.push(line);
  return all;
}

function cutAt<T extends Chunk>(whole: T, offsets: readonly number[]): T[] {
  const points = [...offsets].sort((a, b) => a - b);
  const pieces: T[] = [];
  let from = 0;
  for (const point of points) {
    pieces.push(whole.slice(from, point) as T);
    from = point;
  }
  pieces.push(whole.slice(from) as T);
  return pieces;
}

describe('textLines', () => {
  it('splits on LF, CRLF and a lone CR, keeps blank lines, and needs no final line break', async () => {
    expect(await lines(['a\nb\r\nc\rd\n\ne'])).toEqual(['a', 'b', 'c', 'd', '', 'e']);
    expect(await lines(['a\n'])).toEqual(['a']);
    expect(await lines([''])).toEqual([]);
  });

  it('counts a CRLF cut between its CR and its LF once', async () => {
    expect(await lines(['a\r', '\nb\r', '\r', '\nc'])).toEqual(['a', 'b', '', 'c']);
    expect(await lines([Buffer.from('a\r'), Buffer.from('\nb')])).toEqual(['a', 'b']);
  });

  it('decodes a character cut across chunks, and shows invalid bytes as U+FFFD', async () => {
    const bytes = Buffer.from('zoë@example.com\n', 'utf8');
    expect(await lines([bytes.subarray(0, 3), bytes.subarray(3)])).toEqual(['zoë@example.com']);
    expect(await lines([Buffer.from([0x61, 0xff, 0x0a])])).toEqual(['a\ufffd']);
  });

  it('reads the same lines as readline however the bytes are chunked (readline drops a cut-off last character)', async () => {
    const byte = fc.constantFrom(0x0a, 0x0d, 0x20, 0x61, 0x40, 0xc3, 0xab, 0xe6, 0x97, 0xa5, 0xef, 0xbb, 0xbf, 0xff);
    await fc.assert(
      fc.asyncProperty(fc.array(byte, { maxLength: 40 }), fc.array(fc.nat(), { maxLength: 8 }), async (values, cuts) => {
        const bytes = Buffer.from(values);
        const whole = await lines([bytes]);
        expect(await lines(cutAt(bytes, cuts.map((cut) => cut % (bytes.length + 1))))).toEqual(whole);
        expect(await lines(Array.from(bytes, (b) => Buffer.from([b])))).toEqual(whole);
        let validUtf8 = true;
        try {
          new TextDecoder('utf-8', { fatal: true }).decode(bytes);
        } catch {
          validUtf8 = false;
        }
        if (validUtf8) expect(whole).toEqual(await readlineLines(bytes));
      }),
      { numRuns: 500 },
    );
  });
});
