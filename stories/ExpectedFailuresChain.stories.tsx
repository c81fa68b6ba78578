/**
 * Chain stories that must FAIL (the expected-failure gate of `npm test`): proof that the chain's
 * value check catches references applied in the wrong order, and that the live check of its
 * stages' visual frames catches a stage drawn from another's slot. Each declares the assertion it
 * must fail on.
 */
import type { Meta, StoryObj } from '@storybook/react-vite';
import { ChainBench } from '../components/ChainBench.tsx';
import { sine, whiteNoise } from '../dsp-stages/signals.ts';
import {
  chainSpecs,
  expectChainMatchesReferences,
  expectChainVisualsLive,
  referencesInOrder,
  renderChainOffline,
} from './support/chainChecks.ts';
import { StagebenchRuntime } from '../worklet/host.ts';
import { failsWith } from './support/expectedFailure.ts';

const STAGES = 'eq,fft';

function EqFftChain() {
  return <ChainBench stages={chainSpecs(STAGES)} source={{ kind: 'sine', frequencyHz: 1000, levelDb: -6 }} />;
}

const meta = {
  title: 'Expected Failures/Chain',
  component: EqFftChain,
  tags: ['expected-failure', '!test', '!autodocs'],
} satisfies Meta<typeof EqFftChain>;

export default meta;
type Story = StoryObj<typeof meta>;

const RATE = 48_000;

/**
 * The EQ → FFT chain against its references in the wrong order (FFT, then EQ): the output still
 * matches (the FFT passes its input on), but the FFT reference analysed the signal before the EQ,
 * so its peak level differs from the chain's FFT, which analysed the EQ's output.
 */
export const ReferencesInTheWrongOrder: Story = {
  parameters: failsWith(/chain stage 2 \(fft\) figure \w+: [\d.e+-]+ vs reference [\d.e+-]+/),
  play: async () => {
    const specs = chainSpecs(STAGES);
    const tone = sine(RATE, RATE, 1000, 0.4);
    const noise = whiteNoise(RATE, 0.05, 5);
    const input = tone.map((v, i) => v + noise[i]!);
    const got = await renderChainOffline(specs, [input], RATE);
    const reversed = referencesInOrder([...specs].reverse(), [input], RATE);
    // the figures of the reversed references, back in the chain's order
    const wrong = { output: reversed.output, figures: [...reversed.figures].reverse() };
    expectChainMatchesReferences(specs, got, wrong);
  },
};

/**
 * The live visual check with each stage read from the other's slot (as a bench that drew every
 * stage from one region would): the EQ's check reads the FFT's frame, longer than an EQ frame.
 */
export const VisualSlotsSwapped: Story = {
  parameters: failsWith(/eq visual frame length \(slot 1\): expected 8193 to be 8192/),
  play: async ({ canvasElement }) => {
    await expectChainVisualsLive(
      StagebenchRuntime.get(),
      canvasElement,
      chainSpecs(STAGES),
      1000,
      (i, slots) => slots[slots.length - 1 - i]!,
    );
  },
};
