/**
 * The suite's side of the stages' promises. Each stage states what it promises the conformance
 * suite in `dsp-stages/<id>/conformance.ts` (a `StageConformance`, dsp-stages/conformance-types.ts:
 * the parameters it is rendered with, the property its output has at every rate, what it does
 * with hostile input, how close its wasm kernel stays to its reference), found here by convention,
 * so the suite names no stage. The rest of the suite's pure part is beside this file (the results
 * board, the rate checks) or in dsp-stages/conformance/ (signals, hostile-input and parameter
 * checks, numbers: `stagebench validate` runs them too): no Web Audio and no DOM, so every helper
 * also runs in Node under Vitest, while the story drives renderOffline and the live runtime.
 *
 * A registered stage without a conformance.ts is still covered: it gets `DEFAULT_CONFORMANCE` (its
 * wasm kernel against its own TypeScript reference, non-finite output confined to the quanta whose
 * input was non-finite, recovery after hostile input, clamped parameters).
 */
import type { ParamValues, StageDescriptor } from '../../../dsp-stages/types.ts';
import { STAGES } from '../../../dsp-stages/registry.ts';
import { paramsIn, promiseIn, promisesByStage, type FigureName, type StageConformance } from '../../../dsp-stages/conformance-types.ts';

export { DEFAULT_CONFORMANCE, promisesByStage } from '../../../dsp-stages/conformance-types.ts';
export { counterFigures } from '../../../dsp-stages/conformance/hostile-checks.ts';

/** The names of the figures a promise reads (each must be among the stage's `figures`). */
export function promisedFigures(spec: StageConformance): FigureName[] {
  const out: FigureName[] = [];
  const p = spec.rateProperty;
  if (p?.kind === 'tone-peak') out.push(p.hzFigure, p.dbFigure);
  if (p?.kind === 'shift-delay') out.push(p.figure);
  if (spec.hostile.kind === 'silence-and-count' || spec.hostile.kind === 'analysis-and-count') out.push(spec.hostile.counterFigure);
  return out;
}

/** The registered stages' promises, by id: every `dsp-stages/<id>/conformance.ts`. */
export const STAGE_CONFORMANCE: Readonly<Record<string, StageConformance>> = promisesByStage(
  import.meta.glob('../../../dsp-stages/*/conformance.ts', { eager: true }),
  Object.keys(STAGES),
);

/** The stage's promise, and whether it declared one (else `DEFAULT_CONFORMANCE`). */
export function conformanceOf(stageId: string): { spec: StageConformance; declared: boolean } {
  return promiseIn(STAGE_CONFORMANCE, stageId);
}

/** The stage's defaults with the suite's overrides. */
export function conformanceParams(stage: StageDescriptor): ParamValues {
  return paramsIn(STAGE_CONFORMANCE, stage);
}
