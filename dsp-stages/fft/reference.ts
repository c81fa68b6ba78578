/**
 * Plain TypeScript reference of the spectrum stage, the same definitions as rust/src/window.rs
 * and rust/src/fft_stage.rs, in f64: periodic windows, X(k) = sum_n w(n) x(n) e^{-j 2 pi k n / N}
 * for k = 0..N/2 (unnormalised), dB re a full-scale sine, and the peak refined by a parabola on
 * the log power then Newton steps on the exact windowed DTFT power. Runs in the worklet when wasm
 * is unavailable, and is the oracle of the unit tests.
 */
import type { ParamValues, StageKernel } from '../types.ts';
import { numberParam } from '../params.ts';
import { ReferenceRing } from '../ring-copy/reference.ts';
import { allFinite } from '../signals.ts';
import { WINDOW_IDS, hopSamples, type FftWindow } from './params.ts';

/** dB floor of the magnitude spectrum (matches the Rust stage). */
export const DB_FLOOR = -300;
const NEWTON_STEPS = 3;

/** I0(x) by its power series, summed until a term falls below 1e-17 of the sum. */
export function besselI0(x: number): number {
  const h = 0.25 * x * x;
  let term = 1;
  let sum = 1;
  for (let k = 1; k < 1000; k++) {
    term *= h / (k * k);
    sum += term;
    if (!(term >= 1e-17 * sum)) break;
  }
  return sum;
}

/** Periodic (DFT-even) window of length n. */
export function periodicWindow(kind: FftWindow, beta: number, n: number): Float64Array {
  const w = new Float64Array(n);
  switch (kind) {
    case 'rect':
      w.fill(1);
      break;
    case 'hann':
      for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
      break;
    case 'kaiser': {
      const den = besselI0(beta);
      for (let i = 0; i < n; i++) {
        const r = (2 * i - n) / n;
        w[i] = besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / den;
      }
      break;
    }
  }
  return w;
}

export function coherentGain(w: Float64Array): number {
  let s = 0;
  for (const v of w) s += v;
  return s / w.length;
}

const twiddleCache = new Map<number, { cos: Float64Array; sin: Float64Array }>();

/** cos and sin of -2 pi k / n for k < n/2, made once per size. */
function twiddles(n: number): { cos: Float64Array; sin: Float64Array } {
  let t = twiddleCache.get(n);
  if (!t) {
    t = { cos: new Float64Array(n / 2), sin: new Float64Array(n / 2) };
    for (let k = 0; k < n / 2; k++) {
      t.cos[k] = Math.cos((-2 * Math.PI * k) / n);
      t.sin[k] = Math.sin((-2 * Math.PI * k) / n);
    }
    twiddleCache.set(n, t);
  }
  return t;
}

/** In-place iterative radix-2 complex FFT (forward, e^{-j...}), length a power of two. */
export function complexFft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      const tr = re[i]!,
        ti = im[i]!;
      re[i] = re[j]!;
      im[i] = im[j]!;
      re[j] = tr;
      im[j] = ti;
    }
  }
  const { cos, sin } = twiddles(n);
  for (let len = 2; len <= n; len <<= 1) {
    const half = len >> 1;
    const stride = n / len;
    for (let i = 0; i < n; i += len) {
      for (let k = 0; k < half; k++) {
        const wr = cos[k * stride]!;
        const wi = sin[k * stride]!;
        const a = i + k;
        const b = a + half;
        const xr = re[b]! * wr - im[b]! * wi;
        const xi = re[b]! * wi + im[b]! * wr;
        re[b] = re[a]! - xr;
        im[b] = im[a]! - xi;
        re[a] = re[a]! + xr;
        im[a] = im[a]! + xi;
      }
    }
  }
}

/** RMS of `a - b` over RMS of `b`: the accuracy measure of the FFT tests and the benchmark's peer checks. */
export function relativeRmsError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0,
    den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num / den);
}

/** Real FFT of `x` (length N, a power of two): interleaved re, im for k = 0..N/2 (N + 2 values). */
export function realFft(x: ArrayLike<number>): Float64Array {
  const n = x.length;
  const re = Float64Array.from(x);
  const im = new Float64Array(n);
  complexFft(re, im);
  const out = new Float64Array(n + 2);
  for (let k = 0; k <= n / 2; k++) {
    out[2 * k] = re[k]!;
    out[2 * k + 1] = im[k]!;
  }
  return out;
}

/**
 * P(f) = |sum_n x(n) e^{-2 pi i f n / N}|^2 and its first two derivatives in f. The exponential
 * advances by rotation, re-anchored with cos/sin every 256 samples.
 */
export function dtftPowerDerivatives(x: ArrayLike<number>, f: number): [number, number, number] {
  const n = x.length;
  const omega = (-2 * Math.PI * f) / n;
  const sr = Math.cos(omega),
    si = Math.sin(omega);
  let s0r = 0,
    s0i = 0,
    s1r = 0,
    s1i = 0,
    s2r = 0,
    s2i = 0;
  let er = 1,
    ei = 0;
  for (let t = 0; t < n; t++) {
    if ((t & 255) === 0) {
      er = Math.cos(omega * t);
      ei = Math.sin(omega * t);
    }
    const ar = x[t]! * er;
    const ai = x[t]! * ei;
    s0r += ar;
    s0i += ai;
    s1r += t * ar;
    s1i += t * ai;
    s2r += t * t * ar;
    s2i += t * t * ai;
    const nr = er * sr - ei * si;
    ei = er * si + ei * sr;
    er = nr;
  }
  const a = (2 * Math.PI) / n;
  const d1r = a * s1i,
    d1i = -a * s1r;
  const d2r = -a * a * s2r,
    d2i = -a * a * s2i;
  const p = s0r * s0r + s0i * s0i;
  return [p, 2 * (d1r * s0r + d1i * s0i), 2 * (d1r * d1r + d1i * d1i + d2r * s0r + d2i * s0i)];
}

export interface SpectrumAnalysis {
  /** Interleaved re, im, k = 0..N/2. */
  spectrum: Float64Array;
  /** 20 log10(|X| / (N cg / 2)), floored at DB_FLOOR. */
  db: Float64Array;
  peakBin: number;
  peakDb: number;
}

/** Window, FFT, dB and refined peak of one frame (the newest N samples, oldest first). */
export function analyseFrame(frame: ArrayLike<number>, window: Float64Array): SpectrumAnalysis {
  const n = frame.length;
  const xw = new Float64Array(n);
  for (let i = 0; i < n; i++) xw[i] = frame[i]! * window[i]!;
  const spectrum = realFft(xw);
  const ref = (n * coherentGain(window)) / 2;
  const invRef2 = 1 / (ref * ref);
  const db = new Float64Array(n / 2 + 1);
  let best = 1;
  let bestP = -1;
  const power = (k: number) => (k < 0 || k > n / 2 ? 0 : spectrum[2 * k]! ** 2 + spectrum[2 * k + 1]! ** 2);
  for (let k = 0; k <= n / 2; k++) {
    const p = power(k);
    db[k] = p * invRef2 > 1e-30 ? Math.max(DB_FLOOR, 10 * Math.log10(p * invRef2)) : DB_FLOOR;
    if (k > 0 && p > bestP) {
      bestP = p;
      best = k;
    }
  }
  let f = best;
  let lnPeak = Math.log(power(best));
  const pm = power(best - 1);
  const pp = best < n / 2 ? power(best + 1) : pm;
  if (pm > 0 && pp > 0 && bestP > 0) {
    const ym = Math.log(pm),
      y0 = Math.log(bestP),
      yp = Math.log(pp);
    const curv = ym - 2 * y0 + yp;
    if (curv < 0) {
      const d = Math.max(-0.5, Math.min(0.5, (0.5 * (ym - yp)) / curv));
      f += d;
      lnPeak = y0 - 0.25 * (ym - yp) * d;
    }
  }
  for (let evaluations = 0; bestP > 0 && evaluations < NEWTON_STEPS; evaluations++) {
    const [p, d1, d2] = dtftPowerDerivatives(xw, f);
    if (!(p > 0) || !(d2 < 0)) break;
    const step = -d1 / d2;
    const next = f + step;
    if (!Number.isFinite(next) || Math.abs(next - best) > 1 || next > n / 2) break;
    f = next;
    const peak = p + 0.5 * d1 * step; // P - P'^2 / (2 P'')
    if (peak > 0) lnPeak = Math.log(peak);
    if (Math.abs(step) < 0.02) break;
  }
  const peakDb = (10 / Math.LN10) * (lnPeak + Math.log(invRef2));
  return { spectrum, db, peakBin: f, peakDb: Number.isFinite(peakDb) ? Math.max(DB_FLOOR, peakDb) : DB_FLOOR };
}

export function createFftReference(params: ParamValues, sampleRate: number): StageKernel {
  const size = numberParam(params, 'size');
  let kind = params.window as FftWindow;
  if (!(kind in WINDOW_IDS)) kind = 'kaiser';
  let beta = numberParam(params, 'beta');
  let window = periodicWindow(kind, beta, size);
  const hop = hopSamples(size, numberParam(params, 'hop'));
  const ring = new ReferenceRing(size);
  const frame = new Float32Array(size);
  let sinceHop = 0;
  let version = 0;
  let nonFiniteFrames = 0;
  let last: SpectrumAnalysis | null = null;
  return {
    backend: 'reference',
    visualLength: size / 2 + 1 + size + 2,
    process(inputs) {
      const input = inputs[0]!;
      ring.push(input);
      sinceHop += input.length;
      if (sinceHop >= hop) {
        sinceHop -= hop;
        ring.readLatest(frame);
        if (!allFinite(frame)) nonFiniteFrames++;
        last = analyseFrame(frame, window);
        version++;
      }
      return 0;
    },
    setParam(name, value) {
      if (name === 'window' && typeof value === 'string' && value in WINDOW_IDS) kind = value as FftWindow;
      else if (name === 'beta' && typeof value === 'number') beta = value;
      else return;
      window = periodicWindow(kind, beta, size);
    },
    visualVersion: () => version,
    publish(out, figures) {
      if (!last) return;
      out.set(last.db, 0);
      out.set(last.spectrum, size / 2 + 1);
      figures[0] = (last.peakBin * sampleRate) / size;
      figures[1] = last.peakDb;
      figures[2] = nonFiniteFrames;
    },
    summary: () => ({
      transforms: version,
      peakHz: last ? (last.peakBin * sampleRate) / size : NaN,
      peakDb: last ? last.peakDb : NaN,
      nonFiniteFrames,
    }),
  };
}
