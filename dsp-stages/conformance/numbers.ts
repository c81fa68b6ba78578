/**
 * Numeric helpers of the conformance suite: the rates every stage is checked at, sample arrays
 * compared bit for bit and by value, non-finite and subnormal samples, and figures as the table
 * prints them.
 */
import { RENDER_QUANTUM_FRAMES, quantumDeadlineUs } from '../types.ts';

const Q = RENDER_QUANTUM_FRAMES;

/** The rates every stage is checked at (OfflineAudioContext renders, kernel timing). */
export const CONFORMANCE_RATES = [22050, 44100, 48000, 96000] as const;

/** The render deadline of one quantum at `rate`, µs. */
export const deadlineUs = quantumDeadlineUs;

export interface SampleComparison {
  length: number;
  /** Samples whose bit patterns differ (NaN payloads and -0 included). */
  bitMismatches: number;
  /** Largest |a - b| over samples where both are finite (0 when none differ). */
  maxAbsDiff: number;
  /** Samples finite in one and not in the other, or infinities of opposite sign. */
  finiteMismatches: number;
  /** First differing sample (bits), or -1. */
  first: number;
}

/** Compares two sample arrays of the same length (throws on different lengths: a broken render). */
export function compareSamples(actual: Float32Array, expected: Float32Array): SampleComparison {
  if (actual.length !== expected.length) throw new Error(`compareSamples: lengths differ (${actual.length} vs ${expected.length})`);
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  let bitMismatches = 0,
    finiteMismatches = 0,
    maxAbsDiff = 0,
    first = -1;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === e[i]) continue;
    bitMismatches++;
    if (first < 0) first = i;
    const x = actual[i]!,
      y = expected[i]!;
    if (Number.isFinite(x) && Number.isFinite(y)) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(x - y));
    else if (!(Number.isNaN(x) && Number.isNaN(y)) && x !== y) finiteMismatches++;
  }
  return { length: a.length, bitMismatches, maxAbsDiff, finiteMismatches, first };
}

/** Samples of `x[from, to)` that are NaN or infinite. */
export function nonFiniteCount(x: ArrayLike<number>, from = 0, to = x.length): number {
  let n = 0;
  for (let i = Math.max(0, from); i < Math.min(to, x.length); i++) if (!Number.isFinite(x[i]!)) n++;
  return n;
}

/** Indices of the 128-frame quanta of `x` holding at least one NaN or infinity. */
export function nonFiniteQuanta(x: Float32Array): number[] {
  const out: number[] = [];
  for (let q = 0; q * Q < x.length; q++) if (nonFiniteCount(x, q * Q, (q + 1) * Q) > 0) out.push(q);
  return out;
}

/** Largest |x| over `[from, to)` of the finite samples. */
export function peakAbs(x: ArrayLike<number>, from = 0, to = x.length): number {
  let m = 0;
  for (let i = from; i < to; i++) if (Number.isFinite(x[i]!)) m = Math.max(m, Math.abs(x[i]!));
  return m;
}

/** Smallest positive normal f32: below it (in magnitude, not 0) a float is subnormal. */
export const F32_MIN_NORMAL = 2 ** -126;

export function isSubnormalF32(x: number): boolean {
  return x !== 0 && Math.abs(x) < F32_MIN_NORMAL;
}

/** `x` with subnormal f32 values flushed to (positive) zero, as the Rust stages' `flush_subnormal`. */
export function flushSubnormalF32(x: number): number {
  return Math.abs(x) < F32_MIN_NORMAL ? 0 : x;
}

function fmt(x: number, digits = 3): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e6 ? x.toFixed(digits) : x.toExponential(2);
}
export { fmt as formatFigure };

/** `x × f32(gain)` per sample in f32, as the stage computes it. */
export function timesGain(x: Float32Array, gain: number): Float32Array {
  const g = Math.fround(gain);
  // a plain loop: Float32Array.from with a callback is many times slower on long renders
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! * g;
  return out;
}
