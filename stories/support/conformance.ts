/**
 * The conformance suite's pure part: what each registered stage promises, the signals that try
 * to break it, and the checks that compare what came out with what was promised. No Web Audio and
 * no DOM here (the story drives renderOffline and the live runtime), so every helper also runs in
 * Node under Vitest.
 *
 * A stage without an entry in `STAGE_CONFORMANCE` is still covered: it gets `DEFAULT_CONFORMANCE`
 * (its wasm kernel against its own TypeScript reference, non-finite output confined to the quanta
 * whose input was non-finite, recovery after hostile input, clamped parameters).
 */
import type { ClampNote, NumberParam, ParamSpec, ParamValues, StageDescriptor, StageKernel } from '../../dsp-stages/types.ts';
import { COUNT_UNITS, RENDER_QUANTUM_FRAMES } from '../../dsp-stages/types.ts';
import { clampParam, defaultParams } from '../../dsp-stages/params.ts';
import { mulberry32, sine, whiteNoise } from '../../dsp-stages/signals.ts';
import { biquadCoefficients, cascadeResponseDb } from '../../dsp-stages/eq/coefficients.ts';
import { eqBands } from '../../dsp-stages/eq/params.ts';
import { realFft } from '../../dsp-stages/fft/reference.ts';
import { DECODE_SPECTRUM } from '../../dsp-stages/decode/index.ts';
import { delayedPair } from '../../dsp-stages/shift/signals.ts';

const Q = RENDER_QUANTUM_FRAMES;

// ---------------------------------------------------------------------------------------------
// Results, as the story's table shows them

export type Verdict = 'pass' | 'fail' | 'note';

/** One line of a results table: which stage, which case, the figure measured, the verdict. */
export interface ResultRow {
  stage: string;
  check: string;
  figure: string;
  verdict: Verdict;
}

/** A check's outcome before it is attached to a stage: `ok` null is a note (measured, not asserted). */
export interface Check {
  check: string;
  figure: string;
  ok: boolean | null;
}

export function verdictOf(ok: boolean | null): Verdict {
  return ok === null ? 'note' : ok ? 'pass' : 'fail';
}

export interface BoardState {
  rows: readonly ResultRow[];
  /** Clamp notes and other lines the story lists under the table. */
  notes: readonly string[];
  /** What is running now ('' when idle). */
  status: string;
}

/**
 * The rows a play function collects while it runs, observable by the story's table
 * (`subscribe` + `getState` suit React's useSyncExternalStore: the state object changes only on
 * a change).
 */
export class ResultsBoard {
  private state: BoardState = { rows: [], notes: [], status: '' };
  private readonly listeners = new Set<() => void>();

  getState = (): BoardState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private set(patch: Partial<BoardState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }

  clear(): void {
    this.set({ rows: [], notes: [], status: '' });
  }

  add(stage: string, check: Check): ResultRow {
    const row = { stage, check: check.check, figure: check.figure, verdict: verdictOf(check.ok) };
    this.set({ rows: [...this.state.rows, row] });
    return row;
  }

  note(line: string): void {
    this.set({ notes: [...this.state.notes, line] });
  }

  status(text: string): void {
    this.set({ status: text });
  }

  failures(): ResultRow[] {
    return this.state.rows.filter((r) => r.verdict === 'fail');
  }
}

/** One line per failed row, for the assertion message that ends a suite. */
export function describeFailures(rows: readonly ResultRow[]): string {
  return rows.map((r) => `${r.stage} / ${r.check}: ${r.figure}`).join('\n');
}

// ---------------------------------------------------------------------------------------------
// Numbers

/** The rates every stage is checked at (OfflineAudioContext renders, kernel timing). */
export const CONFORMANCE_RATES = [22050, 44100, 48000, 96000] as const;

/** The render deadline of one quantum at `rate`, µs. */
export function deadlineUs(rate: number): number {
  return (Q / rate) * 1e6;
}

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
  let bitMismatches = 0, finiteMismatches = 0, maxAbsDiff = 0, first = -1;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === e[i]) continue;
    bitMismatches++;
    if (first < 0) first = i;
    const x = actual[i]!, y = expected[i]!;
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

function fmt(x: number, digits = 3): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e6 ? x.toFixed(digits) : x.toExponential(2);
}
export { fmt as formatFigure };

// ---------------------------------------------------------------------------------------------
// What each stage promises

/**
 * A figure of the stage, by its name in the stage descriptor's `figures` (StageFigure.name): a
 * promise names the figures it reads, and the checks find them wherever the stage lists them.
 */
export type FigureName = string;

/**
 * The value of the figure `name` among `values`, which holds the stage's figures in the order of
 * `names` (its descriptor's `figures`, as `publish` writes them); NaN when there is no such figure.
 */
export function figureValue(names: readonly string[], values: ArrayLike<number>, name: FigureName): number {
  const i = names.indexOf(name);
  return i < 0 ? NaN : values[i]!;
}

/** What the stage's own output must be, besides agreeing with its reference. */
export type RateProperty =
  /** The output is the input, bit for bit. */
  | { kind: 'bit-exact-copy' }
  /** The output is the input times the f32 gain (parameter `param`), bit for bit. */
  | { kind: 'times-gain'; param: string; gain: number }
  /** A spectrum stage: the peak figures find a sine between bins (and, with passthrough, the output is the input). */
  | { kind: 'tone-peak'; fftSize: number; hzFigure: FigureName; dbFigure: FigureName; passthrough: boolean }
  /** The EQ: its impulse response's spectrum is the designed response of its bands. */
  | { kind: 'eq-design' }
  /** The shift stage: the estimate of a known fractional delay between the channels. */
  | { kind: 'shift-delay'; delay: number; snrDb: number; figure: FigureName; tolerance: number };

/** What the stage does with NaN, infinities, subnormals and a full-scale square wave. */
export type HostileContract =
  /** The output is the input, bit for bit: NaN, infinities and subnormals pass unchanged. */
  | { kind: 'bit-exact-copy' }
  /** Every sample times the gain: NaN stays NaN, infinities stay infinite, nothing else. */
  | { kind: 'times-gain'; gain: number }
  /** A quantum holding NaN or an infinity comes out silent and is counted by a figure. */
  | { kind: 'silence-and-count'; counterFigure: FigureName }
  /** No audio output: only its figures are checked (they stay finite). */
  | { kind: 'analysis-only' }
  /**
   * No audio output; its figures stay finite, and a figure counts the analyses whose frame held
   * NaN or an infinity (such a frame's figures alone would look like silence's).
   */
  | { kind: 'analysis-and-count'; counterFigure: FigureName }
  /** Not declared: non-finite output only where the input quantum was non-finite. */
  | { kind: 'undeclared' };

/**
 * What a stage promises the conformance suite: plain data (figures by name), so a stage can
 * declare it beside its descriptor.
 */
export interface StageConformance {
  /** Parameters of every render (the stage's defaults, overridden by these). */
  params: ParamValues;
  rateProperty: RateProperty | null;
  /** Largest |wasm − reference| allowed on the audio output; 0: bit for bit. */
  outputTolerance: number;
  /** |wasm − reference| allowed on each figure, relative: tol × max(1, |reference|). */
  figureTolerance: number;
  hostile: HostileContract;
  /** After hostile input, the output's last samples equal a clean render's within this (0: bit for bit). */
  recoveryTolerance: number;
  /** What the table says the stage promises. */
  promise: string;
}

/** Figures that count events (COUNT_UNITS), by position: left out where figures must equal a clean render's. */
export function counterFigures(stage: StageDescriptor): number[] {
  return (stage.figures ?? []).flatMap((f, i) => (COUNT_UNITS.has(f.unit) ? [i] : []));
}

/** The names of the figures a promise reads (each must be among the stage's `figures`). */
export function promisedFigures(spec: StageConformance): FigureName[] {
  const out: FigureName[] = [];
  const p = spec.rateProperty;
  if (p?.kind === 'tone-peak') out.push(p.hzFigure, p.dbFigure);
  if (p?.kind === 'shift-delay') out.push(p.figure);
  if (spec.hostile.kind === 'silence-and-count' || spec.hostile.kind === 'analysis-and-count') out.push(spec.hostile.counterFigure);
  return out;
}

/** For a stage the suite has no entry for: checked against its own reference with loose bounds. */
export const DEFAULT_CONFORMANCE: StageConformance = {
  params: {},
  rateProperty: null,
  outputTolerance: 1e-3,
  figureTolerance: 1e-3,
  hostile: { kind: 'undeclared' },
  recoveryTolerance: 1e-4,
  promise: 'undeclared: output against its reference; non-finite output only in non-finite input quanta',
};

/** The registered stages' promises (their descriptors, reference files and Rust docs say so). */
export const STAGE_CONFORMANCE: Readonly<Record<string, StageConformance>> = {
  'ring-copy': {
    params: {},
    rateProperty: { kind: 'bit-exact-copy' },
    outputTolerance: 0,
    figureTolerance: 0,
    hostile: { kind: 'bit-exact-copy' },
    recoveryTolerance: 0,
    promise: 'the output is the input bit for bit (NaN, Inf and subnormals included)',
  },
  gain: {
    // 0.3 is not a power of two: every product is rounded, so bit-exactness means something
    params: { gain: 0.3 },
    rateProperty: { kind: 'times-gain', param: 'gain', gain: 0.3 },
    outputTolerance: 0,
    figureTolerance: 0,
    hostile: { kind: 'times-gain', gain: 0.3 },
    recoveryTolerance: 0,
    promise: 'output = input × f32(gain) bit for bit; NaN and Inf propagate, stateless',
  },
  eq: {
    params: {},
    rateProperty: { kind: 'eq-design' },
    // f32 SIMD cascade with smoothing vs the f64 reference: 2e-5 (22.05 kHz) … 2e-4 (96 kHz) measured on ±0.5 noise
    outputTolerance: 5e-4,
    figureTolerance: 0,
    hostile: { kind: 'silence-and-count', counterFigure: 'nanQuanta' },
    // f32 filters whose states differed settle to within rounding, not to the same bits: the
    // difference falls to 1e-5 … 2.4e-5 within 4096 samples and stays there (measured); the
    // stage's own distance from the f64 reference is 6e-5 at 48 kHz
    recoveryTolerance: 1e-4,
    promise: 'a quantum with NaN/Inf is silent, resets the filters and is counted (nanQuanta)',
  },
  fft: {
    params: {},
    rateProperty: { kind: 'tone-peak', fftSize: 32768, hzFigure: 'peakHz', dbFigure: 'peakDb', passthrough: false },
    outputTolerance: 0,
    figureTolerance: 1e-6,
    hostile: { kind: 'analysis-and-count', counterFigure: 'nonFiniteFrames' },
    recoveryTolerance: 0,
    promise: 'figures finite; frames with NaN/Inf counted (nonFiniteFrames); stateless between frames',
  },
  shift: {
    params: {},
    rateProperty: { kind: 'shift-delay', delay: 100.37, snrDb: 30, figure: 'shift', tolerance: 0.02 },
    outputTolerance: 0,
    figureTolerance: 1e-4,
    hostile: { kind: 'analysis-and-count', counterFigure: 'nonFiniteFrames' },
    recoveryTolerance: 0,
    promise: 'figures finite; analyses of frames with NaN/Inf counted (nonFiniteFrames); stateless between frames',
  },
  decode: {
    params: {},
    rateProperty: { kind: 'tone-peak', fftSize: Number(DECODE_SPECTRUM.size), hzFigure: 'peakHz', dbFigure: 'peakDb', passthrough: true },
    outputTolerance: 0,
    figureTolerance: 1e-6,
    hostile: { kind: 'bit-exact-copy' },
    recoveryTolerance: 0,
    promise: 'passthrough bit for bit + the spectrum kernel (N = 8192, Hann)',
  },
};

export function conformanceOf(stageId: string): { spec: StageConformance; declared: boolean } {
  const spec = STAGE_CONFORMANCE[stageId];
  return spec ? { spec, declared: true } : { spec: DEFAULT_CONFORMANCE, declared: false };
}

/** The stage's defaults with the suite's overrides. */
export function conformanceParams(stage: StageDescriptor): ParamValues {
  return { ...defaultParams(stage.params), ...conformanceOf(stage.id).spec.params };
}

// ---------------------------------------------------------------------------------------------
// Signals

/** The test tone: between bins at every size and rate used. */
export const TONE_HZ = 1000.37;

/**
 * Frames of a sample-rate render: two 32768-frame analyses plus 47 quanta, so the analysis begun
 * at the last hop has finished in every spectrum stage (N = 32768: about 29 slices after its hop;
 * N = 8192: 13 or more quanta after its last hop, it needs about 12).
 */
export const RATE_FRAMES = 2 * 32768 + 47 * Q;

export interface RateInput {
  input: Float32Array;
  /** A second channel (the shift stage's delayed copy); absent: channel 0 is copied. */
  input2?: Float32Array;
  /** What the input is, for the table. */
  label: string;
}

/** The signal a stage is checked with at `rate`, chosen by the property it is checked for. */
export function rateInput(property: RateProperty | null, rate: number): RateInput {
  if (property?.kind === 'tone-peak') {
    return { input: sine(RATE_FRAMES, rate, TONE_HZ, 0.5), label: `sine ${TONE_HZ} Hz at 0.5` };
  }
  if (property?.kind === 'shift-delay') {
    const pair = delayedPair({ n: 32768, delay: property.delay, snrDb: property.snrDb, seed: 3 });
    return { input: pair.reference, input2: pair.input, label: `noise pair, channel 1 delayed ${property.delay} samples, ${property.snrDb} dB SNR` };
  }
  const x = whiteNoise(RATE_FRAMES, 0.4, 17);
  const tone = sine(RATE_FRAMES, rate, TONE_HZ, 0.25);
  for (let i = 0; i < x.length; i++) x[i] = x[i]! + tone[i]!;
  return { input: x, label: `noise ±0.4 + sine ${TONE_HZ} Hz at 0.25` };
}

export const HOSTILE_KINDS = ['NaN', '+Inf', '-Inf', 'denormal', 'square'] as const;
export type HostileKind = (typeof HOSTILE_KINDS)[number];

/**
 * Where the hostile samples go. Each begins after 8192 clean frames and lasts 32768 frames (a
 * whole analysed frame of the largest size). A `during` render, one per kind, runs its segment to
 * the end: every analysed frame of up to 32768 samples at the end is wholly hostile, and the
 * analysis begun at the last hop has finished. The `sequence` render holds all five segments, each
 * followed by 32768 clean frames (the last by a whole analysed frame, its hop and its slices), in
 * one render: a page holds few renders (see the story).
 */
export const HOSTILE_LAYOUT = {
  start: 8192,
  length: 32768,
  gap: 32768,
  duringFrames: 8192 + 32768 + 47 * Q,
  /** After the last segment of the sequence. */
  tail: 32768 + 8192 + 47 * Q,
} as const;

/** A square wave's period in samples: 750 Hz at 48 kHz, away from the tone. */
export const SQUARE_PERIOD = 64;
/** A subnormal f32 (1e-40 rounds to 9.99995e-41). */
export const DENORMAL = Math.fround(1e-40);

/** The clean signal every hostile render is built on: a quiet tone plus seeded noise. */
export function cleanSignal(frames: number, rate: number): Float32Array {
  const x = whiteNoise(frames, 0.05, 5);
  const tone = sine(frames, rate, TONE_HZ, 0.25);
  for (let i = 0; i < frames; i++) x[i] = x[i]! + tone[i]!;
  return x;
}

/** The hostile sample at `i` (an absolute frame index) of a kind, given the clean sample there. */
function hostileSample(kind: HostileKind, i: number, clean: number): number {
  switch (kind) {
    case 'NaN':
      return i % 7 === 0 ? NaN : clean;
    case '+Inf':
      return i % Q === 5 ? Infinity : clean;
    case '-Inf':
      return i % Q === 5 ? -Infinity : clean;
    case 'denormal':
      // the whole segment subnormal, alternating sign: what a decaying tail becomes
      return i % 2 === 0 ? DENORMAL : -DENORMAL;
    case 'square':
      return i % SQUARE_PERIOD < SQUARE_PERIOD / 2 ? 1 : -1;
  }
}

/** The input of a `during` render: clean, then the hostile kind from HOSTILE_LAYOUT.start to the end. */
export function hostileDuring(kind: HostileKind, rate: number): { input: Float32Array; segment: [number, number] } {
  const frames = HOSTILE_LAYOUT.duringFrames;
  const x = cleanSignal(frames, rate);
  for (let i = HOSTILE_LAYOUT.start; i < frames; i++) x[i] = hostileSample(kind, i, x[i]!);
  return { input: x, segment: [HOSTILE_LAYOUT.start, frames] };
}

/** Like a `during` render's input, with silence (zeros) instead of the hostile samples: what a stage shows for no signal. */
export function silenceDuring(rate: number): Float32Array {
  const x = cleanSignal(HOSTILE_LAYOUT.duringFrames, rate);
  x.fill(0, HOSTILE_LAYOUT.start);
  return x;
}

export interface HostileSegment {
  kind: HostileKind;
  /** The hostile frames [from, to). */
  from: number;
  to: number;
  /** The clean frames after it end here (the next segment, or the end of the render). */
  cleanUntil: number;
}

/** The five kinds in turn, each followed by clean audio; `clean` is the same render without them. */
export function hostileSequence(rate: number): { input: Float32Array; clean: Float32Array; segments: HostileSegment[] } {
  const { start, length, gap, tail } = HOSTILE_LAYOUT;
  const frames = start + HOSTILE_KINDS.length * (length + gap) - gap + tail;
  const clean = cleanSignal(frames, rate);
  const input = clean.slice();
  const segments = HOSTILE_KINDS.map((kind, k) => {
    const from = start + k * (length + gap);
    const to = from + length;
    for (let i = from; i < to; i++) input[i] = hostileSample(kind, i, clean[i]!);
    return { kind, from, to, cleanUntil: k === HOSTILE_KINDS.length - 1 ? frames : to + gap };
  });
  return { input, clean, segments };
}

// ---------------------------------------------------------------------------------------------
// Running a kernel in the page (the TypeScript reference, or any StageKernel)

export interface KernelRun {
  output: Float32Array | null;
  /** The figures after the last published frame (NaN where none was published). */
  figures: Float64Array;
  /** Quanta whose process returned a negative status. */
  errors: number;
}

/**
 * Runs `kernel` over `input` quantum by quantum, as the worklet does: channel 1 is `input2` or a
 * copy of channel 0, the visual frame and figures are published whenever the version changes.
 */
export function runKernel(kernel: StageKernel, hasAudioOutput: boolean, input: Float32Array, input2?: Float32Array): KernelRun {
  if (input.length % Q !== 0) throw new Error(`runKernel: ${input.length} frames is not a whole number of ${Q}-frame quanta`);
  if (input2 && input2.length !== input.length) throw new Error(`runKernel: channel 1 has ${input2.length} frames, channel 0 ${input.length}`);
  const output = hasAudioOutput ? new Float32Array(input.length) : null;
  const quantum = new Float32Array(Q);
  const visual = new Float32Array(kernel.visualLength ?? 0);
  const figures = new Float64Array(16).fill(NaN);
  let version = kernel.visualVersion?.() ?? 0;
  let errors = 0;
  for (let at = 0; at < input.length; at += Q) {
    const ch0 = input.subarray(at, at + Q);
    const status = kernel.process([ch0, input2 ? input2.subarray(at, at + Q) : ch0], output ? quantum : null);
    if (status < 0) {
      errors++;
      continue;
    }
    if (output) output.set(quantum, at);
    const v = kernel.visualVersion?.();
    if (v !== undefined && v !== version && kernel.publish) {
      version = v;
      kernel.publish(visual, figures);
    }
  }
  return { output, figures, errors };
}

// ---------------------------------------------------------------------------------------------
// Checks: sample rates

/** The wasm output against the reference's, within the stage's tolerance (0: bit for bit). */
export function checkOutputAgainstReference(wasm: Float32Array, reference: Float32Array, tolerance: number): Check {
  const c = compareSamples(wasm, reference);
  if (tolerance === 0) {
    return { check: 'output = reference, bit for bit', figure: `${c.bitMismatches} of ${c.length} samples differ`, ok: c.bitMismatches === 0 };
  }
  return {
    check: `output vs reference, |diff| ≤ ${tolerance}`,
    figure: `max |diff| ${fmt(c.maxAbsDiff)}${c.finiteMismatches ? `, ${c.finiteMismatches} non-finite mismatches` : ''}`,
    ok: c.maxAbsDiff <= tolerance && c.finiteMismatches === 0,
  };
}

/** Each published figure against the reference's: finite, and within tol × max(1, |ref|). */
export function checkFiguresAgainstReference(
  names: readonly string[],
  wasm: ArrayLike<number>,
  reference: ArrayLike<number>,
  tolerance: number,
): Check[] {
  return names.map((name, i) => {
    const a = wasm[i]!, b = reference[i]!;
    const bound = tolerance * Math.max(1, Math.abs(b));
    const ok = Number.isFinite(a) && Number.isFinite(b) && Math.abs(a - b) <= bound;
    return { check: `figure ${name} vs reference, ≤ ${fmt(bound)}`, figure: `${fmt(a, 6)} vs ${fmt(b, 6)}`, ok };
  });
}

export function checkBitExact(what: string, actual: Float32Array, expected: Float32Array): Check {
  const c = compareSamples(actual, expected);
  return { check: `${what}, bit for bit`, figure: `${c.bitMismatches} of ${c.length} samples differ${c.first >= 0 ? ` (first at ${c.first})` : ''}`, ok: c.bitMismatches === 0 };
}

/** `x × f32(gain)` per sample in f32, as the stage computes it. */
export function timesGain(x: Float32Array, gain: number): Float32Array {
  const g = Math.fround(gain);
  return Float32Array.from(x, (v) => v * g);
}

/**
 * The peak figures of a spectrum stage against a sine of known frequency and amplitude: within
 * 0.01 bin and 0.05 dB. `figures` in the order of `figureNames` (the stage's `figures`).
 */
export function checkTonePeak(figures: ArrayLike<number>, figureNames: readonly string[], p: Extract<RateProperty, { kind: 'tone-peak' }>, rate: number, toneHz: number, amplitude: number): Check[] {
  const bin = rate / p.fftSize;
  const hz = figureValue(figureNames, figures, p.hzFigure), db = figureValue(figureNames, figures, p.dbFigure);
  const wantDb = 20 * Math.log10(amplitude);
  const errBins = Math.abs(hz - toneHz) / bin;
  return [
    { check: `peak within 0.01 bin (${fmt(0.01 * bin, 4)} Hz) of ${toneHz} Hz`, figure: `${fmt(hz, 4)} Hz (${fmt(errBins, 5)} bin)`, ok: errBins <= 0.01 },
    { check: `peak level within 0.05 dB of ${fmt(wantDb, 2)} dBFS`, figure: `${fmt(db, 3)} dBFS`, ok: Math.abs(db - wantDb) <= 0.05 },
  ];
}

/** Frames of the EQ's impulse render. */
export const EQ_IMPULSE_FRAMES = 65536;

/**
 * The EQ's impulse response, transformed, against the designed response of its bands: within
 * 0.1 dB from 30 Hz to min(16 kHz, 0.45 fs), wherever the design is above −60 dB (below that the
 * f32 output's rounding decides).
 */
export function checkEqDesign(impulseResponse: Float32Array, params: ParamValues, rate: number): Check {
  const n = impulseResponse.length;
  const spectrum = realFft(impulseResponse);
  const sections = eqBands(params).map((b) => biquadCoefficients(b, rate));
  const top = Math.min(16_000, 0.45 * rate);
  let worst = 0, worstHz = 0, bins = 0;
  for (let k = 1; k <= n / 2; k++) {
    const hz = (k * rate) / n;
    if (hz < 30 || hz > top) continue;
    const designed = cascadeResponseDb(sections, hz, rate);
    if (designed < -60) continue;
    const measured = 10 * Math.log10(spectrum[2 * k]! ** 2 + spectrum[2 * k + 1]! ** 2);
    bins++;
    const err = Math.abs(measured - designed);
    if (!(err <= worst)) {
      worst = err;
      worstHz = hz;
    }
  }
  return {
    check: `impulse response = design within 0.1 dB, 30 Hz – ${fmt(top / 1000, 2)} kHz`,
    figure: `max ${fmt(worst, 4)} dB at ${worstHz.toFixed(0)} Hz over ${bins} bins`,
    ok: bins > 1000 && worst <= 0.1,
  };
}

/** The shift stage's estimate against the true delay. `figures` in the order of `figureNames` (the stage's `figures`). */
export function checkShiftDelay(figures: ArrayLike<number>, figureNames: readonly string[], p: Extract<RateProperty, { kind: 'shift-delay' }>): Check {
  const est = figureValue(figureNames, figures, p.figure);
  return {
    check: `estimate within ${p.tolerance} of the true ${p.delay} samples (${p.snrDb} dB SNR)`,
    figure: `${fmt(est, 4)} samples (error ${fmt(est - p.delay, 4)})`,
    ok: Math.abs(est - p.delay) <= p.tolerance,
  };
}

// ---------------------------------------------------------------------------------------------
// Checks: hostile input

export interface HostileRender {
  /** `during`: a hostile segment runs to the end of the render; `after`: clean audio followed every one. */
  phase: 'during' | 'after';
  input: Float32Array;
  /** The audio output (null for a stage without one). */
  output: Float32Array | null;
  /** The stage's figures after the render. */
  figures: ArrayLike<number>;
}

/**
 * What the stage's contract says of the output and counters of a render with hostile samples
 * (`r.figures` in the order of `figureNames`, the stage's `figures`).
 * Subnormal products that came out as ±0 are counted, not failed: Chromium's audio thread
 * flushes subnormals to zero (FTZ/DAZ), for wasm and JS alike.
 */
export function checkHostileOutput(contract: HostileContract, r: HostileRender, figureNames: readonly string[]): Check[] {
  const checks: Check[] = [];
  const badQuanta = nonFiniteQuanta(r.input);
  const out = r.output;
  switch (contract.kind) {
    case 'bit-exact-copy': {
      if (!out) return [{ check: 'audio output exists', figure: 'none', ok: false }];
      const c = compareSamples(out, r.input);
      checks.push({
        check: 'output = input, bit for bit',
        figure: `${c.bitMismatches} of ${c.length} differ; ${nonFiniteCount(out)} non-finite passed through`,
        ok: c.bitMismatches === 0,
      });
      break;
    }
    case 'times-gain': {
      if (!out) return [{ check: 'audio output exists', figure: 'none', ok: false }];
      const expected = timesGain(r.input, contract.gain);
      let wrong = 0, flushed = 0;
      for (let i = 0; i < out.length; i++) {
        const a = out[i]!, e = expected[i]!;
        if (Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e))) continue;
        if (a === 0 && (isSubnormalF32(e) || isSubnormalF32(r.input[i]!))) flushed++;
        else wrong++;
      }
      checks.push({
        check: `output = input × ${contract.gain} (NaN stays NaN, Inf stays Inf)`,
        figure: `${wrong} wrong; ${nonFiniteCount(out)} non-finite; ${flushed} subnormal products flushed to 0`,
        ok: wrong === 0,
      });
      break;
    }
    case 'silence-and-count': {
      if (!out) return [{ check: 'audio output exists', figure: 'none', ok: false }];
      let loud = 0;
      for (const q of badQuanta) for (let i = q * Q; i < (q + 1) * Q; i++) if (out[i] !== 0) loud++;
      const nf = nonFiniteCount(out);
      checks.push({ check: 'no NaN or Inf in the output', figure: `${nf} non-finite samples`, ok: nf === 0 });
      checks.push({ check: 'quanta with NaN/Inf input come out silent', figure: `${badQuanta.length} such quanta, ${loud} non-zero samples in them`, ok: loud === 0 });
      const counted = figureValue(figureNames, r.figures, contract.counterFigure);
      const name = contract.counterFigure;
      if (r.phase === 'after') {
        checks.push({ check: `${name} counts them`, figure: `${fmt(counted, 0)} counted, ${badQuanta.length} expected`, ok: counted === badQuanta.length });
      } else {
        // the figure is published with each visual frame, so it may not include the newest quanta yet
        checks.push({ check: `${name} counts them, as of its last published frame`, figure: `${fmt(counted, 0)} counted of ${badQuanta.length} so far`, ok: counted > 0 && counted <= badQuanta.length });
      }
      break;
    }
    case 'analysis-only':
      break;
    case 'analysis-and-count': {
      const counted = figureValue(figureNames, r.figures, contract.counterFigure);
      const name = contract.counterFigure;
      const segments = badQuanta.filter((q, i) => i === 0 || badQuanta[i - 1] !== q - 1).length;
      if (segments === 0) {
        checks.push({ check: `${name} stays 0 (the input is finite)`, figure: `${fmt(counted, 0)} counted`, ok: counted === 0 });
      } else if (r.phase === 'after') {
        // each NaN/Inf stretch is longer than a hop, so at least one analysed frame holds it
        checks.push({ check: `${name} counts at least one analysis per NaN/Inf stretch`, figure: `${fmt(counted, 0)} counted, ${segments} stretches`, ok: counted >= segments });
      } else {
        checks.push({ check: `${name} counts them, as of its last published frame`, figure: `${fmt(counted, 0)} counted`, ok: counted > 0 });
      }
      break;
    }
    case 'undeclared': {
      if (!out) break;
      const bad = new Set(badQuanta);
      let stray = 0;
      for (let i = 0; i < out.length; i++) if (!Number.isFinite(out[i]!) && !bad.has(Math.floor(i / Q))) stray++;
      checks.push({ check: 'non-finite output only in quanta whose input was non-finite', figure: `${stray} stray non-finite samples`, ok: stray === 0 });
      break;
    }
  }
  const nonFiniteFigures = figureNames.filter((_, i) => !Number.isFinite(r.figures[i]!));
  if (figureNames.length > 0) {
    checks.push({
      check: 'figures stay finite',
      figure: figureNames.map((n, i) => `${n} ${fmt(r.figures[i]!, 3)}`).join(', '),
      ok: nonFiniteFigures.length === 0,
    });
  }
  return checks;
}

/**
 * No stuck state: the last `tail` samples of `after.output` and the figures equal those of a
 * render that never saw the hostile samples (counters excepted). Pass outputs cut to end where the
 * clean stretch after a segment ends, and empty figure names to compare samples only.
 */
export function checkRecovery(
  after: { output: Float32Array | null; figures: ArrayLike<number> },
  clean: { output: Float32Array | null; figures: ArrayLike<number> },
  tail: number,
  tolerance: number,
  figureNames: readonly string[],
  counters: readonly number[],
): Check[] {
  const checks: Check[] = [];
  if (after.output && clean.output) {
    const a = after.output.subarray(after.output.length - tail), b = clean.output.subarray(clean.output.length - tail);
    const c = compareSamples(a, b);
    const nf = nonFiniteCount(a);
    checks.push(tolerance === 0
      ? { check: `clean again: last ${tail} samples = clean render's, bit for bit`, figure: `${c.bitMismatches} differ, ${nf} non-finite`, ok: c.bitMismatches === 0 && nf === 0 }
      : { check: `clean again: last ${tail} samples within ${tolerance} of the clean render's`, figure: `max |diff| ${fmt(c.maxAbsDiff)}, ${nf} non-finite`, ok: nf === 0 && c.finiteMismatches === 0 && c.maxAbsDiff <= tolerance });
  }
  const compared = figureNames.map((n, i) => ({ n, i })).filter(({ i }) => !counters.includes(i));
  if (compared.length > 0) {
    const diffs = compared.map(({ n, i }) => ({ n, a: after.figures[i]!, b: clean.figures[i]! }));
    const ok = diffs.every(({ a, b }) => Number.isFinite(a) && Object.is(a, b));
    checks.push({ check: 'clean again: figures = clean render\'s', figure: diffs.map(({ n, a, b }) => `${n} ${fmt(a, 4)} vs ${fmt(b, 4)}`).join(', '), ok });
  }
  return checks;
}

// ---------------------------------------------------------------------------------------------
// Parameters

export interface ParamProbe {
  label: 'min' | 'max' | 'below min' | 'above max' | 'NaN';
  given: number;
  /** The value the clamp must produce. */
  expected: number;
  /** The note's reason (null: no note). */
  reason: RegExp | null;
}

/** The nearest allowed value (a `values` list, else any number). */
function nearestAllowed(spec: NumberParam, x: number): number {
  if (!spec.values || spec.values.length === 0) return spec.integer ? Math.round(x) : x;
  return spec.values.reduce((best, v) => (Math.abs(v - x) < Math.abs(best - x) ? v : best));
}

/**
 * Five probes of a numeric parameter: its min and max (kept, no note), a tenth of its range (at
 * least one step) below and above (clamped to min / max with a note), and NaN (the default, with
 * a note).
 */
export function parameterProbes(spec: NumberParam): ParamProbe[] {
  const out = Math.max(spec.step, (spec.max - spec.min) / 10, 1);
  const minAllowed = nearestAllowed(spec, spec.min);
  const maxAllowed = nearestAllowed(spec, spec.max);
  return [
    { label: 'min', given: spec.min, expected: minAllowed, reason: minAllowed === spec.min ? null : /not one of/ },
    { label: 'max', given: spec.max, expected: maxAllowed, reason: maxAllowed === spec.max ? null : /not one of/ },
    { label: 'below min', given: spec.min - out, expected: minAllowed, reason: /below minimum/ },
    { label: 'above max', given: spec.max + out, expected: maxAllowed, reason: /above maximum/ },
    { label: 'NaN', given: NaN, expected: spec.default, reason: /not a number/ },
  ];
}

/** clampParam on a probe against what the probe expects. */
export function checkClamp(spec: NumberParam, probe: ParamProbe): { check: Check; note: ClampNote | null } {
  const { value, note } = clampParam(spec, probe.given);
  const noteOk = probe.reason === null ? note === null : note !== null && probe.reason.test(note.reason) && note.used === value;
  const ok = Object.is(value, probe.expected) && noteOk;
  return {
    check: { check: `${spec.name} ${probe.label} (${fmt(probe.given, 2)}) → ${fmt(probe.expected, 2)}${probe.reason ? ' with a note' : ', no note'}`, figure: `${fmt(Number(value), 2)}${note ? `: ${note.reason}` : ''}`, ok },
    note,
  };
}

/** Defaults inside their range and allowed: a spec that breaks this breaks every clamp. */
export function checkSpec(spec: ParamSpec): Check {
  if (spec.kind === 'choice') {
    return { check: `${spec.name}: default is an option`, figure: `${spec.default} of ${spec.options.length}`, ok: spec.options.includes(spec.default) };
  }
  const inRange = spec.min <= spec.default && spec.default <= spec.max && spec.min < spec.max;
  const allowed = !spec.values || spec.values.includes(spec.default);
  return { check: `${spec.name}: min < max, default in range${spec.values ? ' and allowed' : ''}`, figure: `${spec.min} ≤ ${spec.default} ≤ ${spec.max}`, ok: inRange && allowed };
}

export interface ParamChange {
  atFrame: number;
  name: string;
  value: number | string;
}

/** A random value for a parameter: NaN, below min or above max 6 % of the time each (an unknown option 10 % for a choice), exactly min or max 7 %. */
function randomValue(spec: ParamSpec, rand: () => number): number | string {
  const r = rand();
  if (spec.kind === 'choice') {
    return r < 0.1 ? 'not-an-option' : spec.options[Math.floor(rand() * spec.options.length)]!;
  }
  const span = spec.max - spec.min;
  if (r < 0.06) return NaN;
  if (r < 0.12) return spec.min - rand() * span * 0.5 - spec.step;
  if (r < 0.18) return spec.max + rand() * span * 0.5 + spec.step;
  if (r < 0.25) return rand() < 0.5 ? spec.min : spec.max;
  if (spec.values && rand() < 0.5) return spec.values[Math.floor(rand() * spec.values.length)]!;
  const v = spec.min + rand() * span;
  // whole numbers mostly, for a whole-number parameter (the rest are rounded, with a note)
  return spec.integer && rand() < 0.7 ? Math.round(v) : v;
}

/**
 * A seeded sequence of `count` parameter changes over every parameter of `specs`, in `groups`
 * groups at quantum boundaries `spacing` frames apart from `firstFrame` (changes of one group
 * reach the stage together, in order).
 */
export function randomParamChanges(specs: readonly ParamSpec[], opts: { count: number; seed: number; groups: number; firstFrame: number; spacing: number }): ParamChange[] {
  if (specs.length === 0) return [];
  if (opts.firstFrame % Q !== 0 || opts.spacing % Q !== 0 || opts.spacing <= 0) throw new Error(`randomParamChanges: firstFrame and spacing must be positive multiples of ${Q}`);
  const rand = mulberry32(opts.seed);
  const perGroup = Math.ceil(opts.count / opts.groups);
  const out: ParamChange[] = [];
  for (let i = 0; i < opts.count; i++) {
    const spec = specs[Math.floor(rand() * specs.length)]!;
    out.push({ atFrame: opts.firstFrame + Math.floor(i / perGroup) * opts.spacing, name: spec.name, value: randomValue(spec, rand) });
  }
  return out;
}

/** How many changes of a sequence the clamp changes (each would show a note). */
export function clampedChanges(specs: readonly ParamSpec[], changes: readonly ParamChange[]): { clamped: number; byReason: Record<string, number> } {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const byReason: Record<string, number> = {};
  let clamped = 0;
  for (const c of changes) {
    const spec = byName.get(c.name);
    if (!spec) continue;
    const { note } = clampParam(spec, c.value);
    if (!note) continue;
    clamped++;
    const key = /^(not a number|below minimum|above maximum|not one of|must be a whole number)/.exec(note.reason)?.[1] ?? note.reason;
    byReason[key] = (byReason[key] ?? 0) + 1;
  }
  return { clamped, byReason };
}

export interface ProbeSegment {
  name: string;
  label: ParamProbe['label'];
  given: number;
  /** Frames [from, to) the probe value is in force (the output checked there). */
  from: number;
  to: number;
}

/**
 * Every numeric parameter alone at each of its probes, in turn, as changes during one render: the
 * probe is sent at a quantum boundary and held `holdQuanta` quanta (the NaN probe, last for each
 * parameter, brings it back to its default before the next parameter's turn).
 */
export function probeSweep(specs: readonly ParamSpec[], firstFrame: number, holdQuanta: number): { changes: ParamChange[]; segments: ProbeSegment[]; end: number } {
  if (firstFrame % Q !== 0 || !(holdQuanta >= 1)) throw new Error(`probeSweep: firstFrame must be a multiple of ${Q} and holdQuanta at least 1`);
  const changes: ParamChange[] = [];
  const segments: ProbeSegment[] = [];
  let at = firstFrame;
  for (const spec of specs) {
    if (spec.kind !== 'number') continue;
    for (const probe of parameterProbes(spec)) {
      changes.push({ atFrame: at, name: spec.name, value: probe.given });
      segments.push({ name: spec.name, label: probe.label, given: probe.given, from: at, to: at + holdQuanta * Q });
      at += holdQuanta * Q;
    }
  }
  return { changes, segments, end: at };
}

/** Every parameter back to its default, at one boundary. */
export function resetChanges(specs: readonly ParamSpec[], atFrame: number): ParamChange[] {
  return specs.map((s) => ({ atFrame, name: s.name, value: s.default }));
}

/** Every numeric parameter at its maximum (choices at their last option): the largest allocations. */
export function extremeParams(specs: readonly ParamSpec[]): ParamValues {
  const out: ParamValues = {};
  for (const s of specs) out[s.name] = s.kind === 'number' ? s.max : s.options[s.options.length - 1]!;
  return out;
}
