/**
 * What each registered stage promises the conformance suite, as data: the parameters it is
 * rendered with, the property its output has at every rate, what it does with hostile input, and
 * how close its wasm kernel stays to its TypeScript reference. Figures are named as in the stage
 * descriptor's `figures`, never by position. The rest of the suite's pure part (signals, checks,
 * parameters, the results board) is beside this file: no Web Audio and no DOM, so every helper
 * also runs in Node under Vitest, while the story drives renderOffline and the live runtime.
 *
 * A stage without an entry in `STAGE_CONFORMANCE` is still covered: it gets `DEFAULT_CONFORMANCE`
 * (its wasm kernel against its own TypeScript reference, non-finite output confined to the quanta
 * whose input was non-finite, recovery after hostile input, clamped parameters).
 */
import type { ParamValues, StageDescriptor } from '../../../dsp-stages/types.ts';
import { COUNT_UNITS } from '../../../dsp-stages/types.ts';
import { defaultParams } from '../../../dsp-stages/params.ts';
import { DECODE_SPECTRUM } from '../../../dsp-stages/decode/index.ts';

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
