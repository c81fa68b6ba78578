/**
 * Shift stories that must FAIL (the expected-failure gate of `npm test`): the 0.02-sample check
 * can fail, and the single-quantum budget catches an analysis that is not spread over quanta.
 */
import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect } from 'storybook/test';
import { shiftStage } from '../dsp-stages/shift/index.ts';
import { delayedPair } from '../dsp-stages/delayed-pair.ts';
import { defaultParams } from '../dsp-stages/params.ts';
import { StagebenchRuntime } from '../worklet/host.ts';
import { renderOffline } from '../worklet/offline-render.ts';
import { expectClose, expectKernelAttemptsWithinBudget, timeKernelWithin, withAudioSuspended } from './support/assertions.ts';
import { SINGLE_QUANTA } from './support/checks.ts';
import { startRuntime } from './support/switching.ts';
import { failsWith } from './support/expectedFailure.ts';

function Nothing() {
  return <p>Offline checks only: see the Interactions panel.</p>;
}

const meta = {
  title: 'Expected Failures/Shift Hypotheses',
  component: Nothing,
  tags: ['expected-failure', '!test', '!autodocs'],
} satisfies Meta<typeof Nothing>;

export default meta;
type Story = StoryObj<typeof meta>;

/** The signal is delayed by 100.37 samples; the check claims 100.47: it must fail. */
export const EstimateAgainstAWrongDelay: Story = {
  parameters: failsWith(/delay estimate \(PHAT off\): [\d.]+, expected 100\.47 within 0\.02/),
  play: async () => {
    const pair = delayedPair({ n: 32768, delay: 100.37, snrDb: 30, seed: 3 });
    const r = await renderOffline({
      stage: 'shift',
      params: defaultParams(shiftStage.params),
      input: pair.reference,
      input2: pair.input,
      sampleRate: 48_000,
    });
    expect(r.status, `fallback: ${r.reason}`).toBe('active');
    expectClose(r.figures![0]!, 100.47, 0.02, 'delay estimate (PHAT off)');
  },
};

/** The whole analysis in its hop quantum (spread off): the single-quantum p99 budget must fail. */
export const UnspreadAnalysisBreaksTheQuantumBudget: Story = {
  parameters: failsWith(/single-quantum p99 [\d.]+ µs vs budget/),
  play: async () => {
    const runtime = StagebenchRuntime.get();
    await startRuntime(runtime);
    await runtime.setStage('shift', { ...defaultParams(shiftStage.params), spread: 'off' });
    // the batch budget out of the way: the single-quantum budget alone must fail in all three
    const budget = { kernelP99Us: Infinity, quantumP99Us: shiftStage.budgets.quantumP99Us };
    const result = await withAudioSuspended(runtime, () =>
      timeKernelWithin(() => runtime.measureKernel({ batches: 20, singleQuanta: SINGLE_QUANTA }), budget),
    );
    expectKernelAttemptsWithinBudget(result, budget);
  },
};
