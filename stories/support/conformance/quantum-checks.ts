/**
 * The `render-quantum` check: a stage run in quanta of another size than 128 (a context made with
 * `renderSizeHint`) against its TypeScript reference run in quanta of the same size. One function
 * judges both the browser's render (Validation / Render quantum: the worklet in an
 * OfflineAudioContext of that size) and Node's (the wasm kernel in this process), so the two
 * report the same rows under the same name.
 */
import type { ParamValues, StageDescriptor } from '../../../dsp-stages/types.ts';
import { resolveParams } from '../../../dsp-stages/params.ts';
import type { StageConformance } from '../../../dsp-stages/conformance-types.ts';
import type { Check } from './board.ts';
import { runKernel } from './kernel-run.ts';
import { nonFiniteCount } from '../../../dsp-stages/conformance/numbers.ts';
import { checkFiguresAgainstReference, checkOutputAgainstReference } from './rate-checks.ts';
import { RATE_FRAMES, rateInput, type RateInput } from '../../../dsp-stages/conformance/signals.ts';

/** Name of the check, as the validate matrix names its checks (dsp-stages/validate/checks.ts). */
export const RENDER_QUANTUM_CHECK = 'render-quantum';

export { RENDER_QUANTUM_SIZES } from '../../../dsp-stages/types.ts';

/**
 * The stage's conformance input at `rate` in a whole number of `quantum`-frame quanta. An input of
 * RATE_FRAMES is cut: it ends in 47 quanta of 128 frames (6016) so that an analysis spread over
 * the quanta after its hop finishes, and a cut of less than one quantum leaves most of them (while
 * silence padded on could start another analysis that the end cuts short). A shorter input (the
 * shift pair: one 32768-frame frame) is padded with silence, so its frame stays whole.
 */
export function quantumInput(spec: StageConformance, rate: number, quantum: number): RateInput {
  const src = rateInput(spec.rateProperty, rate);
  const whole = src.input.length / quantum;
  const frames = (src.input.length === RATE_FRAMES ? Math.floor(whole) : Math.ceil(whole)) * quantum;
  const padded = (x: Float32Array): Float32Array => {
    if (frames <= x.length) return x.subarray(0, frames);
    const out = new Float32Array(frames);
    out.set(x);
    return out;
  };
  return {
    ...src,
    input: padded(src.input),
    ...(src.input2 ? { input2: padded(src.input2) } : {}),
    label:
      frames === src.input.length
        ? src.label
        : frames < src.input.length
          ? `${src.label}, its last ${src.input.length - frames} frames cut`
          : `${src.label}, then ${frames - src.input.length} frames of silence`,
  };
}

/** What a run at one render quantum gave: the worklet's render, or a kernel run in Node. */
export interface QuantumRun {
  output: Float32Array | null;
  /** The stage's figures, in the order of its descriptor's `figures` (null: not readable). */
  figures: ArrayLike<number> | null;
  /** Quanta processed, and the length of the last one (null: no telemetry). */
  quantumCount: number | null;
  quantumFrames: number | null;
  stageErrors: number;
}

/**
 * The rows of the render-quantum check at `quantum` frames: the run processed quanta of that
 * length, every one of them, without a stage error; its output (and figures) equal those of the
 * stage's reference run in quanta of the same length, within the stage's conformance tolerance
 * (0: bit for bit); no non-finite output from the clean input.
 */
export function renderQuantumChecks(
  stage: StageDescriptor,
  spec: StageConformance,
  params: ParamValues,
  rate: number,
  quantum: number,
  src: RateInput,
  run: QuantumRun,
): Check[] {
  const frames = src.input.length;
  const tag = `${quantum}-frame quanta`;
  const checks: Check[] = [
    {
      check: `${tag}: quanta of ${quantum} frames`,
      figure: run.quantumFrames === null ? 'no telemetry (not cross-origin isolated)' : `last quantum ${run.quantumFrames} frames`,
      ok: run.quantumFrames === quantum,
    },
    {
      check: `${tag}: every quantum processed, no stage error`,
      figure:
        run.quantumCount === null
          ? `no telemetry; ${run.stageErrors} stage errors`
          : `${run.quantumCount} of ${frames / quantum} quanta, ${run.stageErrors} stage errors`,
      ok: run.quantumCount === frames / quantum && run.stageErrors === 0,
    },
  ];
  const reference = runKernel(
    stage.createReferenceKernel(resolveParams(stage.params, params).values, rate, quantum),
    stage.hasAudioOutput,
    src.input,
    src.input2,
    quantum,
  );
  if (stage.hasAudioOutput) {
    if (run.output && reference.output) {
      const c = checkOutputAgainstReference(run.output, reference.output, spec.outputTolerance);
      checks.push({ ...c, check: `${tag}: ${c.check}` });
      const bad = nonFiniteCount(run.output);
      checks.push({ check: `${tag}: no NaN or infinity out`, figure: `${bad} non-finite samples`, ok: bad === 0 });
    } else checks.push({ check: `${tag}: output`, figure: 'no output', ok: false });
  }
  const names = (stage.figures ?? []).map((f) => f.name);
  if (names.length > 0 && run.figures)
    for (const c of checkFiguresAgainstReference(names, run.figures, reference.figures, spec.figureTolerance))
      checks.push({ ...c, check: `${tag}: ${c.check}` });
  return checks;
}
