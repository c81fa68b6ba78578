/**
 * Checks of a chain (worklet/chain.ts) shared by the chain stories and their expected failures:
 * the chain rendered offline through the processor against the stages' TypeScript references
 * applied in order, within each stage's stated tolerance (its conformance.ts).
 */
import { expect } from 'storybook/test';
import { getStage } from '../../dsp-stages/registry.ts';
import { defaultParams } from '../../dsp-stages/params.ts';
import { createChain, parseChainIds, renderChain, type ChainRender, type ChainStageSpec } from '../../worklet/chain.ts';
import { renderOffline, type OfflineRender } from '../../worklet/offline-render.ts';
import { expectBitExact, expectMaxDifference } from './assertions.ts';
import { conformanceOf } from './conformance/promises.ts';

/** The chain of a story arg `a,b,...`, each stage at its defaults. */
export function chainSpecs(text: string): ChainStageSpec[] {
  return parseChainIds(text).map((id) => ({ stage: id, params: defaultParams(getStage(id).params) }));
}

/** The stages' TypeScript references applied in `specs`' order (the chain core, every stage on its reference). */
export function referencesInOrder(specs: readonly ChainStageSpec[], inputs: Float32Array[], sampleRate: number): ChainRender {
  return renderChain(createChain({ wasm: null, stages: specs, sampleRate }), inputs);
}

/** The chain rendered offline through the processor (one node, one wasm instance). */
export async function renderChainOffline(specs: ChainStageSpec[], inputs: Float32Array[], sampleRate: number): Promise<OfflineRender> {
  const result = await renderOffline({
    stage: specs[0]!.stage,
    params: {},
    chain: specs,
    input: inputs[0]!,
    input2: inputs[1],
    sampleRate,
  });
  expect(result.status, `the chain runs on wasm (fallback: ${result.reason})`).toBe('active');
  return result;
}

/**
 * The chain's output within the sum of its audio stages' output tolerances of the references in
 * order (bit for bit when every one is exact), and each stage's figures within its figure
 * tolerance (relative: tol × max(1, |reference|)) wherever the reference gives one. Returns the
 * largest output difference and how many figures were compared.
 */
export function expectChainMatchesReferences(
  specs: readonly ChainStageSpec[],
  got: OfflineRender,
  want: ChainRender,
): { outputDifference: number; figuresCompared: number } {
  const audio = specs.map((s) => getStage(s.stage)).filter((s) => s.hasAudioOutput);
  const tolerance = audio.reduce((sum, s) => sum + conformanceOf(s.id).spec.outputTolerance, 0);
  let outputDifference = 0;
  if (tolerance === 0) expectBitExact(got.output, want.output, 'chain output vs the references in order');
  else outputDifference = expectMaxDifference(got.output, want.output, tolerance, 'chain output vs the references in order');
  const figures = got.chainFigures;
  expect(figures, 'the processor reported the chain figures').not.toBeNull();
  let figuresCompared = 0;
  specs.forEach((spec, i) => {
    const stage = getStage(spec.stage);
    const tol = conformanceOf(stage.id).spec.figureTolerance;
    (stage.figures ?? []).forEach((f, k) => {
      const w = want.figures[i]![k]!;
      if (Number.isNaN(w)) return;
      const g = figures![i]!.figures[k]!;
      figuresCompared++;
      expect(
        Math.abs(g - w),
        `chain stage ${i + 1} (${stage.id}) figure ${f.name}: ${g} vs reference ${w} (tolerance ${tol} relative)`,
      ).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(w)));
    });
  });
  return { outputDifference, figuresCompared };
}
