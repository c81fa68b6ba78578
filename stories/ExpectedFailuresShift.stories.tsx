/** A shift story that must FAIL (run only by `npm run test:expected-failures`): the 0.02-sample check can fail. */
import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect } from 'storybook/test';
import { shiftStage } from '../dsp-stages/shift/index.ts';
import { delayedPair } from '../dsp-stages/shift/signals.ts';
import { defaultParams } from '../dsp-stages/params.ts';
import { renderOffline } from '../worklet/host.ts';

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
  play: async () => {
    const pair = delayedPair({ n: 32768, delay: 100.37, snrDb: 30, seed: 3 });
    const r = await renderOffline({ stage: 'shift', params: defaultParams(shiftStage.params), input: pair.reference, input2: pair.input, sampleRate: 48_000 });
    expect(Math.abs(r.figures![0]! - 100.47)).toBeLessThan(0.02);
  },
};
