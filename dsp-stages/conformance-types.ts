/**
 * What a stage promises the conformance suite (Validation / Conformance), as plain data: the
 * parameters it is rendered with, the property its output has at every rate, what it does with
 * hostile input, and how close its wasm kernel stays to its TypeScript reference. A stage states
 * its promise in `dsp-stages/<id>/conformance.ts` (`export const conformance: StageConformance`),
 * found there by convention; a stage without one is checked against its own reference with loose
 * bounds. Types only, and one pure helper: no DOM, no Web Audio, safe in the worklet.
 */
import type { ParamValues, StageDescriptor } from './types.ts';
import { defaultParams } from './params.ts';

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

/** For a registered stage without a conformance.ts: checked against its own reference with loose bounds. */
export const DEFAULT_CONFORMANCE: StageConformance = {
  params: {},
  rateProperty: null,
  outputTolerance: 1e-3,
  figureTolerance: 1e-3,
  hostile: { kind: 'undeclared' },
  recoveryTolerance: 1e-4,
  promise: 'undeclared: output against its reference; non-finite output only in non-finite input quanta',
};

/** The path of a stage's promise, `dsp-stages/<id>/conformance.ts`: the folder names the stage. */
const CONFORMANCE_FILE = /(?:^|\/)dsp-stages\/([^/]+)\/conformance\.ts$/;

/**
 * The promises in `modules` (conformance.ts modules by path, as `import.meta.glob` gives them), by
 * stage id: the name of the file's folder. Throws for a file whose folder is not a registered
 * stage (`registered`), or one that does not export `conformance`.
 */
export function promisesByStage(
  modules: Readonly<Record<string, unknown>>,
  registered: readonly string[],
): Record<string, StageConformance> {
  const out: Record<string, StageConformance> = {};
  for (const [path, mod] of Object.entries(modules)) {
    const id = CONFORMANCE_FILE.exec(path)?.[1];
    if (id === undefined) throw new Error(`${path} is not a dsp-stages/<id>/conformance.ts file`);
    if (!registered.includes(id)) {
      throw new Error(`dsp-stages/${id}/conformance.ts: no stage "${id}" is registered (known: ${registered.join(', ')})`);
    }
    const spec = (mod as { conformance?: StageConformance } | undefined)?.conformance;
    if (!spec) throw new Error(`dsp-stages/${id}/conformance.ts does not export \`conformance\` (a StageConformance)`);
    out[id] = spec;
  }
  return out;
}

/** The promise of `stageId` in `table`, and whether it declared one (else `DEFAULT_CONFORMANCE`). */
export function promiseIn(
  table: Readonly<Record<string, StageConformance>>,
  stageId: string,
): { spec: StageConformance; declared: boolean } {
  const spec = table[stageId];
  return spec ? { spec, declared: true } : { spec: DEFAULT_CONFORMANCE, declared: false };
}

/** The stage's defaults with the overrides its promise in `table` renders it with. */
export function paramsIn(table: Readonly<Record<string, StageConformance>>, stage: Pick<StageDescriptor, 'id' | 'params'>): ParamValues {
  return { ...defaultParams(stage.params), ...promiseIn(table, stage.id).spec.params };
}
