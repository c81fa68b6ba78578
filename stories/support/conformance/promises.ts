/**
 * The suite's side of the stages' promises. Each stage states what it promises the conformance
 * suite in `dsp-stages/<id>/conformance.ts` (a `StageConformance`, dsp-stages/conformance-types.ts:
 * the parameters it is rendered with, the property its output has at every rate, what it does
 * with hostile input, how close its wasm kernel stays to its reference), found here by convention,
 * so the suite names no stage. The rest of the suite's pure part (signals, checks, parameters, the
 * results board) is beside this file: no Web Audio and no DOM, so every helper also runs in Node
 * under Vitest, while the story drives renderOffline and the live runtime.
 *
 * A registered stage without a conformance.ts is still covered: it gets `DEFAULT_CONFORMANCE` (its
 * wasm kernel against its own TypeScript reference, non-finite output confined to the quanta whose
 * input was non-finite, recovery after hostile input, clamped parameters).
 */
import type { ParamValues, StageDescriptor } from '../../../dsp-stages/types.ts';
import { COUNT_UNITS } from '../../../dsp-stages/types.ts';
import { defaultParams } from '../../../dsp-stages/params.ts';
import { STAGES } from '../../../dsp-stages/registry.ts';
import type { FigureName, StageConformance } from '../../../dsp-stages/conformance-types.ts';

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

/** The registered stages' promises, by id: every `dsp-stages/<id>/conformance.ts`. */
export const STAGE_CONFORMANCE: Readonly<Record<string, StageConformance>> = promisesByStage(
  import.meta.glob('../../../dsp-stages/*/conformance.ts', { eager: true }),
  Object.keys(STAGES),
);

/** The stage's promise, and whether it declared one (else `DEFAULT_CONFORMANCE`). */
export function conformanceOf(stageId: string): { spec: StageConformance; declared: boolean } {
  const spec = STAGE_CONFORMANCE[stageId];
  return spec ? { spec, declared: true } : { spec: DEFAULT_CONFORMANCE, declared: false };
}

/** The stage's defaults with the suite's overrides. */
export function conformanceParams(stage: StageDescriptor): ParamValues {
  return { ...defaultParams(stage.params), ...conformanceOf(stage.id).spec.params };
}
