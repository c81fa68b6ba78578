/**
 * The FLAC rescale of the workers (worker-decode.ts `rescaleInto`): from the decoder's
 * v / (2^(bits-1) - 1) to the WAV convention's v / 2^(bits-1), equal to Math.round's rounding for
 * every 16-bit sample and for 24-bit samples across their range.
 */
import { describe, expect, it } from 'vitest';
import { rescaleInto } from './worker-decode.ts';

/** The decoder's output for integers `vs` (f32(v / m)), and the expected f32(v / (m + 1)). */
function decoded(vs: number[], m: number): { src: Float32Array; want: Float32Array } {
  return { src: Float32Array.from(vs, (v) => v / m), want: Float32Array.from(vs, (v) => v / (m + 1)) };
}

describe('rescaleInto', () => {
  it('gives v / 32768 for every 16-bit v, as Math.round does', () => {
    const vs = Array.from({ length: 65536 }, (_, i) => i - 32768);
    const { src, want } = decoded(vs, 32767);
    const got = new Float32Array(vs.length);
    rescaleInto(got, 0, src, 0, src.length, 32767);
    expect(got).toEqual(want);
    const round = Float32Array.from(src, (x) => Math.round(x * 32767) / 32768);
    expect(round).toEqual(want);
  });

  it('gives v / 2^23 for 24-bit v at the ends, around zero and spread over the range', () => {
    const m = 2 ** 23 - 1;
    const vs: number[] = [];
    for (let v = -(2 ** 23); v < -(2 ** 23) + 4096; v++) vs.push(v);
    for (let v = -4096; v < 4096; v++) vs.push(v);
    for (let v = 2 ** 23 - 4096; v < 2 ** 23; v++) vs.push(v);
    for (let k = 0; k < 65536; k++) vs.push(Math.floor(((k * 2654435761) % 2 ** 24) - 2 ** 23));
    const { src, want } = decoded(vs, m);
    const got = new Float32Array(vs.length);
    rescaleInto(got, 0, src, 0, src.length, m);
    expect(got).toEqual(want);
  });

  it('writes only [to, to + n) from [from, from + n)', () => {
    const { src } = decoded([1, 2, 3, 4, 5], 32767);
    const got = new Float32Array(6).fill(-1);
    rescaleInto(got, 2, src, 1, 3, 32767);
    expect(Array.from(got)).toEqual([-1, -1, 2 / 32768, 3 / 32768, 4 / 32768, -1]);
  });
});
