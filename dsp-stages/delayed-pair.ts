/**
 * Two-channel test signals: a reference and the same signal delayed by an exact fractional delay
 * (a frequency-domain phase ramp on a periodic frame), plus independent noise at a given SNR. The
 * live "delayed-noise" source, delay estimators' tests, sweeps and benchmarks. Pure.
 */
import { complexFft } from './fft/reference.ts';
import { mulberry32 } from './signals.ts';

/** Gaussian noise (Box-Muller) from a seeded uniform source. */
export function gaussian(rand: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/**
 * Spectra of the Gaussian references the accuracy sweep draws (and the band-limited pair shapes):
 * white; low-passed at 0.25 or 0.4 of the sample rate (a brick wall on the periodic frame: bins
 * k / N <= the cutoff keep the white level raised to the same total power, the others are
 * empty); pink (power 1/k, no DC).
 */
export const SHIFT_REFERENCES = ['white', 'lowpass-0.25', 'lowpass-0.4', 'pink'] as const;
export type ShiftReference = (typeof SHIFT_REFERENCES)[number];

/**
 * The expected power of a reference per DFT bin `k = 0 ..= n/2`, relative to white noise of the
 * same RMS: the two-sided mean (bins 1 .. n/2-1 counted twice) is 1, so a frame drawn with it has
 * the RMS asked for, and `reference power x per-sample SNR` is each bin's expected SNR.
 */
export function referencePower(reference: ShiftReference, n: number): Float64Array {
  if (!(Number.isInteger(n) && n >= 2 && n % 2 === 0)) throw new RangeError(`n must be an even whole number >= 2, got ${n}`);
  const half = n / 2;
  const p = new Float64Array(half + 1);
  for (let k = 0; k <= half; k++) {
    if (reference === 'white') p[k] = 1;
    else if (reference === 'pink') p[k] = k === 0 ? 0 : 1 / k;
    else p[k] = k / n <= (reference === 'lowpass-0.25' ? 0.25 : 0.4) ? 1 : 0;
  }
  let total = 0;
  for (let k = 0; k <= half; k++) total += (k === 0 || k === half ? 1 : 2) * p[k]!;
  for (let k = 0; k <= half; k++) p[k] = (p[k]! * n) / total;
  return p;
}

/** Reference signals the delayed pair can be made of: noise (white), a chirp, a sine, and noise of the band-limited and pink spectra of SHIFT_REFERENCES. */
export const PAIR_SHAPES = ['noise', 'chirp', 'sine', 'lowpass-0.25', 'lowpass-0.4', 'pink'] as const;
export type PairShape = (typeof PAIR_SHAPES)[number];

/**
 * A reference of `n` samples (RMS `rms`: white Gaussian noise; a linear chirp over 100 Hz …
 * 0.4 fs sweeping once per frame; a sine at 1/64 of the sample rate's bins, 512.5 cycles per
 * frame so it is not periodic in it; or Gaussian noise of a SHIFT_REFERENCES spectrum, the same
 * draws as `noise` shaped on the periodic frame, RMS `rms` in expectation) and its copy delayed by
 * `delay` samples (circularly: exact for the periodic frame), each plus independent white noise at
 * `snrDb` (`rms` squared over the noise power); `noisyReference: false` keeps the reference clean.
 */
export function delayedPair(opts: {
  n: number;
  delay: number;
  snrDb: number;
  seed: number;
  rms?: number;
  noisyReference?: boolean;
  shape?: PairShape;
}): {
  reference: Float32Array;
  input: Float32Array;
} {
  const { n, delay, snrDb, seed } = opts;
  const rms = opts.rms ?? 0.25;
  const g = gaussian(mulberry32(seed));
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  const shape = opts.shape ?? 'noise';
  const amp = rms * Math.SQRT2;
  const shaped = shape === 'lowpass-0.25' || shape === 'lowpass-0.4' || shape === 'pink';
  for (let i = 0; i < n; i++) {
    if (shape === 'noise' || shaped) re[i] = rms * g();
    else if (shape === 'sine') re[i] = amp * Math.sin((2 * Math.PI * 512.5 * i) / n);
    else {
      // linear chirp from f0 to f1 (normalised frequencies) across the frame
      const f0 = 0.002,
        f1 = 0.4,
        t = i / n;
      re[i] = amp * Math.sin(2 * Math.PI * n * (f0 * t + 0.5 * (f1 - f0) * t * t));
    }
  }
  let clean = Float64Array.from(re);
  complexFft(re, im); // X(k)
  if (shaped) {
    // X(k) sqrt(power(k)), the same gain on bins k and N - k, so the frame stays real
    const power = referencePower(shape, n);
    for (let k = 0; k < n; k++) {
      const gain = Math.sqrt(power[k <= n / 2 ? k : n - k]!);
      re[k] = re[k]! * gain;
      im[k] = im[k]! * gain;
    }
    if (n % 2 === 0) im[n / 2] = 0;
    // the clean reference: inverse FFT by conjugation, x = conj(FFT(conj(X))) / N
    const cr = Float64Array.from(re);
    const ci = im.map((v) => -v);
    complexFft(cr, ci);
    clean = cr.map((v) => v / n);
  }
  // Y(k) = X(k) e^{-j 2 pi k delay / N}, with k taken in -N/2..N/2 so the result stays real
  for (let k = 0; k < n; k++) {
    const kk = k <= n / 2 ? k : k - n;
    const phi = (-2 * Math.PI * kk * delay) / n;
    const c = Math.cos(phi),
      s = Math.sin(phi);
    const xr = re[k]!,
      xi = im[k]!;
    re[k] = xr * c - xi * s;
    im[k] = xr * s + xi * c;
  }
  if (n % 2 === 0) im[n / 2] = 0; // the Nyquist bin of a real signal
  // inverse FFT by conjugation: x = conj(FFT(conj(Y))) / N
  for (let k = 0; k < n; k++) im[k] = -im[k]!;
  complexFft(re, im);
  const noiseRms = rms * Math.pow(10, -snrDb / 20);
  const reference = new Float32Array(n);
  const input = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    reference[i] = clean[i]! + (opts.noisyReference === false ? 0 : noiseRms * g());
    input[i] = re[i]! / n + noiseRms * g();
  }
  return { reference, input };
}
