/**
 * shift/32768x32: the delay between two frames of N = 32768 samples, estimated from their
 * cross-spectrum C(k) = X(k) conj(R(k)) (no PHAT), on H = 32 hypotheses spanning 4 samples
 * around the integer peak (a grid of 4/31 = 0.129 samples). The signal: white Gaussian noise and
 * a copy delayed by 100.37 samples, each with independent noise at 30 dB SNR
 * (dsp-stages/delayed-pair.ts `delayedPair`, seeds 1..8; the timed pair is seed 1).
 *
 * Every implementation starts from the same cross-spectrum (the stage's, as f32) and returns a
 * delay; what each call times:
 *
 * - `stagebench (ramp scores)` (ours): `shift_rescore()`, the stage's scoring step: the 32
 *   phase-ramp scores from the cross-spectrum around the centre the stage found (rust/src/shift.rs:
 *   per-bin phasor ramps, one dot product per hypothesis, no inverse FFT), the best hypothesis
 *   and its parabolic refinement;
 * - `stagebench (centre IFFT + ramp scores)`: `shift_process_part(2)` then `shift_rescore()`, the
 *   stage's whole estimate after the two forward FFTs: the cross-spectrum from the two spectra
 *   (work the peers are spared: they are handed it), one inverse FFT and its peak (the integer
 *   centre), the ramp scores and refinement. (Part 3 of a live analysis also computes the power
 *   spectra the display copies: left out, it is not part of the estimate);
 * - `@echogarden/pffft-wasm (1 inverse FFT + parabola)`: the usual engineer's estimate: one
 *   inverse real FFT of N points, the peak over all N lags, a parabola through the peak and its
 *   two neighbours;
 * - `@echogarden/pffft-wasm (8x zero-padded inverse FFT + parabola)`: the cross-spectrum
 *   zero-padded to 8N = 262144 points (a grid of 1/8 sample, as fine as the hypotheses'), one
 *   inverse FFT, the peak over all 8N points, a parabola through it;
 * - `@echogarden/pffft-wasm (32 inverse FFTs)`: what the ramps avoid: each hypothesis' spectrum
 *   C(k) e^{2 pi i k tau_h / N} through an inverse FFT, read at lag 0, then the best and a parabola.
 *   The 32 ramped spectra are built off the clock (N/2 complex products each): the figure is a
 *   lower bound for that path.
 *
 * PFFFT (its SIMD build) gets its best case: the spectra are handed over in its internal order
 * (`pffft_zreorder` once, off the clock), so each inverse is the unordered `pffft_transform`, and
 * its buffers are allocated once in its heap.
 *
 * Before timing: our scores against the kernel's slow path (one inverse FFT per hypothesis) within
 * 1e-4 of the largest, and our shift within 0.02 of 100.37; PFFFT's correlation (1 and 8x padded,
 * scaled by 1/N) against the stage's coarse correlation at every integer lag within 1e-4 of its
 * peak, and its 32 scores against ours within 1e-4 of the largest.
 *
 * Accuracy (off the clock): each implementation's |estimate - 100.37| on the timed pair and the
 * RMSE over the 8 seeded pairs, each implementation's full method (the centre found by its own
 * inverse FFT where it needs one).
 */
import type { PffftModule } from '@echogarden/pffft-wasm/simd';
import { delayedPair } from '../delayed-pair.ts';
import { statusMessage, type StagebenchWasm } from '../../worklet/abi.ts';
import type { BenchAccuracy, BenchCase, BenchImpl } from '../bench-harness.ts';
import type { BenchEnv, BenchFile } from '../bench-harness.ts';
import { loadPffft } from '../fft/bench.ts';
import { bindShift } from './bindings.ts';

export const SHIFT_BENCH_N = 32768;
export const SHIFT_BENCH_H = 32;
/** Hypothesis span, samples: the grid is SPAN / (H - 1) = 0.129 samples. */
export const SHIFT_BENCH_SPAN = 4;
export const SHIFT_BENCH_DELAY = 100.37;
export const SHIFT_BENCH_SNR_DB = 30;
/** Seeds of the accuracy trials; the first is the timed pair. */
export const SHIFT_BENCH_SEEDS = [1, 2, 3, 4, 5, 6, 7, 8] as const;
/** Zero-padding factor: the smallest power of two whose grid (1/PAD) is as fine as the hypotheses'. */
export const SHIFT_BENCH_PAD = 2 ** Math.ceil(Math.log2((SHIFT_BENCH_H - 1) / SHIFT_BENCH_SPAN));

export const SHIFT_BENCH_IMPLS = [
  'stagebench (ramp scores)',
  'stagebench (centre IFFT + ramp scores)',
  '@echogarden/pffft-wasm (1 inverse FFT + parabola)',
  `@echogarden/pffft-wasm (${SHIFT_BENCH_PAD}x zero-padded inverse FFT + parabola)`,
  `@echogarden/pffft-wasm (${SHIFT_BENCH_H} inverse FFTs)`,
] as const;

const N = SHIFT_BENCH_N;
const H = SHIFT_BENCH_H;
/** PFFFT's enum values (pffft.h). */
const PFFFT_REAL = 0;
const PFFFT_BACKWARD = 1;
/** Correlations and scores must agree within this share of their largest magnitude. */
const AGREE = 1e-4;

/** The delay of hypothesis `h` around `centre` (rust/src/shift.rs `hypothesis_tau`). */
export function hypothesisTau(centre: number, h: number): number {
  return centre + SHIFT_BENCH_SPAN * (h / (H - 1) - 0.5);
}

/** Vertex offset of the parabola through (-1, ym), (0, y0), (1, yp), clamped to +-0.5 (0 when not a peak). */
export function parabolaVertex(ym: number, y0: number, yp: number): number {
  const curv = ym - 2 * y0 + yp;
  if (!(curv < 0)) return 0;
  return Math.min(0.5, Math.max(-0.5, (0.5 * (ym - yp)) / curv));
}

/** Index of the largest value (the first on ties). */
export function argmax(xs: ArrayLike<number>): number {
  let best = 0;
  let bestV = -Infinity;
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i]!;
    if (v > bestV) {
      bestV = v;
      best = i;
    }
  }
  return best;
}

/**
 * The refined peak of a circular correlation sampled on a grid of `1 / perSample` samples (lag
 * index `i` is `i / perSample`, indices above half the length negative): argmax plus a parabola
 * through its neighbours, in samples.
 */
export function refinedPeak(corr: ArrayLike<number>, perSample: number): number {
  const m = corr.length;
  const i = argmax(corr);
  const d = parabolaVertex(corr[(i + m - 1) % m]!, corr[i]!, corr[(i + 1) % m]!);
  const lag = i <= m / 2 ? i : i - m;
  return (lag + d) / perSample;
}

/** The accuracy figures of estimates of SHIFT_BENCH_DELAY, the first from the timed pair. */
export function shiftAccuracy(estimates: readonly number[]): BenchAccuracy {
  const errors = estimates.map((e) => e - SHIFT_BENCH_DELAY);
  const absError = Math.abs(errors[0]!);
  const rmse = Math.sqrt(errors.reduce((a, e) => a + e * e, 0) / errors.length);
  return {
    summary: `|err| ${absError.toFixed(4)}, RMSE ${rmse.toFixed(4)} samples (${estimates.length} seeds)`,
    figures: {
      trueDelaySamples: SHIFT_BENCH_DELAY,
      snrDb: SHIFT_BENCH_SNR_DB,
      absErrorSamples: absError,
      rmseSamples: rmse,
      trials: estimates.length,
    },
  };
}

/** A pair of frames per seed (the slow part of building the case: two f64 FFTs each). */
export interface ShiftTrial {
  seed: number;
  input: Float32Array;
  reference: Float32Array;
}

export function shiftTrials(seeds: readonly number[] = SHIFT_BENCH_SEEDS): ShiftTrial[] {
  return seeds.map((seed) => ({ seed, ...delayedPair({ n: N, delay: SHIFT_BENCH_DELAY, snrDb: SHIFT_BENCH_SNR_DB, seed }) }));
}

// ------------------------------------------------------------------------------------------------
// ours: the wasm shift stage

/** A shift stage on its own wasm instance, analysing `pair` (the timed frames). */
function stage(wasm: StagebenchWasm, pair: ShiftTrial) {
  const x = bindShift(wasm);
  wasm.init(128);
  const rc = x.shift_create(N, H);
  if (rc < 0) throw new Error(`shift_create failed: ${statusMessage(rc)}`);
  const ps = x.shift_set_params(SHIFT_BENCH_SPAN, NaN, 0);
  if (ps < 0) throw new Error(`shift_set_params failed: ${statusMessage(ps)}`);
  const analyse = (p: ShiftTrial): void => {
    wasm.f32(x.shift_input_ptr(), N).set(p.input);
    wasm.f32(x.shift_reference_ptr(), N).set(p.reference);
    const s = x.shift_process();
    if (s < 0) throw new Error(`shift_process failed: ${statusMessage(s)}`);
  };
  analyse(pair);
  return {
    x,
    analyse,
    /** The stage's full estimate of each trial, then the timed pair analysed again. */
    estimates(trials: readonly ShiftTrial[]): number[] {
      const out = trials.map((t) => {
        analyse(t);
        return x.shift_value();
      });
      analyse(pair);
      return out;
    },
    cross: () => wasm.f32(x.shift_cross_ptr(), N + 2).slice(),
    correlation: () => wasm.f32(x.shift_correlation_ptr(), N).slice(),
    scores: () => wasm.f32(x.shift_scores_ptr(), H).slice(),
    referenceScores(): Float64Array {
      const out = wasm.exports.scratch_alloc(2 * H);
      const s = x.shift_reference_scores(out);
      const ref = new Float64Array(wasm.exports.memory.buffer, out, H).slice();
      wasm.exports.scratch_free(out, 2 * H);
      if (s < 0) throw new Error(`shift_reference_scores failed: ${statusMessage(s)}`);
      return ref;
    },
  };
}

type Stage = ReturnType<typeof stage>;

/** Largest |a - b| over the largest |b|. */
function relativeDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return worst / scale;
}

function rampScoresImpl(s: Stage, trials: readonly ShiftTrial[]): BenchImpl {
  return {
    name: SHIFT_BENCH_IMPLS[0],
    run() {
      s.x.shift_rescore();
    },
    check() {
      if (s.x.shift_rescore() < 0) throw new Error('shift_rescore failed');
      const worst = relativeDiff(s.scores(), s.referenceScores());
      if (!(worst <= AGREE)) throw new Error(`shift scores differ from the inverse-FFT path by ${worst} of the largest`);
      const shift = s.x.shift_value();
      if (!(Math.abs(shift - SHIFT_BENCH_DELAY) < 0.02)) throw new Error(`shift ${shift} instead of ${SHIFT_BENCH_DELAY}`);
    },
    accuracy: () => shiftAccuracy(s.estimates(trials)),
  };
}

function centrePlusRampsImpl(s: Stage, trials: readonly ShiftTrial[]): BenchImpl {
  return {
    name: SHIFT_BENCH_IMPLS[1],
    run() {
      s.x.shift_process_part(2);
      s.x.shift_rescore();
    },
    check() {
      if (s.x.shift_process_part(2) < 0 || s.x.shift_rescore() < 0) throw new Error('shift_process_part(2) or shift_rescore failed');
      const shift = s.x.shift_value();
      if (!(Math.abs(shift - SHIFT_BENCH_DELAY) < 0.02)) throw new Error(`shift ${shift} instead of ${SHIFT_BENCH_DELAY}`);
    },
    accuracy: () => shiftAccuracy(s.estimates(trials)),
  };
}

// ------------------------------------------------------------------------------------------------
// PFFFT

/** An inverse real FFT of `size` points in PFFFT's heap, fed spectra in its internal order. */
class PffftInverse {
  private readonly setup: number;
  private readonly ordered: number;
  private readonly work: number;
  readonly out: number;
  private view: Float32Array | null = null;

  constructor(
    private readonly m: PffftModule,
    readonly size: number,
  ) {
    this.setup = m._pffft_new_setup(size, PFFFT_REAL);
    if (this.setup === 0) throw new Error(`pffft_new_setup(${size}, PFFFT_REAL) failed`);
    this.ordered = this.alloc(size);
    this.work = this.alloc(size);
    this.out = this.alloc(size);
  }

  alloc(floats: number): number {
    const p = this.m._pffft_aligned_malloc(4 * floats);
    if (p === 0) throw new Error(`pffft_aligned_malloc(${4 * floats}) failed`);
    return p;
  }

  f32(ptr: number, n: number): Float32Array {
    return new Float32Array(this.m.HEAPF32.buffer, ptr, n);
  }

  /**
   * Writes a spectrum into `dest` in PFFFT's internal order. `fill(ordered)` writes PFFFT's
   * ordered real layout: DC, Nyquist (real parts), then re, im of bins 1 .. size/2 - 1.
   */
  load(dest: number, fill: (ordered: Float32Array) => void): void {
    const ordered = this.f32(this.ordered, this.size);
    ordered.fill(0);
    fill(ordered);
    this.m._pffft_zreorder(this.setup, this.ordered, dest, PFFFT_BACKWARD);
  }

  /** The unordered backward transform of `input` (internal order) into `out` (unnormalised). */
  inverse(input: number): void {
    this.m._pffft_transform(this.setup, input, this.out, this.work, PFFFT_BACKWARD);
  }

  /** A view of the output, rebuilt if the heap grew. */
  output(): Float32Array {
    if (!this.view || this.view.buffer !== this.m.HEAPF32.buffer) this.view = this.f32(this.out, this.size);
    return this.view;
  }
}

/** PFFFT's ordered layout of our cross-spectrum (N + 2 floats: re, im of bins 0 .. N/2), zero-padded to `ordered.length`. */
export function orderedCross(cross: ArrayLike<number>, ordered: Float32Array): void {
  const half = (cross.length - 2) / 2;
  if (ordered.length === 2 * half) {
    ordered[0] = cross[0]!;
    ordered[1] = cross[2 * half]!;
    for (let i = 2; i < 2 * half; i++) ordered[i] = cross[i]!;
    return;
  }
  // padded: the Nyquist bin N/2 becomes an interior bin, halved (its Hermitian image adds the other half)
  ordered[0] = cross[0]!;
  for (let i = 2; i < 2 * half; i++) ordered[i] = cross[i]!;
  ordered[2 * half] = cross[2 * half]! / 2;
  ordered[2 * half + 1] = cross[2 * half + 1]! / 2;
}

/** Throws unless `corr / scale` at lag index `l * step` equals the stage's correlation at lag l, for every integer lag. */
function checkCorrelation(name: string, corr: Float32Array, step: number, scale: number, ours: Float32Array): void {
  const got = new Float32Array(N);
  for (let l = 0; l < N; l++) {
    const lag = l <= N / 2 ? l : l - N;
    got[l] = corr[(lag * step + corr.length) % corr.length]! / scale;
  }
  const worst = relativeDiff(got, ours);
  if (!(worst <= AGREE)) throw new Error(`${name}: correlation differs from the stage's by ${worst} of its peak: wrong layout or scale`);
}

function oneInverseImpl(m: PffftModule, s: Stage, crosses: readonly Float32Array[]): BenchImpl {
  const fft = new PffftInverse(m, N);
  const input = fft.alloc(N);
  const estimate = (): number => {
    fft.inverse(input);
    return refinedPeak(fft.output(), 1);
  };
  fft.load(input, (o) => orderedCross(crosses[0]!, o));
  return {
    name: SHIFT_BENCH_IMPLS[2],
    run: () => void estimate(),
    check() {
      fft.inverse(input);
      checkCorrelation(this.name, fft.output(), 1, N, s.correlation());
    },
    accuracy() {
      const out = crosses.map((c) => {
        fft.load(input, (o) => orderedCross(c, o));
        return estimate();
      });
      fft.load(input, (o) => orderedCross(crosses[0]!, o));
      return shiftAccuracy(out);
    },
  };
}

function paddedInverseImpl(m: PffftModule, s: Stage, crosses: readonly Float32Array[]): BenchImpl {
  const fft = new PffftInverse(m, SHIFT_BENCH_PAD * N);
  const input = fft.alloc(fft.size);
  const estimate = (): number => {
    fft.inverse(input);
    return refinedPeak(fft.output(), SHIFT_BENCH_PAD);
  };
  fft.load(input, (o) => orderedCross(crosses[0]!, o));
  return {
    name: SHIFT_BENCH_IMPLS[3],
    run: () => void estimate(),
    check() {
      fft.inverse(input);
      checkCorrelation(this.name, fft.output(), SHIFT_BENCH_PAD, N, s.correlation());
    },
    accuracy() {
      const out = crosses.map((c) => {
        fft.load(input, (o) => orderedCross(c, o));
        return estimate();
      });
      fft.load(input, (o) => orderedCross(crosses[0]!, o));
      return shiftAccuracy(out);
    },
  };
}

/** C(k) e^{2 pi i k tau / N} in PFFFT's ordered layout (phasors in f64, as the kernel's slow path). */
function rampedCross(cross: ArrayLike<number>, tau: number, ordered: Float32Array): void {
  for (let k = 0; k <= N / 2; k++) {
    const a = 2 * Math.PI * (((k * tau) / N) % 1);
    const c = Math.cos(a),
      sn = Math.sin(a);
    const cr = cross[2 * k]!,
      ci = cross[2 * k + 1]!;
    const re = cr * c - ci * sn;
    const im = cr * sn + ci * c;
    if (k === 0) ordered[0] = re;
    else if (k === N / 2) ordered[1] = re;
    else {
      ordered[2 * k] = re;
      ordered[2 * k + 1] = im;
    }
  }
}

function inverseFftsImpl(m: PffftModule, s: Stage, crosses: readonly Float32Array[]): BenchImpl {
  const fft = new PffftInverse(m, N);
  const coarse = fft.alloc(N);
  const ramped = Array.from({ length: H }, () => fft.alloc(N));
  const scores = new Float64Array(H);
  let centre = 0;
  /** Off the clock: the integer centre by one inverse FFT, then the H ramped spectra. */
  const prepare = (cross: Float32Array): void => {
    fft.load(coarse, (o) => orderedCross(cross, o));
    fft.inverse(coarse);
    const out = fft.output();
    const i = argmax(out);
    centre = i <= N / 2 ? i : i - N;
    ramped.forEach((ptr, h) => fft.load(ptr, (o) => rampedCross(cross, hypothesisTau(centre, h), o)));
  };
  const estimate = (): number => {
    for (let h = 0; h < H; h++) {
      fft.inverse(ramped[h]!);
      scores[h] = fft.output()[0]!;
    }
    const best = argmax(scores);
    const tau = hypothesisTau(centre, best);
    if (best === 0 || best === H - 1) return tau;
    return tau + parabolaVertex(scores[best - 1]!, scores[best]!, scores[best + 1]!) * (SHIFT_BENCH_SPAN / (H - 1));
  };
  prepare(crosses[0]!);
  return {
    name: SHIFT_BENCH_IMPLS[4],
    run: () => void estimate(),
    check() {
      estimate();
      if (centre !== s.x.shift_centre()) throw new Error(`${this.name}: centre ${centre}, the stage's ${s.x.shift_centre()}`);
      const worst = relativeDiff(
        Array.from(scores, (v) => v / N),
        s.scores(),
      );
      if (!(worst <= AGREE)) throw new Error(`${this.name}: scores differ from the stage's by ${worst} of the largest`);
    },
    accuracy() {
      const out = crosses.map((c) => {
        prepare(c);
        return estimate();
      });
      prepare(crosses[0]!);
      return shiftAccuracy(out);
    },
  };
}

// ------------------------------------------------------------------------------------------------

let pffft: PffftModule | null = null;

export function shiftCase(env: BenchEnv, m: PffftModule, trials: readonly ShiftTrial[] = shiftTrials()): BenchCase {
  const timed = trials[0]!;
  const a = stage(env.newWasm(), timed);
  const b = stage(env.newWasm(), timed);
  // every pair's cross-spectrum as the stage forms it: the peers' common input
  const crosses = trials.map((t) => {
    a.analyse(t);
    return a.cross();
  });
  a.analyse(timed);
  const impls = [
    rampScoresImpl(a, trials),
    centrePlusRampsImpl(b, trials),
    oneInverseImpl(m, a, crosses),
    paddedInverseImpl(m, a, crosses),
    inverseFftsImpl(m, a, crosses),
  ];
  return { stage: 'shift', name: `shift/${N}x${H}`, ours: SHIFT_BENCH_IMPLS[0], impls };
}

export const shiftBench: BenchFile = {
  help: `  shift/32768x32 estimates the delay of white noise delayed by 100.37 samples (30 dB SNR, 32768
  samples) from its cross-spectrum, the accuracy beside the speed (|error| on the timed pair,
  RMSE over 8 seeded pairs): ours, the 32 phase-ramp scores over 4 samples plus a parabola
  (shift_rescore), and the stage's whole estimate with its centre inverse FFT; against
  @echogarden/pffft-wasm doing one inverse FFT + a parabola, an 8x zero-padded inverse FFT (the
  hypotheses' resolution) + a parabola, and 32 inverse FFTs, one per hypothesis (what the ramps
  avoid; the ramped spectra built off the clock).
`,
  stage: 'shift',
  caseNames: [`shift/${N}x${H}`],
  async prepare() {
    pffft = await loadPffft();
  },
  cases(env: BenchEnv): BenchCase[] {
    if (!pffft) throw new Error('shift bench: prepare() must run before cases() (it loads PFFFT)');
    return [shiftCase(env, pffft)];
  },
};
