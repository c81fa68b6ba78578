/**
 * Built-in test signals as plain sample arrays (no Web Audio): the live sources loop them, the
 * offline play functions render them, the CLI and the bench feed them to kernels.
 */
import type { PairShape } from './delayed-pair.ts';

/**
 * Source kinds a story can pick. `mic` is live only; `file` is a decoded file looped through the
 * worklet (components/fileSource.ts decodes it, the runtime plays it), so it has no samples here.
 */
export const SOURCE_KINDS = ['sine', 'sweep', 'noise', 'impulse', 'delayed-noise', 'silence', 'mic', 'file'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

export interface SourceSpec {
  kind: SourceKind;
  /** Sine frequency in Hz. */
  frequencyHz: number;
  /** Level in dBFS (peak for sine and sweep, RMS-ish for noise, impulse height). */
  levelDb: number;
  /** delayed-noise: channel 1 is channel 0 delayed by this many samples (fractional, exact). */
  delaySamples?: number;
  /** delayed-noise: signal-to-noise ratio of each channel's independent noise, dB. */
  snrDb?: number;
  /** delayed-noise: what the reference is made of (white noise, a chirp, a sine, band-limited or pink noise). */
  pairShape?: PairShape;
  /** file: the built-in decode fixture's id (`signal-wav`); absent for the user's own file, which no link carries. */
  fixture?: string;
}

export const DEFAULT_SOURCE: SourceSpec = { kind: 'sine', frequencyHz: 1000, levelDb: -6 };

export function dbToGain(db: number): number {
  return Math.pow(10, db / 20);
}

/** Whether every sample is finite (no NaN, no infinity): the reference kernels' twin of the wasm's `all_finite`. */
export function allFinite(x: ArrayLike<number>): boolean {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i]!)) return false;
  return true;
}

/** Mulberry32: a tiny seeded PRNG, so every "random" signal is reproducible. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function sine(frames: number, sampleRate: number, frequencyHz: number, amplitude: number, phase = 0): Float32Array {
  const out = new Float32Array(frames);
  const w = (2 * Math.PI * frequencyHz) / sampleRate;
  for (let i = 0; i < frames; i++) out[i] = amplitude * Math.sin(w * i + phase);
  return out;
}

/**
 * The least-squares fit of `a sin + b cos` at `frequencyHz` to `y[from, to)` (`y` at
 * `sampleRate`): the fitted amplitude and the RMS of what is left.
 */
export function fitSine(
  y: ArrayLike<number>,
  sampleRate: number,
  frequencyHz: number,
  from: number,
  to: number,
): { amplitude: number; residualRms: number } {
  const w = (2 * Math.PI * frequencyHz) / sampleRate;
  let ss = 0,
    sc = 0,
    cc = 0,
    ys = 0,
    yc = 0;
  for (let i = from; i < to; i++) {
    const s = Math.sin(w * i),
      c = Math.cos(w * i);
    ss += s * s;
    sc += s * c;
    cc += c * c;
    ys += y[i]! * s;
    yc += y[i]! * c;
  }
  const det = ss * cc - sc * sc;
  const a = (ys * cc - yc * sc) / det;
  const b = (yc * ss - ys * sc) / det;
  let r2 = 0;
  for (let i = from; i < to; i++) r2 += (y[i]! - (a * Math.sin(w * i) + b * Math.cos(w * i))) ** 2;
  return { amplitude: Math.hypot(a, b), residualRms: Math.sqrt(r2 / (to - from)) };
}

/** Exponential sweep from f0 to f1 Hz over `frames` samples (phase-continuous). */
export function sweep(frames: number, sampleRate: number, f0: number, f1: number, amplitude: number): Float32Array {
  const out = new Float32Array(frames);
  const T = frames / sampleRate;
  const k = Math.log(f1 / f0);
  for (let i = 0; i < frames; i++) {
    const t = i / sampleRate;
    const phase = (2 * Math.PI * f0 * T * (Math.exp((t / T) * k) - 1)) / k;
    out[i] = amplitude * Math.sin(phase);
  }
  return out;
}

/** Uniform white noise in [-amplitude, amplitude), seeded. */
export function whiteNoise(frames: number, amplitude: number, seed = 1): Float32Array {
  const rand = mulberry32(seed);
  const out = new Float32Array(frames);
  for (let i = 0; i < frames; i++) out[i] = amplitude * (2 * rand() - 1);
  return out;
}

/** One impulse of height `amplitude` every `periodFrames` samples, starting at 0. */
export function impulseTrain(frames: number, periodFrames: number, amplitude: number): Float32Array {
  const out = new Float32Array(frames);
  for (let i = 0; i < frames; i += periodFrames) out[i] = amplitude;
  return out;
}

/**
 * A loopable buffer for a source kind (sine is better made by an OscillatorNode live, but is
 * here for offline renders and the CLI). Sweep: 20 Hz to 20 kHz in 5 s; noise: 2 s seeded;
 * impulse: every 0.5 s.
 */
export function sourceSamples(spec: SourceSpec, sampleRate: number, frames: number): Float32Array {
  const amp = dbToGain(spec.levelDb);
  switch (spec.kind) {
    case 'sine':
      return sine(frames, sampleRate, spec.frequencyHz, amp);
    case 'sweep':
      return sweep(frames, sampleRate, 20, Math.min(20000, sampleRate * 0.45), amp);
    case 'noise':
      return whiteNoise(frames, amp, 1);
    case 'impulse':
      return impulseTrain(frames, Math.round(sampleRate / 2), amp);
    case 'delayed-noise':
      // channel 0 alone (the reference); worklet/sources.ts builds the stereo pair
      return whiteNoise(frames, amp, 1);
    case 'silence':
    case 'mic':
    case 'file':
      return new Float32Array(frames);
  }
}
