/**
 * The contract every stage fulfils. Pure TypeScript: no React, no DOM, no Web Audio, so the
 * same descriptor drives the AudioWorklet, the kernel-timing worker, the CLI and the benchmarks.
 */
import type { StagebenchWasm } from '../worklet/abi.ts';

/**
 * Frames per Web Audio render quantum by default: what a context renders without a
 * `renderSizeHint`, and what a browser without `renderQuantumSize` (Firefox) renders. A context
 * may render other sizes (64, 256, 441, 1024...): the worklet takes its size from the context
 * (worklet/stage-node.ts, `contextQuantumFrames`) and kernels are created for it.
 */
export const RENDER_QUANTUM_FRAMES = 128;

/**
 * The render quanta every stage is checked at: the default, powers of two around it, and 441
 * (10 ms at 44.1 kHz, no power of two). The stories' render-quantum check renders each in an
 * OfflineAudioContext of that size; the validator's block sizes include them all.
 */
export const RENDER_QUANTUM_SIZES = [64, RENDER_QUANTUM_FRAMES, 256, 441, 1024] as const;

/** The time one render quantum of `quantumFrames` frames lasts at `sampleRate`, µs: the deadline its processing must meet. */
export function quantumDeadlineUs(sampleRate: number, quantumFrames: number = RENDER_QUANTUM_FRAMES): number {
  return (quantumFrames / sampleRate) * 1e6;
}

/** One numeric parameter: the single source for Storybook argTypes, CLI flags and clamps. */
export interface NumberParam {
  kind: 'number';
  name: string;
  label: string;
  unit: string;
  min: number;
  max: number;
  step: number;
  default: number;
  /** Whether the value must be a whole number. */
  integer?: boolean;
  /** The only values allowed (e.g. FFT sizes); others snap to the nearest one, with a note. */
  values?: readonly number[];
  description: string;
  /** Scheduling on the live audio thread only: no CLI flag, and an offline run ignores it. */
  liveOnly?: true;
}

/** One choice among named options (windows, filter types...). */
export interface ChoiceParam {
  kind: 'choice';
  name: string;
  label: string;
  unit: '';
  options: readonly string[];
  default: string;
  description: string;
  /** Scheduling on the live audio thread only: no CLI flag, and an offline run ignores it. */
  liveOnly?: true;
}

export type ParamSpec = NumberParam | ChoiceParam;
export type ParamValues = Record<string, number | string>;

/** Why a value was changed by `clampParam`, for a visible note in the UI and the CLI. */
export interface ClampNote {
  name: string;
  given: unknown;
  used: number | string;
  reason: string;
}

/** A stage instance bound to one backend (wasm or the TypeScript reference). */
export interface StageKernel {
  /** Which backend runs: the Rust wasm module, or the plain TypeScript reference. */
  readonly backend: 'wasm' | 'reference';
  /**
   * Processes one quantum. `inputs[0]` is channel 0 (always present, `frames` long); `output`,
   * when the stage has audio output, receives `frames` samples. Returns 0 or a negative status
   * code (see `statusMessage`). Real-time safe: never allocates, never throws.
   */
  process(inputs: readonly Float32Array[], output: Float32Array | null): number;
  /** Applies a parameter; the value has been clamped by the caller. */
  setParam(name: string, value: number | string): void;
  /** Numbers worth showing or printing after processing (peak, counters...). May allocate: not for the hot path. */
  summary(): Record<string, number | string | boolean>;
  /** Floats in the stage's visual frame (a spectrum in dB...); 0 or absent when it has none. */
  readonly visualLength?: number;
  /** Changes whenever a new visual frame is ready; checked every quantum, so it must not allocate. */
  visualVersion?(): number;
  /** Copies the newest visual frame into `out` (visualLength floats) and its live figures into `figures`. Allocation-free. */
  publish?(out: Float32Array, figures: Float64Array): void;
}

/** A live figure a stage publishes with each visual frame (peak frequency, peak level...). */
export interface StageFigure {
  name: string;
  unit: string;
  /** How the UI names it (default: name). */
  label?: string;
}

/**
 * Units of figures that count events (NaN quanta silenced, frames with NaN/Inf): shown red once
 * non-zero, any increase a regression in the run report, left out where figures must equal a
 * clean render's.
 */
export const COUNT_UNITS: ReadonlySet<string> = new Set(['quanta', 'frames', 'count']);

/** What a budget was set from: p99s measured on the CI machine type (2 cores), and when. */
export interface MeasuredCost {
  kernelP99Us: number;
  quantumP99Us: number;
  /** Date of the measurement (YYYY-MM-DD) and how it was taken. */
  on: string;
}

/** The browser engines the story tests run in: Chromium (test-storybook) and Firefox (scripts/test-firefox.mjs). */
export type Engine = 'chromium' | 'firefox';

/** Both timing budgets of one engine and the p99s they were set from. */
export interface TimingBudget {
  kernelP99Us: number;
  quantumP99Us: number;
  measured: MeasuredCost;
}

/**
 * A stage's budgets, asserted by its play functions. Each timing budget is at most
 * BUDGET_HEADROOM times the p99 measured on the CI machine type (`measured`), so a regression of
 * that size fails it; both are judged on one measurement. The top-level timing budgets are
 * Chromium's; `firefox` holds Firefox's where its kernels measure slower (timingBudget picks).
 */
export interface StageBudgets {
  /** Kernel cost per quantum, p99 over batch means (each batch >= 1 ms), µs (performance.now() in a worker). */
  kernelP99Us: number;
  /**
   * Cost of single quanta timed one by one, p99, µs: proof that no single quantum carries more
   * than its share of periodic work (an FFT every hop). performance.now() in an isolated worker
   * ticks in 5 µs, so a sub-tick kernel reads 0 or 5 µs here.
   */
  quantumP99Us: number;
  measured: MeasuredCost;
  /** Main-thread JS heap growth allowed over the live check, in bytes (after GC). */
  heapGrowthBytes: number;
  /** Firefox's timing budgets, set from p99s measured in Firefox ESR on the same machine type. */
  firefox?: TimingBudget;
}

/**
 * How the Firefox timing budgets' `measured` p99s were taken: the same measurements as Chromium's,
 * in Firefox; each is the median of the judged p99s.
 */
export const FIREFOX_MEASURED_ON =
  '2026-12-06: median of 6 measurements (2 runs of the story budget check and 1 of Conformance / Sample rates at 4 rates), Firefox ESR 153 over WebDriver BiDi with an unclamped performance.now(), 2-core CI machine type';

/** The engine this code runs in: Firefox by its user agent, Chromium (V8, as in Node) otherwise. */
export function currentEngine(): Engine {
  return typeof navigator !== 'undefined' && /\bFirefox\//.test(navigator.userAgent ?? '') ? 'firefox' : 'chromium';
}

/** The stage's timing budgets in `engine`: its own where it states them, Chromium's otherwise. */
export function timingBudget(budgets: StageBudgets, engine: Engine = currentEngine()): TimingBudget {
  return (engine === 'firefox' ? budgets.firefox : undefined) ?? budgets;
}

/**
 * How much a budget set for 128-frame quanta grows at a render quantum of `quantumFrames` (a page's
 * `?quantum=N`): a larger quantum is proportionally more work per call (a stage's cost per
 * quantum grows with its frames; an analysis every hop runs proportionally more often), so
 * Q / 128; a smaller one keeps the 128-frame budget (a call's fixed cost does not shrink).
 */
export function budgetScaleAt(quantumFrames: number): number {
  return Math.max(1, quantumFrames / RENDER_QUANTUM_FRAMES);
}

/** `timingBudget` at a render quantum of `quantumFrames` (`budgetScaleAt`): the same object at 128 frames or fewer. */
export function timingBudgetAt(budgets: StageBudgets, quantumFrames: number, engine: Engine = currentEngine()): TimingBudget {
  const base = timingBudget(budgets, engine);
  const k = budgetScaleAt(quantumFrames);
  return k === 1 ? base : { ...base, kernelP99Us: base.kernelP99Us * k, quantumP99Us: base.quantumP99Us * k };
}

/** The most a timing budget may exceed the p99 measured on the CI machine type. */
export const BUDGET_HEADROOM = 3;

/**
 * How `stagebench validate` (docs/validation.md) checks the stage on the generic stage ABI. Absent:
 * every check applies, and any block sizes give the 128-frame render's output bit for bit.
 */
export interface StageValidation {
  /** Output of other block sizes against the 128-frame render: the largest |difference| allowed, and why not 0. */
  blockSizeTolerance?: { tolerance: number; reason: string };
  /**
   * Output against the TypeScript reference at rates above `aboveHz` (those the conformance
   * suite did not measure its tolerance at): the largest |difference| allowed there, and why.
   */
  referenceToleranceAbove?: { aboveHz: number; tolerance: number; reason: string };
  /** Checks that do not apply to the stage, by name, each with the reason the report prints in its place. */
  notApplicable?: Readonly<Record<string, string>>;
}

/**
 * Which of the workbench's visualisers draws the stage's visual frame (components/StageVisual.tsx,
 * from the stage's parameters): the stage's story draws it, and the chain bench draws every stage
 * of a chain with its own. Absent: a stage with a visual frame is drawn as a trace of its floats.
 */
export type StageVisualiser =
  /**
   * The frame starts with fftSize / 2 + 1 levels in dB (bin k at k x rate / fftSize). `peakFigures`:
   * the indices of the stage's figures that give the peak's frequency (Hz) and level (dB).
   */
  | { kind: 'spectrum'; fftSize(params: ParamValues): number; floorDb: number; title: string; peakFigures?: { hz: number; db: number } }
  /** An input block and the output block it gave (components/EqResponse.tsx): the measured response. */
  | { kind: 'eq-response' }
  /** Scores against lag, the lags, the cross-spectrum and two power spectra (components/ShiftScores.tsx). */
  | { kind: 'shift-scores' };

export interface StageDescriptor {
  /** Stable id: used in messages, the CLI (`stagebench run <id>`) and bench case names. */
  id: string;
  title: string;
  /** Names of the wasm exports this stage uses, checked when the module loads. */
  wasmExports: readonly string[];
  params: readonly ParamSpec[];
  budgets: StageBudgets;
  /** Live figures, in the order `publish` writes them. */
  figures?: readonly StageFigure[];
  /** How its visual frame is drawn (see `StageVisualiser`). */
  visualiser?: StageVisualiser;
  /** Whether the stage writes audio to the worklet's output. */
  hasAudioOutput: boolean;
  /** Parameters that override the given ones in an OfflineAudioContext render (no deadline there). */
  offlineParams?: ParamValues;
  /**
   * Creates the stage on the wasm module (which it may re-`init`) for quanta of up to
   * `quantumFrames` frames (default RENDER_QUANTUM_FRAMES). Throws with a clear message on failure.
   */
  createWasmKernel(wasm: StagebenchWasm, params: ParamValues, sampleRate: number, quantumFrames?: number): StageKernel;
  /** Creates the plain TypeScript reference (quanta of any length), used when wasm is unavailable and by tests. */
  createReferenceKernel(params: ParamValues, sampleRate: number, quantumFrames?: number): StageKernel;
  /** What the stage-ABI validator needs to know beyond the defaults (see `StageValidation`). */
  validation?: StageValidation;
}
