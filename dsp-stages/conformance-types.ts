/**
 * What a stage promises the conformance suite (Validation / Conformance), as plain data: the
 * parameters it is rendered with, the property its output has at every rate, what it does with
 * hostile input, and how close its wasm kernel stays to its TypeScript reference. A stage states
 * its promise in `dsp-stages/<id>/conformance.ts` (`export const conformance: StageConformance`),
 * found there by convention; a stage without one is checked against its own reference with loose
 * bounds. Types only, and one pure helper: no DOM, no Web Audio, safe in the worklet.
 */
import type { ParamValues } from './types.ts';

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
 * What a stage promises the conformance suite: plain data (figures by name), declared beside its
 * descriptor in `dsp-stages/<id>/conformance.ts`.
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
