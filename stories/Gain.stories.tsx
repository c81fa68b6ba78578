/**
 * Gain (template) (dsp-stages/gain/, rust/src/stages/gain.rs): the bench with the stage's controls,
 * and the checks every stage starts with. `stagebench new` wrote this file from its template.
 */
import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect } from 'storybook/test';
import { StageBench } from '../components/StageBench.tsx';
import { gainStage } from '../dsp-stages/gain/index.ts';
import { defaultParams } from '../dsp-stages/params.ts';
import { whiteNoise, type SourceKind } from '../dsp-stages/signals.ts';
import type { ParamValues } from '../dsp-stages/types.ts';
import { StagebenchRuntime } from '../worklet/host.ts';
import { renderOffline } from '../worklet/offline-render.ts';
import { argTypesFromParams, sourceArgTypes } from './support/argTypes.ts';
import { expectBitExact } from './support/assertions.ts';
import { expectActiveAndRunning, expectKernelBudgets } from './support/checks.ts';
import { runKernel } from './support/conformance/kernel-run.ts';

type GainArgs = { source: SourceKind; frequencyHz: number; levelDb: number } & ParamValues;

/** The stage's parameters among the story's args. */
function stageParams(args: GainArgs): ParamValues {
  return Object.fromEntries(gainStage.params.map((p) => [p.name, args[p.name] ?? p.default]));
}

function GainWorkbench(args: GainArgs) {
  return (
    <StageBench
      stage={gainStage}
      params={stageParams(args)}
      source={{ kind: args.source, frequencyHz: args.frequencyHz, levelDb: args.levelDb }}
    />
  );
}

const meta = {
  title: 'DSP Stages/Gain (template)',
  component: GainWorkbench,
  args: { source: 'sine', frequencyHz: 1000, levelDb: -6, ...defaultParams(gainStage.params) },
  argTypes: { ...sourceArgTypes, ...argTypesFromParams(gainStage.params) },
  parameters: {
    docs: {
      description: {
        component:
          'Gain (template): `rust/src/stages/gain.rs` (the kernel), `dsp-stages/gain/` (parameters, reference, descriptor). ' +
          'Its wasm output equals its TypeScript reference bit for bit, and its kernel stays within its budget. The Monitor ' +
          'switch makes its output audible.',
      },
    },
  },
} satisfies Meta<typeof GainWorkbench>;

export default meta;
type Story = StoryObj<typeof meta>;

const RATE = 48_000;

/**
 * One second of seeded noise rendered offline through the stage's wasm kernel in an
 * OfflineAudioContext equals the TypeScript reference's output bit for bit. Then, live, the
 * kernel's p99 cost per quantum stays within the stage's budget.
 */
export const OutputEqualsReference: Story = {
  name: 'Output equals the reference',
  tags: ['perf'],
  play: async ({ args, canvasElement, step }) => {
    const params = stageParams(args);
    const input = whiteNoise(RATE, 0.5, 21);
    const result = await renderOffline({ stage: gainStage.id, params, input, sampleRate: RATE });
    await step('wasm is active in the offline render', async () => {
      expect(result.status, `fallback reason: ${result.reason}`).toBe('active');
    });
    await step('the output equals the TypeScript reference, bit for bit', async () => {
      const reference = runKernel(gainStage.createReferenceKernel(params, RATE), true, input).output!;
      expect(result.output.length).toBe(input.length);
      expectBitExact(result.output, reference, 'wasm output vs reference');
    });
    const runtime = StagebenchRuntime.get();
    await expectActiveAndRunning(canvasElement, runtime, step);
    await expectKernelBudgets(runtime, gainStage, step);
  },
};
