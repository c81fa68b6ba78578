/**
 * Ring copy stories that must FAIL (the expected-failure gate of `npm test`): proof that the
 * bit-exact assertion can fail. Each declares the assertion it must fail on.
 */
import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect } from 'storybook/test';
import { StageBench } from '../components/StageBench.tsx';
import { ringCopyStage } from '../dsp-stages/ring-copy/index.ts';
import { renderOffline } from '../worklet/offline-render.ts';
import { whiteNoise } from '../dsp-stages/signals.ts';
import { expectBitExact } from './support/assertions.ts';
import { failsWith } from './support/expectedFailure.ts';

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

/** The read-back compared against an input with one sample changed: the bit-exact assertion must fail. */
export const OneSampleChanged: Story = {
  parameters: failsWith(/wasm ring read-back vs tampered input: 1 samples differ first at sample 1234/),
  play: async () => {
    const input = whiteNoise(128 * 64, 0.5, 3);
    const result = await renderOffline({ stage: 'ring-copy', params: { capacity: 4096 }, input, sampleRate: 48_000 });
    expect(result.status, `fallback: ${result.reason}`).toBe('active');
    const tampered = input.slice();
    tampered[1234] = tampered[1234]! + 1e-6;
    expectBitExact(result.output, tampered, 'wasm ring read-back vs tampered input');
  },
};
