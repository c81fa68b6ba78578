/**
 * Checks of a chain (worklet/chain.ts) shared by the chain stories and their expected failures:
 * the chain rendered offline through the processor against the stages' TypeScript references
 * applied in order, within each stage's stated tolerance (its conformance.ts); live, each stage's
 * visual frame in a slot of its own.
 */
import { expect, waitFor, within } from 'storybook/test';
import { biquadCoefficients, cascadeResponseDb } from '../../dsp-stages/eq/coefficients.ts';
import { eqBands } from '../../dsp-stages/eq/params.ts';
import { RESPONSE_FRAME } from '../../dsp-stages/eq/reference.ts';
import { getStage } from '../../dsp-stages/registry.ts';
import {
  createChain,
  renderChain,
  resolveChainSpecs,
  type ChainParams,
  type ChainRender,
  type ChainStageSpec,
} from '../../worklet/chain.ts';
import type { StagebenchRuntime } from '../../worklet/host.ts';
import { renderOffline, type OfflineRender } from '../../worklet/offline-render.ts';
import { expectBitExact, expectMaxDifference } from './assertions.ts';
import { conformanceOf } from './conformance/promises.ts';

/** The chain of story args `a b ...` and its stages' parameters: each stage at its defaults but for the parameters given. */
export function chainSpecs(text: string, params: ChainParams = {}): ChainStageSpec[] {
  return resolveChainSpecs(text, params).specs;
}

/** The stages' TypeScript references applied in `specs`' order (the chain core, every stage on its reference). */
export function referencesInOrder(specs: readonly ChainStageSpec[], inputs: Float32Array[], sampleRate: number): ChainRender {
  return renderChain(createChain({ wasm: null, stages: specs, sampleRate }), inputs);
}

/**
 * The references in order, but each analysis stage that no audio stage follows analysed as its
 * reference would analyse the audio that reached it in the rendered chain (`got`'s output: every
 * stage after the last audio one passes it on), the second channel as given. On a real signal (a
 * file), an analysis stage's figures then measure that stage alone, not the audio stages' allowed
 * output differences before it magnified by its own sensitivity (a peak interpolated between bins).
 */
export function referencesOnWhatReachedThem(
  specs: readonly ChainStageSpec[],
  inputs: Float32Array[],
  sampleRate: number,
  got: OfflineRender,
): ChainRender {
  const want = referencesInOrder(specs, inputs, sampleRate);
  const lastAudio = specs.reduce((last, s, i) => (getStage(s.stage).hasAudioOutput ? i : last), -1);
  const figures = want.figures.map((f, i) =>
    i > lastAudio ? referencesInOrder([specs[i]!], [got.output, ...inputs.slice(1)], sampleRate).figures[0]! : f,
  );
  return { output: want.output, figures };
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

/** RMS of `x`. */
export function rms(x: Float32Array): number {
  let sum = 0;
  for (const v of x) sum += v * v;
  return Math.sqrt(sum / x.length);
}

/**
 * Live, every stage of the chain that has a visual frame publishes it in a visual slot of its own,
 * and the bench draws each with its own visualiser. Checked on a sine of `toneHz` through EQ and
 * FFT stages: the EQ's slot holds its input block and the output block it gave, whose level ratio
 * is the designed gain at the tone (within 0.1 dB); the FFT's slot figures put the peak at the tone
 * (within 0.5 Hz). `slotOf` picks the slot each stage is read from (the processor's, by default:
 * an expected failure passes another).
 */
export async function expectChainVisualsLive(
  runtime: StagebenchRuntime,
  canvasElement: HTMLElement,
  specs: readonly ChainStageSpec[],
  toneHz: number,
  slotOf: (index: number, slots: readonly number[]) => number = (i, slots) => slots[i]!,
): Promise<{ checked: string[]; figures: Array<{ name: string; value: number; unit: string }> }> {
  const canvas = within(canvasElement);
  await waitFor(() => expect(runtime.chainFigures().length).toBe(specs.length), { timeout: 15_000 });
  const figures = runtime.chainFigures();
  const slots = figures.map((f) => f.visualSlot);
  const drawn = slots.filter((s) => s >= 0);
  expect(new Set(drawn).size, `visual slots ${slots.join(',')}: one of its own per stage with a visual frame`).toBe(drawn.length);
  const checked: string[] = [];
  const measured: Array<{ name: string; value: number; unit: string }> = [];
  for (const [i, spec] of specs.entries()) {
    if (!figures[i]!.hasVisual) continue;
    expect(slots[i], `stage ${i + 1} (${spec.stage}) has a visual slot`).toBeGreaterThanOrEqual(0);
    // its section is drawn by its own visualiser
    await waitFor(() => expect(canvas.getByTestId(`chain-visual-${spec.stage}`)).toBeInTheDocument(), { timeout: 10_000 });
    const slot = slotOf(i, slots);
    const stage = getStage(spec.stage);
    if (spec.stage === 'eq') {
      // one float more than the EQ's frame: a longer frame (another stage's) reads longer
      const frame = new Float32Array(2 * RESPONSE_FRAME + 1);
      let gainErrorDb = NaN;
      const sampleRate = runtime.state.sampleRate;
      const designedDb = cascadeResponseDb(
        eqBands(spec.params).map((b) => biquadCoefficients(b, sampleRate)),
        toneHz,
        sampleRate,
      );
      // a frame published after the chain reported its figures is the chain's (a slot keeps an
      // earlier stage's frame until then): its length is the EQ's at once, not after retries
      const before = runtime.readVisual(frame, slot).seq;
      await waitFor(() => expect(runtime.readVisual(frame, slot).seq, `a new frame in slot ${slot}`).not.toBe(before), {
        timeout: 10_000,
      });
      expect(runtime.readVisual(frame, slot).length, `eq visual frame length (slot ${slot})`).toBe(2 * RESPONSE_FRAME);
      await waitFor(
        () => {
          const { length } = runtime.readVisual(frame, slot);
          expect(length, `eq visual frame length (slot ${slot})`).toBe(2 * RESPONSE_FRAME);
          const gainDb = 20 * Math.log10(rms(frame.subarray(RESPONSE_FRAME, 2 * RESPONSE_FRAME)) / rms(frame.subarray(0, RESPONSE_FRAME)));
          expect(
            Math.abs(gainDb - designedDb),
            `eq output/input ${gainDb.toFixed(3)} dB vs designed ${designedDb.toFixed(3)} dB at ${toneHz} Hz`,
          ).toBeLessThan(0.1);
          gainErrorDb = gainDb - designedDb;
        },
        { timeout: 10_000 },
      );
      measured.push({
        name: `eq visual slot ${slot}: output/input level minus the designed gain at ${toneHz} Hz`,
        value: gainErrorDb,
        unit: 'dB',
      });
      checked.push('eq');
    } else if (spec.stage === 'fft') {
      const peak = stage.figures!.findIndex((f) => f.name === 'peakHz');
      let peakHz = NaN;
      await waitFor(
        () => {
          const hz = runtime.figures(slot)[peak]!;
          expect(Math.abs(hz - toneHz), `fft peak ${hz} Hz (slot ${slot}) vs ${toneHz} Hz`).toBeLessThan(0.5);
          peakHz = hz;
        },
        { timeout: 10_000 },
      );
      measured.push({ name: `fft visual slot ${slot}: peak frequency`, value: peakHz, unit: 'Hz' });
      checked.push('fft');
    }
  }
  return { checked, figures: measured };
}
