/**
 * FFT stories that must FAIL (the expected-failure gate of `npm test`): proof that the
 * single-quantum budget catches an analysis that is not spread over the hop, and that the Parseval
 * check can fail. Each declares the assertion it must fail on.
 */
import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, waitFor, within } from 'storybook/test';
import { StageBench } from '../components/StageBench.tsx';
import { fftStage } from '../dsp-stages/fft/index.ts';
import { StagebenchRuntime } from '../worklet/host.ts';
import { SINGLE_QUANTA } from './support/checks.ts';
import { SPECTRUM_RENDER, expectParseval, renderSpectrum } from './support/fftChecks.ts';
import { whiteNoise } from '../dsp-stages/signals.ts';
import { expectKernelAttemptsWithinBudget, timeKernelWithin } from './support/assertions.ts';
import { failsWith } from './support/expectedFailure.ts';

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
  parameters: failsWith(/single-quantum p99 [\d.]+ µs vs budget/),
  play: async ({ canvasElement }) => {
    await waitFor(() => expect(within(canvasElement).getByTestId('wasm-status')).toHaveTextContent(/^active$/), { timeout: 15_000 });
    const runtime = StagebenchRuntime.get();
    // the stories' retrying measurement, with the batch budget out of the way: the single-quantum
    // budget alone must fail in all three
    const budget = { kernelP99Us: Infinity, quantumP99Us: fftStage.budgets.quantumP99Us };
    const result = await timeKernelWithin(() => runtime.measureKernel({ batches: 20, singleQuanta: SINGLE_QUANTA }), budget);
    expectKernelAttemptsWithinBudget(result, budget);
  },
};

/**
 * Parseval against the wrong frame energy: the stage's Hann spectrum checked against the frame
 * taken without its window (what a check that forgot the window would compare): it must fail.
 */
export const ParsevalWithoutTheWindow: Story = {
  parameters: failsWith(/Parseval: windowed frame energy [\d.e+-]+, spectrum energy [\d.e+-]+, relative error/),
  play: async () => {
    const { N, FRAMES, FRAME_END } = SPECTRUM_RENDER;
    const input = whiteNoise(FRAMES, 0.5, 11);
    const r = await renderSpectrum(input, { window: 'hann' });
    expect(r.status, `fallback: ${r.reason}`).toBe('active');
    expectParseval(input.subarray(FRAME_END - N, FRAME_END), new Float64Array(N).fill(1), r.spectrum);
  },
};
