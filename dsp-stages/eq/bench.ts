/**
 * eq/8x128 and eq/8x1024: a block of white noise (+-0.5, 48 kHz) through the 8-band EQ with the
 * story's default bands (eqBands(defaultParams(eqParams)): highpass, lowshelf, three peaking,
 * notch, highshelf, lowpass, all eight sections active), the same input block every call, the
 * filter state carried from call to call:
 *
 * - eq/8x128 is what the worklet runs per render quantum: 128 frames, the EQ created for
 *   128-frame quanta (eq_create(48000, 128)), so a call pays the per-quantum NaN/Inf check and
 *   the kernel's pipeline fill once, as the live stage does every quantum;
 * - eq/8x1024 is one block of 1024 frames with the EQ created for blocks of 1024 (as the worker
 *   pool's process_audio creates it): those per-block costs once per 1024 samples.
 *
 * The implementations:
 *
 * - stagebench: the wasm `eq_process_buffer(in, out, n)` on buffers from `scratch_alloc`,
 *   `eq_reset` after the bands are set (settled: no smoothing or fade running);
 * - hand-written JS DF2T cascade: a plain JavaScript Direct Form II transposed cascade of the
 *   same eight sections written for this bench (`JsBiquadCascade`: coefficients from
 *   coefficients.ts, the Web Audio definitions; each section filters the whole block in turn
 *   with its coefficients and state in locals; Float64Array state, Float32Array in and out);
 * - fili (IirFilter.multiStep): the npm biquad library fili, its `IirFilter` built from the same
 *   sections' coefficients (`{ k: 1, a: [a1, a2], b: [b0, b1, b2] }`) and run with
 *   `multiStep(block, true)` on a copy of the input (Direct Form II, every section per sample,
 *   state in its own arrays). fili's own designs are not used: they give the three peaking
 *   sections exactly, but its shelves (another slope), its bandstop (a bandwidth, not Q) and
 *   its pass filters (Q is in dB in Web Audio; fili returns NaN for Q = 0) are other filters.
 *
 * Before timing, every implementation starts from rest on one block and must agree with ours
 * within 1e-4 (the wasm arithmetic rounds each section's output to f32, as Chromium does; the
 * JS ones keep f64 within a section), and ours must differ from the input (the filters run).
 *
 * eq-fast/8x128 and eq-fast/8x1024 are the same cases with the EQ at precision `fast`
 * (eq_set_precision(1): the sections in f32, four to a SIMD128 vector), against the same peers;
 * the output check allows 2e-3 there (fast departs from the f64 arithmetic by up to ~1e-4 on
 * ordinary settings).
 *
 * Ours reports its accuracy beside its time: the largest |ours - f64| on one block from rest, the
 * f64 being the JS DF2T cascade (exact: Chromium's f32-rounded outputs; fast: the f32 kernel).
 */
import Fili from 'fili';
import { defaultParams } from '../params.ts';
import { whiteNoise } from '../signals.ts';
import { RENDER_QUANTUM_FRAMES } from '../types.ts';
import { biquadCoefficients } from './coefficients.ts';
import { EQ_TYPES, eqBands, eqParams, type EqBand, type EqPrecision } from './params.ts';
import { statusMessage } from '../../worklet/abi.ts';
import type { BenchAccuracy, BenchCase, BenchImpl } from '../bench-harness.ts';
import type { BenchEnv, BenchFile } from '../bench-harness.ts';
import { bindEq } from './bindings.ts';

/** Block sizes: one render quantum, and a 1024-frame block. */
export const EQ_BENCH_SIZES = [RENDER_QUANTUM_FRAMES, 1024] as const;
export const EQ_BENCH_RATE = 48000;
/** Largest |ours - peer| allowed on the checked block. */
export const EQ_BENCH_TOLERANCE = 1e-4;
/** The same at precision `fast`. */
export const EQ_FAST_BENCH_TOLERANCE = 2e-3;
/** The precisions benched, and their case-name prefixes. */
export const EQ_BENCH_PRECISIONS = [
  { precision: 'exact', prefix: 'eq', tolerance: EQ_BENCH_TOLERANCE },
  { precision: 'fast', prefix: 'eq-fast', tolerance: EQ_FAST_BENCH_TOLERANCE },
] as const satisfies readonly { precision: EqPrecision; prefix: string; tolerance: number }[];
/** The peers' names, in the order of the case's impls (after ours). */
export const EQ_PEER_NAMES = ['hand-written JS DF2T cascade', 'fili (IirFilter.multiStep)'] as const;

/** A block-processing implementation whose state can be cleared (for the output check). */
export interface EqBenchImpl extends BenchImpl {
  /** Clears the filter state, runs one block from rest and returns a copy of its output. */
  blockFromRest(): Float32Array;
  /** A copy of the output of the last call. */
  lastOutput(): Float32Array;
}

/**
 * A plain DF2T biquad cascade: coefficients b0, b1, b2, a1, a2 per section (normalised by a0) in
 * a Float64Array, state s1, s2 per section in a Float64Array. Each section filters the whole
 * block (the first from `input`, the others in place in `output`).
 */
export class JsBiquadCascade {
  readonly sections: number;
  private readonly coefs: Float64Array;
  private readonly state: Float64Array;

  constructor(bands: readonly EqBand[], sampleRate: number) {
    this.sections = bands.length;
    this.coefs = new Float64Array(5 * bands.length);
    this.state = new Float64Array(2 * bands.length);
    bands.forEach((band, k) => {
      const c = biquadCoefficients(band, sampleRate);
      this.coefs.set([c.b0, c.b1, c.b2, c.a1, c.a2], 5 * k);
    });
  }

  reset(): void {
    this.state.fill(0);
  }

  process(input: Float32Array, output: Float32Array): void {
    const n = input.length;
    const c = this.coefs;
    const st = this.state;
    let src = input;
    for (let k = 0; k < this.sections; k++) {
      const b0 = c[5 * k]!,
        b1 = c[5 * k + 1]!,
        b2 = c[5 * k + 2]!,
        a1 = c[5 * k + 3]!,
        a2 = c[5 * k + 4]!;
      let s1 = st[2 * k]!,
        s2 = st[2 * k + 1]!;
      for (let i = 0; i < n; i++) {
        const x = src[i]!;
        const y = b0 * x + s1;
        s1 = b1 * x - a1 * y + s2;
        s2 = b2 * x - a2 * y;
        output[i] = y;
      }
      st[2 * k] = s1;
      st[2 * k + 1] = s2;
      src = output;
    }
  }
}

/** The story's default bands: every section in use. */
export function benchBands(): EqBand[] {
  return eqBands(defaultParams(eqParams));
}

function oursImpl(env: BenchEnv, bands: readonly EqBand[], input: Float32Array, precision: EqPrecision): EqBenchImpl {
  const n = input.length;
  const wasm = env.newWasm();
  wasm.init(RENDER_QUANTUM_FRAMES);
  const x = bindEq(wasm);
  // created for blocks of the case's length: one call is one block (one NaN check, one pipeline fill)
  const rc = x.eq_create(EQ_BENCH_RATE, n);
  if (rc < 0) throw new Error(`eq_create failed: ${statusMessage(rc)}`);
  bands.forEach((band, i) => {
    const s = x.eq_set_band(i, EQ_TYPES.indexOf(band.type), band.frequencyHz, band.gainDb, band.q);
    if (s < 0) throw new Error(`eq_set_band(${i}, ${band.type}) failed: ${statusMessage(s)}`);
  });
  x.eq_set_bypass(0);
  const p = x.eq_set_precision(precision === 'fast' ? 1 : 0);
  if (p < 0) throw new Error(`eq_set_precision failed: ${statusMessage(p)}`);
  x.eq_reset();
  const inPtr = wasm.exports.scratch_alloc(n);
  const outPtr = wasm.exports.scratch_alloc(n);
  if (inPtr === 0 || outPtr === 0) throw new Error(`scratch_alloc(${n}) failed`);
  wasm.f32(inPtr, n).set(input);
  const run = (): void => {
    const status = x.eq_process_buffer(inPtr, outPtr, n);
    if (status !== 0) throw new Error(`eq_process_buffer failed: ${statusMessage(status)}`);
  };
  return {
    name: 'stagebench',
    run,
    blockFromRest() {
      x.eq_reset();
      run();
      return this.lastOutput();
    },
    lastOutput: () => wasm.f32(outPtr, n).slice(),
  };
}

function jsImpl(bands: readonly EqBand[], input: Float32Array): EqBenchImpl {
  const cascade = new JsBiquadCascade(bands, EQ_BENCH_RATE);
  const output = new Float32Array(input.length);
  const run = (): void => cascade.process(input, output);
  return {
    name: EQ_PEER_NAMES[0],
    run,
    blockFromRest() {
      cascade.reset();
      run();
      return output.slice();
    },
    lastOutput: () => output.slice(),
  };
}

/** fili's IirFilter over the same sections (coefficients normalised by a0, gain k = 1). */
function filiImpl(bands: readonly EqBand[], input: Float32Array): EqBenchImpl {
  const filter = new Fili.IirFilter(
    bands.map((band) => {
      const c = biquadCoefficients(band, EQ_BENCH_RATE);
      return { k: 1, a: [c.a1, c.a2], b: [c.b0, c.b1, c.b2] };
    }),
  );
  const output = new Float32Array(input.length);
  const run = (): void => {
    // multiStep(x, true) filters x in place
    output.set(input);
    filter.multiStep(output, true);
  };
  return {
    name: EQ_PEER_NAMES[1],
    run,
    blockFromRest() {
      filter.reinit();
      run();
      return output.slice();
    },
    lastOutput: () => output.slice(),
  };
}

/** Largest |a[i] - b[i]| (Infinity for different lengths or a non-finite difference). */
export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : d;
  }
  return worst;
}

/** Throws unless `ours` and `peer` agree within `tolerance` on one block from rest, which is not the input. */
export function checkEqOutputs(ours: EqBenchImpl, peer: EqBenchImpl, input: Float32Array, tolerance = EQ_BENCH_TOLERANCE): void {
  const a = ours.blockFromRest();
  const b = peer.blockFromRest();
  const diff = maxAbsDiff(a, b);
  if (!(diff <= tolerance)) {
    throw new Error(`${ours.name} and ${peer.name} differ by up to ${diff.toExponential(2)} on one block (allowed ${tolerance})`);
  }
  if (maxAbsDiff(a, input) < 1e-3) throw new Error(`${ours.name}: the output is the input: are the filters running?`);
}

/**
 * Ours against the f64 arithmetic (the JS DF2T cascade, `f64`) on one block from rest: the largest
 * |ours - f64|, for the table and the JSON (`maxAbsErrorVsF64`).
 */
export function eqAccuracy(ours: EqBenchImpl, f64: EqBenchImpl): BenchAccuracy {
  const err = maxAbsDiff(ours.blockFromRest(), f64.blockFromRest());
  return { summary: `|err| vs f64 ${err.toExponential(1)}`, figures: { maxAbsErrorVsF64: err } };
}

/** The input block of a case of `frames` samples. */
export function eqBenchInput(frames: number): Float32Array {
  return whiteNoise(frames, 0.5, 9);
}

export function eqCase(env: BenchEnv, frames: number, precision: EqPrecision = 'exact'): BenchCase {
  const { prefix, tolerance } = EQ_BENCH_PRECISIONS.find((p) => p.precision === precision)!;
  const bands = benchBands();
  const active = bands.filter((b) => b.type !== 'off').length;
  if (active !== 8) throw new Error(`eq bench: the default bands have ${active} active sections, expected 8`);
  const input = eqBenchInput(frames);
  const ours = oursImpl(env, bands, input, precision);
  const peers = [jsImpl(bands, input), filiImpl(bands, input)];
  ours.check = () => {
    if (maxAbsDiff(ours.blockFromRest(), input) < 1e-3) throw new Error(`${ours.name}: the output is the input: are the filters running?`);
  };
  for (const peer of peers) peer.check = () => checkEqOutputs(ours, peer, input, tolerance);
  ours.accuracy = () => eqAccuracy(ours, peers[0]!);
  return { stage: 'eq', name: `${prefix}/8x${frames}`, ours: ours.name, impls: [ours, ...peers] };
}

export const eqBench: BenchFile = {
  help: `  eq/8x128 and eq/8x1024 time one block (+-0.5 noise, 48 kHz) through the EQ with the story's
  default 8 bands, all active, state carried from call to call: 128 frames is one render quantum
  as the worklet runs it (the EQ created for 128-frame quanta); 1024 frames is one block of an EQ
  created for 1024-frame blocks. Ours is the wasm eq_process_buffer on scratch buffers; the peers
  are a hand-written JS DF2T cascade (Direct Form II transposed, the same 8 sections, Float64Array
  state) and fili's IirFilter.multiStep given the same sections' coefficients, each checked
  against ours within 1e-4 on one block first. eq-fast/8x128 and eq-fast/8x1024 are the same
  with the EQ at precision fast (f32 sections, four to a SIMD vector), checked within 2e-3. Ours
  shows its largest |error| against the f64 JS cascade on one block from rest (accuracy column).
`,
  stage: 'eq',
  caseNames: EQ_BENCH_PRECISIONS.flatMap((p) => EQ_BENCH_SIZES.map((n) => `${p.prefix}/8x${n}`)),
  cases: (env) => EQ_BENCH_PRECISIONS.flatMap((p) => EQ_BENCH_SIZES.map((n) => eqCase(env, n, p.precision))),
};
