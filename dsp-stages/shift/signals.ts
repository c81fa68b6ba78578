/**
 * Test signals for the shift stage: a reference and the same signal delayed by an exact
 * fractional delay (a frequency-domain phase ramp on a periodic frame), plus independent noise at
 * a given SNR. Pure; used by the tests, the benchmark and (later) the story and the CLI sweep.
 */
import { complexFft } from '../fft/reference.ts';
import { mulberry32 } from '../signals.ts';

/** Gaussian noise (Box-Muller) from a seeded uniform source. */
export function gaussian(rand: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** Reference signals the delayed pair can be made of. */
export const PAIR_SHAPES = ['noise', 'chirp', 'sine'] as const;
export type PairShape = (typeof PAIR_SHAPES)[number];

/**
 * A reference of `n` samples (RMS `rms`: white Gaussian noise; a linear chirp over 100 Hz …
 * 0.4 fs sweeping once per frame; or a sine at 1/64 of the sample rate's bins, 512.5 cycles per
 * frame so it is not periodic in it) and its copy delayed by `delay` samples (circularly: exact for
 * the periodic frame), each plus independent white noise at `snrDb` (signal power over noise
 * power); `noisyReference: false` keeps the reference clean.
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
  for (let i = 0; i < n; i++) {
    if (shape === 'noise') re[i] = rms * g();
    else if (shape === 'sine') re[i] = amp * Math.sin((2 * Math.PI * 512.5 * i) / n);
    else {
      // linear chirp from f0 to f1 (normalised frequencies) across the frame
      const f0 = 0.002, f1 = 0.4, t = i / n;
      re[i] = amp * Math.sin(2 * Math.PI * n * (f0 * t + 0.5 * (f1 - f0) * t * t));
    }
  }
  const clean = Float64Array.from(re);
  complexFft(re, im); // X(k)
  // Y(k) = X(k) e^{-j 2 pi k delay / N}, with k taken in -N/2..N/2 so the result stays real
  for (let k = 0; k < n; k++) {
    const kk = k <= n / 2 ? k : k - n;
    const phi = (-2 * Math.PI * kk * delay) / n;
    const c = Math.cos(phi), s = Math.sin(phi);
    const xr = re[k]!, xi = im[k]!;
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
