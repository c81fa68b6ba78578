/** The validator's seeded inputs: signals, hostile samples, parameter values and block sizes. */
import { mulberry32, sine } from '../signals.ts';
import type { ParamSpec } from '../types.ts';
import { RANDOM_BLOCK_MAX } from './levels.ts';

export type Rand = () => number;

/** A random source from a run's seed. */
export function seededRand(seed: number): Rand {
  return mulberry32(seed);
}

/** FNV-1a of `text`: the seed of one run, from the base seed, the stage, the check and the run's index. */
export function runSeed(base: number, stage: string, check: string, index: number): number {
  let h = 0x811c9dc5;
  for (const ch of `${base >>> 0}/${stage}/${check}/${index}`) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The tone of every test signal (between bins at every size and rate). */
export const TONE_HZ = 1000.37;

/** Seeded white noise ±0.4 plus a 0.25 sine at `TONE_HZ`: audio-like, finite, never subnormal. */
export function testSignal(frames: number, sampleRate: number, rand: Rand): Float32Array {
  const x = sine(frames, sampleRate, TONE_HZ, 0.25, 2 * Math.PI * rand());
  for (let i = 0; i < frames; i++) x[i] = x[i]! + 0.4 * (2 * rand() - 1);
  return x;
}

/** Uniform in ±1e-40: subnormal f32 values (the smallest normal is 1.18e-38), both signs, never 0 in practice. */
export function subnormalSignal(frames: number, rand: Rand): Float32Array {
  const x = new Float32Array(frames);
  for (let i = 0; i < frames; i++) x[i] = 1e-40 * (2 * rand() - 1);
  return x;
}

/** The hostile samples: quiet NaN, a signalling NaN's bits, ±Inf, subnormals, ±f32 max, −0. */
const HOSTILE_BITS = [0x7fc00000, 0x7f800001, 0x7f800000, 0xff800000, 0x00000001, 0x80000400, 0x7f7fffff, 0xff7fffff, 0x80000000];

/**
 * The test signal with hostile samples in it: single ones scattered (2 %) and runs of 1 to 256
 * (NaN, Inf, subnormal) at seeded places, so that some calls of any size hold them and others not.
 */
export function hostileSignal(frames: number, sampleRate: number, rand: Rand): Float32Array {
  const x = testSignal(frames, sampleRate, rand);
  const bits = new Uint32Array(x.buffer);
  for (let i = 0; i < frames; i++) if (rand() < 0.02) bits[i] = HOSTILE_BITS[Math.floor(rand() * HOSTILE_BITS.length)]!;
  const runs = Math.max(2, Math.floor(frames / 2048));
  for (let r = 0; r < runs; r++) {
    const start = Math.floor(rand() * frames);
    const len = 1 + Math.floor(rand() * 256);
    const kind = Math.floor(rand() * 3);
    for (let i = start; i < Math.min(frames, start + len); i++) {
      if (kind === 0) bits[i] = 0x7fc00000;
      else if (kind === 1) bits[i] = rand() < 0.5 ? 0x7f800000 : 0xff800000;
      else x[i] = 1e-40 * (2 * rand() - 1);
    }
  }
  return x;
}

/**
 * A random block value for `spec`: a number in its range (one of its `values`, a whole number
 * where it must be; one time in five exactly an end), a choice as a random option index.
 */
export function randomBlockValue(spec: ParamSpec, rand: Rand): number {
  if (spec.kind === 'choice') return Math.floor(rand() * spec.options.length);
  if (spec.values) return spec.values[Math.floor(rand() * spec.values.length)]!;
  const r = rand();
  const t = r < 0.1 ? 0 : r < 0.2 ? 1 : rand();
  const v = spec.min + t * (spec.max - spec.min);
  return spec.integer ? Math.round(v) : v;
}

/** A random block size per call: 0 one time in ten (a call that must change nothing), else mostly up to 1024, sometimes up to `max`. */
export function randomBlockSize(rand: Rand, max: number = RANDOM_BLOCK_MAX): number {
  const r = rand();
  if (r < 0.1) return 0;
  const top = r < 0.55 ? Math.min(128, max) : r < 0.9 ? Math.min(1024, max) : max;
  return 1 + Math.floor(rand() * top);
}
