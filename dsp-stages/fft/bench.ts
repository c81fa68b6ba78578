/**
 * fft/real-512, fft/real-4096, fft/real-32768: one plain real FFT (no window, no dB, no peak) of
 * N white-noise samples, the same input for every implementation:
 *
 * - stagebench: the wasm `fft_transform(in, out)` on buffers from `scratch_alloc` (the spectrum
 *   stage's planned SIMD128 real FFT; output N + 2 floats, re, im for k = 0..N/2);
 * - @echogarden/pffft-wasm: PFFFT's SIMD build, `pffft_transform_ordered` real forward, with its
 *   input, output and work buffers allocated once in its heap (output N floats: DC, Nyquist,
 *   then re, im for k = 1..N/2-1);
 * - fft.js: `realTransform(out, input)` into a `createComplexArray()` array (it fills k = 0..N/2,
 *   its normal use; `completeSpectrum` would add the mirrored half);
 * - kissfft-js: `new FFTR(n).forward(input)` (copies the input into its heap, returns N + 2).
 *
 * Before timing, every output is checked: ours against the f64 reference FFT over the whole
 * spectrum, each peer against ours at a set of bins, so a misused peer API fails loudly.
 */
import FFT from 'fft.js';
import createPffft, { type PffftModule } from '@echogarden/pffft-wasm/simd';
import kissfft from 'kissfft-js';
import { whiteNoise } from '../signals.ts';
import { WINDOW_IDS } from './params.ts';
import { realFft, relativeRmsError } from './reference.ts';
import { statusMessage } from '../../worklet/abi.ts';
import type { BenchCase, BenchImpl } from '../bench-harness.ts';
import type { BenchEnv, BenchFile } from '../bench-harness.ts';
import { bindFft } from './bindings.ts';

export const FFT_BENCH_SIZES = [512, 4096, 32768] as const;
/** PFFFT's enum values (pffft.h). */
const PFFFT_REAL = 0;
const PFFFT_FORWARD = 0;
/** Largest error allowed at a checked bin, relative to that bin's magnitude (see `checkBins`). */
const PEER_TOLERANCE = 1e-3;
/** Ours against the f64 reference: relative RMS error over the spectrum. */
const OURS_TOLERANCE = 1e-5;

/** One implementation plus a way to read its last output as N + 2 floats (re, im for k = 0..N/2). */
export interface FftBenchImpl extends BenchImpl {
  /** Runs one transform and returns its spectrum in our layout (a copy or a fresh view). */
  spectrum(): ArrayLike<number>;
}

/** Bins compared with ours: DC, 1..10, a few spread up to the Nyquist bin. */
export function checkedBins(n: number): number[] {
  const bins = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, n / 8 + 1, n / 4 - 3, n / 2 - 1, n / 2];
  return [...new Set(bins)].sort((a, b) => a - b);
}

/**
 * Throws unless `theirs` matches `ours` at every checked bin: |X_theirs - X_ours| within
 * PEER_TOLERANCE of |X_ours| (floored at 1e-3 of the spectrum's RMS magnitude, so a bin that
 * happens to be nearly zero is not held to float noise).
 */
export function checkBins(name: string, n: number, ours: ArrayLike<number>, theirs: ArrayLike<number>): void {
  if (theirs.length < n + 2) throw new Error(`${name}: output has ${theirs.length} floats, expected at least ${n + 2}`);
  let sum = 0;
  for (let k = 0; k <= n / 2; k++) sum += ours[2 * k]! ** 2 + ours[2 * k + 1]! ** 2;
  const rms = Math.sqrt(sum / (n / 2 + 1));
  for (const k of checkedBins(n)) {
    const re = ours[2 * k]!,
      im = ours[2 * k + 1]!;
    const dre = theirs[2 * k]! - re,
      dim = theirs[2 * k + 1]! - im;
    const err = Math.hypot(dre, dim);
    const mag = Math.hypot(re, im);
    if (!(err <= PEER_TOLERANCE * Math.max(mag, 1e-3 * rms))) {
      throw new Error(
        `${name}: bin ${k} is ${theirs[2 * k]} ${theirs[2 * k + 1]}i, ours ${re} ${im}i ` +
          `(error ${(err / mag).toExponential(2)} of |X|, allowed ${PEER_TOLERANCE}): wrong API use or layout`,
      );
    }
  }
}

function oursImpl(env: BenchEnv, n: number, input: Float32Array): FftBenchImpl {
  const wasm = env.newWasm();
  const fx = bindFft(wasm);
  wasm.init(n);
  const rc = fx.fft_create(n, WINDOW_IDS.rect, 0);
  if (rc < 0) throw new Error(`fft_create(${n}) failed: ${statusMessage(rc)}`);
  const inPtr = wasm.exports.scratch_alloc(n);
  const outPtr = wasm.exports.scratch_alloc(n + 2);
  if (inPtr === 0 || outPtr === 0) throw new Error(`scratch_alloc failed for N = ${n}`);
  wasm.f32(inPtr, n).set(input);
  const run = (): void => {
    const status = fx.fft_transform(inPtr, outPtr);
    if (status !== 0) throw new Error(`fft_transform failed: ${statusMessage(status)}`);
  };
  return {
    name: 'stagebench',
    run,
    spectrum() {
      wasm.f32(outPtr, n + 2).fill(0);
      run();
      return wasm.f32(outPtr, n + 2);
    },
    check() {
      const err = relativeRmsError(this.spectrum(), realFft(input));
      if (!(err < OURS_TOLERANCE)) throw new Error(`spectrum differs from the f64 reference FFT: relative RMS ${err.toExponential(2)}`);
    },
  };
}

function pffftImpl(m: PffftModule, n: number, input: Float32Array): FftBenchImpl {
  const setup = m._pffft_new_setup(n, PFFFT_REAL);
  if (setup === 0) throw new Error(`pffft_new_setup(${n}, PFFFT_REAL) failed`);
  const inPtr = m._pffft_aligned_malloc(4 * n);
  const outPtr = m._pffft_aligned_malloc(4 * n);
  const workPtr = m._pffft_aligned_malloc(4 * n);
  if (inPtr === 0 || outPtr === 0 || workPtr === 0) throw new Error(`pffft_aligned_malloc failed for N = ${n}`);
  // HEAPF32 is read after the allocations (a heap growth replaces it)
  new Float32Array(m.HEAPF32.buffer, inPtr, n).set(input);
  const run = (): void => {
    m._pffft_transform_ordered(setup, inPtr, outPtr, workPtr, PFFFT_FORWARD);
  };
  return {
    name: '@echogarden/pffft-wasm',
    run,
    spectrum() {
      new Float32Array(m.HEAPF32.buffer, outPtr, n).fill(0);
      run();
      const packed = new Float32Array(m.HEAPF32.buffer, outPtr, n);
      // ordered real output: [DC, Nyquist, re1, im1, re2, im2, ...]
      const out = new Float32Array(n + 2);
      out.set(packed.subarray(2), 2);
      out[0] = packed[0]!;
      out[n] = packed[1]!;
      return out;
    },
  };
}

function fftJsImpl(n: number, input: Float32Array): FftBenchImpl {
  const fft = new FFT(n);
  const out = fft.createComplexArray() as number[];
  const run = (): void => {
    fft.realTransform(out, input);
  };
  return {
    name: 'fft.js',
    run,
    spectrum() {
      out.fill(0);
      run();
      return out.slice(0, n + 2);
    },
  };
}

function kissImpl(n: number, input: Float32Array): FftBenchImpl {
  const fftr = new kissfft.FFTR(n);
  let last: Float32Array | null = null;
  const run = (): void => {
    last = fftr.forward(input);
  };
  return {
    name: 'kissfft-js',
    run,
    spectrum() {
      run();
      return last!;
    },
  };
}

let pffftModule: PffftModule | null = null;

/** Loads PFFFT's SIMD module once (its Emscripten factory is async). */
export async function loadPffft(): Promise<PffftModule> {
  pffftModule ??= await createPffft();
  return pffftModule;
}

/** One case; `pffft` is the loaded module (see `fftBench.prepare`). */
export function fftCase(env: BenchEnv, pffft: PffftModule, n: number): BenchCase {
  const input = whiteNoise(n, 0.5, n);
  const ours = oursImpl(env, n, input);
  const peers = [pffftImpl(pffft, n, input), fftJsImpl(n, input), kissImpl(n, input)];
  for (const peer of peers) {
    peer.check = () => checkBins(peer.name, n, ours.spectrum(), peer.spectrum());
  }
  return { stage: 'fft', name: `fft/real-${n}`, ours: ours.name, impls: [ours, ...peers] };
}

export const fftBench: BenchFile = {
  help: `  The fft cases time one plain real FFT (no window) of size 512, 4096 and 32768 on the wasm
  (fft_transform) against @echogarden/pffft-wasm (SIMD build), fft.js and kissfft-js, after
  checking each peer's output against ours.
`,
  stage: 'fft',
  caseNames: FFT_BENCH_SIZES.map((n) => `fft/real-${n}`),
  async prepare() {
    await loadPffft();
  },
  cases(env) {
    if (!pffftModule) throw new Error('fft bench: prepare() must run before cases() (it loads PFFFT)');
    const pffft = pffftModule;
    return FFT_BENCH_SIZES.map((n) => fftCase(env, pffft, n));
  },
};
