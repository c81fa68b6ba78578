/**
 * Delay-accuracy sweep of the shift stage against the Cramér-Rao bound: for each SNR, `trials`
 * independent pairs (a Gaussian reference of the chosen spectrum, SHIFT_REFERENCES: white by
 * default, low-passed at 0.25 or 0.4 fs, or pink; and its copy delayed by a seeded random
 * fractional delay, uniform in ±SHIFT_SWEEP_MAX_DELAY samples, each with independent white noise
 * at the SNR), one whole analysis each by the wasm stage (automatic centre), and the refined shift
 * compared with the true delay: RMSE, bias, outliers (|error| > 1 sample) and RMSE / sqrt(CRB).
 *
 * The pairs are what `delayedPair` (signals.ts) makes, drawn more cheaply: the reference is
 * generated directly in the frequency domain (the DFT of white Gaussian noise is Hermitian
 * complex Gaussian noise: bins 1 .. N/2-1 with independent real and imaginary parts of variance
 * N rms^2 / 2, bins 0 and N/2 real with variance N rms^2; each bin's standard deviation is then
 * scaled by the root of the reference's relative power, `referencePower`), delayed there by the
 * same exact phase ramp `e^{-i w_k tau}` (the Nyquist bin's real part, as delayedPair keeps it),
 * and both frames come out of ONE complex inverse FFT (reference + i input). The frames are
 * periodic, so the delay is exact (circular). Every buffer is made once per sweep.
 *
 * The CRB of a point (crb.ts) is computed per trial from the per-bin SNR of its own clean
 * reference spectrum: `1 / sum_k 2 w_k^2 rho_k` with a clean reference, each bin's term divided
 * by `2 + 1/E rho_k` when the reference is noisy too (`E rho_k` the bin's expected SNR, the
 * reference's relative power times the per-sample SNR; `rho_k` the realised one). For a white
 * reference this is `(2 + 1/rho) sigma^2 / sum_n s'(n)^2`, the white formula on the realised
 * frame; for a band-limited or pink one the bins of low SNR count for what they carry. The point's
 * `crbStd` is the square root of the mean of the trials' variances.
 *
 * Runs in Node (`stagebench sweep shift`, the tests) and in the browser: no Node or DOM imports.
 * Async only so that a page can paint (`yieldEvery`) and abort (`signal`).
 */
import { statusMessage, type StagebenchWasm } from '../../worklet/abi.ts';
import { FFT_SIZES } from '../fft/params.ts';
import { complexFft } from '../fft/reference.ts';
import { mulberry32 } from '../signals.ts';
import { noisyReferenceShare } from './crb.ts';
import { SHIFT_REFERENCES, referencePower, type ShiftReference } from '../delayed-pair.ts';
import { bindShift } from './bindings.ts';

/** Frame sizes the stage takes: the real FFT's. */
export const SHIFT_SIZES = FFT_SIZES;
/** Most hypotheses per stage (rust/src/shift.rs MAX_HYPOTHESES). */
export const SHIFT_MAX_HYPOTHESES = 256;
/** The true delays are uniform in ±this many samples. */
export const SHIFT_SWEEP_MAX_DELAY = 50;
/** RMS of the clean reference (the noise is `rms 10^(-SNR/20)`). */
export const SHIFT_SWEEP_RMS = 0.25;
/** An estimate off by more than this many samples is an outlier (it is still in the RMSE). */
export const SHIFT_OUTLIER_SAMPLES = 1;
/** `thresholdSnrDb` is where RMSE / sqrt(CRB) stays at or below this. */
export const SHIFT_THRESHOLD_RATIO = 1.2;

export interface ShiftSweepOptions {
  /** The wasm instance to run the stage on (the sweep re-`init`s it: it takes the instance over). */
  wasm: StagebenchWasm;
  /** Per-sample SNRs in dB (signal power over noise power, per channel), finite, at least one. */
  snrsDb: readonly number[];
  /** Pairs per SNR, >= 1. */
  trials: number;
  /** Frame size N, one of SHIFT_SIZES. */
  size: number;
  /** Hypotheses H, 1..256. */
  hypotheses: number;
  /** Width of the hypothesis grid around the automatic centre, samples, finite and >= 0. */
  span: number;
  phat: boolean;
  /** Noise on the reference as well (at the same SNR), or a clean reference. */
  noisyReference: boolean;
  /** The reference's spectrum (SHIFT_REFERENCES); default white. */
  reference?: ShiftReference;
  /** Seed of the delays, signals and noise; default 1. One stream for the whole sweep: a point depends on the grid before it. */
  seed?: number;
  /** Called after every trial with the trials done so far and the total (SNRs x trials). */
  onProgress?: (done: number, total: number) => void;
  /** Await a macrotask every this many trials (so a browser can paint); 0 or absent: never. */
  yieldEvery?: number;
  /** Checked before every trial; an abort rejects the promise with the signal's reason. */
  signal?: AbortSignal;
}

export interface ShiftSweepPoint {
  snrDb: number;
  /** Root mean square of (refined shift - true delay), samples, outliers included. */
  rmse: number;
  /** Mean of (refined shift - true delay), samples. */
  bias: number;
  /** sqrt of the CRB (mean of the trials' bounds), samples. */
  crbStd: number;
  /** rmse / crbStd. */
  ratio: number;
  /** Trials with |error| > SHIFT_OUTLIER_SAMPLES (or a NaN estimate). */
  outliers: number;
  /**
   * Trials whose best hypothesis was the first or the last of the grid: not refined (the parabola
   * needs a neighbour on each side), so off by up to half a hypothesis spacing. With span 1 this
   * happens to delays near a half-integer distance from the coarse (integer) centre.
   */
  edges: number;
  trials: number;
}

export interface ShiftSweepResult {
  /** In the order of `snrsDb`. */
  points: ShiftSweepPoint[];
  /** The lowest SNR from which on every higher SNR has ratio <= SHIFT_THRESHOLD_RATIO, or null (not even the highest). */
  thresholdSnrDb: number | null;
  /** Wall time, ms (yields included). */
  elapsedMs: number;
}

/** The sweep's option checks: a RangeError naming the bad option. */
export function checkShiftSweepOptions(opts: ShiftSweepOptions): void {
  const { snrsDb, trials, size, hypotheses, span } = opts;
  if (!Array.isArray(snrsDb) || snrsDb.length === 0) throw new RangeError('snrsDb needs at least one SNR');
  const bad = snrsDb.find((s) => !Number.isFinite(s));
  if (bad !== undefined) throw new RangeError(`every SNR must be a finite number of dB, got ${bad}`);
  if (!(Number.isInteger(trials) && trials >= 1)) throw new RangeError(`trials must be a whole number >= 1, got ${trials}`);
  if (!(SHIFT_SIZES as readonly number[]).includes(size))
    throw new RangeError(`size must be one of ${SHIFT_SIZES.join(', ')}, got ${size}`);
  if (!(Number.isInteger(hypotheses) && hypotheses >= 1 && hypotheses <= SHIFT_MAX_HYPOTHESES)) {
    throw new RangeError(`hypotheses must be a whole number from 1 to ${SHIFT_MAX_HYPOTHESES}, got ${hypotheses}`);
  }
  if (!(Number.isFinite(span) && span >= 0)) throw new RangeError(`span must be a finite number of samples >= 0, got ${span}`);
  if (opts.seed !== undefined && !Number.isInteger(opts.seed)) throw new RangeError(`seed must be a whole number, got ${opts.seed}`);
  if (opts.reference !== undefined && !(SHIFT_REFERENCES as readonly string[]).includes(opts.reference)) {
    throw new RangeError(`reference must be one of ${SHIFT_REFERENCES.join(', ')}, got ${opts.reference}`);
  }
  if (opts.yieldEvery !== undefined && !(Number.isInteger(opts.yieldEvery) && opts.yieldEvery >= 0)) {
    throw new RangeError(`yieldEvery must be a whole number >= 0, got ${opts.yieldEvery}`);
  }
}

/**
 * The lowest SNR from which on (it and every higher SNR) ratio <= maxRatio, or null when the
 * highest SNR already fails. A NaN ratio fails. Points may come in any order.
 */
export function thresholdSnr(points: readonly Pick<ShiftSweepPoint, 'snrDb' | 'ratio'>[], maxRatio = SHIFT_THRESHOLD_RATIO): number | null {
  const sorted = [...points].sort((a, b) => b.snrDb - a.snrDb);
  let threshold: number | null = null;
  for (const p of sorted) {
    if (!(p.ratio <= maxRatio)) break;
    threshold = p.snrDb;
  }
  return threshold;
}

/**
 * Delayed pairs for the sweep (see the module comment): a Gaussian reference of RMS `rms` (in
 * expectation) and of the spectrum `reference`, and its copy delayed exactly (circularly) by a
 * fractional delay, plus independent white noise. Allocates its buffers once; `generate`
 * allocates nothing.
 */
export class ShiftPairGenerator {
  readonly size: number;
  readonly reference: ShiftReference;
  /** sum_n s(n)^2 of the last clean reference. */
  energy = 0;
  /** sum_n s'(n)^2 of the last clean reference (s' of its periodic band-limited interpolation). */
  slopeEnergy = 0;
  /**
   * The Fisher information on the delay of the last pair, 1/samples^2 (crb.ts, per bin: the
   * realised SNR of the clean reference, and with a noisy reference the share its expected SNR
   * leaves): its inverse is the trial's CRB. Infinity without noise.
   */
  fisher = 0;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly rand: () => number;
  private readonly rms: number;
  /** sqrt(referencePower), bins 0 ..= N/2. */
  private readonly gain: Float64Array;
  /** 2 w_k^2 (w_N/2^2 = pi^2 for the Nyquist bin, counted once), times the noisy-reference share of bin k at `shareNoise`. */
  private readonly weight: Float64Array;
  private shareNoise = NaN;
  private shareNoisy = false;
  private spare = 0;
  private hasSpare = false;

  constructor(size: number, seed: number, rms = SHIFT_SWEEP_RMS, reference: ShiftReference = 'white') {
    if (!(Number.isInteger(size) && size >= 4 && (size & (size - 1)) === 0))
      throw new RangeError(`size must be a power of two >= 4, got ${size}`);
    this.size = size;
    this.reference = reference;
    this.re = new Float64Array(size);
    this.im = new Float64Array(size);
    this.rand = mulberry32(seed);
    this.rms = rms;
    this.gain = referencePower(reference, size).map(Math.sqrt);
    this.weight = new Float64Array(size / 2 + 1);
  }

  /** The per-bin weights of `fisher` for this noise (recomputed only when it changes). */
  private weights(noiseRms: number, noisyReference: boolean): Float64Array {
    if (noiseRms === this.shareNoise && noisyReference === this.shareNoisy) return this.weight;
    const n = this.size;
    const half = n / 2;
    const snr = (this.rms * this.rms) / (noiseRms * noiseRms); // the per-sample SNR
    for (let k = 0; k <= half; k++) {
      const w = (2 * Math.PI * k) / n;
      const base = (k === 0 || k === half ? 1 : 2) * w * w;
      this.weight[k] = noisyReference ? base * noisyReferenceShare(this.gain[k]! ** 2 * snr) : base;
    }
    this.shareNoise = noiseRms;
    this.shareNoisy = noisyReference;
    return this.weight;
  }

  /** A uniform number in [0, 1) from the generator's stream (the sweep draws its delays here). */
  uniform(): number {
    return this.rand();
  }

  /** A standard normal number (Box-Muller, both outputs used). */
  gaussian(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    const r = Math.sqrt(-2 * Math.log(1 - this.rand()));
    const a = 2 * Math.PI * this.rand();
    this.spare = r * Math.sin(a);
    this.hasSpare = true;
    return r * Math.cos(a);
  }

  /**
   * A new pair: `reference` gets the clean reference plus noise of RMS `noiseRms` when
   * `noisyReference`, `input` the reference delayed by `delay` samples (`input(n) ~ reference(n -
   * delay)`) plus independent noise of RMS `noiseRms`. Both arrays are `size` long. Updates
   * `energy`, `slopeEnergy` and `fisher` for the clean reference.
   */
  generate(delay: number, noiseRms: number, noisyReference: boolean, reference: Float32Array, input: Float32Array): void {
    const n = this.size;
    const half = n / 2;
    const { re, im } = this;
    if (reference.length !== n || input.length !== n) throw new RangeError(`the frames must hold ${n} samples`);
    // Z(k) = X(k) + i Y(k), Y(k) = X(k) e^{-i w_k delay}; X Hermitian, so is Y, and the inverse
    // transform of Z is reference + i input.
    const side = this.rms * Math.sqrt(n / 2); // std of Re X(k) and Im X(k), 0 < k < N/2, for white
    const edge = this.rms * Math.sqrt(n); // std of the real bins 0 and N/2, for white
    const gain = this.gain;
    const weight = noiseRms > 0 ? this.weights(noiseRms, noisyReference) : null;
    let energy = 0;
    let slope = 0;
    let info = 0; // sum_k weight_k |X(k)|^2, over N sigma^2 below
    const x0 = edge * gain[0]! * this.gaussian();
    re[0] = x0;
    im[0] = x0; // Y(0) = X(0)
    energy += x0 * x0;
    for (let k = 1; k < half; k++) {
      const xr = side * gain[k]! * this.gaussian();
      const xi = side * gain[k]! * this.gaussian();
      const w = (2 * Math.PI * k) / n;
      const phi = -w * delay;
      const c = Math.cos(phi);
      const s = Math.sin(phi);
      const yr = xr * c - xi * s;
      const yi = xr * s + xi * c;
      re[k] = xr - yi;
      im[k] = xi + yr;
      re[n - k] = xr + yi; // X(N-k) + i Y(N-k) with X(N-k) = conj X(k), Y(N-k) = conj Y(k)
      im[n - k] = yr - xi;
      const p = xr * xr + xi * xi;
      energy += 2 * p;
      slope += 2 * w * w * p;
      if (weight) info += weight[k]! * p;
    }
    const xh = edge * gain[half]! * this.gaussian();
    re[half] = xh;
    im[half] = xh * Math.cos(Math.PI * delay); // the Nyquist bin of a real signal keeps its real part
    energy += xh * xh;
    slope += Math.PI * Math.PI * xh * xh;
    if (weight) info += weight[half]! * xh * xh;
    this.energy = energy / n;
    this.slopeEnergy = slope / n;
    this.fisher = weight ? info / (n * noiseRms * noiseRms) : Infinity;
    // inverse FFT by conjugation: z = conj(FFT(conj Z)) / N, reference = Re z, input = Im z
    for (let k = 0; k < n; k++) im[k] = -im[k]!;
    complexFft(re, im);
    const inv = 1 / n;
    if (noisyReference) {
      for (let i = 0; i < n; i++) reference[i] = re[i]! * inv + noiseRms * this.gaussian();
    } else {
      for (let i = 0; i < n; i++) reference[i] = re[i]! * inv;
    }
    for (let i = 0; i < n; i++) input[i] = -im[i]! * inv + noiseRms * this.gaussian();
  }
}

const macrotask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** Runs the sweep; see the module comment. Rejects with a RangeError on bad options. */
export async function runShiftSweep(opts: ShiftSweepOptions): Promise<ShiftSweepResult> {
  checkShiftSweepOptions(opts);
  const { wasm, snrsDb, trials, size, hypotheses, span, phat, noisyReference, signal, onProgress } = opts;
  const reference = opts.reference ?? 'white';
  const yieldEvery = opts.yieldEvery ?? 0;
  signal?.throwIfAborted();
  const t0 = performance.now();

  const x = bindShift(wasm);
  wasm.init(128);
  const created = x.shift_create(size, hypotheses);
  if (created < 0) throw new Error(`shift_create(${size}, ${hypotheses}) failed: ${statusMessage(created)}`);
  const set = x.shift_set_params(span, NaN, phat ? 1 : 0);
  if (set < 0) throw new Error(`shift_set_params(span ${span}, automatic centre) failed: ${statusMessage(set)}`);
  const inputView = wasm.view(() => x.shift_input_ptr(), size);
  const referenceView = wasm.view(() => x.shift_reference_ptr(), size);

  const gen = new ShiftPairGenerator(size, opts.seed ?? 1, SHIFT_SWEEP_RMS, reference);
  const total = snrsDb.length * trials;
  const points: ShiftSweepPoint[] = [];
  let done = 0;
  for (const snrDb of snrsDb) {
    const noiseRms = SHIFT_SWEEP_RMS * Math.pow(10, -snrDb / 20);
    let sum = 0;
    let sumSq = 0;
    let crbSum = 0;
    let outliers = 0;
    let edges = 0;
    for (let t = 0; t < trials; t++) {
      signal?.throwIfAborted();
      const delay = (2 * gen.uniform() - 1) * SHIFT_SWEEP_MAX_DELAY;
      gen.generate(delay, noiseRms, noisyReference, referenceView.get(), inputView.get());
      const status = x.shift_process();
      if (status < 0) throw new Error(`shift_process failed: ${statusMessage(status)}`);
      const error = x.shift_value() - delay;
      sum += error;
      sumSq += error * error;
      if (!(Math.abs(error) <= SHIFT_OUTLIER_SAMPLES)) outliers++;
      const best = x.shift_best();
      if (best <= 0 || best >= hypotheses - 1) edges++;
      crbSum += 1 / gen.fisher;
      done++;
      onProgress?.(done, total);
      if (yieldEvery > 0 && done % yieldEvery === 0 && done < total) await macrotask();
    }
    const rmse = Math.sqrt(sumSq / trials);
    const crbStd = Math.sqrt(crbSum / trials);
    points.push({ snrDb, rmse, bias: sum / trials, crbStd, ratio: rmse / crbStd, outliers, edges, trials });
  }
  signal?.throwIfAborted();
  return { points, thresholdSnrDb: thresholdSnr(points), elapsedMs: performance.now() - t0 };
}
