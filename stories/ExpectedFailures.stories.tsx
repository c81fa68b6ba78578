/**
 * Stories that must FAIL. They run only on request (`npm run test:expected-failures`), which
 * passes when every one of them fails: proof that the budget and value assertions can fail.
 */
import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, waitFor, within } from 'storybook/test';
import { StageBench } from '../components/StageBench.tsx';
import { ringCopyStage } from '../dsp-stages/ring-copy/index.ts';
import { StagebenchRuntime, renderOffline } from '../worklet/host.ts';
import { whiteNoise } from '../dsp-stages/signals.ts';
import { expectBitExact, expectKernelAttemptsWithinBudget, timeKernelWithin } from './support/assertions.ts';

function RingCopyBench() {
  return <StageBench stage={ringCopyStage} params={{ capacity: 128 * 256 }} source={{ kind: 'noise', frequencyHz: 1000, levelDb: -12 }} />;
}

const meta = {
  title: 'Expected Failures/Ring Copy',
  component: RingCopyBench,
  tags: ['expected-failure', '!test', '!autodocs'],
} satisfies Meta<typeof RingCopyBench>;

export default meta;
type Story = StoryObj<typeof meta>;

/** A budget no kernel can meet (1 ns per quantum): the kernel budget assertion must fail, after three measurements. */
export const KernelBudgetOf1ns: Story = {
  play: async ({ canvasElement }) => {
    await waitFor(() => expect(within(canvasElement).getByTestId('wasm-status')).toHaveTextContent(/^active$/), { timeout: 15_000 });
    // the same retrying measurement the stories use: all three attempts must miss
    const runtime = StagebenchRuntime.get();
    const result = await timeKernelWithin(() => runtime.measureKernel({ batches: 50 }), { kernelP99Us: 0.001 });
    expect(result.all).toHaveLength(3);
    expectKernelAttemptsWithinBudget(result, { kernelP99Us: 0.001 });
  },
};

/** The read-back compared against an input with one sample changed: the bit-exact assertion must fail. */
export const OneSampleChanged: Story = {
  play: async () => {
    const input = whiteNoise(128 * 64, 0.5, 3);
    const result = await renderOffline({ stage: 'ring-copy', params: { capacity: 4096 }, input, sampleRate: 48_000 });
    const tampered = input.slice();
    tampered[1234] = tampered[1234]! + 1e-6;
    expectBitExact(result.output, tampered, 'wasm ring read-back vs tampered input');
  },
};
