/**
 * FFT stories that must FAIL (run only by `npm run test:expected-failures`): proof that the
 * single-quantum budget catches an analysis that is not spread over the hop.
 */
import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, waitFor, within } from 'storybook/test';
import { StageBench } from '../components/StageBench.tsx';
import { fftStage } from '../dsp-stages/fft/index.ts';
import { StagebenchRuntime } from '../worklet/host.ts';
import { expectKernelAttemptsWithinBudget, timeKernelWithin } from './support/assertions.ts';

function UnspreadFftBench() {
  return (
    <StageBench
      stage={fftStage}
      params={{ size: 32768, window: 'kaiser', beta: 9, hop: 0, spread: 'off' }}
      source={{ kind: 'sine', frequencyHz: 1000, levelDb: -6 }}
    />
  );
}

const meta = {
  title: 'Expected Failures/FFT 32k',
  component: UnspreadFftBench,
  tags: ['expected-failure', '!test', '!autodocs'],
} satisfies Meta<typeof UnspreadFftBench>;

export default meta;
type Story = StoryObj<typeof meta>;

/** The whole analysis in the hop quantum (spread off): the single-quantum p99 budget must fail. */
export const UnspreadAnalysisBreaksTheQuantumBudget: Story = {
  play: async ({ canvasElement }) => {
    await waitFor(() => expect(within(canvasElement).getByTestId('wasm-status')).toHaveTextContent(/^active$/), { timeout: 15_000 });
    const runtime = StagebenchRuntime.get();
    // the stories' retrying measurement, with the batch budget out of the way: the single-quantum
    // budget alone must fail in all three
    const budget = { kernelP99Us: Infinity, quantumP99Us: fftStage.budgets.quantumP99Us! };
    const result = await timeKernelWithin(() => runtime.measureKernel({ batches: 20, singleQuanta: 4000 }), budget);
    expectKernelAttemptsWithinBudget(result, budget);
  },
};
